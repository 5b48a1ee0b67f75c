"""Scoring of detected spans: exact and overlap matching, coverage, hard negatives."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piwarden.detect.evaluate import README_PI_LABELS, Report, compare_markdown, default_labels, score

TEXT = "张三的手机13812345678，卡号6222021234567890123，住北京市海淀区中关村大街1号。"


def rec(spans, rid="r1", text=TEXT, **extra):
    return {"id": rid, "text": text, "spans": [{"start": s, "end": e, "label": lab} for s, e, lab in spans],
            **extra}


GOLD = [rec([(0, 2, "PERSON"), (5, 16, "PHONE"), (19, 38, "BANK_CARD"), (40, 53, "ADDRESS")])]


def test_perfect_predictions() -> None:
    r = score(GOLD, [[(0, 2, "PERSON"), (5, 16, "PHONE"), (19, 38, "BANK_CARD"), (40, 53, "ADDRESS")]])
    for mode in (r.exact, r.overlap):
        assert (mode.micro.precision, mode.micro.recall, mode.micro.f1) == (1.0, 1.0, 1.0)
    assert r.coverage.rate == 1.0


def test_exact_versus_overlap() -> None:
    # phone one character short, card exact, person missed, address labeled LOCATION, one spurious email
    preds = [[(5, 15, "PHONE"), (19, 38, "BANK_CARD"), (40, 53, "LOCATION"), (60, 62, "EMAIL")]]
    r = score(GOLD, preds)
    ex, ov = r.exact.per_label, r.overlap.per_label
    assert (ex["PHONE"].tp, ex["PHONE"].fp, ex["PHONE"].fn) == (0, 1, 1)
    assert (ov["PHONE"].tp, ov["PHONE"].fp, ov["PHONE"].fn) == (1, 0, 0)
    assert ex["BANK_CARD"].f1 == 1.0
    assert ex["PERSON"].fn == 1 and ex["ADDRESS"].fn == 1
    assert ex["EMAIL"].fp == 1 and "LOCATION" not in ex  # context labels are not scored
    assert (r.exact.micro.tp, r.exact.micro.fp, r.exact.micro.fn) == (1, 2, 3)
    assert (r.overlap.micro.tp, r.overlap.micro.fp, r.overlap.micro.fn) == (2, 1, 2)
    assert r.exact.micro.precision == pytest.approx(1 / 3)
    assert r.overlap.micro.f1 == pytest.approx(2 * (2 / 3) * (2 / 4) / (2 / 3 + 2 / 4))
    # masking view: the LOCATION span still masks the address; the person is exposed
    assert (r.coverage.covered, r.coverage.total) == (3, 4)
    assert r.coverage.per_label["PERSON"] == [0, 1]


def test_overlap_matches_each_span_once_largest_first() -> None:
    gold = [rec([(0, 10, "ADDRESS"), (12, 20, "ADDRESS")])]
    # one long prediction spans both gold addresses: it may match only one (the larger overlap)
    r = score(gold, [[(0, 20, "ADDRESS")]])
    assert (r.overlap.micro.tp, r.overlap.micro.fp, r.overlap.micro.fn) == (1, 0, 1)
    # two predictions inside one gold span: one matches, the other is a false positive
    r = score([rec([(0, 20, "ADDRESS")])], [[(0, 5, "ADDRESS"), (6, 20, "ADDRESS")]])
    assert (r.overlap.micro.tp, r.overlap.micro.fp, r.overlap.micro.fn) == (1, 1, 0)
    # greedy by size: the big overlap wins, the small leftover pairs with what remains
    gold = [rec([(0, 10, "PHONE"), (10, 12, "PHONE")])]
    r = score(gold, [[(0, 11, "PHONE"), (9, 12, "PHONE")]])
    assert r.overlap.micro.tp == 2


def test_label_map_and_default_labels() -> None:
    gold = [rec([(19, 38, "BANK_CARD")])]
    assert score(gold, [[(19, 38, "CREDIT_CARD")]]).exact.micro.f1 == 1.0
    assert score(gold, [[(19, 38, "CREDIT_CARD")]], label_map={}).exact.micro.f1 == 0.0
    assert score(gold, [[(19, 38, "X")]], label_map={"X": "BANK_CARD"}).exact.micro.f1 == 1.0
    labels = default_labels(["PERSON", "ORG"], ["CN_RESIDENT_ID", "DATE_TIME", "LOCATION"])
    assert set(README_PI_LABELS) <= set(labels) and "CN_RESIDENT_ID" in labels
    assert not {"ORG", "DATE_TIME", "LOCATION"} & set(labels)
    r = score(gold, [[(19, 38, "BANK_CARD"), (0, 2, "PERSON")]], labels=["BANK_CARD"])
    assert r.labels == ("BANK_CARD",) and r.exact.micro.precision == 1.0


def test_predictions_as_objects_dicts_or_by_id() -> None:
    @dataclass
    class Span:
        start: int
        end: int
        type: str
        score: float = 1.0

    gold = [rec([(5, 16, "PHONE")], rid="a"), rec([(0, 2, "PERSON")], rid="b")]
    as_objects = [[Span(5, 16, "PHONE")], [{"start": 0, "end": 2, "type": "PERSON"}]]
    assert score(gold, as_objects).exact.micro.f1 == 1.0
    assert score(gold, {"b": [(0, 2, "PERSON")]}).exact.micro.recall == 0.5
    with pytest.raises(ValueError):
        score(gold, [[]])


def test_hard_negative_rate() -> None:
    gold = [rec([], rid=f"n{i}", hard_negative=True) for i in range(4)] + GOLD
    preds = [[(5, 16, "PHONE")], [(0, 3, "PHONE"), (5, 9, "CN_RESIDENT_ID")], [(0, 4, "DATETIME")], [], []]
    hn = score(gold, preds).hard_negatives
    assert (hn.records, hn.flagged) == (4, 2) and hn.rate == 0.5
    assert hn.per_type == {"PHONE": 2, "CN_RESIDENT_ID": 1}  # DATETIME is not PI


def test_markdown() -> None:
    r = score(GOLD, [[(5, 16, "PHONE")]])
    md = r.to_markdown()
    assert md.splitlines()[0].startswith("| label | support | exact P")
    assert "| PHONE | 1 | 1.000 |" in md and "**micro**" in md and "QQ_ID" not in md
    both = compare_markdown({"piwarden": r, "presidio": score(GOLD, [[]])})
    assert "| PHONE | 1 | 1.000 | 0.000 |" in both
    assert isinstance(r, Report) and r.as_dict()["exact"]["micro"]["tp"] == 1


_LABELS = st.sampled_from(["PERSON", "PHONE", "EMAIL", "BANK_CARD", "ADDRESS", "CN_RESIDENT_ID"])


@st.composite
def _records(draw):
    n = draw(st.integers(1, 6))
    out = []
    for i in range(n):
        spans = draw(st.lists(st.tuples(st.integers(0, 80), st.integers(1, 20), _LABELS), max_size=6))
        out.append(rec([(s, s + w, lab) for s, w, lab in spans], rid=str(i), text="x" * 100))
    return out


@settings(max_examples=150, deadline=None)
@given(_records())
def test_predicting_the_gold_scores_one(gold) -> None:
    preds = [[(s["start"], s["end"], s["label"]) for s in r["spans"]] for r in gold]
    r = score(gold, preds)
    if r.exact.micro.support:
        for mode in (r.exact, r.overlap):
            assert (mode.micro.precision, mode.micro.recall, mode.micro.f1) == (1.0, 1.0, 1.0)
            assert all(c.f1 == 1.0 for c in mode.per_label.values() if c.support)
        assert r.coverage.rate == 1.0
