"""Build a subject's evidence pack: gather from the system, write the files, sign the manifest.

Layout (docs/evidence.md is the normative description)::

    manifest.json   format, version, kind, created, the platform key, SHA-256 of every file below
    manifest.sig    the platform's signed note over the manifest's SHA-256 (audit log key)
    pack.json       the machine-readable bundle: inventory, data map, measures, Art. 51, accesses,
                    claims, findings, timeline
    events.jsonl    the proven events, canonical bytes, one per line, line k = leaf proofs.leaves[k]
    proofs.json     tree size, leaves, inclusion proofs, the complete range (frontier) if held
    checkpoint.txt  the signed checkpoint, with any witness cosignatures
    witnesses.txt   witness keys whose cosignatures the verifier checks (if any are configured)
    key.vkey        the platform's verifier key
    report.html     the pack for people (zh or en); report.pdf the same, CJK fonts embedded
    verify_pack.py  the standalone verifier (Python + cryptography)

The pack holds field names, party and actor ids, event ids and times; never a personal value
(events carry none: the access-event spec records which fields, not their contents).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from piwarden.audit.checkpoint import Checkpoint
from piwarden.audit.log import AuditLog
from piwarden.audit.note import NoteSigner, split_note
from piwarden.db.documents import DocumentEntry
from piwarden.db.inventory import ScanAsset, ScanColumn
from piwarden.events import parse_ts
from piwarden.evidence import claims as claims_mod
from piwarden.evidence import litigation, standalone
from piwarden.evidence import measures as measures_mod
from piwarden.evidence import proofs as proofs_mod
from piwarden.settings import Settings

FORMAT, VERSION = standalone.FORMAT, standalone.VERSION


class PackError(RuntimeError):
    """The pack cannot be built (message names the problem, never a value)."""


@dataclass
class SubjectRequest:
    """What to build a subject pack from; the datamap and leak parts are optional."""

    subject: str
    out: Path
    since: datetime | None = None
    until: datetime | None = None
    lang: str = "zh"
    fields: list[str] | None = None
    datamap: Any = None  # forensics.attribution.datamap.DataMap
    leak: dict[str, Any] | None = None  # {"fields": [...], "clear": [...], "candidates": [...], "summary": {...}}
    training: list[dict[str, str]] | None = None
    max_range: int = proofs_mod.DEFAULT_MAX_RANGE
    formats: tuple[str, ...] = ("html", "pdf")
    extra: dict[str, Any] = field(default_factory=dict)


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def _us(t: datetime | None) -> int | None:
    return None if t is None else int(t.timestamp() * 1_000_000)


def inventory(engine: Engine | None) -> list[dict[str, Any]]:
    """Stores and tables holding PI (from `piwarden scan`), with their PI columns: names, types, grades only."""
    if engine is None:
        return []
    try:
        with engine.connect() as conn:
            assets = conn.execute(select(ScanAsset.id, ScanAsset.store, ScanAsset.asset, ScanAsset.kind,
                                         ScanAsset.grade, ScanAsset.sensitive, ScanAsset.rows)
                                  .where(ScanAsset.grade > 0).order_by(ScanAsset.store, ScanAsset.asset)).all()
            cols = conn.execute(select(ScanColumn.asset_id, ScanColumn.name, ScanColumn.entity, ScanColumn.grade,
                                       ScanColumn.share, ScanColumn.free_text)
                                .where(ScanColumn.grade > 0).order_by(ScanColumn.asset_id, ScanColumn.position)).all()
    except SQLAlchemyError:
        return []
    by_asset: dict[int, list[dict[str, Any]]] = {}
    for c in cols:
        by_asset.setdefault(c.asset_id, []).append({"column": c.name, "entity": c.entity, "grade": f"L{c.grade}",
                                                    "share": round(c.share, 3), "free_text": c.free_text})
    return [{"store": a.store, "asset": a.asset, "kind": a.kind, "grade": f"L{a.grade}", "sensitive": a.sensitive,
             "rows": a.rows, "columns": by_asset.get(a.id, [])} for a in assets]


def _datamap_section(dm: Any, fields: list[str]) -> list[dict[str, Any]]:
    if dm is None:
        return []
    out = []
    for p in dm.parties.values():
        out.append({"party": p.id, "kind": p.kind, "channel": p.channel, "offline": p.offline,
                    "clear": sorted(p.receives & set(fields)), "masked": sorted(p.masked & set(fields)),
                    "receives": sorted(p.receives), "masked_all": sorted(p.masked)})
    return out


def documents_section(engine: Engine | None, subject: str, events: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The subject's certification documents: registered copies, stamped hand-overs (mark, recipient, purpose) and
    reuse checks, from the registry and the audit events (``forensics documents stamp --subject``, ``check``)."""
    registered: list[dict[str, Any]] = []
    if engine is not None:
        try:
            with engine.connect() as conn:
                registered = [{"doc": r.doc_id, "account": r.account} for r in conn.execute(
                    select(DocumentEntry.doc_id, DocumentEntry.account).where(DocumentEntry.subject == subject)
                    .order_by(DocumentEntry.doc_id))]
        except SQLAlchemyError:
            registered = []
    copies, checks = [], []
    for i, e in sorted(events.items()):
        if e.get("resource") != "certification" or subject not in (e.get("subjects") or ()):
            continue
        q = e.get("query") or {}
        if q.get("mark"):
            copies.append({"leaf": i, "ts": e["ts"], "recipient": e.get("actor"), "party": e.get("party"),
                           "mark": q["mark"], "purpose": e.get("purpose"), "doc": (e.get("records") or [None])[0]})
        elif q.get("check"):
            checks.append({"leaf": i, "ts": e["ts"], "result": q["check"], "account": q.get("account"),
                           "claimed_subject": q.get("claimed_subject"),
                           "matches": [m.get("subject") for m in q.get("matches") or []]})
    return {"registered": registered, "copies": copies, "checks": checks}


