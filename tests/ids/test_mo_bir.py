"""Macau resident identity card numbers (format only)."""

from __future__ import annotations

import pytest

from piwarden.detect.ids.exceptions import InvalidFormat, InvalidLength
from piwarden.detect.ids.mo import bir

from .table import assert_case

CASES = [
    ("1234567(8)", "12345678"),  # printed form
    ("12345678", "12345678"),  # without parentheses
    ("5123456(7)", "51234567"),  # series 5
    ("7123456 (0)", "71234560"),  # series 7, with a space
    ("8123456/1", "81234561"),  # series 8, slash instead of parentheses
    ("2234567(8)", InvalidFormat),  # 2 is not a series
    ("A234567(8)", InvalidFormat),  # letter
    ("1234567", InvalidLength),  # no check digit
    ("123456789", InvalidLength),  # 9 digits
    ("１２３４５６７(８)", InvalidFormat),  # full-width digits
]


@pytest.mark.parametrize(("number", "expected"), CASES)
def test_table(number, expected):
    assert_case(bir, number, expected)


def test_format():
    assert bir.format("51234567") == "5123456(7)"
