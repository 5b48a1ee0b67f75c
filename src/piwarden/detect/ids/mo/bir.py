"""Macau Resident Identity Card number (澳門居民身份證號碼, BIR), format only.

Eight digits printed as ``1234567(8)``: a first digit that is 1, 5, 7 or 8 (the series
seen in practice; their meaning is not published), six digits, and a check digit written
in parentheses. The Identification Services Bureau (DSI) has not published the
check-digit algorithm and none of the versions circulating could be confirmed, so this
module checks the format only.

>>> validate('1234567(8)'), format('12345678')
('12345678', '1234567(8)')
>>> is_valid('2234567(8)'), is_valid('1234567')  # first digit 2; too short
(False, False)
"""

from __future__ import annotations

import re

from piwarden.detect.ids._clean import clean
from piwarden.detect.ids.exceptions import InvalidFormat, InvalidLength, ValidationError

_FORM = re.compile(r"[1578][0-9]{7}")


def compact(number: str) -> str:
    """Remove spaces, dashes, slashes and parentheses."""
    return clean(number, " -/()")


def validate(number: str) -> str:
    """Return the 8 digits, or raise a ``ValidationError``."""
    number = compact(number)
    if len(number) != 8:
        raise InvalidLength()
    if not _FORM.fullmatch(number):
        raise InvalidFormat()
    return number


def is_valid(number: object) -> bool:
    """Check the number's format; never raises."""
    try:
        validate(number)  # type: ignore[arg-type]
    except ValidationError:
        return False
    return True


def format(number: str) -> str:
    """The printed form, last digit in parentheses: ``1234567(8)``."""
    number = validate(number)
    return f"{number[:7]}({number[7]})"
