"""Evidence packs: what the platform did to protect a person's data, provable offline (PIPL Art. 69).

``build_subject_pack`` gathers from the running system (audit log, scan inventory, vault policy
and keys, data map, an optional leak case), writes one signed folder, and ``verify`` checks it
with the standalone verifier that ships inside it (docs/evidence.md).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piwarden.evidence.pack import PackError, SubjectRequest
from piwarden.evidence.standalone import Report, verify_pack

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from piwarden.audit.log import AuditLog
    from piwarden.audit.note import NoteSigner
    from piwarden.evidence.proofs import LogEvidence
    from piwarden.settings import Settings

__all__ = ["PackError", "Report", "SubjectRequest", "build_incident_pack", "build_leak_pack", "build_pipia", "build_subject_pack",
           "leak_findings", "verify_pack"]


def _build(collect: Callable[[Settings, AuditLog, NoteSigner, Engine], tuple[dict[str, Any], LogEvidence, list[str]]], out: Path, formats: tuple[str, ...], db_url: str | None) -> dict[str, Any]:
    """Open the database, the log and the signer once, gather with ``collect``, write the signed folder."""
    from piwarden.audit.log import open_log
    from piwarden.audit.signer import signer_from_settings
    from piwarden.db import open_engine
    from piwarden.evidence.pack import write
    from piwarden.evidence.render import render
    from piwarden.settings import get_settings

    settings = get_settings()
    url = db_url or settings.db_url
    signer = signer_from_settings(settings.audit)
    engine = open_engine(url)
    try:
        with open_log(url) as log:
            doc, ev, witness_keys = collect(settings, log, signer, engine)
        return write(out, formats, doc, ev, signer, witness_keys, render)
    finally:
        engine.dispose()


def build_subject_pack(req: SubjectRequest, db_url: str | None = None) -> dict[str, Any]:
    """Build the pack into ``req.out``; return its manifest."""
    from piwarden.evidence.pack import collect

    return _build(partial(collect, req), req.out, req.formats, db_url)


def build_incident_pack(iid: str, out: Path, lang: str = "zh", formats: tuple[str, ...] = ("html", "pdf"),
                        db_url: str | None = None) -> dict[str, Any]:
    """Build an incident's pack (the register's steps proved in the log, the clocks and their sources) into ``out``."""
    from piwarden.evidence.incident_pack import collect

    return _build(partial(collect, iid, lang), out, formats, db_url)


def build_leak_pack(req: Any, db_url: str | None = None) -> dict[str, Any]:
    """Build a leak case's pack (``leak_pack.LeakRequest``) into ``req.out``."""
    from piwarden.evidence.leak_pack import collect

    return _build(partial(collect, req), req.out, req.formats, db_url)


def build_pipia(datamap: Path, activity: str, out: Path, lang: str = "zh",
                formats: tuple[str, ...] = ("html", "pdf"), db_url: str | None = None) -> dict[str, Any]:
    """Draft and seal the impact assessment of one processing activity of the data map."""
    from datetime import UTC, datetime

    from piwarden.audit.signer import signer_from_settings
    from piwarden.db import open_engine
    from piwarden.evidence import measures
    from piwarden.evidence.pack import inventory, write_document
    from piwarden.evidence.pipia import draft, load_activity
    from piwarden.evidence.render import render
    from piwarden.settings import get_settings

    settings = get_settings()
    dm, act = load_activity(datamap, activity)
    engine = open_engine(db_url or settings.db_url)
    try:
        inv = inventory(engine)
        found = measures.gather(settings, engine, None, inv, [], 0, None, datamap=dm)
        doc = {"format": "piwarden-evidence-pack", "version": 1, "kind": "pipia", "lang": lang,
               "created": datetime.now(UTC).isoformat(timespec="seconds"), **draft(dm, act, found, inv)}
    finally:
        engine.dispose()
    signer = signer_from_settings(settings.audit)
    doc["key_id"] = f"{signer.verifier.name}+{signer.verifier.key_id.hex()}"
    return write_document(out, formats, doc, signer, render)


def leak_findings(index: Any, rows: list[Any], datamap: Any, events: Any, subject: str,
                  lang: str = "zh") -> dict[str, Any]:
    """The leak case's part of a subject pack: leaked fields, the attribution ranking and its reasoning.

    ``index`` (the platform's records) and ``rows`` (the leak sample) are read once by the caller; ``events``
    are the access events attribution reads (AccessEvent objects). The subject must be among the leak's
    matched rows, or the case is about someone else.
    """
    from piwarden.forensics.attribution.ranking import attribute

    matches = [m for row in rows for m in index.match(row)]
    mine = [m for m in matches if m.subject == subject]
    fields = sorted({f for m in mine for f in m.fields})
    clear = sorted({f for m in mine for f, c in m.fields.items() if c})
    ranked, summary = attribute(rows, index, datamap, events, None, lang)
    text = {"en": f"The leak sample has {summary['rows']} rows; {summary['matched_rows']} match {summary['subjects']} "
                  f"customers, this subject among them: {bool(mine)}. Leaked fields of this subject: "
                  f"{', '.join(fields) or '-'} (in clear: {', '.join(clear) or '-'}).",
            "zh": f"泄露样本共 {summary['rows']} 行，其中 {summary['matched_rows']} 行对应 {summary['subjects']} 名客户，"
                  f"本人{'在内' if mine else '不在其中'}。本人被泄露字段：{'、'.join(fields) or '无'}"
                  f"（明文：{'、'.join(clear) or '无'}）。"}
    return {"fields": fields, "clear": clear, "subject_in_leak": bool(mine), "summary": text,
            "counts": {k: v for k, v in summary.items() if k != "honeytoken_hits"},
            "candidates": [c.to_json() for c in ranked]}
