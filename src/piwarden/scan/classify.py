"""Classify a column from its name and a sample of its values: a type, a confidence, a share.

The values decide; the name tips the balance. For each candidate type the *share* is the part
of the non-null sampled values whose whole value is that type (:mod:`piwarden.scan.values`).
A value the validators accept (``CHECKED``) or whose shape is telling (``SHAPED``) always
counts; a ``WEAK`` one (any 5-11 digits could be a QQ number) counts only for a type the column
name hints (:mod:`piwarden.scan.names`). The score is ``share * (1 + prior)``, so

- a ``sfzh`` column of valid resident IDs is CN_RESIDENT_ID (share ~1, prior 0.9);
- a ``phone`` column full of order numbers is ORDER_ID: no value is a phone (share 0);
- a ``col_7`` column of valid mobiles is PHONE on values alone;
- a column whose values match nothing is free text when they are long (each value then runs
  through the :class:`~piwarden.detect.Analyzer` and spans are counted per type), typed by its
  name when the type has no value rule (``zhenduan`` -> HEALTH) or when every value is NULL,
  and unclassified otherwise (the name lost to the values).

Shares are over non-null values: a column that is 95% NULL and 5% mobiles is a phone column.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from piwarden import entities
from piwarden.detect.analyzer import Analyzer
from piwarden.mask.operators import get_operator
from piwarden.scan import names
from piwarden.scan.values import Level, ValueMatcher

MIN_SHARE = 0.4  # a type the name does not hint needs this share of the values
MIN_SHARE_HINTED = 0.2
ALSO_SHARE = 0.15  # other types this common are reported as well (mixed columns)
EXAMPLES = 3
TEXT_COLUMN = "(text)"

# types that values alone can confirm or refute; the rest (HEALTH, RELIGION, ...) go by name
_SHAPE_TYPES = frozenset({"PERSON", "ADDRESS", "ORDER_ID", "DATETIME", "DATE_OF_BIRTH", "AMOUNT", "CREDENTIAL"})
_FAMILIES = ({"BANK_CARD", "CREDIT_CARD"},)
# which column best counts the people in a table: the most identifying type present
IDENTIFYING = ("CN_RESIDENT_ID", "PASSPORT", "HK_ID", "MO_ID", "TW_ID", "CN_HKMO_PERMIT", "CN_TW_PERMIT",
               "CN_MTP", "US_SSN", "DRIVER_LICENSE", "PHONE", "EMAIL", "BANK_CARD", "CREDIT_CARD", "WECHAT_ID",
               "QQ_ID", "PAYMENT_ACCOUNT", "PERSON")


@dataclass(slots=True)
class ColumnFinding:
    """What a column (or a document's text) holds; never a raw value."""

    name: str
    entity: str | None = None
    confidence: float = 0.0
    share: float = 0.0  # of the non-null sampled values that are ``entity``
    sampled: int = 0  # values looked at, NULLs included
    non_null: int = 0
    distinct: int = 0  # distinct non-null values in the sample
    free_text: bool = False
    types: dict[str, int] = field(default_factory=dict)  # values (or spans in free text) per type
    also: list[str] = field(default_factory=list)  # other types a mixed column holds
    hint: str | None = None  # the type the name suggests
    basis: str = "none"  # values | values+name | name | none
    examples: list[str] = field(default_factory=list)  # masked with the ``partial`` operator
    subjects: int | None = None  # estimated distinct people, for identifying columns

    @property
    def found(self) -> list[str]:
        """Every PI type the column holds: its type, the others of a mixed column, free-text spans."""
        if self.free_text:
            return [t for t, n in self.types.items() if n and entities.get(t).is_pi]
        found = ([self.entity] if self.entity else []) + [t for t in self.also if t != self.entity]
        return [t for t in found if entities.get(t).is_pi]

    @property
    def grade(self) -> int:
        return max((int(entities.get(t).grade) for t in self.found), default=0)

    def to_dict(self) -> dict[str, object]:
        top = max(self.found, key=lambda t: entities.get(t).grade, default=None)
        e = entities.get(top) if top else None
        return {
            "column": self.name, "type": self.entity, "confidence": round(self.confidence, 3),
            "share": round(self.share, 3), "sampled": self.sampled, "non_null": self.non_null,
            "distinct": self.distinct, "free_text": self.free_text, "types": dict(self.types), "also": self.also,
            "hint": self.hint, "basis": self.basis, "category": e.category.value if e else None,
            "sensitive": bool(e and any(entities.get(t).sensitive for t in self.found)),
            "grade": f"L{self.grade}" if self.grade else None, "examples": self.examples,
            "subjects": self.subjects,
        }


def cell_text(value: object) -> str | None:
    """A cell as text, or None for NULL, NaN, empty and binary cells."""
    if value is None or isinstance(value, bytes | bytearray | memoryview):
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat(" ") if isinstance(value, datetime) else value.isoformat()
    text = str(value).strip()
    return text or None


class Classifier:
    """Column and text classification; build one per process (recognizers compile once)."""

    def __init__(self, matcher: ValueMatcher | None = None, analyzer: Analyzer | None = None) -> None:
        self.matcher = matcher or ValueMatcher()
        self.analyzer = analyzer or Analyzer()
        self._mask = get_operator("partial")()
        recognized = {t for r in self.matcher.recognizers for t in (r.entity, *r.also)}
        self.checkable = frozenset(recognized | _SHAPE_TYPES)  # types that values can confirm or refute

    def masked(self, value: str, entity: str) -> str:
        return self._mask.mask(value, entity)

    def column(self, name: str, values: Sequence[object], total_rows: int | None = None) -> ColumnFinding:
        """Classify the column ``name`` from a sample of its ``values`` (of ``total_rows`` rows)."""
        texts = [t for t in map(cell_text, values) if t is not None]
        hinted = names.hints(name)
        hint = max(hinted, key=lambda e: hinted[e]) if hinted else None
        out = ColumnFinding(name, sampled=len(values), non_null=len(texts), distinct=len(set(texts)), hint=hint)
        if not texts:
            if hint is not None:
                out.entity, out.confidence, out.basis = hint, round(0.5 * hinted[hint], 3), "name"
            return out
        per_value = [self.matcher.types(t) for t in texts]
        shares = _shares(per_value, hinted)
        best = _best(shares, hinted)
        if best is not None and best not in hinted and hint is not None and hint not in self.checkable \
                and hinted[hint] >= 0.9 and _checked_share(per_value, best) < 0.5:
            best = None  # "zhenduan": 高血压 looks like a name, but the name of the column is clearer
        if best is not None:
            self._typed(out, best, texts, per_value, shares, hinted, total_rows)
        elif _looks_free(texts):
            self._free_text(out, texts)
        elif hint is not None and hint not in self.checkable:
            out.entity, out.confidence, out.basis = hint, round(0.6 * hinted[hint], 3), "name"
        return out


    def _typed(self, out: ColumnFinding, best: str, texts: list[str], per_value: list[dict[str, Level]],
               shares: dict[str, float], hinted: dict[str, float], total_rows: int | None) -> None:
        family = next((f for f in _FAMILIES if best in f), {best})
        share = sum(1 for types in per_value if family.intersection(types)) / len(texts)
        counts = Counter(t for types in per_value for t in types if shares.get(t, 0) > 0)
        if len(family) > 1 and best not in hinted:  # domestic vs international cards: the majority names it
            best = max(family, key=lambda t: counts.get(t, 0))
        levels = Counter(max((types[t] for t in family if t in types), default=0) for types in per_value)
        strength = (0.95 * levels[Level.CHECKED] + 0.8 * levels[Level.SHAPED] + 0.55 * levels[Level.WEAK]) / len(texts)
        prior = max((hinted.get(t, 0.0) for t in family), default=0.0)
        out.entity, out.share = best, share
        out.confidence = round(min(1.0, strength + 0.15 * prior * share), 3)
        out.basis = "values+name" if prior else "values"
        out.also = [t for t, s in sorted(shares.items(), key=lambda kv: -kv[1])
                    if t not in family and s >= ALSO_SHARE and entities.get(t).is_pi and _independent(t, best, per_value)]
        out.types = {t: n for t, n in counts.most_common() if t in family or t in out.also}
        matching = [t for t, types in zip(texts, per_value, strict=True) if family.intersection(types)]
        out.examples = [self.masked(v, best) for v in list(dict.fromkeys(matching))[:EXAMPLES]]
        if best in IDENTIFYING:
            seen = Counter(matching)
            n_rows = total_rows if total_rows is not None else out.sampled
            population = round(n_rows * len(matching) / max(out.sampled, 1))
            out.subjects = estimate_distinct(seen, len(matching), population)

    def _free_text(self, out: ColumnFinding, texts: list[str]) -> None:
        finding = self.text(texts)
        out.free_text, out.types, out.examples, out.basis = True, finding.types, finding.examples, "values"

    def text(self, lines: Iterable[str], name: str = TEXT_COLUMN, batch: int = 256) -> ColumnFinding:
        """Free text (a document, a log, a text column): detection per line, spans counted per type."""
        counts: Counter[str] = Counter()
        examples: dict[str, str] = {}
        ids: dict[str, Counter[str]] = {}
        n = 0
        chunk: list[str] = []

        def flush() -> None:
            for line, spans in zip(chunk, self.analyzer.analyze_batch(chunk), strict=True):
                for s in spans:
                    value = line[s.start : s.end]
                    counts[s.type] += 1
                    if s.type in IDENTIFYING:
                        ids.setdefault(s.type, Counter())[value] += 1
                    if len(examples) < EXAMPLES and s.type not in examples:
                        examples[s.type] = self.masked(value, s.type)
            chunk.clear()

        for line in lines:
            n += 1
            if line.strip():
                chunk.append(line)
            if len(chunk) >= batch:
                flush()
        flush()
        out = ColumnFinding(name, sampled=n, non_null=n, free_text=True, basis="values")
        out.types = dict(counts.most_common())
        out.examples = [f"{t}: {v}" for t, v in examples.items()]
        top = next((t for t in IDENTIFYING if t in ids), None)
        if top is not None:
            out.subjects = len(ids[top])
        return out


def _shares(per_value: list[dict[str, Level]], hinted: dict[str, float]) -> dict[str, float]:
    """For each type, the share of values that are that type at the level it needs."""
    counts: Counter[str] = Counter()
    for types in per_value:
        for t, level in types.items():
            if level >= (Level.WEAK if t in hinted else Level.SHAPED):
                counts[t] += 1
    return {t: n / len(per_value) for t, n in counts.items()}


def _best(shares: dict[str, float], hinted: dict[str, float]) -> str | None:
    scored = {t: s * (1 + hinted.get(t, 0.0)) for t, s in shares.items()
              if s >= (MIN_SHARE_HINTED if t in hinted else MIN_SHARE)}
    if not scored:
        return None
    # equal scores: the more specific type (higher grade) first, then the name for stable output
    return max(scored, key=lambda t: (round(scored[t], 6), entities.get(t).grade, t))


def _checked_share(per_value: list[dict[str, Level]], entity: str) -> float:
    return sum(1 for types in per_value if types.get(entity) == Level.CHECKED) / len(per_value)


def _independent(other: str, best: str, per_value: list[dict[str, Level]]) -> bool:
    """``other`` is another type in a mixed column, not a second reading of the same values."""
    return any(other in types and best not in types for types in per_value)


def _looks_free(texts: list[str]) -> bool:
    """Long values with words or sentence punctuation: remarks, descriptions, messages."""
    mean = sum(map(len, texts)) / len(texts)
    wordy = sum(1 for t in texts if " " in t.strip() or any(p in t for p in "，。；！？,.;!?")) / len(texts)
    return mean >= 20 and wordy >= 0.3


def estimate_distinct(seen: Counter[str], n: int, population: int) -> int:
    """Distinct values in ``population`` rows from a sample of ``n`` (Haas and Stokes' Duj1, 1998).

    ``n * d / (n - f1 + f1 * n / N)`` with ``d`` distinct values in the sample and ``f1`` of them
    seen once: a sample without repeats scales to the population, one of repeats stays at ``d``.
    """
    d = len(seen)
    if n <= 0 or population <= n:
        return d
    f1 = sum(1 for c in seen.values() if c == 1)
    return int(min(population, max(d, round(n * d / (n - f1 + f1 * n / population)))))
