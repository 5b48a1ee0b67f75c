"""MAC address, the 48-bit hardware address of a network interface (IEEE 802, EUI-48).

Written as six hex pairs separated by ``:`` or ``-`` (``AC-DE-48-23-45-67``), as three
groups of four separated by ``.`` (Cisco: ``acde.4823.4567``), or as 12 bare hex digits.
The first three octets are the OUI of the manufacturer; bit 0 of the first octet marks a
multicast address, bit 1 a locally administered one.

The all-zero address and the broadcast address ``FF:FF:FF:FF:FF:FF`` identify no device
and are refused. The manufacturer is not required to be registered (``stdnum.mac``
requires it by default): randomised and new OUIs would fail; ``manufacturer`` looks it up
in python-stdnum's copy of the IEEE registry when wanted.

>>> validate('ac:de:48:23:45:67'), validate('acde.4823.4567')
('ACDE48234567', 'ACDE48234567')
>>> format('ACDE48234567')
'ac:de:48:23:45:67'
>>> is_multicast('01:00:5e:00:00:fb'), is_local('02:00:00:00:00:01')
(True, True)
>>> is_valid('ff:ff:ff:ff:ff:ff'), is_valid('00-00-00-00-00-00'), is_valid('ac:de:48-23:45:67')
(False, False, False)
"""

from __future__ import annotations

import re

from stdnum import mac as stdnum_mac

from piwarden.detect.ids._clean import clean
from piwarden.detect.ids._stdnum import stdnum_errors
from piwarden.detect.ids.exceptions import (
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

_HEX2 = "[0-9A-F]{2}"
_LAYOUTS = (
    re.compile(rf"{_HEX2}(?::{_HEX2}){{5}}"),
    re.compile(rf"{_HEX2}(?:-{_HEX2}){{5}}"),
    re.compile(r"[0-9A-F]{4}(?:\.[0-9A-F]{4}){2}"),
    re.compile(r"[0-9A-F]{12}"),
)


def compact(number: str) -> str:
    """Remove separators (``:``, ``-``, ``.``, spaces), upper-case: 12 hex digits."""
    return clean(number, " :-.")


def validate(number: str) -> str:
    """Return the 12 upper-case hex digits, or raise a ``ValidationError``.

    Separators must be used consistently in one of the layouts above.
    """
    layout = clean(number, " ")
    if not any(pattern.fullmatch(layout) for pattern in _LAYOUTS):
        raise InvalidLength() if len(compact(layout)) != 12 else InvalidFormat()
    number = compact(layout)
    if number in ("000000000000", "FFFFFFFFFFFF"):
        raise InvalidComponent("the all-zero and broadcast addresses identify no device")
    return number


def is_valid(number: object) -> bool:
    """Check the address; never raises."""
    try:
        validate(number)  # type: ignore[arg-type]
    except ValidationError:
        return False
    return True


def format(number: str) -> str:
    """The common display form: lower-case hex pairs separated by colons."""
    number = validate(number).lower()
    return ":".join(number[i : i + 2] for i in range(0, 12, 2))


def is_multicast(number: str) -> bool:
    """True when the group bit (bit 0 of the first octet) is set."""
    return bool(int(validate(number)[:2], 16) & 1)


def is_local(number: str) -> bool:
    """True for a locally administered (e.g. randomised) address: bit 1 of the first octet."""
    return bool(int(validate(number)[:2], 16) & 2)


def manufacturer(number: str) -> str | None:
    """Return the registered manufacturer of the OUI, or None when not registered."""
    number = format(number)
    try:
        with stdnum_errors():
            return stdnum_mac.get_manufacturer(number)
    except ValidationError:
        return None
