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
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # the digit sum of 2 * digit
_DOUBLED_BYTES = bytes.maketrans(b"0123456789", "".join(map(str, _DOUBLED)).encode("ascii"))


def checksum(number: str) -> int:
    """Return the Luhn sum modulo 10 of a digit string; 0 means the number is valid."""
    if not isdigits(number):
        raise InvalidFormat()
    # every second digit from the right doubled (its digit sum, by table), then all ASCII codes
    # summed in C: three times faster than a loop over the digits, on the detection hot path
    raw = number.encode("ascii")
    return (sum(raw[-1::-2]) + sum(raw[-2::-2].translate(_DOUBLED_BYTES)) - 48 * len(raw)) % 10


def calc_check_digit(number: str) -> str:
    """Return the digit to append to ``number`` (without check digit) to make it valid."""
    return str((10 - checksum(number + "0")) % 10)


def is_valid(number: object) -> bool:
    """True when ``number`` is a digit string whose last digit is a correct Luhn check."""
    return isinstance(number, str) and isdigits(number) and checksum(number) == 0
