"""Presidio's vocabulary over piwarden's detection: entity names, ad hoc recognizers, result shapes.

A drop-in for Presidio users (``POST /analyze`` in ``server/routers/presidio.py``, and
:mod:`piwarden.scan.frame`) needs three things from detection, all here so the server holds
no detection logic:

- the names: piwarden's types as Presidio calls them (``PHONE`` -> ``PHONE_NUMBER``, ``BANK_CARD``
  -> ``CREDIT_CARD``); types Presidio has no name for keep piwarden's (``CN_RESIDENT_ID``);
- ad hoc recognizers as Presidio's REST API takes them (regex patterns, deny lists, context
  words, per request), matched with the ``regex`` module like Presidio's own, under a time
  limit, since a caller's pattern may backtrack where piwarden's own patterns cannot;
- the results in Presidio's shape (``entity_type``, ``start``, ``end``, ``score``, and with
  ``return_decision_process`` an ``analysis_explanation``).

>>> presidio_name("PHONE"), presidio_name("CN_RESIDENT_ID"), sorted(piwarden_types("CREDIT_CARD"))
('PHONE_NUMBER', 'CN_RESIDENT_ID', ['BANK_CARD', 'CREDIT_CARD'])
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import regex

from piwarden import entities
from piwarden.detect.analyzer import DEFAULT_MIN_SCORE, Analyzer
from piwarden.detect.context import ContextWindow, compile_word_starts
from piwarden.detect.runner import DetectOptions
from piwarden.detect.span import Span

LANGUAGES = ("en", "zh")  # piwarden reads both in one pass; Presidio needs a language per request
# piwarden's type -> Presidio's entity name, where Presidio has one (presidio-analyzer's predefined
# recognizers and its spaCy mapping: ORG -> ORGANIZATION, LOC/GPE/FAC -> LOCATION, DATE/TIME -> DATE_TIME)
TO_PRESIDIO = MappingProxyType({
    "PHONE": "PHONE_NUMBER",
    "EMAIL": "EMAIL_ADDRESS",
    "BANK_CARD": "CREDIT_CARD",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN": "IBAN_CODE",
    "ADDRESS": "LOCATION",  # Presidio has no address type: spaCy's LOC/GPE/FAC spans are its LOCATION
    "LOCATION": "LOCATION",
    "ORG": "ORGANIZATION",
    "DATETIME": "DATE_TIME",
    "DATE_OF_BIRTH": "DATE_TIME",
    "DRIVER_LICENSE": "US_DRIVER_LICENSE",
    "PERSON": "PERSON",
    "US_SSN": "US_SSN",
    "US_ITIN": "US_ITIN",
    "UK_NHS": "UK_NHS",
    "IP_ADDRESS": "IP_ADDRESS",
    "URL": "URL",
    "MAC_ADDRESS": "MAC_ADDRESS",
})
# recognizers whose type has a narrower Presidio name than the type's own
_BY_RECOGNIZER = MappingProxyType({"UsPassportRecognizer": "US_PASSPORT"})
_FROM_PRESIDIO: dict[str, frozenset[str]] = {}
for _ours, _theirs in TO_PRESIDIO.items():
    _FROM_PRESIDIO[_theirs] = _FROM_PRESIDIO.get(_theirs, frozenset()) | {_ours}
_FROM_PRESIDIO["US_PASSPORT"] = frozenset({"PASSPORT"})
FROM_PRESIDIO = MappingProxyType(_FROM_PRESIDIO)

MAX_AD_HOC = 32  # recognizers per request
MAX_PATTERNS = 64  # patterns (and deny-list words: 10,000) per request
MAX_DENY = 10_000
REGEX_TIMEOUT = 0.5  # seconds one ad hoc pattern may take over one text
# Presidio's defaults: PatternRecognizer's flags, the context enhancer's boost and floor
DEFAULT_FLAGS = regex.DOTALL | regex.MULTILINE | regex.IGNORECASE
CONTEXT_BOOST = 0.35
CONTEXT_FLOOR = 0.4


class AdHocError(ValueError):
    """An ad hoc recognizer that cannot run (a bad or slow pattern); names the recognizer's field, never text."""


def presidio_name(kind: str, recognizer: str = "") -> str:
    """Presidio's name for piwarden's type ``kind`` (found by ``recognizer``); piwarden's own where it has none."""
    return _BY_RECOGNIZER.get(recognizer) or TO_PRESIDIO.get(kind, kind)


def piwarden_types(name: str) -> frozenset[str]:
    """piwarden's types a Presidio entity name (or a piwarden name or alias) asks for; empty if none."""
    key = name.strip().upper()
    if key in FROM_PRESIDIO:
        return FROM_PRESIDIO[key]
    try:
        return frozenset({entities.canonical(key)})
    except entities.UnknownEntityType:
        return frozenset()


