"""Hong Kong Identity Card number (香港身份證號碼).

One or two letters, six digits and a check character, printed with the check character in
parentheses: ``A123456(3)``. The check is a weighted MOD 11 sum over the eight positions
left of it (weights 9 to 2, a single-letter number being left-padded with a space), where
letters count A=10 ... Z=35 and the space 36; the check character makes the total, with
weight 1 and ``A`` counting 10, a multiple of 11.

The algorithm is not in an ordinance but has been published widely since the 1980 card;
some write-ups give the space the value 58 instead of 36, which gives the same results
(58 - 36 = 22 is a multiple of 11). Own implementation: python-stdnum has no Hong Kong
module.

>>> validate('A123456(3)')  # the example used throughout the literature
'A1234563'
>>> format('a1234563'), calc_check_digit('AB987654')
('A123456(3)', '3')
>>> is_valid('A123456(4)'), is_valid('A12345(6)')
(False, False)
"""

from __future__ import annotations

import re

from piwarden.detect.ids._clean import clean
from piwarden.detect.ids.exceptions import (
    InvalidChecksum,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

_BODY = re.compile(r"[A-Z]{1,2}[0-9]{6}")
_FORM = re.compile(r"[A-Z]{1,2}[0-9]{6}[0-9A]")
_VALUES = {" ": 36, **{chr(c): c - 55 for c in range(ord("A"), ord("Z") + 1)}}


def compact(number: str) -> str:
    """Remove spaces, dashes and parentheses, upper-case."""
    return clean(number, " -()")


def calc_check_digit(number: str) -> str:
    """Return the check character for ``number``: 1-2 letters and 6 digits, no check."""
    if not _BODY.fullmatch(number):
        raise InvalidFormat()
    padded = number.rjust(8)
    total = sum((_VALUES.get(c) or int(c)) * w for c, w in zip(padded, range(9, 1, -1), strict=True))
    value = -total % 11
    return "A" if value == 10 else str(value)


def validate(number: str) -> str:
    """Return the compact number (check character last), or raise a ``ValidationError``."""
    number = compact(number)
    if len(number) not in (8, 9):
        raise InvalidLength()
    if not _FORM.fullmatch(number):
        raise InvalidFormat()
    if calc_check_digit(number[:-1]) != number[-1]:
        raise InvalidChecksum()
    return number


def is_valid(number: object) -> bool:
    """Check the number; never raises."""
    try:
        validate(number)  # type: ignore[arg-type]
    except ValidationError:
        return False
    return True


def format(number: str) -> str:
    """The printed form, check character in parentheses: ``A123456(3)``."""
    number = validate(number)
    return f"{number[:-1]}({number[-1]})"
