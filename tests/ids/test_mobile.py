"""PRC mainland mobile numbers, cross-checked against libphonenumber's metadata."""

from __future__ import annotations

import phonenumbers
import pytest
from faker import Faker
from phonenumbers import PhoneNumberType
from phonenumbers import carrier as pn_carrier

from piwarden.detect.ids.cn import mobile
from piwarden.detect.ids.exceptions import InvalidComponent, InvalidFormat, InvalidLength

from .table import assert_case

CASES = [
    ("13812345678", "13812345678"),  # China Mobile 138
    ("138 1234 5678", "13812345678"),  # grouped 3-4-4
    ("138-1234-5678", "13812345678"),  # dashes
    ("+86 138 1234 5678", "13812345678"),  # international prefix
    ("0086-13812345678", "13812345678"),  # 00 international prefix
    ("8613812345678", "13812345678"),  # country code without +
    ("(+86) 13812345678", "13812345678"),  # prefix in parentheses
    ("19212345678", "19212345678"),  # China Broadnet 192
    ("19912345678", "19912345678"),  # China Telecom 199
    ("16212345678", "16212345678"),  # virtual operator segment 162
    ("17401234567", "17401234567"),  # 1740x satellite
    ("14912345678", "14912345678"),  # data-only segment 149
    ("15412345678", InvalidComponent),  # 154 is unallocated
    ("19412345678", InvalidComponent),  # 194 is unallocated
    ("17912345678", InvalidComponent),  # 179 is unallocated
    ("14012345678", InvalidComponent),  # 140 carries 13-digit IoT numbers only
    ("17412345678", InvalidComponent),  # 1741x is not in public use
    ("16101234567", "16101234567"),  # China Broadnet 1610x
    ("16112345678", InvalidComponent),  # the rest of 161 is unallocated
    ("12812345678", InvalidComponent),  # 12x is not a mobile segment
    ("23812345678", InvalidFormat),  # does not start with 1
    ("1381234567", InvalidLength),  # 10 digits
    ("138123456789", InvalidLength),  # 12 digits
    ("+44 13812345678", InvalidLength),  # another country's prefix is not removed
    ("１３８１２３４５６７８", InvalidFormat),  # full-width digits
    ("138l2345678", InvalidFormat),  # letter l for digit 1
]


@pytest.mark.parametrize(("number", "expected"), CASES)
def test_table(number, expected):
    assert_case(mobile, number, expected)


def test_extras():
    assert mobile.carrier("13912345678") == "China Mobile"
    assert mobile.carrier("13492345678") == "China Telecom"  # 1349 satellite inside 134
    assert mobile.carrier("16712345678") == "virtual"
    assert mobile.segment("+8618612345678") == "186"
    assert mobile.format("13812345678", international=True) == "+86 138 1234 5678"


# segments libphonenumber does not (yet) know as 11-digit mobiles: 146 and 148 are IoT
# data segments, 149 Telecom's data-only segment
_NOT_IN_LIBPHONENUMBER = {"146", "148", "149"}


@pytest.mark.parametrize("segment", sorted([*mobile.SEGMENTS, *mobile.PARTIAL_SEGMENTS]))
def test_segments_agree_with_libphonenumber(segment):
    number = f"{segment}12345678"[:11]
    parsed = phonenumbers.parse(number, "CN")
    if segment in _NOT_IN_LIBPHONENUMBER:
        assert not phonenumbers.is_valid_number(parsed)
        return
    assert phonenumbers.is_valid_number(parsed)
    assert phonenumbers.number_type(parsed) == PhoneNumberType.MOBILE
    theirs = pn_carrier.name_for_number(parsed, "en")
    if mobile.carrier(number) != "virtual" and theirs:
        assert mobile.carrier(number) == theirs


def test_every_libphonenumber_mobile_prefix_is_accepted():
    """Every 4-digit prefix libphonenumber calls a valid mobile is accepted."""
    for prefix in range(1300, 2000):
        number = f"{prefix}1234567"
        parsed = phonenumbers.parse(number, "CN")
        is_mobile = phonenumbers.number_type(parsed) == PhoneNumberType.MOBILE
        if is_mobile and phonenumbers.is_valid_number(parsed):
            assert mobile.is_valid(number), number


def test_faker_phone_numbers_are_valid():
    fake = Faker("zh_CN")
    fake.seed_instance(8)
    for _ in range(300):
        number = fake.phone_number()
        assert mobile.is_valid(number), number
