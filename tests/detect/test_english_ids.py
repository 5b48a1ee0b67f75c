"""English identifiers (issue 19, point 5) and two contact-line cases seen in the wild."""

from __future__ import annotations

import pytest

from piwarden.detect import Analyzer

ANALYZER = Analyzer()


def found(text: str) -> list[tuple[str, str]]:
    return [(s.type, text[s.start : s.end]) for s in ANALYZER.analyze(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("His social security number is 474-49-7577.", ("US_SSN", "474-49-7577")),
    ("Social Security No. 474 49 7577", ("US_SSN", "474 49 7577")),
    ("SSN: 474-49-7577", ("US_SSN", "474-49-7577")),
    ("passport number 123456789", ("PASSPORT", "123456789")),
    ("Passport No. A12345678", ("PASSPORT", "A12345678")),
    ("his driver's licence number is D1234567", ("DRIVER_LICENSE", "D1234567")),
    ("E-Mailjeffreychen@vip.sina.com", ("EMAIL", "jeffreychen@vip.sina.com")),
    ("Emailtom@qq.com", ("EMAIL", "tom@qq.com")),
    ("mailbox@company.com", ("EMAIL", "mailbox@company.com")),
    ("ITIN 912-70-1234", ("US_ITIN", "912-70-1234")),
    ("His ITIN is 912 70 1234", ("US_ITIN", "912 70 1234")),
    ("NHS number 943 476 5919", ("UK_NHS", "943 476 5919")),
])
def test_english_identifiers_are_named_by_their_words(text: str, expected: tuple[str, str]) -> None:
    assert expected in found(text)


def test_a_3_2_4_grouping_is_no_phone() -> None:
    """No numbering plan groups digits 3-2-4: with phone words around it is still no phone."""
    assert all(kind != "PHONE" for kind, _ in found("call my number 474-49-7577"))
    assert ("PHONE", "415-555-0123") in found("phone 415-555-0123") or ("PHONE", "415-555-0123") in found(
        "phone: 415-555-0123")


def test_hong_kong_numbers_with_a_slash_between() -> None:
    assert found("Tel: 2335-2305/9263-3317") == [("PHONE", "2335-2305"), ("PHONE", "9263-3317")]
    assert found("电话：2335-2305/9263-3317") == [("PHONE", "2335-2305"), ("PHONE", "9263-3317")]


def test_an_nhs_number_needs_its_check_digit_and_its_words() -> None:
    assert all(kind != "UK_NHS" for kind, _ in found("NHS number 943 476 5910"))  # check digit fails
    assert all(kind != "UK_NHS" for kind, _ in found("call 943 476 5919"))  # no words: a phone
