"""PRC vehicle number plates (GA 36-2018, format only)."""

from __future__ import annotations

import pytest

from piwarden.detect.ids.cn import plate
from piwarden.detect.ids.exceptions import InvalidFormat, InvalidLength

from .table import assert_case

CASES = [
    ("京A12345", "京A12345"),  # ordinary plate
    ("京A·12345", "京A12345"),  # with the official middle dot
    ("京a 1234 5", "京A12345"),  # lower case, spaces
    ("沪B•DF123", "沪BDF123"),  # bullet as a dot, letters in the serial
    ("粤B-12345", "粤B12345"),  # dash
    ("川Z・A1B2C", "川ZA1B2C"),  # katakana middle dot
    ("京A1234挂", "京A1234挂"),  # trailer
    ("京A1234学", "京A1234学"),  # learner
    ("京A0001警", "京A0001警"),  # police
    ("川O1234警", "川O1234警"),  # O only on police plates
    ("沪A1234领", "沪A1234领"),  # consulate
    ("京A1234试", "京A1234试"),  # test vehicle
    ("京A1234超", "京A1234超"),  # oversize
    ("粤Z1234港", "粤Z1234港"),  # cross-border from Hong Kong
    ("粤Z·1234澳", "粤Z1234澳"),  # cross-border from Macau
    ("京AD12345", "京AD12345"),  # small new-energy, pure electric
    ("京A·F12345", "京AF12345"),  # small new-energy, other
    ("京AA12345", "京AA12345"),  # widened energy letter A
    ("京AKA1234", "京AKA1234"),  # widened letter K, letter in second place
    ("粤B12345D", "粤B12345D"),  # large new-energy
    ("京AI2345", InvalidFormat),  # I never used
    ("京AO2345", InvalidFormat),  # O never used in the serial
    ("京O12345", InvalidFormat),  # authority O only with 警
    ("京I12345", InvalidFormat),  # authority I does not exist
    ("京A1234港", InvalidFormat),  # 港 only on 粤Z
    ("港A12345", InvalidFormat),  # 港 is no province abbreviation
    ("AA12345", InvalidFormat),  # no province
    ("京AL12345", InvalidFormat),  # L is no energy letter
    ("京A12345X", InvalidFormat),  # X is no energy letter
    ("京AD1A345", InvalidFormat),  # new-energy small: the last 4 are digits
    ("京A1234", InvalidLength),  # 6 characters
    ("京A123456789", InvalidLength),  # 11 characters
    ("京Ａ１２３４５", InvalidFormat),  # full-width letters and digits
]


@pytest.mark.parametrize(("number", "expected"), CASES)
def test_table(number, expected):
    assert_case(plate, number, expected)


def test_extras():
    assert plate.format("京A12345") == "京A·12345"
    assert plate.format("粤b12345d") == "粤B·12345D"
    assert plate.is_new_energy("京AD12345") and not plate.is_new_energy("京AD1234")
    assert plate.province("粤Z1234港") == "粤"
