"""PRC passport number (中华人民共和国护照号码), format only.

Nine characters printed top right of the data page; the type letter comes first:

- ordinary, electronic: ``E`` + 8 digits (2012 to April 2017), then ``E`` + a letter other
  than I and O + 7 digits (``EA1234567``);
- ordinary, before 2012: ``G`` + 8 digits; older booklets 14 or 15 + 7 digits;
- diplomatic (外交护照): ``DE`` + 7 digits; older ``D`` + 7 or 8 digits;
- service (公务护照): ``SE`` + 7 digits; older ``S`` + 7 or 8 digits;
- public affairs (公务普通护照): ``PE`` + 7 digits; older ``P`` + 7 digits.

The April 2017 switch to E + letter + 7 digits was announced by the Exit and Entry
Administration; the other forms agree across secondary sources but no standard publishes
them. Older numbers are sometimes written with a dot (``P.1234567``), which ``compact``
removes.

There is no check digit in the visible number (the machine-readable zone has one, over
the same characters, but it is not part of the number), so this is a format check only:
``E12345678`` is "valid". Hong Kong and Macau SAR passports (``K``/``H``/``MA`` series) are
issued by the SAR governments and are not covered.

>>> validate('ea 1234567')
'EA1234567'
>>> passport_type('EA1234567'), passport_type('DE1234567'), passport_type('P.1234567')
('ordinary', 'diplomatic', 'public affairs')
>>> is_valid('EI1234567'), is_valid('E1234567')  # no letter I; too short
(False, False)
"""

from __future__ import annotations

import re

from piwarden.detect.ids._clean import clean
from piwarden.detect.ids.exceptions import InvalidFormat, InvalidLength, ValidationError

# (pattern, passport type); the first full match decides
_FORMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7}|G[0-9]{8}|1[45][0-9]{7}"), "ordinary"),
    (re.compile(r"DE[0-9]{7}|D[0-9]{7,8}"), "diplomatic"),
    (re.compile(r"SE[0-9]{7}|S[0-9]{7,8}"), "service"),
    (re.compile(r"PE[0-9]{7}|P[0-9]{7}"), "public affairs"),
)


def compact(number: str) -> str:
    """Remove spaces, dashes and dots, upper-case."""
    return clean(number, " -.")


def _type(number: str) -> str:
    for pattern, kind in _FORMS:
        if pattern.fullmatch(number):
            return kind
    raise InvalidLength() if not 8 <= len(number) <= 9 else InvalidFormat()


def validate(number: str) -> str:
    """Return the compact number, or raise a ``ValidationError``."""
    number = compact(number)
    _type(number)
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


def passport_type(number: str) -> str:
    """Return ``'ordinary'``, ``'diplomatic'``, ``'service'`` or ``'public affairs'``."""
    return _type(validate(number))
