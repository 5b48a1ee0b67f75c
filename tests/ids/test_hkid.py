"""Hong Kong identity card numbers."""

from __future__ import annotations

import random
import string

import pytest

from piwarden.detect.ids.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from piwarden.detect.ids.hk import hkid

from .table import assert_case

CASES = [
    ("A123456(3)", "A1234563"),  # the example used throughout the literature
    ("a123456(3)", "A1234563"),  # lower case
    ("A1234563", "A1234563"),  # without parentheses
    ("A 123456 (3)", "A1234563"),  # with spaces
    ("AB987654(3)", "AB9876543"),  # two letters, computed check
    ("Z683365(A)", "Z683365A"),  # check value 10 is written A
    ("G123456(A)", "G123456A"),  # another A check
    ("WX123456(9)", "WX1234569"),  # two letters
    ("A123456(4)", InvalidChecksum),  # wrong check digit
    ("AB987654(A)", InvalidChecksum),  # wrong check character
    ("A123456(B)", InvalidFormat),  # B is no check character
    ("1234567(8)", InvalidFormat),  # no letter
    ("ABC123456(7)", InvalidLength),  # three letters
    ("A12345(6)", InvalidLength),  # five digits
    ("Ａ１２３４５６（３）", InvalidLength),  # full-width: parentheses are not removed either
]


@pytest.mark.parametrize(("number", "expected"), CASES)
def test_table(number, expected):
    assert_case(hkid, number, expected)


def test_format():
    assert hkid.format("AB9876543") == "AB987654(3)"


def _reference_check(body: str) -> str:
    """The other published variant: a space counts 58 and letters A=10 ... Z=35."""
    values = [58] * (8 - len(body)) + [
        string.ascii_uppercase.index(c) + 10 if c.isalpha() else int(c) for c in body
    ]
    remainder = sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True)) % 11
    return "0" if remainder == 0 else "A" if remainder == 1 else str(11 - remainder)


def test_agrees_with_the_space_58_variant():
    rng = random.Random(29)
    for _ in range(500):
        letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.choice((1, 2))))
        body = letters + f"{rng.randrange(10**6):06d}"
        assert hkid.calc_check_digit(body) == _reference_check(body), body
