"""Travel permits between the mainland, Hong Kong, Macau and Taiwan (format only).

Three modules, one table each: hkmo_permit (mainland residents to HK/Macau), tw_permit
(mainland residents to Taiwan), mtp (HK, Macau and Taiwan residents to the mainland).
"""

from __future__ import annotations

import pytest

from piwarden.detect.ids.cn import hkmo_permit, mtp, tw_permit
from piwarden.detect.ids.exceptions import InvalidFormat, InvalidLength

from .table import assert_case

HKMO_CASES = [
    ("C12345678", "C12345678"),  # card permit, 2014 series
    ("c 1234 5678", "C12345678"),  # lower case, spaces
    ("CA0000001", "CA0000001"),  # first number of the 2018 extension
    ("CZ1234567", "CZ1234567"),  # any letter but I and O
    ("W12345678", "W12345678"),  # booklet permit
    ("CI1234567", InvalidFormat),  # I is skipped
    ("CO1234567", InvalidFormat),  # O is skipped
    ("H12345678", InvalidFormat),  # H is the home-return permit (mtp)
    ("C1234567", InvalidLength),  # 8 characters
    ("C123456789", InvalidLength),  # 10 characters
]

TW_PERMIT_CASES = [
    ("L12345678", "L12345678"),  # card permit
    ("T12345678", "T12345678"),  # booklet permit
    ("l-1234-5678", "L12345678"),  # lower case, dashes
    ("LA1234567", InvalidFormat),  # no letter series
    ("C12345678", InvalidFormat),  # C is the Hong Kong/Macau permit
    ("L1234567", InvalidLength),  # 8 characters
]

MTP_CASES = [
    ("H12345678", "H12345678"),  # Hong Kong resident, card
    ("M12345678", "M12345678"),  # Macau resident, card
    ("H1234567801", "H1234567801"),  # older form with a 2-digit issue count
    ("12345678", "12345678"),  # Taiwan resident, lifelong number
    ("1234567801", "1234567801"),  # Taiwan resident before 2008, with issue count
    ("12345678 01(B)", "1234567801B"),  # ... and the issuing authority in parentheses
    ("X12345678", InvalidFormat),  # X is no holder letter
    ("H1234567", InvalidFormat),  # H + 7 digits
    ("123456789", InvalidFormat),  # 9 digits fit no form
    ("1234567", InvalidLength),  # 7 digits
    ("H123456780123", InvalidLength),  # 13 characters
    ("１２３４５６７８", InvalidFormat),  # full-width digits
]


@pytest.mark.parametrize(("number", "expected"), HKMO_CASES)
def test_hkmo_permit(number, expected):
    assert_case(hkmo_permit, number, expected)


@pytest.mark.parametrize(("number", "expected"), TW_PERMIT_CASES)
def test_tw_permit(number, expected):
    assert_case(tw_permit, number, expected)


@pytest.mark.parametrize(("number", "expected"), MTP_CASES)
def test_mtp(number, expected):
    assert_case(mtp, number, expected)


def test_extras():
    assert hkmo_permit.generation("CA1234567") == "card"
    assert hkmo_permit.generation("W12345678") == "booklet"
    assert tw_permit.generation("T12345678") == "booklet"
    assert [mtp.holder(n) for n in ("H12345678", "M1234567801", "12345678")] == ["HK", "MO", "TW"]
