"""United States Individual Taxpayer Identification Number (ITIN), wrapping ``stdnum.us.itin``.

Nine digits written like an SSN, ``9XX-GG-SSSS``: the area is always 9 (the range the SSA never
issues), the group one the IRS assigns (50-65, 70-88, 90-92, 94-99). Issued to taxpayers who
cannot get an SSN, so it is a personal identifier of the same standing.

>>> validate('912-90-3456')  # python-stdnum's documentation example
'912903456'
>>> is_valid('912-70-1234'), is_valid('912-69-1234'), is_valid('812-70-1234')
(True, False, False)
"""

from __future__ import annotations

from stdnum.us import itin as stdnum_itin

from piwarden.detect.ids._clean import clean, isdigits
from piwarden.detect.ids._stdnum import stdnum_errors
from piwarden.detect.ids.exceptions import InvalidFormat, InvalidLength, ValidationError


def compact(number: str) -> str:
    """Remove spaces and dashes."""
    return clean(number, " -")


def validate(number: str) -> str:
    """Return the 9 digits, or raise a ``ValidationError``."""
    number = compact(number)
    if not isdigits(number):
        raise InvalidFormat()
    if len(number) != 9:
        raise InvalidLength()
    with stdnum_errors():
        return stdnum_itin.validate(number)


def is_valid(number: object) -> bool:
    """Check the number; never raises."""
    try:
        validate(number)  # type: ignore[arg-type]
    except ValidationError:
        return False
    return True


def format(number: str) -> str:
    """The conventional display form: ``9XX-GG-SSSS``."""
    return stdnum_itin.format(validate(number))
