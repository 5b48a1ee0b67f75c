"""PRC motor vehicle number plate (机动车号牌, GA 36-2018), format only.

A plate is a province abbreviation, the letter of the issuing authority and a serial:

- ordinary plates, 7 characters: ``京A·12345``, the serial being 5 digits or capitals
  (I and O are never used);
- special-use plates, 7 characters: 4 serial characters and a suffix, 挂 (trailer),
  学 (learner), 警 (police), 领 (consulate), 试 (test), 超 (oversize), and 港 or 澳 for
  cross-border vehicles, which only Guangdong's authority Z issues (``粤Z·1234港``);
- new-energy plates, 8 characters: small vehicles take an energy letter then a digit or
  capital then 4 digits (``京A·D12345``); large vehicles take 5 digits then the energy
  letter (``粤B·12345D``). The energy letter is D or F in GA 36-2018 (pure electric,
  other); the ranges were later widened to A-E and F-K (without I), which are accepted.

The authority letter is any capital but I; O is only accepted on police plates, where some
provinces use it for the provincial public-security department (unverified). Military,
armed-police, embassy (使) and civil-aviation plates are out of scope.

>>> validate('京a 12345'), format('京A12345')
('京A12345', '京A·12345')
>>> is_new_energy('京AD12345'), is_new_energy('粤B·12345D'), is_new_energy('京A·12345')
(True, True, False)
>>> validate('粤Z·1234港')
'粤Z1234港'
>>> is_valid('京AI2345'), is_valid('京A·1234港'), is_valid('京A12345X')  # I; 港 off 粤Z; X no energy letter
(False, False, False)
"""

from __future__ import annotations

import re

from piwarden.detect.ids._clean import clean
from piwarden.detect.ids.exceptions import InvalidFormat, InvalidLength, ValidationError

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_P = f"[{PROVINCES}]"
_AUTHORITY = "[A-HJ-NP-Z]"
_SERIAL = "[A-HJ-NP-Z0-9]"
_ENERGY = "[A-HJ-K]"

_ORDINARY = re.compile(rf"{_P}{_AUTHORITY}{_SERIAL}{{5}}")
_SPECIAL = re.compile(
    rf"{_P}{_AUTHORITY}{_SERIAL}{{4}}[挂学警领试超]"  # trailer, learner, police...
    rf"|{_P}O{_SERIAL}{{4}}警"  # provincial public security
    rf"|粤Z{_SERIAL}{{4}}[港澳]"  # cross-border vehicles from Hong Kong and Macau
)
_NEW_ENERGY = re.compile(rf"{_P}{_AUTHORITY}(?:{_ENERGY}{_SERIAL}[0-9]{{4}}|[0-9]{{5}}{_ENERGY})")

# "·" is the official separator; people also type "•", "・", ".", "-" or spaces
_SEPARATORS = " ·•・.-\u3000"


def compact(number: str) -> str:
    """Remove spaces, the middle dot and other separators, upper-case."""
    return clean(number, _SEPARATORS)


def validate(number: str) -> str:
    """Return the compact plate, or raise a ``ValidationError``."""
    number = compact(number)
    if len(number) not in (7, 8):
        raise InvalidLength()
    forms = (_ORDINARY, _SPECIAL) if len(number) == 7 else (_NEW_ENERGY,)
    if not any(form.fullmatch(number) for form in forms):
        raise InvalidFormat()
    return number


def is_valid(number: object) -> bool:
    """Check the plate's format; never raises."""
    try:
        validate(number)  # type: ignore[arg-type]
    except ValidationError:
        return False
    return True


def format(number: str) -> str:
    """The printed form with the middle dot after the authority letter: ``京A·12345``."""
    number = validate(number)
    return f"{number[:2]}·{number[2:]}"


def is_new_energy(number: str) -> bool:
    """True for an 8-character new-energy vehicle plate."""
    return len(validate(number)) == 8


def province(number: str) -> str:
    """Return the province abbreviation (the first character) of a valid plate."""
    return validate(number)[0]
