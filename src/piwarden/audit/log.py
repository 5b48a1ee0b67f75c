"""``AuditLog``: append access events, read the tree, serve proofs.

>>> import tempfile, os
>>> log = open_log(f"sqlite:///{tempfile.mkdtemp()}/audit.db")
>>> log.append({"id": "e-1", "ts": "2026-03-01T09:15:02+08:00", "actor": "cs-1", "party": "platform.cs",
...             "role": "customer_service", "action": "view", "resource": "order",
...             "subjects": ["c-1"], "fields": ["name"]})
0
>>> log.size(), len(log.inclusion_proof(0, 1))
(1, 0)

Events are unique by id: the same event again is not appended (its leaf is answered), and an
id reused for a different event is refused.

>>> log.append({"id": "e-1", "ts": "2026-03-01T09:15:02+08:00", "actor": "cs-1", "party": "platform.cs",
...             "role": "customer_service", "action": "view", "resource": "order",
...             "subjects": ["c-1"], "fields": ["name"]}), log.size()
(0, 1)
>>> log.close()
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

from piwarden.audit.compact import NodeID, fold, range_nodes
from piwarden.audit.group_commit import GroupCommitter
from piwarden.audit.proof import assemble, consistency_ranges, inclusion_ranges, needed_nodes
from piwarden.audit.store_base import Appended, AuditStore, AuditStoreError, EncodedEvent, Query, StoredEvent
from piwarden.events import AccessEvent, parse_event
from piwarden.home import default_db_url, ensure_db_dir, redact_url


def open_store(url: str | None = None) -> AuditStore:
    """The store for an SQLAlchemy-style URL; default: the SQLite file in PIWARDEN_HOME."""
    from sqlalchemy.engine import make_url

    url = ensure_db_dir(url or default_db_url())  # the home is created (0700) only to write in it
    try:
        parsed = make_url(url)
    except Exception:  # never echo a malformed URL: it may hold a password
        raise AuditStoreError("unparseable database URL") from None
    if parsed.get_backend_name() == "sqlite":
        from piwarden.audit.store_sqlite import SQLiteAuditStore

        return SQLiteAuditStore(parsed.database or "")
    if parsed.get_backend_name() == "postgresql":
        from piwarden.audit.store_pg import PostgresAuditStore

        return PostgresAuditStore(url)
    raise AuditStoreError(f"no audit store for {redact_url(url)} (use sqlite:/// or postgresql://)")


def open_log(url: str | None = None) -> AuditLog:
    return AuditLog(open_store(url))


class EventIdConflict(AuditStoreError):
    """Events whose id the log already holds for a different event: not appended."""

    def __init__(self, conflicts: dict[int, int]) -> None:
        self.conflicts = conflicts  # position in the call -> the leaf holding the other event
        where = ", ".join(f"event {p} (leaf {i})" for p, i in sorted(conflicts.items())[:10])
        more = f" and {len(conflicts) - 10} more" if len(conflicts) > 10 else ""
        super().__init__(f"event id already used by a different event: {where}{more}; not appended")


def _encode(event: AccessEvent | dict[str, Any] | bytes | str, record: str) -> EncodedEvent:
    if isinstance(event, bytes | str):
        return EncodedEvent.parse(event, record)
    return EncodedEvent.of(event if isinstance(event, AccessEvent) else parse_event(event, record))


class AuditLog:
    """The append-only Merkle log over one store; thread-safe, appends group-committed."""

    def __init__(self, store: AuditStore, max_batch: int = 20_000) -> None:
        self.store = store
        self._committer: GroupCommitter[EncodedEvent, Appended] = GroupCommitter(self._flush, Appended.part,
                                                                                 max_batch)

    def _flush(self, items: Sequence[EncodedEvent]) -> Appended:
        try:
            return self.store.append_batch(items)
        except AuditStoreError:
            raise
        except Exception as exc:  # driver errors: name the kind, never the data or the URL
            raise AuditStoreError(f"append to {self.store.url_safe} failed: {type(exc).__name__}") from None

    @property
    def commits(self) -> int:
        """Transactions committed by this process so far (group commit makes it < appends)."""
        return self._committer.commits

    def append(self, event: AccessEvent | dict[str, Any] | bytes | str) -> int:
        """Validate, store durably, return the leaf index (the same event again: its leaf, unchanged).

        Raises ``EventIdConflict`` if the id names a different event already logged.
        """
        done = self._committer.submit([_encode(event, "event")])
        if done.conflicts:
            raise EventIdConflict(done.conflicts)
        return done.first if done.new else done.duplicates[0]

    def append_many(self, events: Iterable[AccessEvent | dict[str, Any] | bytes | str]) -> list[int]:
        """Append events in one transaction; return each one's leaf (new leaves consecutive, in order).

        Events already logged are not appended again (their leaves are answered). Raises
        ``EventIdConflict`` naming the events whose id names a different logged event; the
        others are committed.
        """
        encoded = [_encode(e, f"event {i}") for i, e in enumerate(events)]
        if not encoded:
            return []
        done = self._committer.submit(encoded)
        if done.conflicts:
            raise EventIdConflict(done.conflicts)
        return [i for i in done.indices() if i is not None]

    def append_encoded(self, encoded: Sequence[EncodedEvent]) -> Appended:
        """Append already validated events (those not logged yet); say what happened to each."""
        return self._committer.submit(encoded) if encoded else Appended(self.size(), 0)

    def append_later(self, encoded: Sequence[EncodedEvent]) -> asyncio.Future[Appended]:
        """``append_encoded`` for a coroutine: the future is done once the events are durable (or failed)."""
        try:
            return self._committer.submit_async(encoded)
        except RuntimeError:
            raise AuditStoreError("the audit log is closed") from None

    def size(self) -> int:
        return self.store.size()

    def root(self, size: int | None = None) -> bytes:
        """The tree root now, or at an earlier ``size``."""
        if size is None:
            return self.store.frontier().root()
        self._check_size(size)
        ids = range_nodes(0, size)
        found = self.store.nodes(ids)
        return fold(found[n] for n in ids)

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self.size():
            raise ValueError("tree size beyond the log")

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Audit path of leaf ``index`` in the tree of ``size`` leaves (default: now)."""
        size = self.size() if size is None else size
        self._check_size(size)
        ranges = inclusion_ranges(index, size)
        return assemble(ranges, self.store.nodes(needed_nodes(ranges)))

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        """Proof that the tree of ``old`` leaves is a prefix of the tree of ``new``."""
        new = self.size() if new is None else new
        self._check_size(new)
        ranges = consistency_ranges(old, new)
        return assemble(ranges, self.store.nodes(needed_nodes(ranges)))

    def leaf_hash(self, index: int) -> bytes:
        return self.store.nodes([NodeID(0, index)])[NodeID(0, index)]

    def events(self, begin: int = 0, end: int | None = None) -> Iterable[StoredEvent]:
        return self.store.events(begin, self.size() if end is None else end)

    def query(self, q: Query) -> list[StoredEvent]:
        return self.store.query(q)

    def close(self) -> None:
        self._committer.stop()
        self.store.close()

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