def _timeline(events: dict[int, dict[str, Any]], subject_leaves: list[int], head_created_us: int,
              witnessed: dict[str, int]) -> list[dict[str, Any]]:
    items = []
    for i in subject_leaves:
        e = events.get(i)
        if e is None:
            continue
        clear = sorted(set(e.get("fields") or ()) - set(e.get("masked_fields") or ()))
        items.append({"ts": e["ts"], "kind": "access", "leaf": i, "id": e["id"], "actor": e.get("actor"),
                      "party": e.get("party"), "role": e.get("role"), "action": e.get("action"),
                      "result": e.get("result", "allowed"), "clear": clear,
                      "masked": sorted(e.get("masked_fields") or ()), "ticket": e.get("ticket"),
                      "purpose": e.get("purpose")})
    items.sort(key=lambda x: parse_ts(x["ts"]))
    signed = datetime.fromtimestamp(head_created_us / 1e6, UTC).isoformat()
    items.append({"ts": signed, "kind": "checkpoint"})
    for name, when in sorted(witnessed.items()):
        items.append({"ts": datetime.fromtimestamp(when, UTC).isoformat(), "kind": "cosigned", "witness": name})
    return items


def witnesses(settings: Settings, note: str) -> tuple[list[str], dict[str, int]]:
    """Witness keys to check and, for those that cosigned the checkpoint, when."""
    key = settings.audit.witness_key
    if not key:
        return [], {}
    try:
        w = standalone.Verifier.parse(key, kind=0x04)
        when = standalone.cosigned_at(note, w)
    except standalone.PackError:
        return [], {}
    return [key.strip()], ({} if when is None else {w.name: when})


def checkpoint_section(ev: proofs_mod.LogEvidence, witnessed: dict[str, int]) -> dict[str, Any]:
    cp = Checkpoint.parse(split_note(ev.head.note)[0])
    return {"origin": cp.origin, "size": cp.size, "root": base64.b64encode(cp.root).decode(),
            "signed": datetime.fromtimestamp(ev.head.created_us / 1e6, UTC).isoformat(),
            "cosigned_by": sorted(witnessed), "timestamps": ev.timestamps}


def key_id(signer: NoteSigner) -> str:
    return f"{signer.verifier.name}+{signer.verifier.key_id.hex()}"


def _b64(items: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in items]


def collect(req: SubjectRequest, settings: Settings, log: AuditLog, signer: NoteSigner,
            engine: Engine | None) -> tuple[dict[str, Any], proofs_mod.LogEvidence, list[str]]:
    """Everything the pack states, as one JSON-able mapping, and the log evidence behind it."""
    ev = proofs_mod.gather(log, signer, req.subject, _us(req.since), _us(req.until), req.max_range)
    events = {i: orjson.loads(b) for i, b in ev.bodies.items()}
    subject_events = {i: events[i] for i in ev.subject_leaves if i in events}
    if req.fields:
        fields = sorted(req.fields)
    elif req.leak:
        fields = sorted(req.leak["fields"])
    else:
        fields = sorted({f for e in subject_events.values() for f in e.get("fields") or ()})
    witness_keys, witnessed = witnesses(settings, ev.head.note)
    inv = inventory(engine)
    measures = measures_mod.gather(settings, engine, req.subject, inv, sorted(witnessed), ev.timestamps,
                                   req.training, _us(req.since), _us(req.until), req.datamap)
    basis = "range" if ev.range_begin is not None else "index"
    pool = events if basis == "range" else subject_events
    claims = claims_mod.build(req.subject, fields, pool, _iso(req.since), _iso(req.until), basis)
    findings: dict[str, Any] = {}
    if req.leak:
        findings = dict(req.leak)
        if req.datamap is not None:
            findings["holders"] = claims_mod.holders(req.datamap, set(req.leak["fields"]), set(req.leak["clear"]))
    doc = {"format": FORMAT, "version": VERSION, "kind": "subject", "subject": req.subject, "lang": req.lang,
           "created": datetime.now(UTC).isoformat(timespec="seconds"),
           "period": {"since": _iso(req.since), "until": _iso(req.until)},
           "checkpoint": checkpoint_section(ev, witnessed),
           "key_id": key_id(signer), "basis": basis,
           "range": None if ev.range_begin is None else [ev.range_begin, ev.head.size],
           "fields": fields, "inventory": inv, "datamap": _datamap_section(req.datamap, fields),
           "measures": [m.to_json() for m in measures], "art51": measures_mod.checklist(measures),
           "accesses": [{"leaf": i, "id": subject_events[i]["id"]} for i in sorted(subject_events)],
           "purged_accesses": sorted(set(ev.subject_leaves) - set(subject_events)),
           "claims": claims, "findings": findings,
           "documents": documents_section(engine, req.subject, subject_events),
           "timeline": _timeline(events, ev.subject_leaves, ev.head.created_us, witnessed),
           **req.extra}
    doc["litigation"] = litigation.checklist(doc)
    return doc, ev, witness_keys


