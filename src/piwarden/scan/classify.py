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
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

import orjson

from piwarden import entities
from piwarden.detect.analyzer import Analyzer
from piwarden.mask.operators import get_operator
from piwarden.scan import names
from piwarden.scan.values import Level, Signature, ValueMatcher

MIN_SHARE = 0.4  # a type the name does not hint needs this share of the values
MIN_SHARE_HINTED = 0.2
ALSO_SHARE = 0.15  # other types this common are reported as well (mixed columns)
EXAMPLES = 3
JSON_SHARE = 0.8  # a column is JSON when this share of its values are objects or arrays that parse
MAX_JSON_PATHS = 200
TEXT_COLUMN = "(text)"
_WORDY = re.compile(r"[ ，。；！？,.;!?]")  # a space or sentence punctuation: long values with them are prose

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
    # free text: per type, the share of the non-empty values holding one ("PHONE in 24% of values")
    shares: dict[str, float] = field(default_factory=dict)
    keys: dict[str, list[str]] = field(default_factory=dict)  # JSON: the PI types found under each key path

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
            "subjects": self.subjects, **({"shares": dict(self.shares)} if self.shares else {}),
            **({"keys": {k: list(v) for k, v in self.keys.items()}} if self.keys else {}),
        }


@dataclass(slots=True)
class ColumnTally:
    """What deciding a column needs of its values, as counts that add up chunk by chunk.

    Values with the same signature (the types and levels they can be) count alike, so a column
    of any length is a few counters; the only raw values kept are the first few of each type,
    for the masked examples. Distinct counts cannot be added (chunks share values): the owner
    fills ``distinct`` once every value has been seen (:meth:`Classifier.count`).
    """

    name: str
    sampled: int = 0  # values, NULLs included
    non_null: int = 0
    length: int = 0  # characters over the non-null values (free-text test)
    wordy: int = 0  # non-null values with a space or sentence punctuation
    json: int = 0  # non-null values that look like a JSON object or array
    signatures: Counter[Signature] = field(default_factory=Counter)  # in order of first appearance
    firsts: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # per type: first distinct (row, value)s
    distinct: dict[Signature, tuple[int, int]] = field(default_factory=dict)  # (distinct, seen once)

    def merge(self, later: ColumnTally) -> None:
        """Add the tally of rows that come after these (order matters for examples and ties)."""
        self.sampled += later.sampled
        self.non_null += later.non_null
        self.length += later.length
        self.wordy += later.wordy
        self.json += later.json
        self.signatures.update(later.signatures)
        for t, pairs in later.firsts.items():
            mine = self.firsts.setdefault(t, [])
            for row, value in pairs:
                if len(mine) < EXAMPLES and all(v != value for _, v in mine):
                    mine.append((row, value))


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
    if isinstance(value, dict | list):  # a JSON column as the driver decodes it (PostgreSQL jsonb)
        try:
            return orjson.dumps(value, default=str).decode() if value else None
        except TypeError:
            return None
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
        tally, by_signature = self.count(name, values)
        tally.distinct = {sig: distinct_counts(Counter(texts)) for sig, texts in by_signature.items()}
        return self.finding(tally, total_rows, lambda: [t for t in map(cell_text, values) if t is not None])

    def count(self, name: str, values: Iterable[object], start: int = 0) -> tuple[ColumnTally, dict[Signature, list[str]]]:
        """The tally of ``values`` (rows ``start``, ``start + 1``, ...) and their texts by signature.

        The texts are what distinct counts need; the caller counts them (in memory for a sample,
        spilled to disk for a whole table) and fills ``tally.distinct``.
        """
        tally = ColumnTally(name)
        signatures = tally.signatures
        firsts = tally.firsts
        by_signature: dict[Signature, list[str]] = {}
        signature = self.matcher.signature
        wordy_mark = _WORDY.search
        n = length = wordy = json = 0
        for i, value in enumerate(values, start):
            n += 1
            text = cell_text(value)
            if text is None:
                continue
            sig = signature(text)
            signatures[sig] += 1
            length += len(text)
            if wordy_mark(text):
                wordy += 1
            if text[0] in "{[" and text[-1] in "}]":
                json += 1
            bucket = by_signature.get(sig)
            if bucket is None:
                bucket = by_signature[sig] = []
            bucket.append(text)
            for t, _ in sig:
                seen = firsts.get(t)
                if seen is None:
                    firsts[t] = [(i, text)]
                elif len(seen) < EXAMPLES and all(v != text for _, v in seen):
                    seen.append((i, text))
        tally.sampled, tally.length, tally.wordy, tally.json = n, length, wordy, json
        tally.non_null = sum(signatures.values())
        return tally, by_signature

    def finding(self, tally: ColumnTally, total_rows: int | None = None,
                texts: Callable[[], Iterable[str]] | None = None) -> ColumnFinding:
        """Decide a column from its tally; ``texts`` re-reads its non-null texts if it turns out free text."""
        name = tally.name
        hinted = names.hints(name)
        hint = max(hinted, key=lambda e: hinted[e]) if hinted else None
        out = ColumnFinding(name, sampled=tally.sampled, non_null=tally.non_null,
                            distinct=sum(d for d, _ in tally.distinct.values()), hint=hint)
        if not tally.non_null:
            if hint is not None:
                out.entity, out.confidence, out.basis = hint, round(0.5 * hinted[hint], 3), "name"
            return out
        sigs = tally.signatures
        shares = _shares(sigs, hinted, tally.non_null)
        best = _best(shares, hinted)
        if best is not None and best not in hinted and hint is not None and hint not in self.checkable \
                and hinted[hint] >= 0.9 and _checked_share(sigs, best, tally.non_null) < 0.5:
            best = None  # "zhenduan": 高血压 looks like a name, but the name of the column is clearer
        if best is not None:
            self._typed(out, best, tally, shares, hinted, total_rows)
        elif texts is not None and tally.json / tally.non_null >= JSON_SHARE and self._json(out, texts()):
            pass
        elif tally.length / tally.non_null >= 20 and tally.wordy / tally.non_null >= 0.3:
            # long values with words or sentence punctuation: remarks, descriptions, messages
            if texts is None:
                raise ValueError(f"{name}: a free-text column needs its texts")
            self._free_text(out, texts())
        elif hint is not None and hint not in self.checkable:
            out.entity, out.confidence, out.basis = hint, round(0.6 * hinted[hint], 3), "name"
        elif tally.length / tally.non_null >= 6 and tally.wordy / tally.non_null >= 0.3 and texts is not None:
            # short notes (备注: "来电催单，回拨138…"): where staff copy phone numbers; read as free text
            self._free_text(out, texts())
        return out

    def _typed(self, out: ColumnFinding, best: str, tally: ColumnTally, shares: dict[str, float],
               hinted: dict[str, float], total_rows: int | None) -> None:
        sigs, n_texts = tally.signatures, tally.non_null
        family = next((f for f in _FAMILIES if best in f), {best})
        matching_sigs = [sig for sig in sigs if family.intersection(t for t, _ in sig)]
        n_matching = sum(sigs[sig] for sig in matching_sigs)
        share = n_matching / n_texts
        counts: Counter[str] = Counter()
        levels: Counter[int] = Counter()
        for sig, n in sigs.items():
            for t, _ in sig:
                if shares.get(t, 0) > 0:
                    counts[t] += n
            types = dict(sig)
            levels[max((types[t] for t in family if t in types), default=0)] += n
        if len(family) > 1 and best not in hinted:  # domestic vs international cards: the majority names it
            best = max(family, key=lambda t: counts.get(t, 0))
        strength = (0.95 * levels[Level.CHECKED] + 0.8 * levels[Level.SHAPED] + 0.55 * levels[Level.WEAK]) / n_texts
        prior = max((hinted.get(t, 0.0) for t in family), default=0.0)
        out.entity, out.share = best, share
        out.confidence = round(min(1.0, strength + 0.15 * prior * share), 3)
        out.basis = "values+name" if prior else "values"
        out.also = [t for t, s in sorted(shares.items(), key=lambda kv: -kv[1])
                    if t not in family and s >= ALSO_SHARE and entities.get(t).is_pi and _independent(t, best, sigs)]
        out.types = {t: n for t, n in counts.most_common() if t in family or t in out.also}
        firsts = sorted((p for t in family for p in tally.firsts.get(t, ())), key=lambda p: p[0])
        out.examples = [self.masked(v, best) for v in list(dict.fromkeys(v for _, v in firsts))[:EXAMPLES]]
        if best in IDENTIFYING:
            d = sum(tally.distinct.get(sig, (0, 0))[0] for sig in matching_sigs)
            f1 = sum(tally.distinct.get(sig, (0, 0))[1] for sig in matching_sigs)
            n_rows = total_rows if total_rows is not None else out.sampled
            population = round(n_rows * n_matching / max(out.sampled, 1))
            out.subjects = duj1(n_matching, d, f1, population)

    def _json(self, out: ColumnFinding, texts: Iterable[str]) -> bool:
        """A column of JSON documents, classified by key path: each path's values (its last key as the column
        name) as a column of their own. False if too few parse (then it is read as free text)."""
        paths: dict[str, list[str]] = {}
        rows_with: Counter[str] = Counter()  # documents holding each path
        parsed = 0
        for text in texts:
            try:
                doc = orjson.loads(text)
            except orjson.JSONDecodeError:
                continue
            parsed += 1
            here = set()
            for path, leaf in _leaves(doc):
                column = paths.get(path)
                if column is None:
                    if len(paths) >= MAX_JSON_PATHS:
                        continue
                    column = paths[path] = []
                column.append(leaf)
                here.add(path)
            rows_with.update(here)
        if parsed < JSON_SHARE * out.non_null:
            return False
        shares: dict[str, float] = {}
        for path, values in paths.items():
            sub = self.column(path.rsplit(".", 1)[-1].rstrip("[]"), values)
            found = sub.found
            if not found:
                continue
            out.keys[path] = found
            present = rows_with[path] / parsed
            for t in found:
                within = sub.shares.get(t, 0.0) if sub.free_text else sub.share if t == sub.entity else ALSO_SHARE
                shares[t] = max(shares.get(t, 0.0), round(present * within, 3))
            if sub.examples and len(out.examples) < EXAMPLES:
                out.examples.append(f"{path}: {sub.examples[0]}")
        out.basis = "json"
        if shares:
            ranked = sorted(shares, key=lambda t: (-int(entities.get(t).grade), -shares[t], t))
            out.entity = next((t for t in IDENTIFYING if t in shares), ranked[0])
            out.also = [t for t in ranked if t != out.entity]
            out.shares = dict(sorted(shares.items(), key=lambda kv: -kv[1]))
            out.share = shares[out.entity]
            out.types = {t: round(s * parsed) for t, s in out.shares.items()}
            out.confidence = round(min(1.0, 0.5 + 0.5 * out.share), 3)
        return True

    def _free_text(self, out: ColumnFinding, texts: Iterable[str]) -> None:
        finding = self.text(texts)
        out.free_text, out.types, out.examples, out.basis = True, finding.types, finding.examples, "values"
        out.shares, out.share = finding.shares, finding.share

    def text(self, lines: Iterable[str], name: str = TEXT_COLUMN, batch: int = 256) -> ColumnFinding:
        """Free text (a document, a log, a text column): detection per line, spans counted per type."""
        counts: Counter[str] = Counter()
        holding: Counter[str] = Counter()  # values (lines) holding each type
        examples: dict[str, str] = {}
        ids: dict[str, Counter[str]] = {}
        n = non_empty = 0
        chunk: list[str] = []

        def flush() -> None:
            for line, spans in zip(chunk, self.analyzer.analyze_batch(chunk), strict=True):
                holding.update({s.type for s in spans})
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
                non_empty += 1
                chunk.append(line)
            if len(chunk) >= batch:
                flush()
        flush()
        out = ColumnFinding(name, sampled=n, non_null=n, free_text=True, basis="values")
        out.types = dict(counts.most_common())
        pi = [t for t in holding if entities.get(t).is_pi]
        out.shares = {t: round(holding[t] / non_empty, 3) for t in sorted(pi, key=lambda t: -holding[t])} \
            if non_empty else {}
        out.share = max(out.shares.values(), default=0.0)  # of the values, holding the commonest PI type
        out.examples = [f"{t}: {v}" for t, v in examples.items()]
        top = next((t for t in IDENTIFYING if t in ids), None)
        if top is not None:
            out.subjects = len(ids[top])
        return out


