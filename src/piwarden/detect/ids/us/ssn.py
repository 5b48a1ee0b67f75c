"""United States Social Security Number (SSN), wrapping ``stdnum.us.ssn``.

Nine digits written ``AAA-GG-SSSS``: area, group and serial. Never issued, and refused here
(Social Security Administration rules, as python-stdnum implements them): area 000, 666 or
900-999, group 00, serial 0000, and the numbers made public by advertising or misuse
(078-05-1120, 219-09-9999, 457-55-5462). Since randomisation (2011-06-25) the area no
longer encodes a state.

``compact`` drops spaces and dashes before python-stdnum sees the number, so
``536 90 4399`` is accepted as well.

>>> validate('536-90-4399')  # python-stdnum's documentation example
'536904399'
>>> format('536904399')
'536-90-4399'
>>> is_valid('078-05-1120'), is_valid('666-12-3456'), is_valid('123-00-4567')
(False, False, False)
"""

from __future__ import annotations

from stdnum.us import ssn as stdnum_ssn

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
        return stdnum_ssn.validate(number)


def is_valid(number: object) -> bool:
    """Check the number; never raises."""
    try:
        validate(number)  # type: ignore[arg-type]
    except ValidationError:
        return False
    return True


def format(number: str) -> str:
    """The conventional display form: ``AAA-GG-SSSS``."""
    return stdnum_ssn.format(validate(number))
