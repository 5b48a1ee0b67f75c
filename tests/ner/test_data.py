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
    ex = data.Example(text, [data.TAGS.index("B-ORG") * (k % 3 == 0) for k in range(len(text))], "x")
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
    from piwarden.demo.textgen import generate_with_orgs

    recs = generate_with_orgs(60, seed=13)
    orgs = [(r["text"], s) for r in recs for s in r["spans"] if s["label"] == "ORG"]
    assert orgs
    for text, s in orgs:
        assert "\x01" not in text and text[s["start"]:s["end"]].strip()
    for r in recs:
        assert all(0 <= s["start"] < s["end"] <= len(r["text"]) for s in r["spans"])


def test_mention_replacement_keeps_context_and_span_types() -> None:
    import random

    rec = _rec("记者张三在北京市海淀区采访了阿里巴巴公司。", (2, 4, "PERSON"), (5, 11, "ADDRESS"),
               (14, 20, "ORG"), (5, 7, "LOCATION"))
    pools = {"PERSON": ["欧阳娜娜"], "ADDRESS": ["杭州市西湖区文三路1号"], "ORG": ["腾讯"]}
    new = data.swap_mentions(rec, "zh_cluener2020", pools, random.Random(0))
    assert new is not None
    assert new["text"] == "记者欧阳娜娜在杭州市西湖区文三路1号采访了腾讯。"
    assert [(new["text"][s["start"]:s["end"]], s["label"]) for s in new["spans"]] == [
        ("欧阳娜娜", "PERSON"), ("杭州市西湖区文三路1号", "ADDRESS"), ("腾讯", "ORG")]  # the overlap dropped
    ignored = data.swap_mentions(_rec("住在北京", (2, 4, "LOCATION")), "zh_weibo_ner", {"LOCATION": ["上海"]},
                                 random.Random(0))
    assert ignored is None  # out of the loss there: kept, and nothing else to replace


def test_augment_draws_per_set_and_is_seeded() -> None:
    sets = {"zh_cluener2020": [_rec(f"张{i}来了", (0, 2, "PERSON")) for i in range(20)],
            "zh_weibo_ner": [_rec("总经理说", (0, 3, "ORG"))], "en_presidio_synth_v2": [_rec("Bob", (0, 3, "PERSON"))]}
    a, b = data.augment(sets, 2, seed=3), data.augment(sets, 2, seed=3)
    assert a == b and len(a) == 2 * 22
    assert {src for _, src in a} == {"zh_cluener2020", "zh_weibo_ner", "en_presidio_synth_v2"}
    assert all(r["text"].endswith("来了") for r, src in a if src == "zh_cluener2020")
    assert [r["text"] for r, src in a if src == "zh_weibo_ner"] == ["总经理说"] * 2  # its own pool only
    assert data.augment(sets, 0, seed=3) == []


def test_a_piece_cut_inside_a_mention_starts_it() -> None:
    text = "甲" * 58 + "张三丰" + "乙" * 40
    ex = data.to_example(_rec(text, (58, 61, "PERSON")), "zh_cluener2020")
    parts = list(data.chunks(ex, 60))
    b, i = data.TAGS.index("B-PERSON"), data.TAGS.index("I-PERSON")
    assert parts[0].tags[-2:] == [b, i] and parts[1].tags[0] == b


def test_skeleton_replaces_each_gold_span_with_its_label() -> None:
    rec = _rec("Call Jane Doe at 5 Main St", (5, 13, "PERSON"), (5, 9, "PERSON"), (17, 26, "ADDRESS"))
    assert data.skeleton(rec) == "Call {PERSON} at {ADDRESS}"


def test_template_split_puts_no_skeleton_on_both_sides() -> None:
    names = ["Ann Lee", "Bob Stone", "Carl Ray", "Dana Poe"]
    templates = [f"Template {k}: please call " for k in range(40)]
    records = [_rec(t + n, (len(t), len(t) + len(n), "PERSON")) for t in templates for n in names]
    train, dev = data.template_split(records, seed=3, dev_share=0.3)
    assert train and dev and len(train) + len(dev) == len(records)
    train_sk, dev_sk = {data.skeleton(r) for r in train}, {data.skeleton(r) for r in dev}
    assert not train_sk & dev_sk
    assert data.template_split(records, seed=3, dev_share=0.3) == (train, dev)  # fixed by the seed


def test_template_split_of_the_english_set_has_no_shared_template() -> None:
    import os

    import pytest

    shared = os.environ.get("PIWARDEN_SHARED_DATA") or data.Path(__file__).resolve().parents[2].parent / "shared" / "data"
    path = data.Path(shared) / "en_presidio_synth_v2.jsonl"
    if not path.exists():
        pytest.skip(f"shared data not found at {path}")
    train, dev = data.template_split(data.read_jsonl(path))
    assert dev and train
    assert not {data.skeleton(r) for r in train} & {data.skeleton(r) for r in dev}
