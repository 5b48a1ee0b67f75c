"""The Analyzer: text in, scored and classified spans out.

It holds no per-call state, so one instance serves many threads; compiled patterns are shared.
A recognizer that raises does not make the analyzer skip it silently (Presidio logs and moves
on when a pattern times out): the error propagates as :class:`RecognizerError`, naming the
recognizer, and callers decide. No pattern can time out, since all are linear (see
``recognizer.py`` and ``tests/detect/test_redos.py``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from heapq import heapify, heappop, heappush

from piwarden import entities
from piwarden.detect import evasion as _evasion
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
        evasion: bool = True,
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
        self.evasion = evasion
        self.recognizers = chosen
        self.engine = Engine(chosen, extra=_evasion.gates() if evasion else ())
        self.models = [r for r in chosen if isinstance(r, ModelRecognizer)]
        self._priority = {r.name: r.priority for r in chosen}
        # per recognizer and pattern: the first two terms of a candidate's rank (see _resolve)
        self._rank = {(id(r), id(p)): (-r.ceiling(p.score), -r.priority) for r in chosen for p in r.patterns}

    def analyze(self, text: str) -> list[Span]:
        """Spans of PI in ``text``, sorted by start, non-overlapping."""
        if self.models or not isinstance(text, str):
            return self.analyze_batch([text])[0]
        may = self.engine.report(text)  # analyze_batch's work for one text
        norm = None
        if self.evasion and (may is None or (may and max(may) >= self.engine.extra_start)):
            text, norm, may = self._normalized(text, may)
        spans = self._resolve(text, self.engine.reported_candidates(text, may), [])
        return spans if norm is None else _restore(norm, spans)

    def _normalized(self, text: str, may: set[int] | None) -> tuple[str, _evasion.Normalized | None, set[int] | None]:
        """The text to match (canonical where it carries evasion), the way back, its prefilter report.

        Called only where the evasion layer's gates, which ride in the prefilter's scan
        (``Engine(extra=...)``), matched (``may`` holds one of their ids), or where there is no
        prefilter (``may`` is None: the layer tests its gates itself). Clean text pays one
        ``max`` of its report.
        """
        engine = self.engine
        first = engine.extra_start
        if may is None:
            norm = _evasion.normalize(text)
        else:
            parts = _evasion.gate_parts()
            norm = _evasion.normalize(text, parts={p for i in may if i >= first for p in parts[i - first]})
            may = {i for i in may if i < first}
        if norm is None:
            return text, None, may
        may = engine.report(norm.text)
        return norm.text, norm, None if may is None else {i for i in may if i < first}

    def analyze_batch(self, texts: Iterable[str]) -> list[list[Span]]:
        """``analyze`` over many texts; one list of spans per text, in order.

        Model recognizers see the whole batch at once, so batching is what makes them fast.
        The pattern work runs in phases over the batch too (every text's prefilter scan, then
        every text's pattern matches, then scoring): each phase keeps its own tables and code
        in the CPU's caches, where one text after another through all three took 13% more
        time on synthetic Chinese records (docs/benchmarks.md).
        """
        texts = list(texts)
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"text must be str, not {type(text).__name__}")
        engine = self.engine
        reports = [engine.report(text) for text in texts]
        norms: list[_evasion.Normalized | None] = [None] * len(texts)
        if self.evasion:
            first = engine.extra_start
            for i, may in enumerate(reports):
                if may is None or (may and max(may) >= first):
                    texts[i], norms[i], reports[i] = self._normalized(texts[i], may)
        found = [self._find(r, texts) for r in self.models]
        cands = [engine.reported_candidates(text, may) for text, may in zip(texts, reports, strict=True)]
        out = [self._resolve(text, cands[i], [s for spans in found for s in spans[i]]) for i, text in enumerate(texts)]
        return [spans if norm is None else _restore(norm, spans) for norm, spans in zip(norms, out, strict=True)]

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

    def _resolve(self, text: str, cands: list[Candidate], found: list[Span]) -> list[Span]:
        """The pattern candidates ``cands`` of ``text`` and the spans ``found`` by models, overlaps resolved.

        The same spans as scoring every candidate and then :func:`resolve_overlaps`, with less
        work: candidates are ranked by the most their recognizer could score them
        (``Recognizer.ceiling``) and scored only when they reach the top, so one that overlaps a
        span already kept, which outranks anything still waiting, is dropped unvalidated. On
        texts dense with identifiers that skips a quarter of all validations (a phone parse for
        every number that a mobile or landline pattern already took).

        Time grows with the number of candidates, not its square: they are sorted by start once
        and cut into clusters that overlap nothing outside themselves (a sweep), and each cluster
        is ranked on its own, its kept spans looked up by bisection (:class:`_Kept`). A span's
        fate depends only on the spans it overlaps, all in its cluster, so the result is that of
        one ranking of everything (20,000 phone numbers in one record: 6.7 s before, linear now).
        """
        if not cands and len(found) < 2:
            return found
        rank, prio = self._rank, self._priority
        # (-score, -length, -priority, start, index, span or None while unscored): resolve_overlaps's
        # order, the index standing in for its stable sort
        items: list[_Item] = [
            (r[0], c.start - c.end, r[1], c.start, i, None)
            for i, c in enumerate(cands) for r in (rank[id(c.recognizer), id(c.pattern)],)
        ]
        n = len(cands)
        items += [(-s.score, s.start - s.end, -prio.get(s.recognizer, 0), s.start, n + j, s) for j, s in enumerate(found)]
        kept: list[Span] = []
        for heap in _clusters(items):
            kept += self._rank_cluster(text, cands, heap)
        return kept

    def _rank_cluster(self, text: str, cands: list[Candidate], heap: list[_Item]) -> list[Span]:
        """One cluster's kept spans, by start: the best first, each dropped if it overlaps one kept."""
        if len(heap) == 1:  # alone: kept if it scores at all
            span = heap[0][5]
            span = self._scored(text, cands[heap[0][4]]) if span is None else span
            return [] if span is None else [span]
        heapify(heap)
        kept = _Kept()
        while heap:
            item = heappop(heap)
            start = item[3]
            if kept.overlaps(start, start - item[1]):
                continue
            span = item[5]
            if span is None:
                span = self._scored(text, cands[item[4]])
                if span is None:
                    continue
                if span.score != -item[0]:  # below its ceiling: back in line at its real rank
                    heappush(heap, (-span.score, *item[1:5], span))
                    continue
            kept.add(span)
        return kept.spans()

    def _scored(self, text: str, cand: Candidate) -> Span | None:
        """The span of a candidate, or None if it scores below ``min_score`` or is of a type not asked for."""
        rec = cand.recognizer
        if _inside_hex_id(text, cand.start, cand.end):
            return None
        try:
            score = rec.score(text, cand.start, cand.end, cand.pattern.score)
            if score < self.min_score or score <= 0.0:
                return None
            kind = rec.value_type(text[cand.start : cand.end])
        except Exception as exc:  # re-raised below with the recognizer named
            raise RecognizerError(f"recognizer {rec.name} failed ({type(exc).__name__})") from None
        if self.types is not None and kind not in self.types:
            return None
        return Span(cand.start, cand.end, kind, score, rec.name)


_CUED = frozenset({"QQ_ID", "WECHAT_ID"})
_HEX_LOWER = frozenset("0123456789abcdef")
_HEX_UPPER = frozenset("0123456789ABCDEF")
_HEX_ID_LEN = 24  # a UUID's 32 hex digits, a digest's 40 or 64; ``abc13812345678def`` is still text


def _inside_hex_id(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a digit run inside a random hex identifier (a UUID, a digest).

    Digits are 10 of 16 hex symbols, so one 32-digit record id in 170 holds eleven digits in a row
    that read as a mobile number; a dump of any table keyed by hex ids would be full of them.
    """
    if not text[start:end].isdigit():
        return False
    for alphabet in (_HEX_LOWER, _HEX_UPPER):
        left, right = start, end
        while left > 0 and start - left < 128 and text[left - 1] in alphabet:
            left -= 1
        while right < len(text) and right - end < 128 and text[right] in alphabet:
            right += 1
        if right - left < _HEX_ID_LEN or (left > 0 and text[left - 1].isascii() and text[left - 1].isalnum()) or (
                right < len(text) and text[right].isascii() and text[right].isalnum()):
            continue  # too short, or part of a longer word
        token = text[left:right]
        # random hex has a letter in 3 of 8 places; a UUID with fewer than 4 in 32 is one in 3,000
        if 8 * (len(token) - sum(c.isdigit() for c in token)) >= len(token):
            return True
    return False


def _restore(norm: _evasion.Normalized, spans: list[Span]) -> list[Span]:
    """Spans found in the canonical text, moved back to the text as written, with their evasion forms."""
    out = []
    for span in spans:
        start, end, forms = norm.span(span.start, span.end)
        if span.type in _CUED:
            cue = norm.cue_before(start)
            if cue is not None:
                forms = (*forms, cue)
        if forms:
            out.append(Span(start, end, span.type, span.score, span.recognizer, forms, norm.text[span.start : span.end]))
        else:
            out.append(span if (start, end) == (span.start, span.end) else
                       Span(start, end, span.type, span.score, span.recognizer))
    return out


def resolve_overlaps(spans: list[Span], priority: dict[str, int] | None = None) -> list[Span]:
    """Keep the best of overlapping spans: highest score, longest, higher priority, leftmost.

    Linear in the spans (after one sort): ranked within each cluster of overlapping spans.
    """
    if len(spans) < 2:
        return spans
    prio = priority or {}
    items: list[_Item] = [(-s.score, s.start - s.end, -prio.get(s.recognizer, 0), s.start, i, s)
                          for i, s in enumerate(spans)]
    kept: list[Span] = []
    for cluster in _clusters(items):
        cluster.sort()
        chosen = _Kept()
        for item in cluster:
            span = item[5]
            assert span is not None
            if not chosen.overlaps(span.start, span.end):
                chosen.add(span)
        kept += chosen.spans()
    return kept


# A candidate or span in ranking order: (-score, -length, -priority, start, index, span or None)
_Item = tuple[float, int, int, int, int, "Span | None"]


def _clusters(items: list[_Item]) -> Iterator[list[_Item]]:
    """``items`` cut into groups that overlap nothing outside themselves, in order of start.

    One sort by start, one sweep: an item joins the group while it starts before the group's
    furthest end (every span overlapping a group's member is then in the group), or where the
    previous one starts (ties of start stay together: their order is decided by rank).
    """
    items.sort(key=_start)
    group: list[_Item] = []
    reach = last = -1
    for item in items:
        start, end = item[3], item[3] - item[1]
        if group and start >= reach and start != last:
            yield group
            group = []
            reach = end
        group.append(item)
        reach, last = max(reach, end), start
    if group:
        yield group


def _start(item: _Item) -> int:
    return item[3]


class _Kept:
    """Spans kept in one cluster, none overlapping another: ``overlaps`` in O(log n).

    Spans of positive length, pairwise disjoint, are in the same order by start and by end, so
    only the last one starting before a new span's end can reach into it. Empty spans (which
    overlap a span strictly around their position) are rare and checked one by one.
    """

    __slots__ = ("_empty", "_ends", "_order", "_starts")

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._order: list[Span] = []  # as kept: ties of start are in this order
        self._empty = 0

    def overlaps(self, start: int, end: int) -> bool:
        if self._empty or start == end:  # an empty span overlaps what strictly surrounds it
            return any(start < k.end and k.start < end for k in self._order)
        i = bisect_left(self._starts, end)
        return i > 0 and self._ends[i - 1] > start

    def add(self, span: Span) -> None:
        self._order.append(span)
        if span.start == span.end:
            self._empty += 1
            return
        i = bisect_left(self._starts, span.start)
        self._starts.insert(i, span.start)
        self._ends.insert(i, span.end)

    def spans(self) -> list[Span]:
        """The kept spans by start, ties in the order they were kept."""
        return sorted(self._order, key=_span_start) if len(self._order) > 1 else self._order


def _span_start(span: Span) -> int:
    return span.start


__all__ = ["Analyzer", "Candidate", "RecognizerError", "Span", "resolve_overlaps"]
