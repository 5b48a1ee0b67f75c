"""International Bank Account Number (IBAN, ISO 13616), wrapping ``stdnum.iban``.

A 2-letter country code, 2 check digits (ISO 7064 MOD 97-10 over the rearranged number) and
a country-specific BBAN of up to 30 characters whose length and layout come from the SWIFT
IBAN registry. python-stdnum checks all three, and for some countries the national check
digits inside the BBAN too. Mainland China does not use IBANs; they appear in data about
cross-border payments and Hong Kong or foreign accounts.

>>> validate('GB82 WEST 1234 5698 7654 32')  # the example from the SWIFT IBAN registry
'GB82WEST12345698765432'
>>> format('GB82WEST12345698765432'), country('GB82WEST12345698765432')
('GB82 WEST 1234 5698 7654 32', 'GB')
>>> is_valid('GB83WEST12345698765432'), is_valid('XX82WEST12345698765432')
(False, False)
"""

from __future__ import annotations

import re
import string
from functools import cache

from stdnum import iban as stdnum_iban

from piwarden.detect.ids._clean import clean
from piwarden.detect.ids._stdnum import stdnum_errors
from piwarden.detect.ids.exceptions import InvalidFormat, InvalidLength, ValidationError


def compact(number: str) -> str:
    """Remove spaces and dashes, upper-case."""
    return clean(number, " -")


def validate(number: str) -> str:
    """Return the compact IBAN, or raise a ``ValidationError``."""
    number = compact(number)
    if not number.isascii() or not number.isalnum():
        raise InvalidFormat()
    if not 15 <= len(number) <= 34:  # Norway's are the shortest; ISO 13616 caps them at 34
        raise InvalidLength()
    with stdnum_errors():
        return stdnum_iban.validate(number)


@cache
def _countries() -> frozenset[str]:
    """The first two characters of every IBAN python-stdnum's registry knows (its country codes)."""
    chars = string.ascii_uppercase + string.digits
    return frozenset(a + b for a in chars for b in chars if stdnum_iban._ibandb.info(a + b)[0][1])


@cache
def lengths() -> dict[int, tuple[str, ...]]:
    """The country codes of each IBAN length, from the registry: an IBAN's length is fixed by its
    country, which lets a pattern stop where the number ends ("AT18 0000 0000 0000 0000 7777" is an
    Austrian IBAN of 20 characters and a number after it)."""
    by_length: dict[int, list[str]] = {}
    for code in sorted(_countries()):
        bban = stdnum_iban._ibandb.info(code)[0][1]["bban"]
        size = 4 + sum(int(n) for n in re.findall(r"([0-9]+)!?[nace]", bban))
        by_length.setdefault(size, []).append(code)
    return {size: tuple(codes) for size, codes in sorted(by_length.items())}


def preload() -> None:
    """Read python-stdnum's IBAN registry and the country table now (about 15 ms once a process)
    rather than on the first candidate of a scan."""
    _countries()


def is_valid(number: object) -> bool:
    """Check the IBAN; never raises.

    A code whose country has no IBAN fails first: most candidates in text are waybill or order
    numbers shaped like one (``SF88 3093 8044 567``), and the full check costs 8 µs.
    """
    if isinstance(number, str) and compact(number)[:2] not in _countries():
        return False
    try:
        validate(number)  # type: ignore[arg-type]
    except ValidationError:
        return False
    return True


def format(number: str) -> str:
    """Groups of four characters separated by spaces."""
    return stdnum_iban.format(validate(number))


def country(number: str) -> str:
    """Return the ISO 3166-1 alpha-2 country code of a valid IBAN."""
    return validate(number)[:2]
