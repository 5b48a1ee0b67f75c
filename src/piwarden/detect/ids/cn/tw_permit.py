"""Mainland Travel Permit for Taiwan (大陆居民往来台湾通行证), format only.

Issued to mainland residents by the National Immigration Administration:

- card permit (electronic): ``L`` + 8 digits;
- booklet permit (before the card): ``T`` + 8 digits.

Both forms come from secondary sources (no official numbering rule was found); there is no
published check digit, so this is a format check only. Not to be confused with the permit
for Taiwan residents coming to the mainland (台胞证), see ``piwarden.detect.ids.cn.mtp``.

>>> validate('l1234 5678')
'L12345678'
>>> generation('L12345678'), generation('T12345678')
('card', 'booklet')
>>> is_valid('L1234567'), is_valid('LA1234567')
(False, False)
"""

from __future__ import annotations

import re

from piwarden.detect.ids._clean import clean
from piwarden.detect.ids.exceptions import InvalidFormat, InvalidLength, ValidationError

_FORM = re.compile(r"[LT][0-9]{8}")


def compact(number: str) -> str:
    """Remove spaces and dashes, upper-case."""
    return clean(number, " -")


def validate(number: str) -> str:
    """Return the compact number, or raise a ``ValidationError``."""
    number = compact(number)
    if len(number) != 9:
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
    """The conventional display form: the compact number."""
    return validate(number)


def generation(number: str) -> str:
    """Return ``'card'`` (L series) or ``'booklet'`` (T series)."""
    return "card" if validate(number)[0] == "L" else "booklet"
