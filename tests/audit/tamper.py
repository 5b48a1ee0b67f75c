"""What a dishonest operator with write access to the database can do (tests only)."""

from __future__ import annotations

from piwarden.audit.compact import CompactRange
from piwarden.audit.log import AuditLog


def execute(log: AuditLog, sql: str, params: tuple[object, ...] = ()) -> None:
    """Run raw SQL on the store, behind the log's back."""
    with log.store._write_txn() as cur:
        cur.execute(log.store._sql(sql), params)


def truncate(log: AuditLog, size: int) -> None:
    """Cut the log back to ``size`` leaves, fixing up nodes and frontier so appends go on."""
    execute(log, "DELETE FROM audit_events WHERE idx >= ?", (size,))
    execute(log, "DELETE FROM audit_event_subjects WHERE idx >= ?", (size,))
    execute(log, "DELETE FROM audit_event_ids WHERE idx >= ?", (size,))
    execute(log, "DELETE FROM audit_postings WHERE idx >= ?", (size,))  # runs from below may name more: harmless
    execute(log, "DELETE FROM audit_nodes WHERE (idx + 1) * (1 << level) > ?", (size,))
    cr = CompactRange()
    for e in log.store.events(0, size):
        cr.append(e.leaf_hash)
    execute(log, "UPDATE audit_state SET size = ?, frontier = ?, root = ? WHERE id = 1",
            (size, cr.encode(), cr.root()))
