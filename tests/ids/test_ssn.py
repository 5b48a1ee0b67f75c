"""US Social Security Numbers (wrapping python-stdnum)."""

from __future__ import annotations

import pytest
from faker import Faker

from piwarden.detect.ids.exceptions import InvalidComponent, InvalidFormat, InvalidLength
from piwarden.detect.ids.us import ssn

from .table import assert_case

CASES = [
    ("536-90-4399", "536904399"),  # python-stdnum's documentation example
    ("536904399", "536904399"),  # without dashes
    ("536 90 4399", "536904399"),  # spaces, which stdnum alone refuses
    ("000-12-3456", InvalidComponent),  # area 000
    ("666-12-3456", InvalidComponent),  # area 666
    ("900-12-3456", InvalidComponent),  # area 9xx
    ("123-00-4567", InvalidComponent),  # group 00
    ("123-45-0000", InvalidComponent),  # serial 0000
    ("078-05-1120", InvalidComponent),  # the Woolworth wallet number, made public
    ("219-09-9999", InvalidComponent),  # printed in a 1940 SSA pamphlet
    ("12-345-6789", "123456789"),  # dashes are dropped wherever they are
    ("53690439", InvalidLength),  # 8 digits
    ("536-90-439A", InvalidFormat),  # letter
    ("５３６-９０-４３９９", InvalidFormat),  # full-width digits
]


@pytest.mark.parametrize(("number", "expected"), CASES)
def test_table(number, expected):
    assert_case(ssn, number, expected)


def test_format():
    assert ssn.format("536904399") == "536-90-4399"


def test_faker_ssns_are_valid():
    fake = Faker("en_US")
    fake.seed_instance(37)
    for _ in range(300):
        number = fake.ssn()
        assert ssn.is_valid(number), number
