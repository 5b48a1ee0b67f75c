"""The incident's pack: what happened, the clocks with their sources, and every step proved in the audit log.

It answers the regulator's and the court's question "what did you do, and when?" with the
register's steps (opened, each remedy, reported, notified, closed), each the canonical event in
the audit log with its inclusion proof against a signed checkpoint, beside the deadlines they
were due by; and the measures in force, as in a subject pack.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.engine import Engine

from piwarden.audit.log import AuditLog
from piwarden.audit.note import NoteSigner
from piwarden.evidence import litigation
from piwarden.evidence import measures as measures_mod
from piwarden.evidence import proofs as proofs_mod
from piwarden.evidence.incidents import SEVERITY_NAMES, Register
from piwarden.evidence.pack import FORMAT, VERSION, PackError, checkpoint_section, inventory, key_id, witnesses
from piwarden.settings import Settings


def collect(iid: str, lang: str, settings: Settings, log: AuditLog, signer: NoteSigner,
            engine: Engine) -> tuple[dict[str, Any], proofs_mod.LogEvidence, list[str]]:
    reg = Register(engine, log)
    inc = reg.get(iid)
    head = proofs_mod.checkpoint(log, signer)
    leaves = sorted(int(s["leaf"]) for s in inc.steps if s["leaf"] is not None and s["leaf"] < head.size)
    bodies: dict[int, bytes] = {}
    for i in leaves:
        for e in log.events(i, i + 1):
            if e.body is None:
                raise PackError(f"the event of leaf {i} was purged by retention: the step cannot be proved")
            bodies[i] = e.body
    ev = proofs_mod.LogEvidence(head, leaves, bodies, dict(proofs_mod.inclusion_proofs(log, leaves, head.size)))
    proofs_mod.stamp(log, ev)
    witness_keys, witnessed = witnesses(settings, head.note)
    now = datetime.now(UTC)
    clocks = [{"what": {"en": c.what[0], "zh": c.what[1]}, "to": {"en": c.to[0], "zh": c.to[1]},
               "due": inc.at(c.due) if c.due else None, "done": inc.at(c.done) if c.done else None,
               "status": c.status(now), "source": reg.rules.source(c.source)["title"], "quote": c.quote}
              for c in inc.clocks(reg.rules)]
    events = {i: orjson.loads(b) for i, b in bodies.items()}
    by_event = {e["id"]: i for i, e in events.items()}
    measures = measures_mod.gather(settings, engine, None, inventory(engine), sorted(witnessed), ev.timestamps, None)
    doc: dict[str, Any] = {
        "format": FORMAT, "version": VERSION, "kind": "incident", "lang": lang,
        "created": now.isoformat(timespec="seconds"), "checkpoint": checkpoint_section(ev, witnessed),
        "key_id": key_id(signer), "basis": "index", "range": None,
        "incident": {"id": inc.id, "title": inc.title, "source": inc.source, "operator_class": inc.operator_class,
                     "severity": inc.severity, "severity_name": {"en": SEVERITY_NAMES[inc.severity][0],
                                                                 "zh": SEVERITY_NAMES[inc.severity][1]},
                     "persons": inc.persons, "sensitive": inc.sensitive, "fields": inc.fields, "zone": inc.zone,
                     "detected": inc.at(inc.detected), "opened": inc.at(inc.opened),
                     "closed": inc.at(inc.closed) if inc.closed else None},
        "subjects": inc.subjects, "clocks": clocks,
        "steps": [{"at": inc.at(datetime.fromtimestamp(s["at_us"] / 1e6, UTC)), "kind": s["kind"],
                   "detail": s["detail"], "event_id": s["event_id"], "leaf": by_event.get(s["event_id"])}
                  for s in inc.steps],
        "accesses": [{"leaf": i, "id": events[i]["id"]} for i in leaves], "claims": [],
        "measures": [m.to_json() for m in measures], "art51": measures_mod.checklist(measures),
    }
    doc["litigation"] = litigation.checklist(doc)
    return doc, ev, witness_keys
