"""MAC addresses (EUI-48)."""

from __future__ import annotations

import pytest

from piwarden.detect.ids import mac
from piwarden.detect.ids.exceptions import InvalidComponent, InvalidFormat, InvalidLength

from .table import assert_case

CASES = [
    ("ac:de:48:23:45:67", "ACDE48234567"),  # colons, lower case (IEEE's example OUI AC-DE-48)
    ("AC-DE-48-23-45-67", "ACDE48234567"),  # dashes, upper case (Windows)
    ("acde.4823.4567", "ACDE48234567"),  # Cisco dotted quads
    ("ACDE48234567", "ACDE48234567"),  # bare hex
    (" ac:de:48:23:45:67 ", "ACDE48234567"),  # surrounding whitespace
    ("02:00:00:00:00:01", "020000000001"),  # locally administered is still an address
    ("01:00:5e:00:00:fb", "01005E0000FB"),  # multicast is still an address
    ("00:00:00:00:00:00", InvalidComponent),  # all zero identifies nothing
    ("ff:ff:ff:ff:ff:ff", InvalidComponent),  # broadcast identifies nothing
    ("ac:de:48-23:45:67", InvalidFormat),  # mixed separators
    ("ac:de:48:23:45:6g", InvalidFormat),  # g is not hex
    ("acd:e48:234:567", InvalidFormat),  # groups of three
    ("ac:de:48:23:45", InvalidLength),  # five octets
    ("ac:de:48:23:45:67:89", InvalidLength),  # seven octets
    ("ａｃ:ｄｅ:４８:２３:４５:６７", InvalidFormat),  # full-width characters are not hex
]


@pytest.mark.parametrize(("number", "expected"), CASES)
def test_table(number, expected):
    assert_case(mac, number, expected)


def test_extras():
    assert mac.format("ACDE48234567") == "ac:de:48:23:45:67"
    assert mac.is_multicast("01:00:5e:00:00:fb") and not mac.is_multicast("ac:de:48:23:45:67")
    assert mac.is_local("02:00:00:00:00:01") and not mac.is_local("ac:de:48:23:45:67")
    assert mac.manufacturer("02:00:00:00:00:01") is None  # local: no registered OUI
