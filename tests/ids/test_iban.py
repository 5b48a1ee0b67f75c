"""IBANs (wrapping python-stdnum)."""

from __future__ import annotations

import pytest
from faker import Faker

from piwarden.detect.ids import iban
from piwarden.detect.ids.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)

from .table import assert_case

CASES = [
    ("GB82WEST12345698765432", "GB82WEST12345698765432"),  # SWIFT registry example
    ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),  # printed in groups of 4
    ("gb82west12345698765432", "GB82WEST12345698765432"),  # lower case
    ("DE89370400440532013000", "DE89370400440532013000"),  # the German registry example
    ("GB83WEST12345698765432", InvalidChecksum),  # wrong check digits
    ("XX57WEST12345698765432", InvalidComponent),  # check digits right, country unknown
    ("GB88WEST1234569876543", InvalidFormat),  # check digits right, one short for GB's BBAN
    ("GB82", InvalidLength),  # no BBAN at all
    ("GB82" + "1" * 31, InvalidLength),  # 35 characters, over the ISO 13616 maximum
    ("GB82WEST1234569876543!", InvalidFormat),  # punctuation
    ("ＧＢ８２ＷＥＳＴ１２３４５６９８７６５４３２", InvalidFormat),  # full-width characters
]


@pytest.mark.parametrize(("number", "expected"), CASES)
def test_table(number, expected):
    assert_case(iban, number, expected)


def test_extras():
    assert iban.country("DE89 3704 0044 0532 0130 00") == "DE"
    assert iban.format("DE89370400440532013000") == "DE89 3704 0044 0532 0130 00"


def test_faker_ibans_are_valid():
    for locale in ("en_GB", "de_DE", "fr_FR", "nl_NL"):
        fake = Faker(locale)
        fake.seed_instance(41)
        for _ in range(50):
            number = fake.iban()
            assert iban.is_valid(number), number
