"""The shipped artifact: size, metadata, and its answers on a fixed sample; the recognizer in an Analyzer."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from piwarden.detect import Analyzer
from piwarden.detect.ner import recognizer as ner
from piwarden.detect.ner.recognizer import NameAddressRecognizer, default_artifact

SAMPLE = [
    ("收件人：张伟，电话13812345678，地址：浙江省杭州市西湖区文三路478号华星时代广场A座1205室。", "张伟", "PERSON"),
    ("收件人：张伟，电话13812345678，地址：浙江省杭州市西湖区文三路478号华星时代广场A座1205室。",
     "浙江省杭州市西湖区文三路478号华星时代广场A座1205室", "ADDRESS"),
    ("欧阳娜娜今天在北京出席了活动。", "欧阳娜娜", "PERSON"),
    ("阿里巴巴集团控股有限公司发布了第三季度财报。", "阿里巴巴集团控股有限公司", "ORG"),
    ("Please ship it to John Smith at 1234 Oak Street, Springfield.", "John Smith", "PERSON"),
]


def _found(spans: list, text: str, value: str, kind: str) -> bool:
    return any(text[s[0]:s[1]] == value and s[2] == kind for s in spans)


def test_artifact_is_small_and_documented() -> None:
    path = default_artifact()
    assert path.stat().st_size < 20 * 2**20
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert {"command", "seed", "data", "metrics", "model"} <= set(meta)
    assert len(meta["data"]) == 4 and all(len(h) == 64 for h in meta["data"].values())


def test_fixed_sample() -> None:
    texts = [t for t, _, _ in SAMPLE]
    found = NameAddressRecognizer().find(texts)
    misses = [(v, k) for (t, v, k), spans in zip(SAMPLE, found, strict=True) if not _found(spans, t, v, k)]
    assert not misses
    assert all(0.0 <= s[3] <= 1.0 for spans in found for s in spans)


def test_masked_names_are_not_names() -> None:
    text = "原告薛某与被告王某某、李某甲于2024年签订合同。"
    spans = NameAddressRecognizer().find([text])[0]
    assert not [s for s in spans if s[2] == "PERSON"]


def test_in_analyzer_with_rule_recognizers() -> None:
    rec = NameAddressRecognizer()
    analyzer = Analyzer([rec, *Analyzer().recognizers])
    text = SAMPLE[0][0]
    types = [s.type for s in analyzer.analyze(text)]
    assert types[:3] == ["PERSON", "PHONE", "ADDRESS"]
    assert Analyzer([rec], types=["ADDRESS"]).analyze(text)[0].type == "ADDRESS"
    assert analyzer.analyze_batch(["", "没有任何信息。"]) == [[], []]


def test_loaded_once_and_thread_safe() -> None:
    ner._LOADED.clear()
    recs = [NameAddressRecognizer() for _ in range(4)]
    text = SAMPLE[2][0]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda r: r.find([text] * 3), recs * 4))
    assert all(r == results[0] for r in results)
    assert len(ner._LOADED) == 1
    assert recs[0].model is recs[1].model


def test_long_text_is_windowed_exactly() -> None:
    model = NameAddressRecognizer().model
    text = "".join(t for t, _, _ in SAMPLE[2:4]) * 40
    enc = model.featurizer.encode(text)
    whole = model.logits(*model.featurizer.batch([enc]))[0]
    got = model.scores([text])[0]
    if model.cfg["arch"] == "cnn":  # margins wider than the receptive radius: exact
        np.testing.assert_allclose(got, whole, atol=1e-4)
    else:  # an LSTM's state fades over the margin: the same tags almost everywhere
        assert (got.argmax(-1) == whole.argmax(-1)).mean() > 0.98
    assert any(s[0] > 1000 for s in NameAddressRecognizer().find([text])[0])


def test_registered_but_off_by_default_and_enabled_by_config() -> None:
    from piwarden.detect import Analyzer

    assert "NameAddressRecognizer" not in [r.name for r in Analyzer().recognizers]
    analyzer = Analyzer(config="enabled: all\ndisabled: []\n")
    text = "收件人张伟，手机13812345678"
    types = [s.type for s in analyzer.analyze(text)]
    assert "PHONE" in types and "PERSON" in types


def test_job_titles_only_when_attached_to_a_name() -> None:
    rec = NameAddressRecognizer()
    attached, alone = rec.find(["公司总经理张伟表示，今年的业绩很好。", "我们正在招聘总经理一名。"])
    titles = [(s, e) for s, e, k, _ in attached if k == "JOB_TITLE"]
    assert titles == [(2, 5)]
    name = next(sc for _, _, k, sc in attached if k == "PERSON")
    assert all(sc <= name for _, _, k, sc in attached if k == "JOB_TITLE")
    assert not [s for s in alone if s[2] == "JOB_TITLE"]
    spans = [(1, 3, "JOB_TITLE", 0.9), (10, 12, "JOB_TITLE", 0.9), (3, 5, "PERSON", 0.6)]
    assert rec._attached_titles(spans) == [(1, 3, "JOB_TITLE", 0.6), (3, 5, "PERSON", 0.6)]


def test_context_words_before_and_after_a_span_move_its_score() -> None:
    rec = NameAddressRecognizer()
    assert rec._adjust("今天张伟来了。", 2, 4, "PERSON", 0.6) == 0.6
    assert rec._adjust("今天张伟先生来了。", 2, 4, "PERSON", 0.6) == pytest.approx(0.7)  # after the span
    assert rec._adjust("收件人张伟来了。", 3, 5, "PERSON", 0.6) == pytest.approx(0.7)  # before it
    text = "访问IP地址北京市朝阳区的服务器"
    assert rec._adjust(text, 6, 12, "ADDRESS", 0.6) == pytest.approx(0.5)  # +0.1 地址, -0.2 IP地址
    assert rec._adjust("地址：北京市朝阳区", 3, 9, "ADDRESS", 0.9) == rec.max_score  # capped