@dataclass(frozen=True, slots=True)
class PatternSpec:
    """One of an ad hoc recognizer's patterns."""

    name: str
    regex: str
    score: float


@dataclass(frozen=True, slots=True)
class AdHocRecognizer:
    """Presidio's ``PatternRecognizer`` as its REST API takes it: patterns and/or a deny list, one entity."""

    name: str
    entity: str
    patterns: tuple[PatternSpec, ...] = ()
    deny_list: tuple[str, ...] = ()
    deny_list_score: float = 1.0
    context: tuple[str, ...] = ()
    language: str = "en"
    flags: int = DEFAULT_FLAGS

    def compiled(self, index: int) -> list[tuple[PatternSpec, regex.Pattern[str]]]:
        """The patterns compiled (the deny list as one more, as Presidio builds it); raises AdHocError."""
        specs = list(self.patterns)
        if self.deny_list:
            words = "|".join(regex.escape(w) for w in self.deny_list)
            specs.append(PatternSpec("deny_list", rf"(?:^|(?<=\W))({words})(?:(?=\W)|$)", self.deny_list_score))
        out = []
        for j, spec in enumerate(specs):
            try:
                out.append((spec, regex.compile(spec.regex, self.flags)))
            except (regex.error, ValueError, OverflowError, RecursionError):
                raise AdHocError(f"ad_hoc_recognizers[{index}].patterns[{j}].regex does not compile") from None
        return out


@dataclass(slots=True)
class Explanation:
    """Presidio's ``AnalysisExplanation``: who found a result and how its score came to be."""

    recognizer: str
    original_score: float
    score: float
    pattern_name: str | None = None
    textual_explanation: str | None = None
    score_context_improvement: float = 0.0
    supportive_context_word: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"recognizer": self.recognizer, "pattern_name": self.pattern_name, "pattern": None,
                "original_score": self.original_score, "score": self.score,
                "textual_explanation": self.textual_explanation,
                "score_context_improvement": self.score_context_improvement,
                "supportive_context_word": self.supportive_context_word, "validation_result": None,
                "regex_flags": None}


@dataclass(slots=True)
class Result:
    """Presidio's ``RecognizerResult``: a span, its Presidio entity name, its score."""

    entity_type: str
    start: int
    end: int
    score: float
    recognizer: str
    explanation: Explanation | None = field(default=None)

    def to_dict(self, explain: bool = False) -> dict[str, object]:
        """Presidio's JSON form: its REST API sorts the keys and leaves ``recognition_metadata`` out."""
        return {"analysis_explanation": self.explanation.to_dict() if explain and self.explanation else None,
                "end": self.end, "entity_type": self.entity_type, "score": self.score, "start": self.start}


class PresidioAnalyzer:
    """piwarden's analyzer (names model included) answering Presidio's ``analyze`` requests.

    One analyzer, built on first use, keeps spans down to 0.01 and each request drops those
    below its ``score_threshold`` (piwarden's 0.5 when none is given). That is the same as an
    analyzer built with the threshold as its ``min_score``: overlaps are resolved best score
    first, so a span below the threshold never displaces one above it. One instance serves
    many threads.
    """

    FLOOR = 0.01

    def __init__(self, *, names: bool = True, config: str | None = None) -> None:
        self.names = names
        self.config = config
        self._analyzer: Analyzer | None = None
        self._lock = threading.Lock()

    def analyzer(self) -> Analyzer:
        with self._lock:
            if self._analyzer is None:
                self._analyzer = DetectOptions(min_score=self.FLOOR, config=self.config, names=self.names).analyzer()
            return self._analyzer

    def recognizers(self) -> list[str]:
        """The recognizers' names, as ``GET /recognizers`` lists them."""
        return [r.name for r in self.analyzer().recognizers]

    def supported_entities(self) -> list[str]:
        """The Presidio names of every type piwarden's recognizers report (``GET /supportedentities``)."""
        out: set[str] = set()
        for r in self.analyzer().recognizers:
            for kind in (r.entity, *r.also):
                out.add(presidio_name(kind, r.name))
        return sorted(out)

    def analyze(self, text: str, **options: Any) -> list[Result]:
        """:meth:`analyze_batch` of one text."""
        return self.analyze_batch([text], **options)[0]

    def analyze_batch(self, texts: Sequence[str], *, entities: Sequence[str] | None = None,
                      score_threshold: float | None = None, context: Sequence[str] = (),
                      ad_hoc: Sequence[AdHocRecognizer] = (), language: str = "en", allow_list: Sequence[str] = (),
                      allow_list_match: str = "exact", regex_flags: int = DEFAULT_FLAGS) -> list[list[Result]]:
        """Presidio's ``AnalyzerEngine.analyze`` over piwarden, per text: results by start, Presidio names.

        ``entities`` (Presidio names, piwarden names or an ad hoc recognizer's entity) limits the
        results; ``context`` words near a result raise its score as Presidio's context enhancer
        does (+0.35, at least 0.4); ad hoc recognizers run beside piwarden's. A result whose
        text is in ``allow_list`` (``exact``) or matches one of its patterns (``regex``) is left out.
        The texts go through piwarden's analyzer as one batch (the names model batches).
        """
        # piwarden's own spans below its 0.5 floor are noise it never reports; an ad hoc
        # recognizer's scores are the caller's, kept down to 0 as Presidio does
        ours = DEFAULT_MIN_SCORE if score_threshold is None else score_threshold
        threshold = 0.0 if score_threshold is None else score_threshold
        wanted: set[str] | None = None
        names: set[str] | None = None
        if entities is not None:
            names = {e.strip().upper() for e in entities}
            wanted = {t for e in names for t in piwarden_types(e)}
        words = compile_word_starts(context) if context else None
        window = ContextWindow()
        running = [(i, rec, rec.compiled(i), compile_word_starts([*rec.context, *context]))
                   for i, rec in enumerate(ad_hoc)
                   if rec.language == language and (names is None or rec.entity.upper() in names)]
        allowed = _allow(allow_list, allow_list_match, regex_flags) if allow_list else None
        batch = []
        for text, spans in zip(texts, self.analyzer().analyze_batch(texts), strict=True):
            out = [_result(s, text, words, window) for s in spans
                   if s.score >= ours and (wanted is None or s.type in wanted)]
            for i, rec, patterns, rec_words in running:
                out += _ad_hoc(rec, i, patterns, text, rec_words, window)
            if allowed is not None:
                out = [r for r in out if not allowed(text[r.start:r.end])]
            batch.append(sorted((r for r in out if r.score >= threshold), key=lambda r: (r.start, r.end, r.entity_type)))
        return batch


