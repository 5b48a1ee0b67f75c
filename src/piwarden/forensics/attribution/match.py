"""Matching leaked rows to the platform's subjects, tolerating masks, partial values and noise.

The records file (leak-sample.md) says, per record, which fields it holds and which parties
received it. Leaked rows are matched on whatever identifying values they carry: a full or
masked phone (``138****5678`` keys on its first three and last four digits), an ID number,
an order or waybill number, a name with an address or its prefix. Every candidate subject is
then verified field by field; a contradiction on an identity field rejects it, so a leaked
row about someone who is not a customer (noise) matches nobody even when the name is common.

The index lives in memory, or, for a records file larger than ``ON_DISK_BYTES`` (or when asked),
in a SQLite file of its own in a temporary folder (mode 0600, deleted when the index is closed or
the process ends): records by subject and their look-up keys, so memory stays flat however many
records there are (docs/forensics.md).
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
import weakref
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
ON_DISK_BYTES = 256 << 20  # records files larger than this are indexed on disk by default
_DISK_BATCH = 20_000
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


def _record_keys(r: Record) -> Iterator[str]:
    for name, value in r.fields.items():
        yield from _keys(name, normalize(name, str(value)))


def _drop(db: sqlite3.Connection, name: str) -> None:
    db.close()
    Path(name).unlink(missing_ok=True)


class RecordIndex:
    """Every record, indexed by its identifying values: in memory, or in a SQLite file (``disk``: the folder
    for it, ``True`` for the system's temporary folder)."""

    def __init__(self, records: Iterable[Record] = (), *, disk: Path | str | bool | None = None) -> None:
        self.held: Counter[tuple[str, str]] = Counter()  # (party, resource) -> records it receives
        self.count = 0  # records indexed
        self._by_subject: dict[str, list[Record]] = {}
        self._keys: dict[str, set[str]] = {}
        self._db: sqlite3.Connection | None = None
        self._pending: list[Record] = []
        if disk:
            self._open_disk(None if disk is True else Path(disk))
        for r in records:
            self.add(r)
        self._flush()

    @property
    def on_disk(self) -> bool:
        return self._db is not None

    def _open_disk(self, folder: Path | None) -> None:
        try:
            fd, name = tempfile.mkstemp(prefix="piwarden-records-", suffix=".db", dir=folder)  # 0600
        except OSError as exc:
            raise RecordsError(f"cannot make the records index in {folder or tempfile.gettempdir()}: "
                               f"{exc.strerror or type(exc).__name__}") from None
        os.close(fd)
        db = sqlite3.connect(name, check_same_thread=False)  # ``with db``: one transaction per batch
        self._close = weakref.finalize(self, _drop, db, name)  # at close, collection or exit
        db.execute("PRAGMA journal_mode = OFF")  # scratch data: rebuilt from the records file if lost
        db.execute("PRAGMA synchronous = OFF")
        db.execute("CREATE TABLE records (subject TEXT NOT NULL, body BLOB NOT NULL)")
        db.execute("CREATE TABLE keys (key TEXT NOT NULL, subject TEXT NOT NULL, PRIMARY KEY (key, subject)) "
                   "WITHOUT ROWID")
        db.execute("CREATE INDEX records_subject ON records (subject)")
        self._db = db

    def close(self) -> None:
        """Delete the index's file (on disk); the in-memory index has nothing to free."""
        if self._db is not None:
            self._close()

    def __enter__(self) -> RecordIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, r: Record) -> None:
        self.count += 1
        for p in r.recipients:
            self.held[p, r.resource] += 1
        if self._db is not None:
            self._pending.append(r)
            if len(self._pending) >= _DISK_BATCH:
                self._flush()
            return
        self._by_subject.setdefault(r.subject, []).append(r)
        for k in _record_keys(r):
            self._keys.setdefault(k, set()).add(r.subject)

    def _flush(self) -> None:
        """Write the records added since the last flush (on disk: one transaction per batch)."""
        if self._db is None or not self._pending:
            return
        rows, self._pending = self._pending, []
        try:
            self._write(rows)
        except sqlite3.Error as exc:  # a full disk, most likely: the error's name, never values
            raise RecordsError(f"cannot write the records index: {exc.sqlite_errorname}") from None

    def _write(self, rows: list[Record]) -> None:
        assert self._db is not None
        with self._db:
            self._db.executemany("INSERT INTO records (subject, body) VALUES (?, ?)",
                                 [(r.subject, orjson.dumps([r.record, r.resource, r.fields, r.recipients]))
                                  for r in rows])
            self._db.executemany("INSERT OR IGNORE INTO keys (key, subject) VALUES (?, ?)",
                                 [(k, r.subject) for r in rows for k in _record_keys(r)])

    def _subjects(self, key: str) -> Iterable[str]:
        if self._db is None:
            return self._keys.get(key, ())
        self._flush()
        return [s for (s,) in self._db.execute("SELECT subject FROM keys WHERE key = ?", (key,))]

    def records_of(self, subject: str) -> list[Record]:
        """The subject's records, in the order they were added."""
        if self._db is None:
            return self._by_subject.get(subject, [])
        self._flush()
        out = []
        for (body,) in self._db.execute("SELECT body FROM records WHERE subject = ? ORDER BY rowid", (subject,)):
            record, resource, fields, recipients = orjson.loads(body)
            out.append(Record(subject, record, resource, fields, tuple(recipients)))
        return out

    @classmethod
    def load(cls, path: Path, disk: Path | str | bool | None = None) -> RecordIndex:
        """The index of a records file (leak-sample.md); ``disk`` None: on disk when the file is larger than
        ``ON_DISK_BYTES``, False: in memory."""
        if disk is None:
            try:
                disk = path.stat().st_size > ON_DISK_BYTES
            except OSError:
                disk = False  # open_text names the problem
        idx = cls(disk=disk)
        try:
            src = open_text(path)
        except InputError as exc:
            idx.close()
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
                    idx.close()
                    raise RecordsError(f"records line {i}: not a record (leak-sample.md)") from None
        idx._flush()
        return idx

    # -- matching ------------------------------------------------------------------------------
    def candidates(self, row: LeakRow) -> set[str]:
        out: set[str] = set()
        for name, vals in row.values.items():
            for v in vals:
                for k in _keys(name, v):
                    out.update(self._subjects(k))
        if row.text is not None:  # free text: identifiers the detector does not type
            for m in re.finditer(r"[A-Za-z]{0,3}-?\d{7,}", row.text):
                for name in ("order_id", "waybill_no", "policy_no"):
                    out.update(self._subjects(f"{name}:{m.group()}"))
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
        recs = self.records_of(subject)
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
