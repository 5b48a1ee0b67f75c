"""Luhn mod 10 check digit (ISO/IEC 7812-1 Annex B), used by payment cards and IMEIs.

From the rightmost digit (the check digit) leftwards, every second digit is doubled and
its digits summed; the number is valid when the total is a multiple of 10.

>>> calc_check_digit('7992739871')
'3'
>>> is_valid('79927398713'), is_valid('79927398710')
(True, False)
"""

from __future__ import annotations

from piwarden.detect.ids._clean import isdigits
from piwarden.detect.ids.exceptions import InvalidFormat

# digit -> sum of the digits of twice the digit
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def checksum(number: str) -> int:
    """Return the Luhn sum modulo 10 of a digit string; 0 means the number is valid."""
    if not isdigits(number):
        raise InvalidFormat()
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = ord(char) - 48
        total += _DOUBLED[digit] if position % 2 else digit
    return total % 10


def calc_check_digit(number: str) -> str:
    """Return the digit to append to ``number`` (without check digit) to make it valid."""
    return str((10 - checksum(number + "0")) % 10)


def is_valid(number: object) -> bool:
    """True when ``number`` is a digit string whose last digit is a correct Luhn check."""
    return isinstance(number, str) and isdigits(number) and checksum(number) == 0
