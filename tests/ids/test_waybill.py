"""Express waybill numbers (best effort; S10 check digits verified)."""

from __future__ import annotations

import pytest

from piwarden.detect.ids.cn import waybill
from piwarden.detect.ids.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

from .table import assert_case

CASES = [
    ("SF1234567890123", "SF1234567890123"),  # SF Express, 13 digits
    ("sf 123456789012", "SF123456789012"),  # SF Express, 12 digits, lower case
    ("YT1234567890123", "YT1234567890123"),  # YTO
    ("JD0012345678901", "JD0012345678901"),  # JD Logistics, digits only after JD
    ("JDVA12345678901", "JDVA12345678901"),  # JD Logistics, letter series
    ("JT1234567890123", "JT1234567890123"),  # J&T
    ("DPK123456789012", "DPK123456789012"),  # Deppon
    ("EA123456785CN", "EA123456785CN"),  # EMS, UPU S10 with a correct check digit
    ("RR123456785CN", "RR123456785CN"),  # China Post registered mail, S10
    ("CP000000080DE", "CP000000080DE"),  # a foreign post's S10 parcel (check 0 computed)
    ("75123456789012", "75123456789012"),  # ZTO, 14 digits
    ("773123456789012", "773123456789012"),  # STO, 15 digits
    ("4312345678901", "4312345678901"),  # Yunda, 13 digits
    ("462123456789012", "462123456789012"),  # Yunda, 15 digits
    ("1012345678901", "1012345678901"),  # EMS domestic, 13 digits
    ("EA123456784CN", InvalidChecksum),  # S10 check digit wrong
    ("SF12345678901", InvalidFormat),  # SF + 11 digits
    ("YT123456789012", InvalidFormat),  # YT + 12 digits
    ("XX1234567890123", InvalidFormat),  # unknown prefix
    ("123456789012", InvalidFormat),  # 12 digits fitting no carrier's form
    ("SF1234", InvalidLength),  # too short for any form
    ("ＳＦ１２３４５６７８９０１２３", InvalidFormat),  # full-width characters
]


@pytest.mark.parametrize(("number", "expected"), CASES)
def test_table(number, expected):
    assert_case(waybill, number, expected)


@pytest.mark.parametrize(
    ("number", "carrier", "self_identifying"),
    [
        ("SF1234567890123", "SF Express", True),
        ("YT1234567890123", "YTO Express", True),
        ("JDVA12345678901", "JD Logistics", True),
        ("JT1234567890123", "J&T Express", True),
        ("DPK123456789012", "Deppon", True),
        ("EA123456785CN", "EMS", True),
        ("RR123456785CN", "China Post", True),
        ("CP000000080DE", "foreign post", True),
        ("75123456789012", "ZTO Express", False),
        ("773123456789012", "STO Express", False),
        ("4312345678901", "Yunda Express", False),
        ("1012345678901", "EMS", False),
        ("EA123456784CN", None, False),  # invalid: no carrier
    ],
)
def test_carrier(number, carrier, self_identifying):
    assert waybill.carrier(number) == carrier
    assert waybill.is_self_identifying(number) is self_identifying


def test_calc_check_digit():
    assert waybill.calc_check_digit("EA12345678CN") == "5"
    assert waybill.calc_check_digit("EA123456785CN") == "5"
