"""Payment card numbers: Luhn, schemes, Chinese bank BINs."""

from __future__ import annotations

import random

import pytest
from faker import Faker
from stdnum import luhn as stdnum_luhn

from piwarden.detect.ids import bank_card
from piwarden.detect.ids.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)

from .table import assert_case

CASES = [
    ("6222021234567890128", "6222021234567890128"),  # ICBC 622202, 19 digits, computed check
    ("6222 0212 3456 7890 128", "6222021234567890128"),  # grouped by four
    ("6222-0212-3456-7890-128", "6222021234567890128"),  # dashes
    ("6217001234567890122", "6217001234567890122"),  # CCB 621700
    ("622848123456789012", "622848123456789012"),  # ABC 622848, 18 digits
    ("621661123456789018", "621661123456789018"),  # BOC 621661
    ("622588123456789016", "622588123456789016"),  # CMB 622588
    ("810000123456789017", "810000123456789017"),  # UnionPay's 81 range
    ("4111111111111111", "4111111111111111"),  # Visa's public test number
    ("378282246310005", "378282246310005"),  # American Express public test number, 15 digits
    ("213100000000001", "213100000000001"),  # legacy 15-digit JCB range 2131
    ("4222222222222", "4222222222222"),  # 13-digit Visa test number
    ("4111111111111112", InvalidChecksum),  # wrong check digit
    ("6222021234567890127", InvalidChecksum),  # wrong check digit on a UnionPay number
    ("0123456789012347", InvalidComponent),  # major industry identifier 0
    ("411111111111", InvalidLength),  # 12 digits
    ("41111111111111111111", InvalidLength),  # 20 digits
    ("4111 1111 1111 111x", InvalidFormat),  # a letter
    ("４１１１１１１１１１１１１１１１", InvalidFormat),  # full-width digits
]


@pytest.mark.parametrize(("number", "expected"), CASES)
def test_table(number, expected):
    assert_case(bank_card, number, expected)


@pytest.mark.parametrize(
    ("number", "scheme", "bank", "domestic"),
    [
        ("6222021234567890128", "UnionPay", "ICBC", True),  # UnionPay debit of ICBC
        ("6221261234567897", "UnionPay", None, True),  # 622126: the Discover-shared block
        ("4367421234567896", "Visa", "CCB", True),  # CCB's Visa BIN is still domestic
        ("4111111111111111", "Visa", None, False),  # a foreign Visa card
        ("6011000000000004", "Discover", None, False),  # Discover 6011
        ("352800000000007", "JCB", None, False),  # JCB 3528
        ("30569309025904", "Diners", None, False),  # Diners Club public test number
        ("5555555555554444", "Mastercard", None, False),  # Mastercard public test number
        ("2223003122003222", "Mastercard", None, False),  # Mastercard 2-series test number
        ("95588012345678903", None, None, False),  # non-ISO domestic BIN: no scheme known
    ],
)
def test_issuer_bank_domestic(number, scheme, bank, domestic):
    assert bank_card.issuer(number) == scheme
    assert bank_card.bank(number) == bank
    assert bank_card.is_domestic(number) is domestic


def test_format():
    assert bank_card.format("6222021234567890128") == "6222 0212 3456 7890 128"
    assert bank_card.format("378282246310005") == "3782 822463 10005"


def test_luhn_agrees_with_stdnum():
    rng = random.Random(17)
    for _ in range(300):
        body = str(rng.randrange(10**11, 10**18))
        number = body + bank_card.calc_check_digit(body)
        assert bank_card.is_valid(number) == stdnum_luhn.is_valid(number) is True


@pytest.mark.parametrize(
    ("card_type", "scheme"),
    [
        ("visa", "Visa"),
        ("visa13", "Visa"),
        ("visa19", "Visa"),
        ("mastercard", "Mastercard"),
        ("amex", "American Express"),
        ("discover", "Discover"),
        ("diners", "Diners"),
        ("jcb15", "JCB"),  # Faker uses the legacy 2131 and 1800 ranges
    ],
)
def test_faker_cards(card_type, scheme):
    fake = Faker("en_US")
    fake.seed_instance(42)
    for _ in range(100):
        number = fake.credit_card_number(card_type=card_type)
        assert bank_card.is_valid(number), number
        assert bank_card.issuer(number) == scheme, number
