"""The shared check-digit modules, against published examples and python-stdnum."""

from __future__ import annotations

import random

import pytest
from stdnum import luhn as stdnum_luhn
from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_11_2 as stdnum_mod_11_2

from piwarden.detect.ids.checksums import gb11714, gb32100, iso7064_mod11_2, luhn, s10

CASES = [
    (luhn, "79927398713", True),  # the classic Luhn example
    (luhn, "79927398710", False),  # same body, wrong check digit
    (luhn, "0", True),  # a lone 0 sums to 0
    (luhn, "７９９２７３９８７１３", False),  # full-width digits are not digits here
    (luhn, "", False),  # nothing to check
    (iso7064_mod11_2, "11010519491231002X", True),  # GB 11643-1999's printed example
    (iso7064_mod11_2, "110105194912310020", False),  # X replaced by 0
    (iso7064_mod11_2, "X", False),  # no body
    (gb32100, "91350100M000100Y43", True),  # the customary USCC example (zh.wikipedia)
    (gb32100, "91350100M000100Y4I", False),  # I is not in the alphabet
    (gb32100, "91350100M000100Y4", False),  # 17 characters
    (gb11714, "M000100Y4", True),  # the organisation code inside that example
    (gb11714, "M000100Y5", False),  # wrong check character
    (gb11714, "m000100Y4", False),  # lower case is not normalised at this level
    (s10, "123456785", True),  # serial of EA123456785CN, the usual S10 example
    (s10, "123456780", False),  # wrong check digit
    (s10, "12345678", False),  # no check digit
]


@pytest.mark.parametrize(("module", "number", "valid"), CASES)
def test_is_valid(module, number, valid):
    assert module.is_valid(number) is valid


@pytest.mark.parametrize("module", [luhn, iso7064_mod11_2, gb32100, gb11714, s10])
def test_is_valid_never_raises(module):
    for junk in (None, 12, b"123", "😀", "１２３４５６７８９"):
        assert module.is_valid(junk) is False


def test_luhn_agrees_with_stdnum():
    rng = random.Random(7)
    for _ in range(500):
        body = str(rng.randrange(10 ** rng.randrange(1, 19)))
        assert luhn.calc_check_digit(body) == stdnum_luhn.calc_check_digit(body)


def test_mod11_2_agrees_with_stdnum():
    rng = random.Random(11)
    for _ in range(500):
        body = "".join(rng.choice("0123456789") for _ in range(17))
        assert iso7064_mod11_2.calc_check_digit(body) == stdnum_mod_11_2.calc_check_digit(body)


def test_gb32100_agrees_with_stdnum():
    rng = random.Random(13)
    for _ in range(500):
        body = "".join(rng.choice(gb32100.ALPHABET) for _ in range(17))
        assert gb32100.calc_check_digit(body) == stdnum_uscc.calc_check_digit(body)


@pytest.mark.parametrize(
    ("serial", "check"),
    [
        ("10000000", "3"),  # weighted sum 8 -> 11 - 8
        ("00000001", "4"),  # weighted sum 7 -> 11 - 7
        ("00000008", "0"),  # weighted sum 56, 56 mod 11 = 1 -> 10, written 0
        ("00000000", "5"),  # weighted sum 0 -> 11, written 5
    ],
)
def test_s10_check_digit(serial, check):
    assert s10.calc_check_digit(serial) == check