def _allow(allow: Sequence[str], match: str, flags: int) -> Callable[[str], bool]:
    """Presidio's allow list: whether a result's text is allowed (``exact``: listed; ``regex``: holds a match)."""
    if match == "exact":
        return frozenset(allow).__contains__
    terms = [t for t in allow if t]
    if not terms:
        return lambda value: False
    try:
        pattern = regex.compile("|".join(terms), flags)
    except (regex.error, ValueError, OverflowError, RecursionError):
        raise AdHocError("allow_list does not compile as a regular expression") from None

    def allowed(value: str) -> bool:
        try:
            return pattern.search(value, timeout=REGEX_TIMEOUT) is not None
        except TimeoutError:  # as Presidio: a result the allow list cannot decide in time stays
            return False

    return allowed


def _boost(result: Result, text: str, words: re.Pattern[str] | None, window: ContextWindow) -> None:
    """Presidio's context enhancement: a context word near the result lifts its score."""
    if words is None or result.score >= 1.0 or not window.found(words, text, result.start, result.end):
        return
    before = result.score
    result.score = min(max(before + CONTEXT_BOOST, CONTEXT_FLOOR), 1.0)
    if result.explanation is not None:
        result.explanation.score = result.score
        result.explanation.score_context_improvement = result.score - before
        m = words.search(text, max(0, result.start - window.before), min(len(text), result.end + window.after))
        result.explanation.supportive_context_word = (m[1] if m and m.lastindex else "").lower()


def _result(span: Span, text: str, words: re.Pattern[str] | None, window: ContextWindow) -> Result:
    name = presidio_name(span.type, span.recognizer)
    how = (f"Identified as {name} by piwarden's {span.recognizer}"
           + (f" (written as {', '.join(span.evasion)})" if span.evasion else ""))
    result = Result(name, span.start, span.end, span.score, span.recognizer,
                    Explanation(span.recognizer, span.score, span.score, textual_explanation=how))
    _boost(result, text, words, window)
    return result


def _ad_hoc(rec: AdHocRecognizer, index: int, patterns: list[tuple[PatternSpec, regex.Pattern[str]]], text: str,
            words: re.Pattern[str] | None, window: ContextWindow) -> list[Result]:
    """Presidio's ``PatternRecognizer.analyze``: every non-empty match of every pattern, duplicates dropped."""
    seen: dict[tuple[int, int], Result] = {}
    for spec, pattern in patterns:
        try:
            for m in pattern.finditer(text, timeout=REGEX_TIMEOUT):
                start, end = m.span()
                if start == end:
                    continue
                result = Result(rec.entity, start, end, spec.score, rec.name,
                                Explanation(rec.name, spec.score, spec.score, pattern_name=spec.name))
                old = seen.get((start, end))
                if old is None or old.score < result.score:
                    seen[start, end] = result
        except TimeoutError:
            raise AdHocError(f"ad_hoc_recognizers[{index}]: a pattern took longer than {REGEX_TIMEOUT} s") from None
    results = list(seen.values())
    for r in results:
        _boost(r, text, words, window)
    return results

