"""The declarative recognizer: patterns, context words, and one validation hook.

A recognizer is a class with constants, not a program. The analyzer compiles its patterns
into one engine and calls back only for the few candidates the patterns find::

    class MobileRecognizer(Recognizer):
        entity = "PHONE"
        patterns = (Pattern("cn_mobile", r"(?<![0-9])1[3-9]\\d{9}(?![0-9])", 0.6),)
        context = ("手机", "电话", "phone", "mobile")

        def validate(self, value: str) -> bool | None:
            return mobile.is_valid(value)

Scoring, from the pattern's base score:
- ``validate`` returning False drops the candidate; True lifts it to ``validated_score``, a
  float to that score
  (1.0 by default: a checksum that holds is as good as it gets; types whose checksum passes
  by chance often enough, such as Luhn, set it lower and let context do the rest);
- a context word near the match adds ``context_boost``;
- a negative context word (``订单号`` near an ID-shaped number) subtracts ``negative_boost``;
- ``context_required`` types (QQ numbers, WeChat ids, order numbers) are dropped without context.

Patterns must run in linear time: bounded quantifiers, no nested repetition, ASCII classes
with explicit look-arounds instead of ``\\b`` (which treats CJK characters as word characters,
so ``手机13812345678`` would have no boundary before the ``1``). A pattern may name the part
that is the value ``(?P<v>...)``; the rest of the match is context that must be present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from piwarden import entities
from piwarden.detect.context import ContextWindow, compile_word_starts

# Boundaries that work in Chinese text: a value may touch CJK characters and punctuation,
# but not more ASCII letters or digits of the same run.
NOT_AFTER_ALNUM = r"(?<![0-9A-Za-z])"
NOT_BEFORE_ALNUM = r"(?![0-9A-Za-z])"
NOT_AFTER_DIGIT = r"(?<![0-9])"
NOT_BEFORE_DIGIT = r"(?![0-9])"


def keyed(*keywords: str) -> str:
    """Keywords, then what separates a key from its value in text, logs and JSON.

    ``订单号：``, ``订单编号是``, ``orderNo=``, ``"orderNo": "``, ``wechat `` all end where the value
    starts. ASCII keywords must not start inside a longer word; CJK ones may follow anything.
    """
    alternatives = "|".join(
        (r"(?<![A-Za-z])" + k if k[0].isascii() and k[0].isalpha() else k)
        for k in sorted(keywords, key=len, reverse=True)
    )
    return rf"(?i:{alternatives})" + r"""(?:["']? ?[:：=] ?["']?|是|为| )?"""


@dataclass(frozen=True, slots=True)
class Pattern:
    """One regular expression with the score a bare match is worth."""

    name: str
    regex: str
    score: float
    needs_digit: bool = True  # the engine runs it only around runs of ASCII with a digit
    lead: int = 0  # characters a match may start before such a run (keywords: 订单号, 京)
    trail: int = 0  # characters a match may end after it (a plate's 挂)
    gate: tuple[str, ...] = ()  # for patterns needing no digit: one of these (lower-case) must occur


class Recognizer:
    """Base class: subclasses set the class constants and, where a rule exists, ``validate``."""

    entity: ClassVar[str]
    also: ClassVar[tuple[str, ...]] = ()  # other types ``value_type`` may report
    patterns: ClassVar[tuple[Pattern, ...]] = ()
    context: ClassVar[tuple[str, ...]] = ()
    negative_context: ClassVar[tuple[str, ...]] = ()
    languages: ClassVar[tuple[str, ...]] = ("zh", "en")
    context_required: ClassVar[bool] = False
    context_boost: ClassVar[float] = 0.35
    negative_boost: ClassVar[float] = 0.4
    validated_score: ClassVar[float] = 1.0
    priority: ClassVar[int] = 0  # breaks ties between equal spans of equal score
    window: ClassVar[ContextWindow] = ContextWindow()
    # negative words must sit right before the value ("订单号110101..."), not anywhere near it
    negative_window: ClassVar[ContextWindow] = ContextWindow(before=10, after=0)

    def __init__(self) -> None:
        entities.get(self.entity)  # fail at start-up on a type outside the vocabulary
        self.name = type(self).__name__
        self._context = compile_word_starts(self.context)
        self._negative = compile_word_starts(self.negative_context)

    @property
    def context_literals(self) -> tuple[str, ...]:
        """Context words, lower-cased: a cheap substring test before any regex runs."""
        return tuple({w.lower() for w in self.context})

    def validate(self, value: str) -> bool | float | None:
        """True if ``value`` passes the type's rule, False if it fails, None if there is no rule.

        A float also means "passes", and is what the valid value is worth when the form it was
        written in says less than the checksum (an HK ID without its parentheses).
        """
        return None

    def value_type(self, value: str) -> str:
        """The type to report for a valid ``value``; recognizers of several types override it."""
        return self.entity

    def score(self, text: str, start: int, end: int, base: float) -> float:
        """Final score for ``text[start:end]``; 0 means drop.

        Where context is required it is looked for first: without it the answer is 0 whatever
        ``validate`` says, and validating a phone-shaped number can cost a libphonenumber parse.
        """
        if self.context_required:
            if self._context is None or not self.window.found(self._context, text, start, end):
                return 0.0
            has_context: bool | None = True
        else:
            has_context = None  # looked for only if the value passes
        verdict = self.validate(text[start:end])
        if verdict is False:
            return 0.0
        if verdict is True:
            score = max(base, self.validated_score)
        elif isinstance(verdict, float):  # worth less than a checksum alone: never more than validated_score
            score = max(base, min(verdict, self.validated_score))
        else:
            score = base
        if has_context is None:
            has_context = self._context is not None and self.window.found(self._context, text, start, end)
        if has_context:
            score += self.context_boost
        if self._negative is not None and self.negative_window.found(self._negative, text, start, end,
                                                                         floor=_clause(text, start)):
            score -= self.negative_boost
        return min(score, 1.0)

    def ceiling(self, base: float) -> float:
        """The most :meth:`score` can return for a match of a pattern worth ``base``.

        The analyzer ranks candidates by it, so that one overlapped by a better span already kept
        is dropped without its validator running (see ``Analyzer._resolve``).
        """
        boost = self.context_boost if self._context is not None else 0.0
        return min(max(base, self.validated_score) + boost, 1.0)

    def compiled(self) -> list[tuple[Pattern, re.Pattern[str]]]:
        return [(p, re.compile(first_char_first(p.regex))) for p in self.patterns]


_CLAUSE_ENDS = "；;。！!？?\n"


def _clause(text: str, start: int) -> int:
    """Where the clause holding ``text[start]`` begins, looking back a few characters (else 0).

    A negative word labels the value it sits before ("订单号 2026..."), not one in the next
    clause: "别放发票；建行 6214..." is a card number.
    """
    for i in range(start - 1, max(-1, start - 12), -1):
        if text[i] in _CLAUSE_ENDS:
            return i + 1
    return 0


_LEADING_LOOKBEHIND = re.compile(r"^\(\?<!(\[[^\]]+\])\)(\[[^\]]+\]|[A-Za-z0-9])(?![*+?{])")


def first_char_first(regex: str) -> str:
    """``(?<![0-9A-Za-z])[1-8]...`` as ``[1-8](?<![0-9A-Za-z].)...``: the same language.

    Python's ``re`` skips quickly to positions where a pattern's first character can match,
    but only when the pattern starts with a character; a leading look-behind disables that and
    doubles the scan time (measured in docs/benchmarks.md). Checking the look-behind one
    character later, with one more character of width, asks the same question.
    """
    m = _LEADING_LOOKBEHIND.match(regex)
    if m is None:
        return regex
    return f"{m[2]}(?<!{m[1]}.){regex[m.end():]}"


class ModelRecognizer(Recognizer):
    """A recognizer that finds spans itself (a trained model, a gazetteer) instead of patterns.

    The analyzer calls :meth:`find` with a batch of texts, so a model can run its inference once
    per batch. Returned spans must use canonical types (``entity`` or one of ``also``); the
    analyzer applies ``min_score``, the ``types`` filter and overlap resolution as for pattern
    recognizers.
    """

    patterns: ClassVar[tuple[Pattern, ...]] = ()

    def find(self, texts: list[str]) -> list[list[tuple[int, int, str, float]]]:
        """For each text, ``(start, end, type, score)`` tuples."""
        raise NotImplementedError
