"""Lazy scoring (``Analyzer._resolve``) must keep exactly the spans that scoring everything would."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine import FRAGMENTS

from piwarden.demo.textgen import generate
from piwarden.detect import Analyzer
from piwarden.detect.analyzer import _inside_hex_id, resolve_overlaps
from piwarden.detect.recognizer import ModelRecognizer
from piwarden.detect.span import Span

SYNTHETIC = [r["text"] for r in generate(400, seed=7)]


def eager(analyzer: Analyzer, text: str, found: list[Span] = ()) -> list[Span]:
    """Every candidate scored, then overlaps resolved: what the analyzer did before lazy scoring."""
    spans = []
    for cand in analyzer.engine.candidates(text):
        rec = cand.recognizer
        if _inside_hex_id(text, cand.start, cand.end):  # never a value (a UUID's digits)
            continue
        score = rec.score(text, cand.start, cand.end, cand.pattern.score)
        if score < analyzer.min_score or score <= 0.0:
            continue
        kind = rec.value_type(text[cand.start : cand.end])
        if analyzer.types is None or kind in analyzer.types:
            spans.append(Span(cand.start, cand.end, kind, score, rec.name))
    return resolve_overlaps(spans + list(found), analyzer._priority)


# the evasion layer off: what is compared is the ranking of one text's candidates (the layer
# changes the text matched, tests/detect/test_evasion.py)
ANALYZERS = [Analyzer(evasion=False), Analyzer(min_score=0.0, evasion=False), Analyzer(min_score=0.8, evasion=False),
             Analyzer(types=["PHONE", "QQ_ID"], evasion=False)]


@pytest.mark.parametrize("analyzer", ANALYZERS, ids=["default", "min0", "min0.8", "types"])
def test_lazy_scoring_keeps_what_scoring_everything_keeps(analyzer: Analyzer) -> None:
    for text in SYNTHETIC:  # the model recognizers' spans (the address parser's) join the ranking as they are
        found = [s for model in analyzer.models for s in analyzer._find(model, [text])[0]]
        assert analyzer.analyze(text) == eager(analyzer, text, found)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=24).map("".join))
def test_lazy_scoring_on_generated_fragments(text: str) -> None:
    for analyzer in ANALYZERS[:2]:
        assert analyzer.analyze(text) == eager(analyzer, text)


def test_no_score_exceeds_its_recognizers_ceiling() -> None:
    analyzer = ANALYZERS[1]
    for text in SYNTHETIC:
        for cand in analyzer.engine.candidates(text):
            rec = cand.recognizer
            assert rec.score(text, cand.start, cand.end, cand.pattern.score) <= rec.ceiling(cand.pattern.score)


class _Fixed(ModelRecognizer):
    """A model recognizer that reports one fixed span per text: its spans join the same ranking."""

    entity = "PERSON"

    def __init__(self, span: tuple[int, int, str, float]) -> None:
        super().__init__()
        self.span = span

    def find(self, texts: list[str]) -> list[list[tuple[int, int, str, float]]]:
        return [[self.span] for _ in texts]


@pytest.mark.parametrize("score", [0.6, 0.9, 1.0])
def test_model_spans_compete_with_lazily_scored_candidates(score: float) -> None:
    text = "客户张伟，手机13812345678，邮箱 zhangwei@example.com"
    model = _Fixed((7, 14, "PERSON", score))  # overlaps the start of the mobile number
    analyzer = Analyzer([model, *Analyzer().recognizers])
    found = [Span(7, 14, "PERSON", score, model.name)]
    assert analyzer.analyze(text) == eager(analyzer, text, found)