def _leaves(doc: object, path: str = "", depth: int = 0) -> Iterator[tuple[str, str]]:
    """(key path, scalar as text) of a JSON document: ``receiver.mobile``, ``items[].sku``; 8 levels at most."""
    if depth > 8:
        return
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _leaves(v, f"{path}.{k}" if path else str(k), depth + 1)
    elif isinstance(doc, list):
        for v in doc[:50]:
            yield from _leaves(v, f"{path}[]", depth + 1)
    elif doc is not None and not isinstance(doc, bool):
        text = cell_text(doc)
        if text is not None:
            yield path or "$", text


def _shares(sigs: Counter[Signature], hinted: dict[str, float], n_texts: int) -> dict[str, float]:
    """For each type, the share of values that are that type at the level it needs."""
    counts: Counter[str] = Counter()
    for sig, n in sigs.items():
        for t, level in sig:
            if level >= (Level.WEAK if t in hinted else Level.SHAPED):
                counts[t] += n
    return {t: n / n_texts for t, n in counts.items()}


def _best(shares: dict[str, float], hinted: dict[str, float]) -> str | None:
    scored = {t: s * (1 + hinted.get(t, 0.0)) for t, s in shares.items()
              if s >= (MIN_SHARE_HINTED if t in hinted else MIN_SHARE)}
    if not scored:
        return None
    # equal scores: the more specific type (higher grade) first, then the name for stable output
    return max(scored, key=lambda t: (round(scored[t], 6), entities.get(t).grade, t))


