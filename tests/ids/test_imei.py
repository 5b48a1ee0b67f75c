"""IMEI and IMEISV (3GPP TS 23.003)."""

from __future__ import annotations

import random

import pytest
from stdnum import imei as stdnum_imei
from stdnum import luhn as stdnum_luhn

from piwarden.detect.ids import imei
from piwarden.detect.ids.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)

from .table import assert_case

CASES = [
    ("350000012345670", "350000012345670"),  # computed check digit 0
    ("35-000001-234567-0", "350000012345670"),  # the form printed on boxes
    ("35 000001 234567 0", "350000012345670"),  # spaces
    ("35.000001.234567.0", "350000012345670"),  # dots
    ("3500000123456712", "3500000123456712"),  # IMEISV: software version 12, no check
    ("350000012345671", InvalidChecksum),  # wrong check digit
    ("000000000000000", InvalidComponent),  # all zero passes Luhn but is no device
    ("35000001234567", InvalidLength),  # 14 digits (no check digit) is refused
    ("35000001234567012", InvalidLength),  # 17 digits
    ("35000001234567A", InvalidFormat),  # a letter
    ("３５００００１２３４５６７０", InvalidFormat),  # full-width digits
]


@pytest.mark.parametrize(("number", "expected"), CASES)
def test_table(number, expected):
    assert_case(imei, number, expected)


def test_extras():
    assert imei.tac("350000012345670") == "35000001"
    assert imei.imei_type("350000012345670") == "IMEI"
    assert imei.imei_type("3500000123456712") == "IMEISV"
    assert imei.format("3500000123456712") == "35-000001-234567-12"


def test_agrees_with_stdnum():
    rng = random.Random(23)
    for _ in range(300):
        body = f"{rng.randrange(1, 10**14):014d}"
        number = body + imei.calc_check_digit(body)
        assert imei.is_valid(number) and stdnum_imei.is_valid(number), number
        assert stdnum_luhn.calc_check_digit(body) == imei.calc_check_digit(body)
