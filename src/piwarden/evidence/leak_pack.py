"""A leak case's pack: what leaked about whom, who could have known it, and what the log proves about each person.

For every customer the leak sample matches, the pack holds the events about them with their
inclusion proofs and (when it fits) the complete range of the period, and one statement re-run
by the verifier: which parties saw *all* of that person's leaked fields in clear. Beside it: the
parties of the data map holding the leaked field set, the attribution ranking with its reasoning
(``forensics trace``), and per party how many of the leaked people it saw those fields of.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.engine import Engine

from piwarden.audit.log import AuditLog
from piwarden.audit.note import NoteSigner
from piwarden.events import parse_event
from piwarden.evidence import claims as claims_mod
from piwarden.evidence import litigation
from piwarden.evidence import measures as measures_mod
from piwarden.evidence import proofs as proofs_mod
from piwarden.evidence.pack import FORMAT, VERSION, checkpoint_section, inventory, key_id, witnesses
from piwarden.forensics.attribution.datamap import DataMap
from piwarden.forensics.attribution.leak import read_leak
from piwarden.forensics.attribution.match import RecordIndex
from piwarden.forensics.attribution.ranking import attribute
from piwarden.settings import Settings


@dataclass
class LeakRequest:
    leak: Path
    records: Path
    datamap: DataMap
    out: Path
    lang: str = "zh"
    since: datetime | None = None
    until: datetime | None = None
    max_range: int = proofs_mod.DEFAULT_MAX_RANGE
    formats: tuple[str, ...] = ("html", "pdf")
    encoding: str | None = None


def _us(t: datetime | None) -> int | None:
    return None if t is None else int(t.timestamp() * 1_000_000)


def collect(req: LeakRequest, settings: Settings, log: AuditLog, signer: NoteSigner,
            engine: Engine) -> tuple[dict[str, Any], proofs_mod.LogEvidence, list[str]]:
    index = RecordIndex.load(req.records)
    kind, rows = read_leak(req.leak, None, encoding=req.encoding)
    matches = [m for row in rows for m in index.match(row)]
    per_subject: dict[str, tuple[set[str], set[str]]] = {}
    for m in matches:
        fields, clear = per_subject.setdefault(m.subject, (set(), set()))
        fields.update(m.fields)
        clear.update(f for f, c in m.fields.items() if c)
    subjects = sorted(per_subject)
    ev = proofs_mod.gather(log, signer, subjects, _us(req.since), _us(req.until), req.max_range)
    events = {i: orjson.loads(b) for i, b in ev.bodies.items()}
    ranked, summary = attribute(rows, index, req.datamap, (parse_event(ev.bodies[i]) for i in ev.subject_leaves
                                                           if i in ev.bodies), None, req.lang)
    basis = "range" if ev.range_begin is not None else "index"
    pool = events if basis == "range" else {i: events[i] for i in ev.subject_leaves if i in events}
    since = None if req.since is None else req.since.isoformat()
    until = None if req.until is None else req.until.isoformat()
    claims, saw = [], Counter[str]()
    for s in subjects:
        fields, clear = per_subject[s]
        q: dict[str, Any] = {"subject": s, "fields": sorted(clear), "actions": claims_mod.DISCLOSING, "clear": True,
                             "cover": True, **({"since": since} if since else {}), **({"until": until} if until else {})}
        c = claims_mod.claim_of(f"S-{s}", q, pool, basis, f"{s}: parties that saw all of " + "[" + ", ".join(
            sorted(clear)) + "] in clear: {parties} ({n} events).", f"{s}：以明文看到全部 [" + "、".join(sorted(clear))
                                + "] 的一方：{parties}（{n} 条事件）。")
        parties = sorted({str(pool[i].get("party")) for i in c["matches"]})
        for lang_key, none in (("en", "none"), ("zh", "无")):
            c["text"][lang_key] = c["text"][lang_key].replace("{parties}", (", " if lang_key == "en" else "、").join(
                parties) or none)
        saw.update(parties)
        claims.append(c)
    witness_keys, witnessed = witnesses(settings, ev.head.note)
    leaked = set().union(*(f for f, _ in per_subject.values())) if per_subject else set()
    clear_all = set().union(*(c for _, c in per_subject.values())) if per_subject else set()
    measures = measures_mod.gather(settings, engine, None, inventory(engine), sorted(witnessed), ev.timestamps, None,
                                   _us(req.since), _us(req.until), req.datamap)
    doc: dict[str, Any] = {
        "format": FORMAT, "version": VERSION, "kind": "leak", "lang": req.lang,
        "created": datetime.now(UTC).isoformat(timespec="seconds"), "checkpoint": checkpoint_section(ev, witnessed),
        "key_id": key_id(signer), "basis": basis,
        "range": None if ev.range_begin is None else [ev.range_begin, ev.head.size],
        "period": {"since": since, "until": until},
        "leak": {"file": req.leak.name, "format": kind, "rows": summary["rows"], "matched_rows": summary["matched_rows"],
                 "unmatched_rows": summary["unmatched_rows"], "subjects": subjects, "fields": sorted(leaked),
                 "clear": sorted(clear_all)},
        "holders": claims_mod.holders(req.datamap, leaked, clear_all),
        "candidates": [c.to_json() for c in ranked],
        "saw_everything": dict(saw.most_common()),
        "accesses": [{"leaf": i, "id": events[i]["id"]} for i in ev.subject_leaves if i in events],
        "claims": claims,
        "measures": [m.to_json() for m in measures], "art51": measures_mod.checklist(measures),
    }
    doc["litigation"] = litigation.checklist(doc)
    return doc, ev, witness_keys
