"""The waybill case on the synthetic platform, for ``piwarden evidence demo`` and the tests.

A customer's name, phone and address leak through a courier (the Hangzhou waybill case): the
platform's logs hold every access to the customer's data, merchants saw the phone only
masked, the carrier received the waybill on paper (no access log on that path). The case
writes the platform's events into an audit log, its records and data map beside it, and the
leak sample; the subject chosen is a leaked customer whose phone no platform desk saw in clear,
as in the case the court decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from piwarden.audit.log import open_log
from piwarden.demo.leaks import make_cases
from piwarden.demo.platform import PlatformConfig, Simulation
from piwarden.demo.records import customers, write
from piwarden.events import canonical_json, parse_event


@dataclass
class WaybillCase:
    folder: Path
    db_url: str
    subject: str
    carrier: str
    leak: Path
    records: Path
    datamap: Path
    events: int


def _clear_phone_by_platform(events: list[dict[str, Any]], subject: str) -> bool:
    for e in events:
        if subject in e.get("subjects", ()) and str(e.get("party", "")).startswith("platform.") and \
                "phone" in set(e.get("fields") or ()) - set(e.get("masked_fields") or ()):
            return True
    return False


def build(folder: Path, seed: int = 13, days: int = 14, scale: float = 0.25, db_url: str | None = None) -> WaybillCase:
    """Write the case into ``folder`` (created); the audit log goes to ``db_url`` (default: folder/piwarden.db)."""
    folder.mkdir(parents=True, exist_ok=True)
    sim = Simulation(PlatformConfig(seed=seed, days=days, scale=scale))
    events = list(sim.events())
    url = db_url or f"sqlite:///{folder / 'piwarden.db'}"
    with open_log(url) as log:
        for start in range(0, len(events), 5_000):
            log.append_many(canonical_json(parse_event(e)) for e in events[start:start + 5_000])
    write(sim, folder)
    cases = [c for c in make_cases(sim, customers(sim), events, 12) if c.kind == "carrier" and c.fmt in ("csv", "jsonl")]
    if not cases:
        raise RuntimeError("the synthetic platform produced no structured carrier leak (another seed?)")
    case = cases[0]
    leak = folder / f"{case.id}{case.suffix}"
    leak.write_text(case.content, "utf-8")
    subject = next((s for s in case.subjects if not _clear_phone_by_platform(events, s)), case.subjects[0])
    return WaybillCase(folder, url, subject, case.party, leak, folder / "records.jsonl", folder / "datamap.yaml",
                       len(events))
