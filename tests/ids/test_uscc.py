"""Unified Social Credit Codes (GB 32100-2015)."""

from __future__ import annotations

import random

import pytest
from stdnum.cn import uscc as stdnum_uscc

from piwarden.detect.ids.checksums import gb11714, gb32100
from piwarden.detect.ids.cn import uscc
from piwarden.detect.ids.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)

from .table import assert_case

CASES = [
    ("91350100M000100Y43", "91350100M000100Y43"),  # the customary example (zh.wikipedia)
    ("91 350100 M000100Y4-3", "91350100M000100Y43"),  # spaces and a dash
    ("91350100m000100y43", "91350100M000100Y43"),  # lower case
    ("N2110101MA0000007A", "N2110101MA0000007A"),  # agriculture: village collective
    ("Y1110000MA01ABCD5C", "Y1110000MA01ABCD5C"),  # authority Y, category 1
    ("A1100000MA02BCDE9H", "A1100000MA02BCDE9H"),  # Central Military Commission
    ("124403004013590812", "124403004013590812"),  # public institution, all-digit org code
    ("92340603MA2PBQ0049", "92340603MA2PBQ0049"),  # individual business
    ("5311000050001234XA", "5311000050001234XA"),  # social organisation, org check X
    ("91350100M000100Y44", InvalidChecksum),  # wrong MOD 31 check character
    ("91110000MA01ABCD0J", InvalidChecksum),  # MOD 31 right, organisation check wrong
    ("94110000MA01ABCD5Q", InvalidComponent),  # market regulation has no category 4
    ("Y2110000MA01ABCD59", InvalidComponent),  # Y only has category 1
    ("B1110000MA01ABCD50", InvalidComponent),  # B is no registration authority
    ("91350100M000100I43", InvalidFormat),  # I is not in the alphabet
    ("9135010AM000100Y43", InvalidFormat),  # letter in the region code
    ("91350100M000100Y4", InvalidLength),  # 17 characters
    ("９１３５０１００Ｍ０００１００Ｙ４３", InvalidFormat),  # full-width characters
]


@pytest.mark.parametrize(("number", "expected"), CASES)
def test_table(number, expected):
    assert_case(uscc, number, expected)


def test_extras():
    assert uscc.authority("N2110101MA0000007A") == "agriculture"
    assert uscc.category("92340603MA2PBQ0049") == "individual business"
    assert uscc.organization_code("91350100M000100Y43") == "M000100Y4"


def _random_code(rng: random.Random, authorities: str) -> str:
    first = rng.choice(authorities)
    second = rng.choice(sorted(uscc.AUTHORITIES[first][1]))
    org = "".join(rng.choice(gb32100.ALPHABET) for _ in range(8))
    body = f"{first}{second}{rng.randrange(10**6):06d}{org}{gb11714.calc_check_digit(org)}"
    return body + uscc.calc_check_digit(body)


def test_stdnum_agrees_on_digit_authorities():
    rng = random.Random(3)
    for _ in range(300):
        code = _random_code(rng, "123456789")
        assert uscc.is_valid(code) and stdnum_uscc.is_valid(code), code


def test_stdnum_gap_letter_authorities():
    """The reason this module exists: stdnum refuses the authorities A, N and Y."""
    rng = random.Random(5)
    for _ in range(50):
        code = _random_code(rng, "ANY")
        assert uscc.is_valid(code) and not stdnum_uscc.is_valid(code), code
