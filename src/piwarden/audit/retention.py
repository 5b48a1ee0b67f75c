"""Retention: purge old event bodies, keep their leaf hashes, give the disk space back.

A purged leaf keeps its index, leaf hash and time (``ts_us``) and the tree nodes above it, so
roots, signed checkpoints, inclusion and consistency proofs are unchanged and still verify.
What goes: the canonical body, the subject rows, the columns that name people (actor,
export id) and their postings. Bundles write an empty line for a purged leaf and the verifier
takes its hash from ``leaf-hashes.bin``, which the signed roots authenticate
(``docs/audit.md``).

Bodies live inside the ``audit_events`` rows, so clearing them leaves half-empty pages: the
space comes back only when the table is rewritten. SQLite: ``VACUUM`` (a full rewrite that
needs free disk about the database's size and holds the write lock while it runs), then a
WAL checkpoint that truncates the ``-wal`` file. PostgreSQL: plain ``VACUUM`` makes the space
reusable by later appends without blocking them; ``full=True`` runs ``VACUUM FULL``, which
returns it to the operating system under an exclusive lock.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from piwarden.audit.log import AuditLog
from piwarden.audit.postings import ACTOR, EXPORT

BATCH = 2000  # events per purge transaction: short, so appends are not held up for long


@dataclass(frozen=True)
class PurgeResult:
    """How many bodies were purged, and the database's size before and after reclaiming."""

    purged: int
    bytes_before: int
    bytes_after: int


def _subjects(body: bytes) -> list[str]:
    try:
        subjects = orjson.loads(body).get("subjects", [])
    except orjson.JSONDecodeError:
        return []
    return [s for s in subjects if isinstance(s, str)]


def _purge_batch(log: AuditLog, rows: list[tuple[int, bytes, str, str | None, int]]) -> None:
    """Clear the bodies and identifying columns of these leaves; drop their subject rows and
    take them out of their actor and export-id postings."""
    store = log.store
    with store._write_txn() as cur:
        store._many(cur, "UPDATE audit_events SET body = NULL, actor = '', export_id = NULL "
                         "WHERE idx = ? AND body IS NOT NULL", [(r[0],) for r in rows])
        gone = [(s, r[0]) for r in rows for s in dict.fromkeys(_subjects(r[1]))]
        if gone:
            store._many(cur, "DELETE FROM audit_event_subjects WHERE subject = ? AND idx = ?", gone)
        store.unpost(cur, ACTOR, [(actor, ts, i) for i, _, actor, _, ts in rows])
        store.unpost(cur, EXPORT, [(x, ts, i) for i, _, _, x, ts in rows if x is not None])


def purge(log: AuditLog, before_us: int | None = None, below_index: int | None = None,
          vacuum: bool = True, full: bool = False) -> PurgeResult:
    """Purge the bodies of events with ``ts`` before ``before_us`` and/or index below ``below_index``."""
    if before_us is None and below_index is None:
        raise ValueError("give a time (before_us) or an index (below_index) to purge before")
    store = log.store
    size_before = store.disk_bytes()
    end = log.size() if below_index is None else min(below_index, log.size())
    where = "idx >= ? AND idx < ? AND body IS NOT NULL" + ("" if before_us is None else " AND ts_us < ?")
    begin, purged = 0, 0
    while begin < end:
        # Walk the primary key in pages (not the ts index): one pass over the range, however
        # many bodies earlier purges already cleared.
        params: list[int] = [begin, min(end, begin + 50 * BATCH)]
        rows = store._read(f"SELECT idx, body, actor, export_id, ts_us FROM audit_events WHERE {where} ORDER BY idx",
                           params + ([] if before_us is None else [before_us]))
        for k in range(0, len(rows), BATCH):
            chunk = [(int(i), bytes(b), a, x, int(t)) for i, b, a, x, t in rows[k:k + BATCH]]
            _purge_batch(log, chunk)
            purged += len(chunk)
        begin = params[1]
    if vacuum and purged:
        store.reclaim(full)
    return PurgeResult(purged, size_before, store.disk_bytes())
