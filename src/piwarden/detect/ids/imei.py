"""IMEI and IMEISV, the identity of a mobile device (3GPP TS 23.003, section 6.2).

An IMEI is 15 digits: an 8-digit Type Allocation Code (TAC, whose first two digits are the
reporting body), a 6-digit serial number and a Luhn check digit (TS 23.003 Annex B).
An IMEISV is 16 digits: the same TAC and serial followed by a 2-digit software version
number instead of the check digit, so it has no check.

``compact`` drops spaces, dashes, dots and slashes (``35-000001-234567-0`` as printed on
boxes). An all-zero IMEI passes Luhn but no TAC 00000000 is allocated, so it is refused.
Own implementation rather than ``stdnum.imei``, which also accepts the 14-digit form without
check digit: 14 bare digits are too ambiguous for a detector.

>>> validate('35-000001-234567-0')
'350000012345670'
>>> calc_check_digit('35000001234567'), tac('350000012345670'), imei_type('3500000123456712')
('0', '35000001', 'IMEISV')
>>> format('350000012345670')
'35-000001-234567-0'
>>> is_valid('350000012345671'), is_valid('000000000000000')  # bad check; all-zero
(False, False)
"""

from __future__ import annotations

from piwarden.detect.ids._clean import clean, isdigits
from piwarden.detect.ids.checksums import luhn
from piwarden.detect.ids.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)


def compact(number: str) -> str:
    """Remove spaces, dashes, dots and slashes."""
    return clean(number, " -./")


def calc_check_digit(number: str) -> str:
    """Return the Luhn check digit for the first 14 digits (TAC and serial)."""
    return luhn.calc_check_digit(number[:14])


def validate(number: str) -> str:
    """Return the compact 15-digit IMEI or 16-digit IMEISV, or raise a ``ValidationError``."""
    number = compact(number)
    if not isdigits(number):
        raise InvalidFormat()
    if len(number) not in (15, 16):
        raise InvalidLength()
    if int(number[:14]) == 0:
        raise InvalidComponent("TAC 00000000 is not allocated")
    if len(number) == 15 and luhn.checksum(number) != 0:
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
    """The form printed on devices and boxes: ``AA-BBBBBB-CCCCCC-D`` (``-EE`` for IMEISV)."""
    number = validate(number)
    return "-".join((number[:2], number[2:8], number[8:14], number[14:]))


def imei_type(number: str) -> str:
    """Return ``'IMEI'`` (15 digits) or ``'IMEISV'`` (16 digits)."""
    return "IMEI" if len(validate(number)) == 15 else "IMEISV"


def tac(number: str) -> str:
    """Return the 8-digit Type Allocation Code, which identifies the device model."""
    return validate(number)[:8]
