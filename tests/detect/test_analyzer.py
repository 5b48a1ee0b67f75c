"""The Analyzer's contract: types, thresholds, overlap, concurrency, configuration, failures."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import ClassVar

import pytest

from piwarden.detect import Analyzer, ModelRecognizer, Pattern, Recognizer, RecognizerError, Span
from piwarden.detect.analyzer import resolve_overlaps
from piwarden.detect.registry import ConfigError, load_recognizers

TEXT = "客户薛某某，手机13812345678，身份证号330106198803051239，邮箱 xue@example.com。"


def test_spans_carry_classification() -> None:
    spans = Analyzer().analyze(TEXT)
    assert [s.type for s in spans] == ["PHONE", "CN_RESIDENT_ID", "EMAIL"]
    rid = spans[1]
    assert rid.entity.grade == 3 and rid.entity.category.value == "identity"
    assert rid.to_dict(classify=True)["sensitive"] is False  # GB/T 45574-2025: number alone is not


def test_types_filter_and_min_score() -> None:
    assert [s.type for s in Analyzer(types=["EMAIL"]).analyze(TEXT)] == ["EMAIL"]
    assert all(s.score >= 0.99 for s in Analyzer(min_score=0.99).analyze(TEXT))
    with pytest.raises(ValueError):
        Analyzer(min_score=1.5)


def test_rejects_non_text() -> None:
    with pytest.raises(TypeError):
        Analyzer().analyze(b"bytes")  # type: ignore[arg-type]


def test_overlap_keeps_best() -> None:
    a = Span(0, 10, "BANK_CARD", 0.6)
    b = Span(2, 8, "PHONE", 0.9)
    c = Span(12, 14, "EMAIL", 0.5)
    assert resolve_overlaps([a, b, c]) == [b, c]
    tie = [Span(0, 5, "X", 0.9, "low"), Span(0, 5, "Y", 0.9, "high")]
    assert resolve_overlaps(tie, {"high": 1})[0].recognizer == "high"


def test_concurrent_use_gives_same_answers() -> None:
    analyzer = Analyzer()
    texts = [TEXT.replace("8", str(i % 10)) for i in range(200)]
    expected = analyzer.analyze_batch(texts)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(analyzer.analyze, texts))
    assert got == expected


class _Broken(Recognizer):
    entity = "PHONE"
    patterns: ClassVar = (Pattern("any_digit", r"[0-9]", 0.5),)

    def validate(self, value: str) -> bool | None:
        raise ZeroDivisionError


def test_a_failing_recognizer_is_reported_not_skipped() -> None:
    with pytest.raises(RecognizerError, match="_Broken") as info:
        Analyzer([_Broken()]).analyze("secret 13812345678")
    assert "13812345678" not in str(info.value)


def test_config_enables_and_rejects_unknown() -> None:
    only = load_recognizers("enabled: [EmailRecognizer]\n")
    assert [r.name for r in only] == ["EmailRecognizer"]
    assert "ResidentIdRecognizer" not in [r.name for r in load_recognizers("disabled: [ResidentIdRecognizer]\n")]
    with pytest.raises(ConfigError, match="NoSuch"):
        load_recognizers("enabled: [NoSuchRecognizer]\n")


def test_custom_recognizer_declared_not_programmed() -> None:
    class EmployeeId(Recognizer):
        entity = "ORDER_ID"
        patterns: ClassVar = (Pattern("emp", r"EMP-[0-9]{6}", 0.4),)
        context: ClassVar = ("工号", "employee")

    analyzer = Analyzer([EmployeeId()])
    assert [s.score for s in analyzer.analyze("工号 EMP-123456")] == [pytest.approx(0.75)]
    assert analyzer.analyze("EMP-123456") == []  # 0.4 is under the default 0.5


class _SurnameModel(ModelRecognizer):
    """A stand-in model: marks 薛某 style references; counts how it was called."""

    entity = "PERSON"
    calls: ClassVar[list[int]] = []

    def find(self, texts: list[str]) -> list[list[tuple[int, int, str, float]]]:
        self.calls.append(len(texts))
        return [[(i, i + 2, "PERSON", 0.9) for i in range(len(t) - 1) if t[i + 1] == "某"] for t in texts]


def test_model_recognizers_get_whole_batches_and_join_overlap_resolution() -> None:
    analyzer = Analyzer([_SurnameModel(), *Analyzer().recognizers])
    texts = ["原告薛某，手机13812345678", "无", "被告王某"]
    out = analyzer.analyze_batch(texts)
    assert _SurnameModel.calls == [3]
    assert [[s.type for s in spans] for spans in out] == [["PERSON", "PHONE"], [], ["PERSON"]]
    assert Analyzer([_SurnameModel()], types=["PHONE"]).analyze("薛某") == []


def test_a_batch_finds_what_one_text_at_a_time_finds() -> None:
    # analyze_batch runs its phases over the whole batch (prefilter, matches, scoring)
    from piwarden.demo.textgen import generate

    analyzer = Analyzer()
    texts = [r["text"] for r in generate(300, seed=7)]
    assert analyzer.analyze_batch(texts) == [analyzer.analyze(t) for t in texts]
    assert analyzer.analyze_batch([]) == []


def test_digits_inside_a_hex_id_are_not_pi() -> None:
    """A UUID or digest holds eleven digits in a row about once in 170 (a CI dump of vault record ids did)."""
    analyzer = Analyzer()
    for text in ("r-5ae3adcf19647894856abcdef0123456", "id 5ae3adcf13812345678abcdef0123456 x",
                 "digest=13812345678AAAAAAAAAAAAAAAAAAAAAAAA\n"):
        assert analyzer.analyze(text) == [], text
    # digits glued to one letter are not random hex (hypothesis found this one in test_resolve)
    assert (0, 11) in [(s.start, s.end) for s in analyzer.analyze("13812345678E1234567813812345678")]
    for text in ("tel13812345678", "abc13812345678def", "电话13812345678", "13812345678"):
        assert [text[s.start:s.end] for s in analyzer.analyze(text)] == ["13812345678"], text


def test_no_uuid_reads_as_pi() -> None:
    import uuid

    analyzer = Analyzer()
    ids = [uuid.UUID(int=(n * 0x9E3779B97F4A7C15F39CC0605CEDC835) % (1 << 128)).hex for n in range(3000)]
    assert [i for i in ids if analyzer.analyze(f"r-{i}\t{i.upper()}")] == []
