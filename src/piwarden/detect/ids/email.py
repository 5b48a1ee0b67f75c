"""E-mail address: a pragmatic syntax check after RFC 5321 and RFC 5322.

``local-part@domain`` where

- the local part is an RFC 5322 dot-atom of ASCII characters (letters, digits and
  ``!#$%&'*+-/=?^_`{|}~``, dots only between them), at most 64 characters (RFC 5321
  section 4.5.3.1.1). Quoted local parts and comments are not accepted: legal, but they
  are vanishingly rare in real data and mostly appear in abuse;
- the domain is two or more DNS labels (letters, digits, inner hyphens, 1-63 characters
  each), the last one a top-level domain of at least two letters or an IDN one in punycode
  (``xn--...``). Address literals (``user@[192.0.2.1]``) are not accepted;
- the whole address is at most 254 characters (RFC 5321 path limit less the brackets).

Internationalised addresses (RFC 6531: non-ASCII local parts, Unicode domains) are refused;
a recogniser that wants them should convert the domain to punycode first.
``compact`` strips surrounding whitespace and lower-cases the domain, which is case
insensitive; the local part keeps its case (RFC 5321 lets the receiving host decide).

>>> validate(' Zhang.San+tag@Example.COM ')
'Zhang.San+tag@example.com'
>>> domain('zhang.san@mail.example.cn'), local_part('zhang.san@mail.example.cn')
('mail.example.cn', 'zhang.san')
>>> is_valid('user@example.xn--fiqs8s'), is_valid('user@localhost'), is_valid('a..b@example.com')
(True, False, False)
"""

from __future__ import annotations

import re

from piwarden.detect.ids.exceptions import (
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_PART = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_TOP_LEVEL = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")


def compact(number: str) -> str:
    """Strip surrounding whitespace and lower-case the domain."""
    if not isinstance(number, str):
        raise InvalidFormat()
    address = number.strip()
    if not address.isascii():  # str.lower would turn the Kelvin sign into an ASCII k
        return address
    local, at, host = address.rpartition("@")
    return f"{local}{at}{host.lower()}"


def validate(number: str) -> str:
    """Return the compact address, or raise a ``ValidationError``."""
    address = compact(number)
    if len(address) > 254:
        raise InvalidLength()
    local, at, host = address.rpartition("@")
    if not at or not address.isascii():
        raise InvalidFormat()
    if len(local) > 64:
        raise InvalidLength("the local part is longer than 64 characters")
    if not _LOCAL_PART.fullmatch(local):
        raise InvalidFormat("the local part is not a dot-atom")
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidFormat("the domain is not a host name")
    if not _TOP_LEVEL.fullmatch(labels[-1]):
        raise InvalidComponent("the top-level domain is not letters or punycode")
    return address


def is_valid(number: object) -> bool:
    """Check the address; never raises."""
    try:
        validate(number)  # type: ignore[arg-type]
    except ValidationError:
        return False
    return True


def format(number: str) -> str:
    """The conventional display form: the compact address."""
    return validate(number)


def local_part(number: str) -> str:
    """Return the part before the ``@`` of a valid address."""
    return validate(number).rpartition("@")[0]


def domain(number: str) -> str:
    """Return the (lower-cased) domain of a valid address."""
    return validate(number).rpartition("@")[2]
