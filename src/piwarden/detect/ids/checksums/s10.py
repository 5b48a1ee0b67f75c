"""UPU S10 check digit of international postal item identifiers (EMS and registered mail).

An S10 identifier is two service letters, an 8-digit serial, a check digit and the ISO
3166 country code of the issuing post (``EA123456785CN``). The serial is weighted
8, 6, 4, 2, 3, 5, 9, 7; the check is ``11 - sum mod 11``, written 0 for 10 and 5 for 11
(UPU standard S10, section on the check digit).

>>> calc_check_digit('12345678')
'5'
>>> is_valid('123456785'), is_valid('123456784')
(True, False)
"""

from __future__ import annotations

from piwarden.detect.ids._clean import isdigits
from piwarden.detect.ids.exceptions import InvalidFormat

WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def calc_check_digit(serial: str) -> str:
    """Return the check digit for an 8-digit S10 serial number."""
    if len(serial) != 8 or not isdigits(serial):
        raise InvalidFormat()
    value = 11 - sum(int(c) * w for c, w in zip(serial, WEIGHTS, strict=True)) % 11
    return {10: "0", 11: "5"}.get(value, str(value))


def is_valid(number: object) -> bool:
    """True when ``number`` is an 8-digit serial followed by its correct check digit."""
    if not isinstance(number, str) or len(number) != 9 or not isdigits(number):
        return False
    return calc_check_digit(number[:8]) == number[8]
