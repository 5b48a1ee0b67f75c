"""The Analyzer: text in, scored and classified spans out.

It holds no per-call state, so one instance serves many threads; compiled patterns are shared.
A recognizer that raises does not make the analyzer skip it silently (Presidio logs and moves
on when a pattern times out): the error propagates as :class:`RecognizerError`, naming the
recognizer, and callers decide. No pattern can time out, since all are linear (see
``recognizer.py`` and ``tests/detect/test_redos.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from piwarden import entities
from piwarden.detect.engine import Candidate, Engine
from piwarden.detect.recognizer import ModelRecognizer, Recognizer
from piwarden.detect.registry import load_recognizers
from piwarden.detect.span import Span

DEFAULT_MIN_SCORE = 0.5


class RecognizerError(RuntimeError):
    """A recognizer failed on some input; the message names it but never the text."""


class Analyzer:
    """Finds PI in text with the configured recognizers."""

    def __init__(
        self,
        recognizers: Sequence[Recognizer] | None = None,
        *,
        types: Iterable[str] | None = None,
        min_score: float = DEFAULT_MIN_SCORE,
        config: str | None = None,
    ) -> None:
        chosen = list(recognizers) if recognizers is not None else load_recognizers(config)
        if types is not None:
            wanted = {entities.canonical(t) for t in types}
            chosen = [r for r in chosen if r.entity in wanted or wanted.intersection(r.also)]
            self.types: frozenset[str] | None = frozenset(wanted)
        else:
            self.types = None
        if not 0.0 <= min_score <= 1.0:
            raise ValueError("min_score must be between 0 and 1")
        self.min_score = min_score
        self.recognizers = chosen
        self.engine = Engine(chosen)
        self.models = [r for r in chosen if isinstance(r, ModelRecognizer)]
        self._priority = {r.name: r.priority for r in chosen}

    def analyze(self, text: str) -> list[Span]:
        """Spans of PI in ``text``, sorted by start, non-overlapping."""
        if self.models or not isinstance(text, str):
            return self.analyze_batch([text])[0]
        return resolve_overlaps(self._patterns(text), self._priority)  # analyze_batch's work for one text

    def analyze_batch(self, texts: Iterable[str]) -> list[list[Span]]:
        """``analyze`` over many texts; one list of spans per text, in order.

        Model recognizers see the whole batch at once, so batching is what makes them fast.
        """
        texts = list(texts)
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"text must be str, not {type(text).__name__}")
        found = [self._find(r, texts) for r in self.models]
        return [
            resolve_overlaps(self._patterns(text) + [s for spans in found for s in spans[i]], self._priority)
            for i, text in enumerate(texts)
        ]

    def _find(self, model: ModelRecognizer, texts: list[str]) -> list[list[Span]]:
        try:
            batch = model.find(texts)
        except Exception as exc:  # re-raised below with the recognizer named
            raise RecognizerError(f"recognizer {model.name} failed ({type(exc).__name__})") from None
        return [
            [Span(s, e, t, sc, model.name) for s, e, t, sc in spans if self._keep(t, sc)] for spans in batch
        ]

    def _keep(self, kind: str, score: float) -> bool:
        return score >= self.min_score and score > 0.0 and (self.types is None or kind in self.types)

    def _patterns(self, text: str) -> list[Span]:
        spans = []
        min_score, types = self.min_score, self.types  # _keep, inlined: this loop runs per candidate
        for cand in self.engine.candidates(text):
            rec = cand.recognizer
            try:
                score = rec.score(text, cand.start, cand.end, cand.pattern.score)
                if score < min_score or score <= 0.0:
                    continue
                kind = rec.value_type(text[cand.start : cand.end])
            except Exception as exc:  # re-raised below with the recognizer named
                raise RecognizerError(f"recognizer {rec.name} failed ({type(exc).__name__})") from None
            if types is None or kind in types:
                spans.append(Span(cand.start, cand.end, kind, score, rec.name))
        return spans


def resolve_overlaps(spans: list[Span], priority: dict[str, int] | None = None) -> list[Span]:
    """Keep the best of overlapping spans: highest score, longest, higher priority, leftmost."""
    if len(spans) < 2:
        return spans
    prio = priority or {}
    ranked = sorted(spans, key=lambda s: (-s.score, s.start - s.end, -prio.get(s.recognizer, 0), s.start))
    kept: list[Span] = []
    for span in ranked:
        start, end = span.start, span.end
        for k in kept:
            if start < k.end and k.start < end:  # Span.overlaps, inlined: quadratic in spans per text
                break
        else:
            kept.append(span)
    kept.sort(key=lambda s: s.start)
    return kept


__all__ = ["Analyzer", "Candidate", "RecognizerError", "Span", "resolve_overlaps"]
