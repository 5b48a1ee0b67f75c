"""Permits for Hong Kong, Macau and Taiwan residents to enter the mainland, format only.

- Mainland Travel Permit for Hong Kong and Macao Residents (港澳居民来往内地通行证, 回乡证):
  ``H`` (Hong Kong) or ``M`` (Macau) + an 8-digit lifelong number; booklets and cards
  issued before the 2013 card added a 2-digit issue count (``H`` / ``M`` + 10 digits).
- Mainland Travel Permit for Taiwan Residents (台湾居民来往大陆通行证, 台胞证): the 8-digit
  lifelong number ("one person one number", since 2008-09-25, and on the 2015 card).
  Permits from 1992 to 2008 appended a 2-digit issue count and, in parentheses, the
  issuing authority (``1234567801(B)``); ``compact`` drops the parentheses. Authority codes
  that were digits are not accepted: 11 bare digits are a phone number far more often.

No check digit is published, so this is a format check only. A bare 8-digit number is
everywhere (order numbers, amounts): a recogniser must require context words for the
Taiwan form; this module only says whether the format fits.

>>> validate('H1234 5678'), holder('H12345678'), holder('M1234567801')
('H12345678', 'HK', 'MO')
>>> validate('12345678 01(B)'), holder('12345678')
('1234567801B', 'TW')
>>> is_valid('X12345678'), is_valid('1234567')
(False, False)
"""

from __future__ import annotations

import re

from piwarden.detect.ids._clean import clean
from piwarden.detect.ids.exceptions import InvalidFormat, InvalidLength, ValidationError

_HKMO = re.compile(r"[HM][0-9]{8}(?:[0-9]{2})?")
_TW = re.compile(r"[0-9]{8}(?:[0-9]{2}[A-Z]?)?")
_HOLDERS = {"H": "HK", "M": "MO"}


def compact(number: str) -> str:
    """Remove spaces, dashes and parentheses, upper-case."""
    return clean(number, " -()")


def validate(number: str) -> str:
    """Return the compact number, or raise a ``ValidationError``."""
    number = compact(number)
    if not 8 <= len(number) <= 11:
        raise InvalidLength()
    if not (_HKMO.fullmatch(number) or _TW.fullmatch(number)):
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


def holder(number: str) -> str:
    """Return ``'HK'``, ``'MO'`` or ``'TW'``: where the permit holder resides."""
    return _HOLDERS.get(validate(number)[0], "TW")
