"""Express waybill (tracking) numbers of the major carriers in mainland China, best effort.

Carriers publish no numbering rules; the forms below come from open-source courier-detection
tables that agree with each other, and they change as ranges run out. Forms with a letter
prefix, and UPU S10 numbers with a correct check digit, identify the carrier by themselves
(``is_self_identifying``); pure-digit forms overlap with each other and with every other
long number, so a recogniser must require context words (快递, 单号, 运单...).

Self-identifying:

- SF Express: ``SF`` + 12 or 13 digits;
- YTO Express: ``YT`` + 13 digits;
- JD Logistics: ``JD`` + 2 digits or capitals + 11 digits (``JDVA12345678901``);
- J&T Express: ``JT`` + 13 digits;
- Deppon: ``DPK`` + 12 digits;
- EMS and China Post, UPU standard S10: 2 service letters, 8 digits, the S10 check digit
  and the 2-letter country code (``EA123456785CN``); the check digit is verified. Service
  letter E is EMS, other CN items are China Post, other countries ``'foreign post'``.

Pure digits (carrier is a guess): ZTO 14 digits starting 73-76 or 78; STO 12-15 digits
starting 77 or 88; Yunda 13 or 15 digits starting 31, 43 or 46; EMS domestic 13 digits
starting 10, 11, 50, 51, 95, 97, 98 or 99. Unverified and incomplete: older ranges of every
carrier (ZTO's 12-digit numbers, for one) are not accepted.

>>> validate('sf 1234 5678 90123')
'SF1234567890123'
>>> carrier('SF1234567890123'), carrier('EA123456785CN'), carrier('RR123456785CN')
('SF Express', 'EMS', 'China Post')
>>> is_self_identifying('EA123456785CN'), is_self_identifying('75123456789012')
(True, False)
>>> calc_check_digit('EA12345678CN')
'5'
>>> is_valid('EA123456784CN'), is_valid('12345')  # S10 check digit; too short
(False, False)
"""

from __future__ import annotations

import re

from piwarden.detect.ids._clean import clean
from piwarden.detect.ids.checksums import s10
from piwarden.detect.ids.exceptions import (
    InvalidChecksum,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

EMS, CHINA_POST, FOREIGN_POST = "EMS", "China Post", "foreign post"
_S10 = re.compile(r"[A-Z]{2}([0-9]{9})[A-Z]{2}")

# (carrier, pattern, self-identifying); the first full match decides
_FORMS: tuple[tuple[str, re.Pattern[str], bool], ...] = (
    ("SF Express", re.compile(r"SF[0-9]{12,13}"), True),
    ("YTO Express", re.compile(r"YT[0-9]{13}"), True),
    ("JD Logistics", re.compile(r"JD[0-9A-Z]{2}[0-9]{11}"), True),
    ("J&T Express", re.compile(r"JT[0-9]{13}"), True),
    ("Deppon", re.compile(r"DPK[0-9]{12}"), True),
    ("ZTO Express", re.compile(r"7[3-68][0-9]{12}"), False),
    ("STO Express", re.compile(r"(?:77|88)[0-9]{10,13}"), False),
    ("Yunda Express", re.compile(r"(?:31|43|46)[0-9]{11}(?:[0-9]{2})?"), False),
    (EMS, re.compile(r"(?:1[01]|5[01]|9[5789])[0-9]{11}"), False),
)


def compact(number: str) -> str:
    """Remove spaces and dashes, upper-case."""
    return clean(number, " -")


def calc_check_digit(number: str) -> str:
    """Return the S10 check digit of an S10 number, given with or without it."""
    digits = re.sub(r"[^0-9]", "", compact(number))
    return s10.calc_check_digit(digits[:8])


def _match(number: str) -> tuple[str, bool]:
    s10_form = _S10.fullmatch(number)
    if s10_form:
        if not s10.is_valid(s10_form.group(1)):
            raise InvalidChecksum()
        return (EMS if number[0] == "E" else CHINA_POST if number.endswith("CN") else FOREIGN_POST), True
    for name, pattern, self_identifying in _FORMS:
        if pattern.fullmatch(number):
            return name, self_identifying
    raise InvalidLength() if not 12 <= len(number) <= 17 else InvalidFormat()


def validate(number: str) -> str:
    """Return the compact number, or raise a ``ValidationError``."""
    number = compact(number)
    _match(number)
    return number


def is_valid(number: object) -> bool:
    """Check the number; never raises."""
    try:
        validate(number)  # type: ignore[arg-type]
    except ValidationError:
        return False
    return True


def format(number: str) -> str:
    """The conventional display form: the compact number."""
    return validate(number)


def carrier(number: str) -> str | None:
    """Return the carrier the number's form belongs to, or None when it fits no form."""
    try:
        return _match(compact(number))[0]
    except ValidationError:
        return None


def is_self_identifying(number: str) -> bool:
    """True when the form alone makes the carrier certain (letter prefix or S10 check)."""
    try:
        return _match(compact(number))[1]
    except ValidationError:
        return False
