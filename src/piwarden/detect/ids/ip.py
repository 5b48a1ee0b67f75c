"""IP address, IPv4 (RFC 791) or IPv6 (RFC 4291), parsed by the standard library.

IPv4 is four decimal octets (``192.0.2.1``); leading zeros are refused as ``ipaddress``
does since Python 3.9.5, because ``010`` is octal to some parsers. IPv6 is up to eight hex
groups with ``::`` compression, optionally ``[bracketed]`` as in URLs, optionally with a
zone (``fe80::1%eth0``).

``compact`` gives the canonical text: dotted decimal, or the RFC 5952 form for IPv6
(lower case, longest zero run compressed). It is not upper-cased like other identifiers
because RFC 5952 prescribes lower case.
``is_private`` says whether the address is in a private or otherwise non-global range
(RFC 1918, loopback, link-local, unique local, documentation...): such an address
identifies a device inside one network, not on the Internet.

>>> validate(' 2001:DB8:0:0:0:0:0:1 ')
'2001:db8::1'
>>> version('192.0.2.1'), is_private('10.1.2.3'), is_private('[2400:cb00::1]')
(4, True, False)
>>> is_valid('256.1.1.1'), is_valid('010.1.1.1'), is_valid('1.2.3')
(False, False, False)
"""

from __future__ import annotations

import ipaddress
import re

from piwarden.detect.ids.exceptions import InvalidFormat, ValidationError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
# a dotted IPv4 address as ipaddress accepts it: four octets, no leading zeros, ASCII digits
# (the IP recognizer's pattern is built from it)
DOTTED = rf"(?:{_OCTET}\.){{3}}{_OCTET}"
_DOTTED = re.compile(DOTTED)


def _parse(number: object) -> Address:
    if not isinstance(number, str) or not number.isascii():
        raise InvalidFormat()
    text = number.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise InvalidFormat() from None


def compact(number: str) -> str:
    """Return the canonical text of the address (the stripped input when it is invalid)."""
    try:
        return str(_parse(number))
    except InvalidFormat:
        if not isinstance(number, str):
            raise
        return number.strip()


def validate(number: str) -> str:
    """Return the canonical address, or raise a ``ValidationError``."""
    return str(_parse(number))


def is_valid(number: object) -> bool:
    """Check the address; never raises."""
    if isinstance(number, str) and _DOTTED.fullmatch(number.strip()):
        return True  # what ipaddress accepts as IPv4, without its 4 µs parse (detection validates many)
    try:
        validate(number)  # type: ignore[arg-type]
    except ValidationError:
        return False
    return True


def format(number: str) -> str:
    """The conventional display form: the canonical address."""
    return validate(number)


def version(number: str) -> int:
    """Return 4 or 6."""
    return _parse(number).version


def is_private(number: str) -> bool:
    """True when the address is not globally reachable (private, loopback, link-local...)."""
    return not _parse(number).is_global
