"""United Kingdom NHS number, wrapping ``stdnum.gb.nhs``.

Ten digits, usually written ``943 476 5919``, the last a MOD 11 check digit (weights 10 to 2;
a remainder giving 10 is never issued). The patient's identifier in England, Wales and the
Isle of Man: health data hangs on it.

>>> validate('943 476 5919')  # python-stdnum's documentation example
'9434765919'
>>> is_valid('943 476 5910')
False
"""

from __future__ import annotations

from stdnum.gb import nhs as stdnum_nhs

from piwarden.detect.ids._clean import clean, isdigits
from piwarden.detect.ids._stdnum import stdnum_errors
from piwarden.detect.ids.exceptions import InvalidFormat, InvalidLength, ValidationError


def compact(number: str) -> str:
    """Remove spaces and dashes."""
    return clean(number, " -")


def validate(number: str) -> str:
    """Return the 10 digits, or raise a ``ValidationError``."""
    number = compact(number)
    if not isdigits(number):
        raise InvalidFormat()
    if len(number) != 10:
        raise InvalidLength()
    with stdnum_errors():
        return stdnum_nhs.validate(number)


def is_valid(number: object) -> bool:
    """Check the number; never raises."""
    try:
        validate(number)  # type: ignore[arg-type]
    except ValidationError:
        return False
    return True


def format(number: str) -> str:
    """The conventional display form: ``943 476 5919``."""
    return stdnum_nhs.format(validate(number))
