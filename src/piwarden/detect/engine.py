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

Two rewrites make the scans inside a window cheaper, with the same matches
(``tests/detect/test_engine.py`` compares each with the pattern's own search):

- patterns that match whole ASCII tokens (card, ID, USCC, IMEI, waybill numbers: see
  ``tokens.py``) are answered by one scan for long tokens and a ``fullmatch`` of each token
  against the patterns of its length;
- patterns that open with a look-behind or a group, which ``re`` would enter at every
  position, run led by the class of their first characters (``starts.py``), so that ``re``
  skips in C to where they can start.

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
from typing import Any, NamedTuple

from piwarden.detect import prefilter
from piwarden.detect.recognizer import Pattern, Recognizer, first_char_first
from piwarden.detect.starts import with_start_class
from piwarden.detect.tokens import TOKEN_CHARS, TokenShape, token_shape

_ISLAND_CHAR = r"[\x20-\x7e年月日转（）：，。°′″·•・﹣]"
# one character, then four or more: the same runs as {5,}, but a leading class lets re skip in C
_ISLAND = re.compile(_ISLAND_CHAR + _ISLAND_CHAR + "{4,}")
_DIGIT = re.compile(r"[0-9]")
_GAP = 48
_MAX_PLANS = 4096


class Candidate(NamedTuple):
    """A pattern match not yet validated or scored (a tuple: a frozen dataclass cost 1 µs to build)."""

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
    gate_id: int  # the gate's number: plans test and exclude gates by it (hashing the tuple cost more)
    shape: TokenShape | None  # set when the pattern matches whole ASCII tokens (see tokens.py)
    starts: re.Pattern[str] | None  # the same led by its first characters, group 1 the match (starts.py)


def _gate(rec: Recognizer, pattern: Pattern) -> tuple[str, ...]:
    if pattern.gate:
        return pattern.gate
    # a recognizer that needs context words finds nothing in a text that has none of them
    return rec.context_literals if rec.context_required else ()


def _shape(pattern: Pattern, value_group: int) -> TokenShape | None:
    """The token shape of a digit pattern that matches whole tokens and needs no wider window."""
    if not pattern.needs_digit or pattern.lead or pattern.trail or value_group:
        return None
    return token_shape(pattern.regex)


def _starts(regex: re.Pattern[str]) -> re.Pattern[str] | None:
    """For a pattern that opens with a group or look-around (so ``re`` tries every position): see starts.py."""
    if regex.groups or not regex.pattern.startswith("(?"):
        return None
    return with_start_class(regex.pattern)


def _prefilter_source(c: _Compiled) -> str:
    """The regex the prefilter gets for a pattern: as written, where that is what runs.

    The written form keeps its leading look-behind, which the prefilter turns into a boundary
    (``first_char_first`` moves it after the first character). A recognizer that compiles its
    patterns its own way gets what it compiled.
    """
    return c.pattern.regex if c.regex.pattern == first_char_first(c.pattern.regex) else c.regex.pattern


def _open(gate: tuple[str, ...], lowered: str) -> bool:
    return not gate or any(map(lowered.__contains__, gate))


def _gate_open(gate: tuple[str, ...], ids: frozenset[int], chars: tuple[str, ...], lowered: str,
               may: set[int] | None) -> bool:
    """Whether a gate is open: one of its keywords (prefilter ids) was reported, or one of its
    one-character literals occurs; without a prefilter report, by searching ``lowered``."""
    if may is None or not gate:
        return _open(gate, lowered)
    return not ids.isdisjoint(may) or any(map(lowered.__contains__, chars))


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

    def __init__(self, recognizers: Sequence[Recognizer], *, use_prefilter: bool = True,
                 extra: Sequence[str] = ()) -> None:
        """``extra``: more regexes for the prefilter to report (their ids are :attr:`extra_ids`), so
        that one scan also answers another question (the evasion layer's gates)."""
        self._digit: list[_Compiled] = []
        self._anywhere: list[_Compiled] = []
        everything: list[_Compiled] = []
        gate_ids: dict[tuple[str, ...], int] = {}
        for rec in recognizers:
            for pattern, regex in rec.compiled():
                group = regex.groupindex.get("v", 0)
                shape = _shape(pattern, group)
                gate = _gate(rec, pattern)
                c = _Compiled(len(everything), rec, pattern, regex, group, gate, gate_ids.setdefault(gate, len(gate_ids)),
                              shape, None if shape else _starts(regex))
                everything.append(c)
                (self._digit if pattern.needs_digit else self._anywhere).append(c)
        # the gates' keywords join the prefilter as literals, so one scan also says which are present
        keywords = sorted({g for c in everything for g in c.gate if len(g) > 1})
        self._keyword_id = {g: len(everything) + i for i, g in enumerate(keywords)}
        regexes = [_prefilter_source(c) for c in everything] + [f"(?i:{re.escape(g)})" for g in keywords]
        # the extra regexes' ids: every id from extra_start on (a report holds few ids, this many)
        self.extra_start = len(regexes)
        self.extra_ids = frozenset(range(len(regexes), len(regexes) + len(extra)))
        self._prefilter = prefilter.build([*regexes, *extra]) if use_prefilter else None
        # per gate: the prefilter ids of its keywords, and the one-character literals searched in the text
        self._gate_parts = {c.gate: (frozenset(self._keyword_id[g] for g in c.gate if g in self._keyword_id),
                                     tuple(g for g in c.gate if g not in self._keyword_id)) for c in everything}
        self._any_digit = _any_of(self._digit)
        self._digit_ids = frozenset(c.id for c in self._digit)
        # prefilter report -> (reported patterns, (gate id, gate, keyword ids, literals) of each of their gates)
        self._plans: dict[frozenset[int] | None, tuple[list[_Compiled], tuple[tuple[Any, ...], ...]]] = {}
        self._lead = max((c.pattern.lead for c in self._digit), default=0)
        self._trail = max((c.pattern.trail for c in self._digit), default=0)
        # whole-token patterns by the token lengths they accept, and one scan for tokens that long
        self._by_length: dict[int, list[_Compiled]] = {}
        for c in self._digit:
            if c.shape is not None:
                for length in range(c.shape.min_len, c.shape.max_len + 1):
                    self._by_length.setdefault(length, []).append(c)
        # windows are further apart than this, so widened ones overlap only for a pattern that reaches far
        self._windows_may_overlap = self._lead + self._trail + 2 >= _GAP
        shortest = min(self._by_length, default=1)
        self._long_token = re.compile(f"{TOKEN_CHARS}(?<!{TOKEN_CHARS}.){TOKEN_CHARS}{{{shortest - 1},}}")

    def report(self, text: str) -> set[int] | None:
        """Ids of the patterns (and gate keywords) that may match ``text``; None: all may."""
        return self._prefilter.may_match(text) if self._prefilter is not None else None

    def candidates(self, text: str) -> list[Candidate]:
        return self.reported_candidates(text, self.report(text))

    def reported_candidates(self, text: str, may: set[int] | None) -> list[Candidate]:
        """The candidates of ``text`` given its :meth:`report` (a batch asks for all reports first)."""
        if may is not None and not may:
            return []
        lowered = text.lower()
        found = self._in_islands(text, lowered, may)
        for c in self._anywhere:
            if (may is None or c.id in may) and self._open(c.gate, lowered, may):
                if c.starts is None:
                    found.extend(self._matches(c, text, 0, len(text)))
                else:
                    found.extend(Candidate(c.recognizer, c.pattern, start, end)
                                 for start, end in _disjoint(c.starts.finditer(text)))
        return found

    def _open(self, gate: tuple[str, ...], lowered: str, may: set[int] | None) -> bool:
        """Whether one of the gate's literals occurs: from the prefilter's report, else by search."""
        return _gate_open(gate, *self._gate_parts[gate], lowered, may)

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

    def _in_islands(self, text: str, lowered: str, may: set[int] | None) -> list[Candidate]:
        n = len(text)
        found: list[Candidate] = []
        active: list[_Compiled] | None = None
        token_ids: frozenset[int] = frozenset()
        seen: set[tuple[int, int, int]] | None = set() if self._windows_may_overlap else None
        for a, b in self._windows(text):
            if may is None and (
                self._any_digit is None
                or not self._any_digit.search(text, max(0, a - self._lead), min(n, b + self._trail + 2))
            ):
                continue
            if active is None:  # gates are tested once per text, and only if a window needs them
                active = self._active(lowered, may)
                token_ids = frozenset(c.id for c in active if c.shape is not None)
            tokens = self._token_matches(text, a, b, token_ids) if token_ids else {}
            for c in active:
                if c.shape is not None:
                    spans = tokens.get(c.id)
                    if spans is None:
                        continue
                else:
                    # two characters past the window let look-aheads (at most 2 long) see the real text
                    lo, hi = max(0, a - c.pattern.lead), min(n, b + c.pattern.trail + 2)
                    spans = (_disjoint(c.starts.finditer(text, lo, hi)) if c.starts is not None
                             else [m.span(c.value_group) for m in c.regex.finditer(text, lo, hi)])
                for start, end in spans:
                    if seen is not None:  # widened windows of neighbouring islands may overlap
                        if (c.id, start, end) in seen:
                            continue
                        seen.add((c.id, start, end))
                    found.append(Candidate(c.recognizer, c.pattern, start, end))
        return found

    def _active(self, lowered: str, may: set[int] | None) -> list[_Compiled]:
        """The digit patterns the prefilter reported (or all) whose gate is open."""
        key = None if may is None else frozenset(may.intersection(self._digit_ids))
        plan = self._plans.get(key)
        if plan is None:  # the reported patterns and their gates; texts share a few hundred such sets
            reported = [c for c in self._digit if key is None or c.id in key]
            gates = {c.gate_id: c.gate for c in reported if c.gate}
            plan = (reported, tuple((i, g, *self._gate_parts[g]) for i, g in gates.items()))  # looked up once a plan
            if len(self._plans) >= _MAX_PLANS:
                self._plans.clear()
            self._plans[key] = plan
        reported, parts = plan
        closed = {i for i, g, ids, chars in parts if not _gate_open(g, ids, chars, lowered, may)}
        return [c for c in reported if c.gate_id not in closed] if closed else reported

    def _token_matches(self, text: str, a: int, b: int, ids: frozenset[int]) -> dict[int, list[tuple[int, int]]]:
        """Spans of the whole-token patterns ``ids`` in the window ``[a, b)``, by pattern id.

        A window starts and ends next to characters that are not ASCII (or the text's ends), so
        the tokens inside it are whole tokens of the text.
        """
        found: dict[int, list[tuple[int, int]]] = {}
        for m in self._long_token.finditer(text, a, b):
            start, end = m.span()
            for c in self._by_length.get(end - start, ()):
                if c.id in ids and c.shape.body.fullmatch(text, start, end):  # type: ignore[union-attr]
                    found.setdefault(c.id, []).append((start, end))
        return found

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


def _disjoint(matches: Iterator[re.Match[str]]) -> list[tuple[int, int]]:
    """Group 1 of start-class matches, less those a search of the pattern itself would skip."""
    spans = []
    last = -1
    for m in matches:
        start, end = m.span(1)
        if start >= last:
            last = end
            spans.append((start, end))
    return spans


class NaiveEngine(Engine):
    """Every pattern over the whole text: the reference the fast engine must agree with."""

    def __init__(self, recognizers: Sequence[Recognizer]) -> None:
        super().__init__(recognizers, use_prefilter=False)

    def reported_candidates(self, text: str, may: set[int] | None) -> list[Candidate]:
        return [cand for c in (*self._digit, *self._anywhere) for cand in self._matches(c, text, 0, len(text))]
