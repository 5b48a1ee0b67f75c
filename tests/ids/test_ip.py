"""IP addresses (stdlib ipaddress)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piwarden.detect.ids import ip
from piwarden.detect.ids.exceptions import InvalidFormat

from .table import assert_case

CASES = [
    ("192.0.2.1", "192.0.2.1"),  # IPv4 documentation range
    (" 203.0.113.7\n", "203.0.113.7"),  # surrounding whitespace
    ("0.0.0.0", "0.0.0.0"),  # unspecified is still an address
    ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),  # RFC 5952 canonical form
    ("[2001:db8::1]", "2001:db8::1"),  # bracketed as in URLs
    ("::ffff:192.0.2.1", "::ffff:c000:201"),  # IPv4-mapped IPv6
    ("fe80::1%eth0", "fe80::1%eth0"),  # zone index kept
    ("256.1.1.1", InvalidFormat),  # octet over 255
    ("010.1.1.1", InvalidFormat),  # leading zero (octal to some parsers)
    ("1.2.3", InvalidFormat),  # three octets
    ("1.2.3.4.5", InvalidFormat),  # five octets
    ("2001:db8::1::2", InvalidFormat),  # two :: compressions
    ("2001:db8::g", InvalidFormat),  # g is not hex
    ("１９２.０.２.１", InvalidFormat),  # full-width digits
    ("192.0.2.1/24", InvalidFormat),  # a network, not an address
]


@pytest.mark.parametrize(("number", "expected"), CASES)
def test_table(number, expected):
    assert_case(ip, number, expected)


@pytest.mark.parametrize(
    ("number", "private"),
    [
        ("10.1.2.3", True),  # RFC 1918
        ("172.16.0.1", True),  # RFC 1918
        ("192.168.1.1", True),  # RFC 1918
        ("127.0.0.1", True),  # loopback
        ("169.254.1.1", True),  # link-local
        ("100.64.0.1", True),  # carrier-grade NAT is not global
        ("fd00::1", True),  # unique local
        ("::1", True),  # loopback
        ("8.8.8.8", False),  # public resolver
        ("2400:cb00::1", False),  # global unicast
    ],
)
def test_is_private(number, private):
    assert ip.is_private(number) is private


def test_version():
    assert ip.version("192.0.2.1") == 4
    assert ip.version("[2001:db8::1]") == 6


@settings(max_examples=2000)
@given(st.text(alphabet="0123456789. \n:a１", max_size=18))
def test_the_dotted_shortcut_agrees_with_ipaddress(text: str) -> None:
    try:
        expected = ipaddress.ip_address(text.strip()) is not None
    except ValueError:
        expected = False
    assert ip.is_valid(text) == expected
