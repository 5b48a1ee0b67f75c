"""Runs every recognizer's patterns over a text and yields the raw candidates.

Why not simply ``finditer`` every pattern over the whole text: on Chinese text that costs
about 40 full scans per record, and measured on the BDCI set it held detection at about
2 MB/s (see docs/benchmarks.md, "regex engines"; a single combined alternation, lookahead
alternation and the ``regex`` module's overlapped mode were all slower still, and RE2 and
Hyperscan support no look-arounds). Almost every pattern needs an ASCII digit, and in
Chinese text the runs of ASCII around digits ("islands") are short and few, so:

1. one scan finds the islands: maximal runs of printable ASCII (and the few CJK characters
   that occur inside values: 年月日转°′″·, full-width parentheses) that contain a digit;
   islands shorter than 5 characters hold no value any pattern accepts;
2. each digit pattern runs only inside each island, widened by the pattern's ``lead`` and
   ``trail`` (keywords before a value such as 订单号, a plate's province character);
3. patterns that need no digit (e-mail, MAC, IPv6, WeChat ids) scan the whole text, but only
   when their cheap ``gate`` (an ``@``, a colon, a keyword) occurs in it.

Because islands contain every printable ASCII character, a look-behind at an island's edge
sees the same (non-ASCII) neighbour as in the whole text, and each window reaches two
characters past its end so that look-aheads (at most two characters long) do too: the spans
are exactly those of full scans. ``tests/detect/test_engine.py`` checks that against the
naive engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from piwarden.detect import prefilter
from piwarden.detect.recognizer import Pattern, Recognizer

_ISLAND = re.compile(r"[\x20-\x7e年月日转（）：，。°′″·•・﹣]{5,}")
_DIGIT = re.compile(r"[0-9]")
_GAP = 48


@dataclass(frozen=True, slots=True)
class Candidate:
    """A pattern match not yet validated or scored."""

    recognizer: Recognizer
    pattern: Pattern
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Compiled:
    id: int
    recognizer: Recognizer
    pattern: Pattern
    regex: re.Pattern[str]
    value_group: int  # 0 for the whole match, else the index of (?P<v>...)
    gate: tuple[str, ...]  # one of these must occur in the lower-cased text for the pattern to run


def _gate(rec: Recognizer, pattern: Pattern) -> tuple[str, ...]:
    if pattern.gate:
        return pattern.gate
    # a recognizer that needs context words finds nothing in a text that has none of them
    return rec.context_literals if rec.context_required else ()


def _open(gate: tuple[str, ...], lowered: str) -> bool:
    return not gate or any(map(lowered.__contains__, gate))


def _any_of(compiled: Sequence[_Compiled]) -> re.Pattern[str] | None:
    """One alternation of all patterns: a cheap test that an island holds any match at all."""
    if not compiled:
        return None
    return re.compile("|".join(f"(?:{_ungrouped(c.regex.pattern)})" for c in compiled))


def _ungrouped(regex: str) -> str:
    """Named groups and back-references renamed so that patterns can share one regex."""
    regex = re.sub(r"\(\?P<v>", "(?:", regex)
    return re.sub(r"\(\[:-\]\)(.*?)\\1", r"[:-]\1[:-]", regex)


class Engine:
    """All patterns of a set of recognizers, compiled once; stateless between calls."""

    def __init__(self, recognizers: Sequence[Recognizer], *, use_prefilter: bool = True) -> None:
        self._digit: list[_Compiled] = []
        self._anywhere: list[_Compiled] = []
        everything: list[_Compiled] = []
        for rec in recognizers:
            for pattern, regex in rec.compiled():
                c = _Compiled(len(everything), rec, pattern, regex, regex.groupindex.get("v", 0), _gate(rec, pattern))
                everything.append(c)
                (self._digit if pattern.needs_digit else self._anywhere).append(c)
        # the gates' keywords join the prefilter as literals, so one scan also says which are present
        keywords = sorted({g for c in everything for g in c.gate if len(g) > 1})
        self._keyword_id = {g: len(everything) + i for i, g in enumerate(keywords)}
        regexes = [c.regex.pattern for c in everything] + [f"(?i:{re.escape(g)})" for g in keywords]
        self._prefilter = prefilter.build(regexes) if use_prefilter else None
        # per gate: the prefilter ids of its keywords, and the one-character literals searched in the text
        self._gate_parts = {c.gate: (frozenset(self._keyword_id[g] for g in c.gate if g in self._keyword_id),
                                     tuple(g for g in c.gate if g not in self._keyword_id)) for c in everything}
        self._any_digit = _any_of(self._digit)
        self._lead = max((c.pattern.lead for c in self._digit), default=0)
        self._trail = max((c.pattern.trail for c in self._digit), default=0)

    def candidates(self, text: str) -> Iterator[Candidate]:
        may = self._prefilter.may_match(text) if self._prefilter is not None else None
        if may is not None and not may:
            return
        lowered = text.lower()
        yield from self._in_islands(text, lowered, may)
        for c in self._anywhere:
            if (may is None or c.id in may) and self._open(c.gate, lowered, may):
                yield from self._matches(c, text, 0, len(text))

    def _open(self, gate: tuple[str, ...], lowered: str, may: set[int] | None) -> bool:
        """Whether one of the gate's literals occurs: from the prefilter's report, else by search."""
        if may is None or not gate:
            return _open(gate, lowered)
        ids, chars = self._gate_parts[gate]
        return not ids.isdisjoint(may) or any(map(lowered.__contains__, chars))

    def _windows(self, text: str) -> Iterator[tuple[int, int]]:
        """Islands with a digit, merged when less than ``_GAP`` characters apart.

        Merging trades a little scanning of the gap for far fewer calls: in logs and JSON the
        islands are many and close, and each window costs one ``finditer`` per pattern.
        """
        start = end = -1
        for island in _ISLAND.finditer(text):
            a, b = island.span()
            if not _DIGIT.search(text, a, b):
                continue
            if start >= 0 and a - end <= _GAP:
                end = b
                continue
            if start >= 0:
                yield start, end
            start, end = a, b
        if start >= 0:
            yield start, end

    def _in_islands(self, text: str, lowered: str, may: set[int] | None) -> Iterator[Candidate]:
        n = len(text)
        active: list[_Compiled] | None = None
        seen: set[tuple[int, int, int]] = set()
        for a, b in self._windows(text):
            if may is None and (
                self._any_digit is None
                or not self._any_digit.search(text, max(0, a - self._lead), min(n, b + self._trail + 2))
            ):
                continue
            if active is None:  # gates are tested once per text, and only if a window needs them
                is_open: dict[tuple[str, ...], bool] = {}
                active = []
                for c in self._digit:
                    if may is not None and c.id not in may:
                        continue
                    if c.gate not in is_open:
                        is_open[c.gate] = self._open(c.gate, lowered, may)
                    if is_open[c.gate]:
                        active.append(c)
            for c in active:
                group = c.value_group
                # two characters past the window let look-aheads (at most 2 long) see the real text
                for m in c.regex.finditer(text, max(0, a - c.pattern.lead), min(n, b + c.pattern.trail + 2)):
                    key = (c.id, m.start(group), m.end(group))
                    if key not in seen:  # widened windows of neighbouring islands may overlap
                        seen.add(key)
                        yield Candidate(c.recognizer, c.pattern, key[1], key[2])

    def whole(self, value: str) -> Iterator[Candidate]:
        """Candidates that span all of ``value`` (a table cell): one anchored match per pattern.

        What scanning asks of a cell is "is this whole value a phone?", and ``fullmatch`` answers
        that at the first character that cannot start one, where a search would try every position.
        """
        n = len(value)
        for c in (*self._digit, *self._anywhere):
            m = c.regex.fullmatch(value)
            if m is not None and m.start(c.value_group) == 0 and m.end(c.value_group) == n:
                yield Candidate(c.recognizer, c.pattern, 0, n)

    @staticmethod
    def _matches(c: _Compiled, text: str, pos: int, endpos: int) -> Iterator[Candidate]:
        group = c.value_group
        for m in c.regex.finditer(text, pos, endpos):
            yield Candidate(c.recognizer, c.pattern, m.start(group), m.end(group))


class NaiveEngine(Engine):
    """Every pattern over the whole text: the reference the fast engine must agree with."""

    def __init__(self, recognizers: Sequence[Recognizer]) -> None:
        super().__init__(recognizers, use_prefilter=False)

    def candidates(self, text: str) -> Iterator[Candidate]:
        for c in (*self._digit, *self._anywhere):
            yield from self._matches(c, text, 0, len(text))
