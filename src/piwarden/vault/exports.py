"""Bulk exports: maker-checker approval graded by volume x sensitivity, and a per-recipient watermark.

An export is every record of one type that one owner holds, with the fields asked for: each in
clear if the policy lets the maker reveal it, masked otherwise, withheld on ``deny``. Its weight
is rows x the grade weight of its most sensitive field in clear (L1 1, L2 2, L3 5, L4 10); at
or under ``APPROVAL_OVER`` (the policy file's ``exports.approval_over``, default 2,000) it is
ready at once, over it it waits for a checker: another account holding ``vault:approve`` (never
the maker). Every download writes an ``export`` access event naming the export, its subjects and
fields; the values in clear carry the recipient's watermark (``piwarden.mask.watermark``: phone
separators, an address space, a currency sign), which ``piwarden forensics trace --watermarks``
decodes from a leaked part. ``registry`` lists exports in the format the decoder reads.
"""

from __future__ import annotations

import csv
import io
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from sqlalchemy import insert, select

from piwarden.db import writing
from piwarden.db.base import table_of
from piwarden.db.vault import VaultExport, VaultRecord
from piwarden.keys import WATERMARK_KEY, load_key
from piwarden.mask.decoys import Decoy, decoys, fingerprints
from piwarden.mask.watermark import mark_row
from piwarden.settings import Settings
from piwarden.vault.checker import check_maker, settle
from piwarden.vault.evidence import now_us
from piwarden.vault.record_types import FieldSpec
from piwarden.vault.service import ALL, BadRequest, Caller, NotFound, Refused, Vault

EXPORTS, RECORDS = table_of(VaultExport), table_of(VaultRecord)
GRADE_WEIGHT = {1: 1, 2: 2, 3: 5, 4: 10}
APPROVAL_OVER = 2000
MAX_ROWS = 100_000
Status = Literal["pending", "ready", "refused"]


@dataclass(frozen=True)
class ExportInfo:
    """An export as stored: ids, counts and names only, never a value."""

    id: str
    maker: str
    recipient_party: str
    recipient_actor: str | None
    type: str
    owner: str
    fields: list[str]
    clear: list[str]
    rows: int
    weight: int
    status: Status
    checker: str | None
    reason: str
    created_us: int
    decided_us: int | None

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _info(r: Any) -> ExportInfo:
    f = orjson.loads(r.fields)
    return ExportInfo(r.id, r.maker, r.recipient_party, r.recipient_actor, r.type, r.owner, f["asked"], f["clear"],
                      r.rows, r.weight, r.status, r.checker, r.reason, r.created_us, r.decided_us)


def watermark_key(settings: Settings) -> bytes:
    """The marking key (HOME/keys/watermark.key, made on first use, or the key provider's)."""
    key = load_key(WATERMARK_KEY, settings, create=lambda: secrets.token_urlsafe(32).encode())
    assert key is not None
    return key.material