def _fsync_dir(path: Path) -> None:
    for f in path.iterdir():
        with f.open("rb") as fh:
            os.fsync(fh.fileno())


def write(out: Path, formats: tuple[str, ...], doc: dict[str, Any], ev: proofs_mod.LogEvidence, signer: NoteSigner,
          witness_keys: list[str], render: Any = None) -> dict[str, Any]:
    """Write the pack into a temporary directory beside ``out`` and rename it there when complete."""
    with new_folder(out) as tmp:
        leaves = ev.leaves
        with (tmp / "events.jsonl").open("wb") as fh:
            for i in leaves:
                fh.write(ev.bodies[i] + b"\n")
        proofs = {"size": ev.head.size, "leaves": leaves,
                  "inclusion": {str(i): _b64(p) for i, p in sorted(ev.inclusion.items())},
                  "range": None if ev.range_begin is None else
                  {"begin": ev.range_begin, "end": ev.head.size, "frontier": _b64(ev.frontier),
                   "purged": {str(i): base64.b64encode(h).decode() for i, h in sorted(ev.purged.items())
                              if i >= ev.range_begin}}}
        stamps: list[dict[str, str]] = []
        for k, (tsa, token) in enumerate(ev.tokens, start=1):
            (tmp / f"timestamp-{k}.tsr").write_bytes(token)
            stamps.append({"file": f"timestamp-{k}.tsr", "tsa": tsa})
        proofs["timestamps"] = stamps
        (tmp / "proofs.json").write_text(json.dumps(proofs, separators=(",", ":")), "utf-8")
        (tmp / "checkpoint.txt").write_text(ev.head.note, "utf-8")
        if witness_keys:
            (tmp / "witnesses.txt").write_text("".join(k + "\n" for k in witness_keys), "utf-8")
        (tmp / "key.vkey").write_text(signer.verifier.vkey() + "\n", "ascii")
        (tmp / "pack.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", "utf-8")
        shutil.copyfile(standalone.__file__, tmp / "verify_pack.py")
        if render is not None:
            events = {i: orjson.loads(ev.bodies[i]) for i in leaves}
            render(doc, events, tmp, formats)
        return seal(tmp, doc, signer)


@contextmanager
def new_folder(out: Path) -> Iterator[Path]:
    """A temporary folder beside ``out``, renamed to ``out`` when the block ends, removed if it fails."""
    if out.exists():
        raise PackError(f"{out} exists; choose a new directory")
    if not out.parent.is_dir():
        raise PackError(f"no such folder: {out.parent}")
    tmp = Path(tempfile.mkdtemp(prefix=".evidence-", dir=out.parent))
    try:
        yield tmp
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def seal(folder: Path, doc: dict[str, Any], signer: NoteSigner) -> dict[str, Any]:
    """The manifest (SHA-256 of every file in ``folder``) and the platform's signature over it, flushed to disk."""
    files = {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.iterdir())}
    manifest = {"format": FORMAT, "version": VERSION, "kind": doc["kind"], "created": doc["created"],
                "key": signer.verifier.vkey(), "files": files}
    raw = (json.dumps(manifest, indent=1) + "\n").encode()
    (folder / "manifest.json").write_bytes(raw)
    (folder / "manifest.sig").write_text(signer.sign(standalone.manifest_statement(raw)), "utf-8")
    _fsync_dir(folder)
    return manifest


def write_document(out: Path, formats: tuple[str, ...], doc: dict[str, Any], signer: NoteSigner,
                   render: Any) -> dict[str, Any]:
    """A sealed folder without log evidence (an impact assessment): pack.json, the reports, key and verifier."""
    with new_folder(out) as tmp:
        (tmp / "key.vkey").write_text(signer.verifier.vkey() + "\n", "ascii")
        (tmp / "pack.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", "utf-8")
        shutil.copyfile(standalone.__file__, tmp / "verify_pack.py")
        render(doc, {}, tmp, formats)
        return seal(tmp, doc, signer)
