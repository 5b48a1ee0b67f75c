"""detect/presidio.py: Presidio's names for piwarden's types, and one low-floor analyzer standing for any threshold."""

from __future__ import annotations

import pytest
from faker import Faker

from piwarden import entities
from piwarden.detect.presidio import FROM_PRESIDIO, TO_PRESIDIO, PresidioAnalyzer, piwarden_types, presidio_name
from piwarden.detect.runner import DetectOptions


def test_names_map_both_ways() -> None:
    assert presidio_name("PHONE") == "PHONE_NUMBER" and presidio_name("EMAIL") == "EMAIL_ADDRESS"
    assert presidio_name("BANK_CARD") == presidio_name("CREDIT_CARD") == "CREDIT_CARD"
    assert presidio_name("PASSPORT") == "PASSPORT" and presidio_name("PASSPORT", "UsPassportRecognizer") == "US_PASSPORT"
    assert presidio_name("QQ_ID") == "QQ_ID"  # no Presidio name: piwarden's
    for ours, theirs in TO_PRESIDIO.items():
        assert ours in entities.ENTITY_TYPES and ours in piwarden_types(theirs)
    assert piwarden_types("location") == {"ADDRESS", "LOCATION"}
    assert piwarden_types("PHONE") == {"PHONE"} and piwarden_types("IBAN_CODE") == {"IBAN"}
    assert piwarden_types("CRYPTO") == frozenset()  # a Presidio type piwarden does not detect
    assert set(FROM_PRESIDIO) >= {"PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "PERSON", "US_SSN", "DATE_TIME"}


@pytest.fixture(scope="module")
def texts() -> list[str]:
    zh, en = Faker("zh_CN"), Faker("en_US")
    zh.seed_instance(7)
    en.seed_instance(7)
    out = []
    for _ in range(150):
        out.append(f"{zh.name()}，手机{zh.phone_number()}，身份证{zh.ssn()}，卡号{zh.credit_card_number()}，"
                   f"订单{en.random_number(digits=12)}，{zh.address()}")
        out.append(f"SSN {en.ssn()}, call {en.phone_number()}, mail {en.email()}, card {en.credit_card_number()}, "
                   f"ip {en.ipv4()}, ref {en.bothify('??######')} on {en.date()}")
    return out


def test_one_low_floor_analyzer_equals_one_per_threshold(texts: list[str]) -> None:
    """Spans kept at 0.01 then cut at t are the spans of an analyzer whose min_score is t."""
    presidio = PresidioAnalyzer(names=False)
    for threshold in (0.5, 0.7):
        plain = DetectOptions(min_score=threshold, names=False).analyzer()
        for text in texts:
            want = [(s.start, s.end, presidio_name(s.type, s.recognizer), s.score) for s in plain.analyze(text)]
            got = [(r.start, r.end, r.entity_type, r.score) for r in presidio.analyze(text, score_threshold=threshold)]
            assert got == want, text
    # no threshold: piwarden's own floor, 0.5
    default = DetectOptions(names=False).analyzer()
    assert [[(r.start, r.end) for r in presidio.analyze(t)] for t in texts[:40]] == \
        [[(s.start, s.end) for s in default.analyze(t)] for t in texts[:40]]
