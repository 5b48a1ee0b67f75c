"""Training data: tags, chunks, the grouped dev split, synthetic ORG spans."""

from __future__ import annotations

import functools
import operator

from piwarden.detect.ner import data


def _rec(text: str, *spans: tuple[int, int, str]) -> dict:
    return {"id": text, "text": text, "spans": [{"start": s, "end": e, "label": lab} for s, e, lab in spans]}


def test_bio_tags_and_ignored_labels() -> None:
    ex = data.to_example(_rec("张三住在北京", (0, 2, "PERSON"), (4, 6, "LOCATION"), (0, 1, "PHONE")), "zh_weibo_ner")
    b, i = data.TAGS.index("B-PERSON"), data.TAGS.index("I-PERSON")
    assert ex.tags == [b, i, 0, 0, data.IGNORE, data.IGNORE]  # Weibo's LOCATION is CLUENER's ADDRESS: no loss
    cl = data.to_example(_rec("住在北京", (2, 4, "LOCATION")), "zh_cluener2020")
    assert cl.tags[2] == data.TAGS.index("B-LOCATION")


def test_chunks_cut_after_punctuation_and_keep_tags() -> None:
    text = "甲" * 50 + "。" + "乙" * 80
    ex = data.Example(text, list(range(len(text))), "x")
    parts = list(data.chunks(ex, 60))
    assert "".join(p.text for p in parts) == text
    assert parts[0].text.endswith("。")
    assert functools.reduce(operator.iadd, (p.tags for p in parts), []) == ex.tags
    assert all(len(p.text) <= 60 for p in parts)


def test_split_keeps_cluener_sentences_with_their_bdci_documents() -> None:
    sentences = [f"第{i}句话里有一个名字叫张{i}的人出现了" for i in range(60)]
    sets = {"zh_cluener2020": [_rec(s) for s in sentences],
            "zh_bdci2020_privacy": [_rec(sentences[i] + "，" + sentences[i + 1]) for i in range(0, 60, 2)],
            "zh_weibo_ner": [], "en_presidio_synth_v2": []}
    train, dev = data.split(sets, seed=1, dev_share=0.3)
    dev_docs = {r["text"] for r in dev["zh_bdci2020_privacy"]}
    assert dev["zh_cluener2020"] and train["zh_cluener2020"]
    for r in dev["zh_cluener2020"]:
        assert any(r["text"] in d for d in dev_docs)
    assert data.split(sets, seed=1, dev_share=0.3) == (train, dev)


def test_synthetic_companies_become_org_spans() -> None:
    recs = data.synthetic(60, seed=13)
    orgs = [(r["text"], s) for r in recs for s in r["spans"] if s["label"] == "ORG"]
    assert orgs
    for text, s in orgs:
        assert "\x01" not in text and text[s["start"]:s["end"]].strip()
    for r in recs:
        assert all(0 <= s["start"] < s["end"] <= len(r["text"]) for s in r["spans"])
