"""piwarden.scan.frame: DataFrames classified per column and masked, pandas and polars alike (Faker data)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import polars as pl
import pytest
from faker import Faker

from piwarden.mask.table import TEXT
from piwarden.scan.classify import Classifier
from piwarden.scan.frame import FrameAnalysis, analyze_frame, anonymize_frame

N = 120


def _rows() -> dict[str, list[Any]]:
    zh, en = Faker("zh_CN"), Faker("en_US")
    zh.seed_instance(19)
    en.seed_instance(19)
    return {
        "name": [zh.name() for _ in range(N)],
        "col_7": [zh.phone_number() for _ in range(N)],  # no hint in the name: the values decide
        "email": [en.email() for _ in range(N)],
        "sfzh": [zh.ssn() for _ in range(N)],
        "ssn": [en.ssn() for _ in range(N)],
        "card": [en.credit_card_number(card_type="visa16") for _ in range(N)],
        # a remarks column where every tenth note carries a phone (issue 19, point 4)
        "beizhu": [f"客户来电催单，回拨{zh.phone_number()}" if i % 10 == 0 else "客户要求周末送货，放门口即可，谢谢"
                   for i in range(N)],
        "qty": list(range(N)),
    }


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    from piwarden.detect.runner import DetectOptions

    return Classifier(analyzer=DetectOptions(names=True).analyzer())


@pytest.fixture(scope="module")
def rows() -> dict[str, list[Any]]:
    return _rows()


@pytest.mark.parametrize("kind", ["pandas", "polars"])
def test_analyze_frame_types_each_column_with_share_and_score(kind: str, rows: dict[str, list[Any]],
                                                              classifier: Classifier) -> None:
    frame: Any = pd.DataFrame(rows) if kind == "pandas" else pl.DataFrame(rows)
    a = analyze_frame(frame, classifier=classifier)
    assert isinstance(a, FrameAnalysis) and a.rows == N
    assert a.entity_mapping == {"name": "PERSON", "col_7": "PHONE", "email": "EMAIL", "sfzh": "CN_RESIDENT_ID",
                                "ssn": "US_SSN", "card": "CREDIT_CARD", "beizhu": TEXT}
    assert a.entity_mapping_presidio == {"name": "PERSON", "col_7": "PHONE_NUMBER", "email": "EMAIL_ADDRESS",
                                         "sfzh": "CN_RESIDENT_ID", "ssn": "US_SSN", "card": "CREDIT_CARD",
                                         "beizhu": "PHONE_NUMBER"}
    by = {r["column"]: r for r in a.to_dicts(presidio_names=True)}
    assert by["col_7"]["type"] == "PHONE_NUMBER" and by["col_7"]["share"] == 1.0 and by["col_7"]["score"] >= 0.9
    assert by["beizhu"]["free_text"] and by["beizhu"]["shares"] == {"PHONE_NUMBER": 0.1}
    assert by["qty"]["type"] is None
    # no raw value in the findings: examples are masked
    flat = str(a.to_dicts())
    assert not any(v in flat for col in ("col_7", "sfzh", "email") for v in rows[col])


@pytest.mark.parametrize("kind", ["pandas", "polars"])
def test_anonymize_frame_masks_what_it_found_and_keeps_the_frame_kind(kind: str, rows: dict[str, list[Any]],
                                                                      classifier: Classifier) -> None:
    frame: Any = pd.DataFrame(rows) if kind == "pandas" else pl.DataFrame(rows)
    a = analyze_frame(frame, classifier=classifier)
    out = anonymize_frame(frame, a)
    assert type(out) is type(frame) and list(out.columns) == list(rows)
    cols = {c: list(out[c]) for c in rows}
    for c in ("name", "col_7", "email", "sfzh", "ssn", "card"):
        assert all(m != v for m, v in zip(cols[c], rows[c], strict=True)), c
    assert cols["col_7"][0][:3] == rows["col_7"][0][:3] and "*" in cols["col_7"][0]  # partial: 138****5678
    for masked, note in zip(cols["beizhu"], rows["beizhu"], strict=True):  # the phones in the notes are masked
        assert (masked != note) == ("回拨" in note)
    assert cols["qty"] == rows["qty"]
    # a mapping of one's own, no analysis
    only = anonymize_frame(frame, {"email": "EMAIL"})
    assert list(only["name"]) == rows["name"] and list(only["email"]) != rows["email"]
