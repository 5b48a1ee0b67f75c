"""Property tests for the checksum-bearing identifiers.

For each: a random body plus ``calc_check_digit`` is valid; any other allowed check
character makes it invalid; noise that ``compact`` removes (spaces, lower case) does not
change the result, and ``validate(format(x)) == compact(x)``.
"""

from __future__ import annotations

import datetime
import string
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piwarden.detect.ids import bank_card, imei
from piwarden.detect.ids.checksums import gb11714, gb32100
from piwarden.detect.ids.cn import ric, uscc, waybill
from piwarden.detect.ids.hk import hkid
from piwarden.detect.ids.tw import nid

DIGITS = string.digits


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text(DIGITS, min_size=n, max_size=n)


@dataclass(frozen=True)
class Identifier:
    """How to build a valid value and where its check character sits."""

    module: ModuleType
    valid: st.SearchStrategy[str]
    check_position: int  # index of the check character in the compact form
    check_alphabet: str  # characters the check position may hold


@st.composite
def _ric(draw: Callable) -> str:
    province = draw(st.sampled_from(sorted(ric.PROVINCES)))
    born = draw(st.dates(ric.EARLIEST_BIRTH_DATE, datetime.date(2020, 12, 31)))
    body = province + draw(digits(4)) + born.strftime("%Y%m%d") + draw(digits(3))
    return body + ric.calc_check_digit(body)


@st.composite
def _uscc(draw: Callable) -> str:
    authority = draw(st.sampled_from(sorted(uscc.AUTHORITIES)))
    category = draw(st.sampled_from(sorted(uscc.AUTHORITIES[authority][1])))
    org = draw(st.text(gb32100.ALPHABET, min_size=8, max_size=8))
    body = authority + category + draw(digits(6)) + org + gb11714.calc_check_digit(org)
    return body + uscc.calc_check_digit(body)


@st.composite
def _hkid(draw: Callable) -> str:
    letters = draw(st.text(string.ascii_uppercase, min_size=1, max_size=2))
    body = letters + draw(digits(6))
    return body + hkid.calc_check_digit(body)


@st.composite
def _tw_nid(draw: Callable) -> str:
    body = draw(st.sampled_from(string.ascii_uppercase)) + draw(st.sampled_from("1289"))
    body += draw(digits(7))
    return body + nid.calc_check_digit(body)


@st.composite
def _bank_card(draw: Callable) -> str:
    body = draw(st.sampled_from("123456789")) + draw(digits(draw(st.integers(11, 17))))
    return body + bank_card.calc_check_digit(body)


@st.composite
def _imei(draw: Callable) -> str:
    body = draw(digits(14).filter(lambda s: s != "0" * 14))
    return body + imei.calc_check_digit(body)


@st.composite
def _s10(draw: Callable) -> str:
    letters = st.text(string.ascii_uppercase, min_size=2, max_size=2)
    serial = draw(digits(8))
    return draw(letters) + serial + waybill.calc_check_digit(serial) + draw(letters)


IDENTIFIERS = {
    "ric": Identifier(ric, _ric(), 17, DIGITS + "X"),
    "uscc": Identifier(uscc, _uscc(), 17, gb32100.ALPHABET),
    "hkid": Identifier(hkid, _hkid(), -1, DIGITS + "A"),
    "tw_nid": Identifier(nid, _tw_nid(), 9, DIGITS),
    "bank_card": Identifier(bank_card, _bank_card(), -1, DIGITS),
    "imei": Identifier(imei, _imei(), 14, DIGITS),
    "s10_waybill": Identifier(waybill, _s10(), 10, DIGITS),
}

NAMES = pytest.mark.parametrize("name", sorted(IDENTIFIERS))


@NAMES
@settings(max_examples=150)
@given(data=st.data())
def test_computed_check_character_is_valid(data, name):
    identifier = IDENTIFIERS[name]
    number = data.draw(identifier.valid)
    assert identifier.module.is_valid(number), number


@NAMES
@settings(max_examples=150)
@given(data=st.data())
def test_any_other_check_character_is_invalid(data, name):
    identifier = IDENTIFIERS[name]
    number = data.draw(identifier.valid)
    position = identifier.check_position % len(number)
    others = [c for c in identifier.check_alphabet if c != number[position]]
    wrong = data.draw(st.sampled_from(others))
    altered = number[:position] + wrong + number[position + 1 :]
    assert not identifier.module.is_valid(altered), altered


@st.composite
def _noisy(draw: Callable, number: str) -> str:
    """Insert spaces and lower-case letters: what ``compact`` undoes."""
    chars = []
    for char in number:
        chars.append(char.lower() if draw(st.booleans()) else char)
        if draw(st.integers(0, 4)) == 0:
            chars.append(" ")
    return " " + "".join(chars) + " "


@NAMES
@settings(max_examples=150)
@given(data=st.data())
def test_format_round_trips(data, name):
    module = IDENTIFIERS[name].module
    number = data.draw(IDENTIFIERS[name].valid)
    noisy = data.draw(_noisy(number))
    assert module.compact(noisy) == number
    assert module.validate(noisy) == number
    assert module.validate(module.format(noisy)) == module.compact(noisy)
