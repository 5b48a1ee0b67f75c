"""PRC passport numbers (format only)."""

from __future__ import annotations

import pytest

from piwarden.detect.ids.cn import passport
from piwarden.detect.ids.exceptions import InvalidFormat, InvalidLength

from .table import assert_case

CASES = [
    ("E12345678", "E12345678"),  # electronic ordinary passport, 2012-2017
    ("EA1234567", "EA1234567"),  # electronic ordinary passport since April 2017
    ("ea 123 4567", "EA1234567"),  # lower case, spaces
    ("EZ1234567", "EZ1234567"),  # last letter of the series
    ("G12345678", "G12345678"),  # ordinary passport before 2012
    ("141234567", "141234567"),  # older ordinary booklet, 14 series
    ("DE1234567", "DE1234567"),  # diplomatic, electronic
    ("D1234567", "D1234567"),  # diplomatic, older, 7 digits
    ("SE1234567", "SE1234567"),  # service, electronic
    ("S12345678", "S12345678"),  # service, older, 8 digits
    ("PE1234567", "PE1234567"),  # public affairs, electronic
    ("P.1234567", "P1234567"),  # public affairs, older, written with a dot
    ("EI1234567", InvalidFormat),  # I is skipped in the E series
    ("EO1234567", InvalidFormat),  # O is skipped in the E series
    ("E1234567", InvalidFormat),  # E + 7 digits
    ("X12345678", InvalidFormat),  # X is no passport type
    ("161234567", InvalidFormat),  # only 14 and 15 series
    ("P12345678", InvalidFormat),  # public affairs has 7 digits
    ("E123456789", InvalidLength),  # 10 characters
    ("E1234", InvalidLength),  # 5 characters
    ("Ｅ１２３４５６７８", InvalidFormat),  # full-width characters
]


@pytest.mark.parametrize(("number", "expected"), CASES)
def test_table(number, expected):
    assert_case(passport, number, expected)


@pytest.mark.parametrize(
    ("number", "kind"),
    [
        ("EA1234567", "ordinary"),
        ("G12345678", "ordinary"),
        ("D12345678", "diplomatic"),
        ("SE1234567", "service"),
        ("P1234567", "public affairs"),
    ],
)
def test_passport_type(number, kind):
    assert passport.passport_type(number) == kind
