"""Acceptance on generated text: every structured type precise and complete, hard negatives quiet.

The seed here was never used while tuning (the benchmark's default seed is 20260301), so this is
held-out data for the recognizers. Targets from the detection issue: precision >= 0.99 and
recall >= 0.98 per structured type, hard negatives flagged in <= 0.5% of cases.
"""

from __future__ import annotations

import pytest

from piwarden.demo.textgen import generate
from piwarden.detect import Analyzer
from piwarden.detect.evaluate import score

SEED = 777_001
NAMES_AND_PLACES = {"PERSON", "ADDRESS", "ORG", "LOCATION"}  # the NER issue's, not this one's


@pytest.fixture(scope="module")
def report():
    records = list(generate(2500, seed=SEED))
    analyzer = Analyzer()
    predictions = [analyzer.analyze(r["text"]) for r in records]
    labels = sorted({s["label"] for r in records for s in r["spans"]} - NAMES_AND_PLACES)
    return score(records, predictions, labels=labels)


def test_structured_types_precision_and_recall(report) -> None:
    weak = {
        label: (round(c.precision, 3), round(c.recall, 3), c.support)
        for label, c in report.exact.per_label.items()
        if c.support >= 20 and (c.precision < 0.99 or c.recall < 0.98)
    }
    assert weak == {}


def test_hard_negatives_stay_negative(report) -> None:
    assert report.hard_negatives.records > 300
    assert report.hard_negatives.rate <= 0.005, report.hard_negatives.per_type
