"""Exit-Entry Permit for Travelling to and from Hong Kong and Macao (往来港澳通行证), format only.

Issued to mainland residents by the National Immigration Administration:

- card permit (2014 onwards): ``C`` + 8 digits;
- once the C + 8-digit numbers ran out (NIA notice of 2018-12-10): ``C`` + a letter other
  than I and O + 7 digits, starting at ``CA0000001``;
- booklet permit (before 2014, unverified): ``W`` + 8 digits.

There is no published check digit, so this is a format check only.

>>> validate('c 1234 5678'), validate('CA1234567')
('C12345678', 'CA1234567')
>>> generation('W12345678')
'booklet'
>>> is_valid('CO1234567'), is_valid('C1234567')  # no letter O; too short
(False, False)
"""

from __future__ import annotations

import re

from piwarden.detect.ids._clean import clean
from piwarden.detect.ids.exceptions import InvalidFormat, InvalidLength, ValidationError

_CARD = re.compile(r"C[0-9]{8}|C[A-HJ-NP-Z][0-9]{7}")
_BOOKLET = re.compile(r"W[0-9]{8}")


def compact(number: str) -> str:
    """Remove spaces and dashes, upper-case."""
    return clean(number, " -")


def validate(number: str) -> str:
    """Return the compact number, or raise a ``ValidationError``."""
    number = compact(number)
    if len(number) != 9:
        raise InvalidLength()
    if not (_CARD.fullmatch(number) or _BOOKLET.fullmatch(number)):
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
    """Return ``'card'`` (C series) or ``'booklet'`` (W series)."""
    return "card" if validate(number)[0] == "C" else "booklet"