class Exports:
    """Export requests, decisions and downloads over one vault."""

    def __init__(self, vault: Vault, key: Callable[[], bytes], approval_over: int = APPROVAL_OVER) -> None:
        self.vault, self._key_source, self.approval_over = vault, key, approval_over
        self._key: bytes | None = None

    @property
    def key(self) -> bytes:
        """The marking key, loaded (or made) at the first download."""
        if self._key is None:
            self._key = self._key_source()
        return self._key

    def _records(self, type_name: str, owner: str) -> list[str]:
        with self.vault.engine.connect() as conn:
            return [r for (r,) in conn.execute(select(RECORDS.c.id).where(
                RECORDS.c.type == type_name, RECORDS.c.owner == owner).order_by(RECORDS.c.id).limit(MAX_ROWS + 1))]

    def request(self, caller: Caller, type_name: str, fields: Sequence[str], owner: str | None = None,
                recipient: str | None = None, reason: str = "") -> ExportInfo:
        """Ask for an export; ready at once when light enough, else pending a checker's decision."""
        v = self.vault
        rtype = v.record_type(type_name)
        asked = list(rtype.fields) if ALL in fields else list(dict.fromkeys(fields))
        unknown = [f for f in asked if f not in rtype.fields]
        if unknown or not asked:
            raise BadRequest(f"record type {type_name} has no such field (GET /vault/types lists them)")
        owner = owner or caller.tenant
        ids = self._records(type_name, owner)
        if len(ids) > MAX_ROWS:
            raise BadRequest(f"an export holds at most {MAX_ROWS:,} records")
        decisions = {f: v.policy.decide(v.ask(caller, rtype, rtype.fields[f], owner, "reveal")) for f in asked}
        if all(d.effect == "deny" for d in decisions.values()):
            ev = v._event(caller, action="export", resource=type_name, subjects=[], query_by="aggregate",
                          result="denied", count=len(ids))
            raise Refused(f"the policy withholds every asked field of {type_name}", v.evidence.record(ev))
        clear = [f for f in asked if decisions[f].effect == "reveal"]
        weight = len(ids) * max([GRADE_WEIGHT[rtype.fields[f].grade] for f in clear] or [1])
        status: Status = "pending" if weight > self.approval_over else "ready"
        export_id = f"vx-{uuid.uuid4().hex[:16]}"
        ev = v._event(caller, action="export", resource=type_name, subjects=[], query_by="aggregate",
                      result="pending_approval" if status == "pending" else "allowed", count=len(ids),
                      export_id=export_id)
        info = ExportInfo(export_id, caller.actor, recipient or caller.party, caller.actor if not recipient else None,
                          type_name, owner, asked, clear, len(ids), weight, status, None, reason[:500], now_us(), None)
        with writing(v.store.writer) as conn:
            conn.execute(insert(EXPORTS).values(
                id=info.id, maker=info.maker, recipient_party=info.recipient_party,
                recipient_actor=info.recipient_actor, type=info.type, owner=info.owner,
                fields=orjson.dumps({"asked": asked, "clear": clear}).decode(), rows=info.rows, weight=info.weight,
                status=info.status, checker=None, reason=info.reason, created_us=info.created_us, decided_us=None))
        v.evidence.record(ev)
        return info

    def get(self, export_id: str) -> ExportInfo:
        with self.vault.engine.connect() as conn:
            row = conn.execute(select(EXPORTS).where(EXPORTS.c.id == export_id)).first()
        if row is None:
            raise NotFound("no such export", "-")
        return _info(row)

    def list(self, limit: int = 1000) -> list[ExportInfo]:
        with self.vault.engine.connect() as conn:
            rows = conn.execute(select(EXPORTS).order_by(EXPORTS.c.created_us.desc()).limit(limit)).all()
        return [_info(r) for r in rows]

    def decide(self, checker: Caller, export_id: str, approve: bool, reason: str = "") -> ExportInfo:
        """A checker's decision on a pending export (never the maker's own)."""
        info = self.get(export_id)
        v = self.vault
        check_maker(info.maker, checker.actor, "an export")
        if info.status != "pending":
            raise BadRequest(f"export {export_id} is {info.status}, not pending")
        status: Status = "ready" if approve else "refused"
        settle(v.store.writer, EXPORTS, export_id, status, checker.actor, f"export {export_id}")
        ev = v._event(checker, action="export", resource=info.type, subjects=[], query_by="aggregate",
                      result="allowed" if approve else "denied", count=info.rows, export_id=export_id)
        v.evidence.record(ev)
        return self.get(export_id)

    def download(self, caller: Caller, export_id: str) -> tuple[str, str]:
        """(CSV text, event id): the export's rows, clear values watermarked for its recipient; logged first."""
        info = self.get(export_id)
        v = self.vault
        if caller.actor != info.maker:
            raise BadRequest("only the export's maker downloads it")
        if info.status != "ready":
            ev = v._event(caller, action="export", resource=info.type, subjects=[], query_by="aggregate",
                          result="denied", count=0, export_id=export_id)
            raise Refused(f"export {export_id} is {info.status}", v.evidence.record(ev),
                          "pending_approval" if info.status == "pending" else "denied")
        rtype = v.record_type(info.type)
        subjects, records, masked = [], [], set()
        rows: list[tuple[str, dict[str, str]]] = []
        denied: set[str] = set()
        for record_id in self._records(info.type, info.owner)[:info.rows]:
            record = v.store.get(record_id, v.types)
            row: dict[str, str] = {}
            for f in info.fields:
                if f not in record.values:
                    row[f] = ""
                    continue
                value = record.values[f]
                if f in info.clear and isinstance(value, str):
                    row[f] = value
                else:
                    d = v.policy.decide(v.ask(caller, rtype, rtype.fields[f], record.owner, "reveal", record.subject))
                    row[f] = "" if d.effect == "deny" else v._mask(rtype.fields[f], value, record.subject)
                    masked.add(f)
                    if d.effect == "deny":
                        denied.add(f)
            rows.append((record.subject, row))
            subjects.append(record.subject)
            records.append(record.id)
        planted = self._decoys(info, rows[0][0] if rows else "c-000000", len(rows), subjects)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["subject", *info.fields])
        at = 0
        for i in range(len(rows) + 1):
            while at < len(planted) and planted[at].position == i:
                decoy = planted[at]
                rows_in = {f: self._decoy_value(rtype.fields[f], decoy.values.get(f, ""), decoy.subject,
                                                f in info.clear, f in denied) for f in info.fields}
                self._write(writer, info, decoy.subject, rows_in, export_id)
                at += 1
            if i < len(rows):
                self._write(writer, info, *rows[i], export_id)
        ev = v._event(caller, action="export", resource=info.type, subjects=subjects, records=records,
                      fields=info.clear, masked_fields=sorted(masked - set(info.clear)), count=len(records),
                      export_id=export_id)
        return out.getvalue(), v.evidence.record(ev)

    def _write(self, writer: Any, info: ExportInfo, subject: str, row: dict[str, str], export_id: str) -> None:
        row.update(mark_row({f: row[f] for f in info.clear if row.get(f)}, self.key, export_id, subject))
        writer.writerow([subject, *(row[f] for f in info.fields)])

    def _decoys(self, info: ExportInfo, like: str, rows: int, taken: Sequence[str] = ()) -> Sequence[Decoy]:
        rtype = self.vault.record_type(info.type)
        return decoys(self.key, info.id, {f: rtype.fields[f].entity.name for f in info.fields if f in rtype.fields},
                      rows, like, taken)

    def _decoy_value(self, spec: FieldSpec, value: str, subject: str, clear: bool, denied: bool) -> str:
        """A decoy's field written as the real rows' same field is: in clear, masked, or withheld."""
        if denied:
            return ""
        if clear and spec.kind != "file":
            return value
        return self.vault._mask(spec, value, subject) if value or spec.kind == "file" else ""

    def registry(self) -> dict[str, Any]:
        """The watermark registry ``piwarden forensics trace --watermarks`` reads (ids, recipients, no values)."""
        return {"v": 1, "exports": [{"export_id": e.id, "party": e.recipient_party, "actor": e.recipient_actor,
                                     "created": str(e.created_us), "rows": e.rows,
                                     "decoys": self._fingerprints(e)}
                                    for e in self.list(MAX_ROWS) if e.status == "ready"]}

    def _fingerprints(self, info: ExportInfo) -> Sequence[str]:
        """Keyed fingerprints of the export's decoys (their values depend only on the key, the export id,
        the fields and the row count: none at all when its record type is gone)."""
        try:
            return fingerprints(self.key, self._decoys(info, "c-0", info.rows))
        except BadRequest:
            return []
