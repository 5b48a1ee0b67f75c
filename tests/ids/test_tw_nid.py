"""Taiwan national identification numbers and new-style resident certificate numbers."""

from __future__ import annotations

import pytest
from faker import Faker

from piwarden.detect.ids.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from piwarden.detect.ids.tw import nid

from .table import assert_case

CASES = [
    ("A123456789", "A123456789"),  # the customary example, male
    ("a123456789", "A123456789"),  # lower case
    ("B222222228", "B222222228"),  # female, computed check
    ("A823456783", "A823456783"),  # new-style resident certificate, male
    ("Z999999996", "Z999999996"),  # resident certificate, female, letter Z = 33
    ("I100000003", "I100000003"),  # I = 34: letters out of alphabetical order
    ("O200000006", "O200000006"),  # O = 35
    ("W100000001", "W100000001"),  # W = 32
    ("A123456788", InvalidChecksum),  # wrong check digit
    ("A323456789", InvalidFormat),  # holder digit 3
    ("AB23456789", InvalidFormat),  # old-style two-letter resident number is not covered
    ("1123456789", InvalidFormat),  # no letter
    ("A12345678", InvalidLength),  # 9 characters
    ("Ａ１２３４５６７８９", InvalidFormat),  # full-width characters
]


@pytest.mark.parametrize(("number", "expected"), CASES)
def test_table(number, expected):
    assert_case(nid, number, expected)


def test_extras():
    assert nid.gender("A123456789") == "M"
    assert nid.gender("B222222228") == "F"
    assert nid.gender("Z999999996") == "F"
    assert nid.is_resident_certificate("A823456783")
    assert not nid.is_resident_certificate("A123456789")


def test_faker_taiwan_ids_are_valid():
    """Faker's zh_TW ssn() implements the ministry's checksum independently."""
    fake = Faker("zh_TW")
    fake.seed_instance(31)
    for _ in range(300):
        number = fake.ssn()
        assert nid.is_valid(number), number
