"""Taiwan National Identification Number (中華民國國民身分證統一編號) and new-style UI numbers.

Ten characters: a letter for the place of first registration, a digit for the holder,
seven serial digits and a check digit (``A123456789``). The second character is 1 (male)
or 2 (female) for citizens; since 2021 the Uniform ID numbers of Alien and Mainland
resident certificates (居留證統一證號) use the same layout with 8 (male) or 9 (female) and
the same checksum. The old-style resident numbers with two letters are not covered.

Checksum (Ministry of the Interior): the letter becomes two digits (A=10, B=11 ... H=17,
I=34, J=18 ... N=22, O=35, P=23 ... V=29, W=32, X=30, Y=31, Z=33), the eleven digits are
weighted 1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1 and the sum must be a multiple of 10.
Own implementation: python-stdnum's ``tw`` package has no personal number.

>>> validate('a123456789')  # the customary example
'A123456789'
>>> calc_check_digit('A12345678'), gender('A123456789'), is_resident_certificate('A823456783')
('9', 'M', True)
>>> is_valid('A123456788'), is_valid('A323456789')  # bad check; holder digit 3
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

_LETTERS = "ABCDEFGHJKLMNPQRSTUVXYWZIO"  # in the order of their values 10, 11, ... 35
_VALUES = {letter: 10 + i for i, letter in enumerate(_LETTERS)}
_BODY = re.compile(r"[A-Z][1289][0-9]{7}")
_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, 1)


def compact(number: str) -> str:
    """Remove spaces and dashes, upper-case."""
    return clean(number, " -")


def calc_check_digit(number: str) -> str:
    """Return the check digit for the first 9 characters of ``number``."""
    if not _BODY.fullmatch(number[:9]):
        raise InvalidFormat()
    tens, units = divmod(_VALUES[number[0]], 10)
    total = tens + sum(int(c) * w for c, w in zip(str(units) + number[1:9], _WEIGHTS, strict=True))
    return str(-total % 10)


def validate(number: str) -> str:
    """Return the compact number, or raise a ``ValidationError``."""
    number = compact(number)
    if len(number) != 10:
        raise InvalidLength()
    if not _BODY.fullmatch(number[:9]) or not number[9].isascii() or not number[9].isdigit():
        raise InvalidFormat()
    if calc_check_digit(number) != number[9]:
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
    """The conventional display form: the compact number."""
    return validate(number)


def gender(number: str) -> str:
    """Return ``'M'`` (second digit 1 or 8) or ``'F'`` (2 or 9)."""
    return "M" if validate(number)[1] in "18" else "F"


def is_resident_certificate(number: str) -> bool:
    """True for a new-style resident certificate number (second digit 8 or 9)."""
    return validate(number)[1] in "89"
