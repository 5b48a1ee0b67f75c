"""Runs every recognizer's patterns over a text and yields the raw candidates.

Measured in ``benchmarks/regex_engines.py``: see docs/benchmarks.md for why this backend.
Each pattern is gated by a cheap test for the characters it cannot match without (a digit,
an ``@``, a colon ...), so a text without digits never pays for the digit patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from piwarden.detect.recognizer import Pattern, Recognizer


@dataclass(frozen=True, slots=True)
class Candidate:
    """A pattern match not yet validated or scored."""

    recognizer: Recognizer
    pattern: Pattern
    start: int
    end: int


_DIGIT = re.compile(r"[0-9]")


@dataclass(frozen=True, slots=True)
class _Compiled:
    recognizer: Recognizer
    pattern: Pattern
    regex: re.Pattern[str]
    value_group: int  # 0 for the whole match, else the index of (?P<v>...)
    needs_digit: bool


class Engine:
    """All patterns of a set of recognizers, compiled once."""

    def __init__(self, recognizers: Sequence[Recognizer]) -> None:
        self._compiled: list[_Compiled] = []
        for rec in recognizers:
            for pattern, regex in rec.compiled():
                group = regex.groupindex.get("v", 0)
                self._compiled.append(_Compiled(rec, pattern, regex, group, pattern.needs_digit))

    def candidates(self, text: str) -> Iterator[Candidate]:
        has_digit = _DIGIT.search(text) is not None
        for c in self._compiled:
            if c.needs_digit and not has_digit:
                continue
            group = c.value_group
            for m in c.regex.finditer(text):
                yield Candidate(c.recognizer, c.pattern, m.start(group), m.end(group))