def _checked_share(sigs: Counter[Signature], entity: str, n_texts: int) -> float:
    return sum(n for sig, n in sigs.items() if (entity, Level.CHECKED) in sig) / n_texts


def _independent(other: str, best: str, sigs: Counter[Signature]) -> bool:
    """``other`` is another type in a mixed column, not a second reading of the same values."""
    return any(other in types and best not in types for types in ({t for t, _ in sig} for sig in sigs))


def distinct_counts(seen: Counter[str]) -> tuple[int, int]:
    """``(distinct values, values seen once)``: what :func:`duj1` needs of a sample."""
    return len(seen), sum(1 for c in seen.values() if c == 1)


def estimate_distinct(seen: Counter[str], n: int, population: int) -> int:
    """Distinct values in ``population`` rows from a sample of ``n`` (Haas and Stokes' Duj1, 1998).

    ``n * d / (n - f1 + f1 * n / N)`` with ``d`` distinct values in the sample and ``f1`` of them
    seen once: a sample without repeats scales to the population, one of repeats stays at ``d``.
    """
    return duj1(n, *distinct_counts(seen), population)


def duj1(n: int, d: int, f1: int, population: int) -> int:
    """:func:`estimate_distinct` from the sample's counts: ``d`` distinct, ``f1`` of them seen once."""
    if n <= 0 or population <= n:
        return d
    return int(min(population, max(d, round(n * d / (n - f1 + f1 * n / population)))))
