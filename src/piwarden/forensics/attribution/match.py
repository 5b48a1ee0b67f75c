"""Matching leaked rows to the platform's subjects, tolerating masks, partial values and noise.

The records file (leak-sample.md) says, per record, which fields it holds and which parties
received it. Leaked rows are matched on whatever identifying values they carry: a full or
masked phone (``138****5678`` keys on its first three and last four digits), an ID number,
an order or waybill number, a name with an address or its prefix. Every candidate subject is
then verified field by field; a contradiction on an identity field rejects it, so a leaked
row about someone who is not a customer (noise) matches nobody even when the name is common.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import orjson

from piwarden.forensics.attribution.leak import LeakRow, is_masked, normalize
from piwarden.inputs import InputError, open_text

IDENTITY = ("name", "phone", "address", "id_number", "payment_account")
#: evidence weight of a field agreeing exactly / masked or by prefix
WEIGHTS: dict[str, tuple[float, float]] = {
    "phone": (4.0, 2.0), "id_number": (5.0, 2.0), "payment_account": (3.0, 1.5), "name": (1.5, 0.5),
    "address": (2.5, 1.5), "order_id": (4.0, 2.0), "waybill_no": (4.0, 2.0), "goods": (0.5, 0.25),
    "amount": (1.0, 0.5), "order_time": (1.5, 1.0), "policy_no": (4.0, 2.0),
}
DEFAULT_WEIGHT = (0.5, 0.25)
THRESHOLD = 3.0
_STRONG = {"phone", "id_number", "order_id", "waybill_no", "policy_no", "payment_account"}


class RecordsError(ValueError):
    """The records file is malformed; names the line, never values."""


@dataclass(frozen=True)
class Record:
    subject: str
    record: str
    resource: str
    fields: dict[str, str]
    recipients: tuple[str, ...]


@dataclass
class Match:
    """A leaked row attributed to a subject, with the record(s) it fits and the fields leaked."""

    line: int
    subject: str
    score: float
    records: list[Record]
    fields: dict[str, bool] = field(default_factory=dict)  # field -> leaked in clear


@lru_cache(maxsize=4096)
def _mask_re(name: str, leaked: str) -> re.Pattern[str]:
    parts = re.split(r"(\*+)", leaked)
    exact = name in ("phone", "id_number", "payment_account")
    return re.compile("".join((f".{{{len(p)}}}" if exact else ".+") if p.startswith("*") else re.escape(p)
                              for p in parts if p), re.S)


def agree(name: str, leaked: str, truth: str) -> str:
    """``eq``, ``mask`` (consistent with a masked or prefix value) or ``no``."""
    t = normalize(name, truth)
    if leaked == t:
        return "eq"
    if is_masked(leaked):
        return "mask" if _mask_re(name, leaked).fullmatch(t) else "no"
    if name in ("address", "order_time") and len(leaked) >= 6 and t.startswith(leaked):
        return "mask"
    if name == "amount":
        try:
            return "eq" if abs(float(leaked.lstrip("¥￥")) - float(t)) < 0.005 else "no"
        except ValueError:
            return "no"
    return "no"


def _phone_key(v: str) -> str | None:
    m = re.fullmatch(r"(1\d{2})\*{4}(\d{4})", v)
    if m:
        return f"pm:{m.group(1)}{m.group(2)}"
    return f"pm:{v[:3]}{v[7:]}" if re.fullmatch(r"1\d{10}", v) else None


def _keys(name: str, v: str) -> Iterator[str]:
    if name == "phone":
        k = _phone_key(v)
        if k:
            yield k
    elif is_masked(v):
        return
    elif name in ("id_number", "order_id", "waybill_no", "name", "address", "policy_no", "payment_account"):
        yield f"{name}:{v}"


class RecordIndex:
    """Every record, indexed by its identifying values (in memory: records, not events)."""

    def __init__(self, records: Iterable[Record] = ()) -> None:
        self.records: list[Record] = []
        self.by_subject: dict[str, list[Record]] = {}
        self.keys: dict[str, set[str]] = {}
        self.held: Counter[tuple[str, str]] = Counter()  # (party, resource) -> records it receives
        for r in records:
            self.add(r)

    def add(self, r: Record) -> None:
        self.records.append(r)
        for p in r.recipients:
            self.held[p, r.resource] += 1
        self.by_subject.setdefault(r.subject, []).append(r)
        for name, value in r.fields.items():
            for k in _keys(name, normalize(name, str(value))):
                self.keys.setdefault(k, set()).add(r.subject)

    @classmethod
    def load(cls, path: Path) -> RecordIndex:
        idx = cls()
        try:
            src = open_text(path)
        except InputError as exc:
            raise RecordsError(f"records {exc}") from None
        with src:
            for i, line in src.lines():
                if not line.strip():
                    continue
                try:
                    obj = orjson.loads(line)
                    idx.add(Record(str(obj["subject"]), str(obj.get("record") or ""), str(obj.get("resource") or ""),
                                   {k: str(v) for k, v in (obj.get("fields") or {}).items() if v is not None},
                                   tuple(obj.get("recipients") or ())))
                except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
                    raise RecordsError(f"records line {i}: not a record (leak-sample.md)") from None
        return idx

    # -- matching ------------------------------------------------------------------------------
    def candidates(self, row: LeakRow) -> set[str]:
        out: set[str] = set()
        for name, vals in row.values.items():
            for v in vals:
                for k in _keys(name, v):
                    out |= self.keys.get(k, set())
        if row.text is not None:  # free text: identifiers the detector does not type
            for m in re.finditer(r"[A-Za-z]{0,3}-?\d{7,}", row.text):
                for name in ("order_id", "waybill_no", "policy_no"):
                    out |= self.keys.get(f"{name}:{m.group()}", set())
        return out

    def match(self, row: LeakRow) -> list[Match]:
        """The subject(s) the row is about: the best for a structured row, every verified one in text."""
        scored = [m for s in sorted(self.candidates(row)) if (m := self._verify(row, s)) is not None]
        if row.text is not None or not scored:
            return scored
        best = max(m.score for m in scored)
        top = [m for m in scored if m.score == best]
        return top if len(top) == 1 else []  # ambiguous: better no match than a wrong one

    def _verify(self, row: LeakRow, subject: str) -> Match | None:
        recs = self.by_subject[subject]
        best: tuple[float, list[Record], dict[str, bool]] | None = None
        for r in recs:
            got = self._fit_text(row, r) if row.text is not None else self._fit_row(row, r)
            if got is None:
                continue
            score, fields = got
            if best is None or score > best[0] + 1e-9:
                best = (score, [r], fields)
            elif abs(score - best[0]) <= 1e-9:
                best[1].append(r)
        if best is None or best[0] < THRESHOLD:
            return None
        score, records, fields = best
        strong = any(k in _STRONG for k in fields) or ({"name", "address"} <= set(fields))
        if not strong:
            return None
        return Match(row.line, subject, round(score, 3), records, fields)

    @staticmethod
    def _fit_row(row: LeakRow, r: Record) -> tuple[float, dict[str, bool]] | None:
        score, fields = 0.0, {}
        for name, vals in row.values.items():
            truth = r.fields.get(name)
            if truth is None:
                continue
            v = vals[0]
            how = agree(name, v, truth)
            if how == "no":
                if name in IDENTITY:
                    return None
                score -= 1.0
                continue
            w = WEIGHTS.get(name, DEFAULT_WEIGHT)
            score += w[0] if how == "eq" else w[1]
            fields[name] = not is_masked(v)
        return score, fields

    @staticmethod
    def _fit_text(row: LeakRow, r: Record) -> tuple[float, dict[str, bool]] | None:
        text = re.sub(r"\s+", "", row.text or "")
        flat = text.replace("-", "")
        score, fields = 0.0, {}
        for name, truth in r.fields.items():
            t = normalize(name, truth)
            if len(t) < 2:
                continue
            w = WEIGHTS.get(name, DEFAULT_WEIGHT)
            if t in text or (len(t) >= 6 and t.replace("-", "") in flat):
                score += w[0]
                fields[name] = True
                continue
            for v in row.values.get(name, []):
                how = agree(name, v, t)
                if how != "no":
                    score += w[1]
                    fields[name] = not is_masked(v)
                    break
        if "name" not in fields and "phone" not in fields and "id_number" not in fields:
            return None
        return score, fields
