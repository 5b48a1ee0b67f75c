"""Every decision is evidence: the access event of each call, in the audit log before the answer leaves.

Reads append their event to the audit log (durable when ``append`` returns) and only then
answer: an acknowledged read without its event cannot happen; a crash in between leaves an
event for an answer nobody received, which overstates access, never hides it.

Writes cannot share a transaction with the audit log, whose store appends through its own
connections (multi-row ``VALUES``, ``COPY``, group commit). So a write stores its event in
``vault_outbox`` in the record's own transaction, then appends it to the log, then deletes the
outbox row, then answers. A crash after the commit leaves the outbox row: ``drain`` (at start-up
and periodically) appends every row whose claim is older than the lease, first checking the log
for the same leaf (a crash between the append and the delete must not log it twice). So the
record and its event commit together, and neither is acknowledged before both are durable.

A read served on the event loop (``server.hot``) cannot wait in a thread for its append: inside
``deferred_events()`` a read's event is queued for the log's next group commit and its future
collected; the caller awaits every future before it answers, so the order (event durable, then
answer) is the same.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from piwarden.audit.log import AuditLog
from piwarden.audit.store_base import Appended, EncodedEvent, Query
from piwarden.db import writing
from piwarden.db.base import table_of
from piwarden.db.vault import VaultOutbox
from piwarden.events import AccessEvent, parse_event

OUTBOX = table_of(VaultOutbox)
_STAGE = insert(OUTBOX)  # built once (every write stages one row)
_UNSTAGE = delete(OUTBOX).where(OUTBOX.c.event_id.in_(bindparam("ids", expanding=True)))
NO_SUBJECT = "-"  # the spec needs a subject; a look-up that found nothing names none


_DEFERRED: ContextVar[list[asyncio.Future[Appended]] | None] = ContextVar("piwarden_deferred_events", default=None)


@contextmanager
def deferred_events() -> Iterator[list[asyncio.Future[Appended]]]:
    """Within (on an event loop): reads' events are queued, not waited for; await the futures before answering."""
    waits: list[asyncio.Future[Appended]] = []
    token = _DEFERRED.set(waits)
    try:
        yield waits
    finally:
        _DEFERRED.reset(token)


def now_us() -> int:
    return time.time_ns() // 1000


def new_event_id() -> str:
    return f"ve-{uuid.uuid4().hex}"


def instance_id() -> str:
    """Who claims outbox rows: this process, on this host, this start."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"


def event(*, actor: str, party: str, role: str, action: str, resource: str, subjects: Sequence[str],
          records: Sequence[str] = (), fields: Sequence[str] = (), masked_fields: Sequence[str] = (),
          purpose: str | None = None, ticket: str | None = None, query_by: str | None = None,
          client_ip: str | None = None, result: str = "allowed", count: int | None = None,
          export_id: str | None = None) -> AccessEvent:
    """An access event (docs/formats/access-event.md) of one call on the API channel."""
    data: dict[str, Any] = {
        "id": new_event_id(), "ts": datetime.now(UTC).isoformat(timespec="microseconds"),
        "actor": actor, "party": party, "role": role, "action": action, "resource": resource,
        "subjects": list(dict.fromkeys(subjects)) or ([] if action == "login" or query_by == "aggregate"
                                                      else [NO_SUBJECT]),
        "fields": sorted(set(fields)),
        "channel": "api", "result": result, "ticket": ticket,
    }
    if records:
        data["records"] = list(dict.fromkeys(records))
    if masked_fields:
        data["masked_fields"] = sorted(set(masked_fields))
    if purpose is not None:
        data["purpose"] = purpose
    if query_by is not None:
        data["query"] = {"by": query_by}
    if client_ip is not None:
        data["client"] = {"ip": client_ip}
    if count is not None:
        data["count"] = count
    if export_id is not None:
        data["export_id"] = export_id
    return parse_event(orjson.dumps(data), "vault event")


class Evidence:
    """The audit log and the outbox of one vault; ``lease_s``: when another worker may drain a row."""

    def __init__(self, log: AuditLog, engine: Engine, lease_s: float = 60.0, instance: str | None = None) -> None:
        self.log, self.engine, self.lease_s = log, engine, lease_s
        self.instance = instance or instance_id()
        # outbox rows whose events are in the log: deleted in the next write's transaction (or the next drain),
        # which spares every write a third commit; a crash before that leaves rows the drain finds logged
        self._published: list[str] = []
        self._published_lock = threading.Lock()

    def record(self, ev: AccessEvent, *, now: bool = False) -> str:
        """Append a read's event; returns once it is durable (raises ``AuditStoreError`` if not), or at once
        inside ``deferred_events`` (the future there says) unless ``now`` (what follows reads the log)."""
        encoded = [EncodedEvent.of(ev)]
        waits = None if now else _DEFERRED.get()
        if waits is None:
            self.log.append_encoded(encoded)
        else:
            waits.append(self.log.append_later(encoded))
        return ev.id

    def stage(self, conn: Connection, ev: AccessEvent) -> EncodedEvent:
        """Put a write's event in the outbox, inside the caller's transaction."""
        staging = self.staging(ev)
        staging(conn)
        return staging.encoded

    def staging(self, ev: AccessEvent) -> Staging:
        """A write's event, ready to be put in the outbox by the write's own transaction."""
        return Staging(self, ev)

    def take_published(self) -> list[str]:
        """The published events' outbox rows for a write to delete (``restore_published`` if it fails)."""
        with self._published_lock:
            ids, self._published = self._published, []
        return ids

    def restore_published(self, ids: list[str]) -> None:
        with self._published_lock:
            self._published[:0] = ids

    def publish(self, encoded: EncodedEvent) -> str:
        """Append a staged event to the log (after the write committed); its outbox row goes with a later write."""
        self.log.append_encoded([encoded])
        with self._published_lock:
            self._published.append(encoded.event_id)
        return encoded.event_id

    def _clear_published(self, conn: Connection) -> None:
        ids = self.take_published()
        for k in range(0, len(ids), 500):
            conn.execute(_UNSTAGE, {"ids": ids[k:k + 500]})

    def flush(self) -> None:
        """Delete the outbox rows of events already published by this process."""
        if self._published:
            with writing(self.engine) as conn:
                self._clear_published(conn)

    def _in_log(self, encoded: EncodedEvent) -> bool:
        found = self.log.query(Query(actor=encoded.actor, since_us=encoded.ts_us, until_us=encoded.ts_us + 1,
                                     limit=10_000))
        return any(e.leaf_hash == encoded.leaf_hash for e in found)

    def drain(self, *, everything: bool = False) -> int:
        """Append the outbox rows left by calls that did not finish; how many were appended.

        A row is taken once its claim is older than the lease (``everything``: at once, for a
        single process starting after a crash), claimed by this process, checked against the
        log, appended if missing, and deleted.
        """
        self.flush()
        cutoff = now_us() - (0 if everything else int(self.lease_s * 1_000_000))
        with writing(self.engine) as conn:
            rows = conn.execute(select(OUTBOX.c.event_id, OUTBOX.c.claimed_us).where(
                OUTBOX.c.claimed_us <= cutoff).order_by(OUTBOX.c.created_us)).all()
        appended = 0
        for event_id, claimed_us in rows:
            with writing(self.engine) as conn:
                taken = conn.execute(update(OUTBOX).where(OUTBOX.c.event_id == event_id,
                                                          OUTBOX.c.claimed_us == claimed_us)
                                     .values(claimed_by=self.instance, claimed_us=now_us())).rowcount
                body = conn.execute(select(OUTBOX.c.body).where(OUTBOX.c.event_id == event_id)).scalar()
            if not taken or body is None:
                continue  # another worker took it
            encoded = EncodedEvent.of(parse_event(body, f"outbox event {event_id}"))
            if not self._in_log(encoded):
                self.log.append_encoded([encoded])
                appended += 1
            with writing(self.engine) as conn:
                conn.execute(delete(OUTBOX).where(OUTBOX.c.event_id == event_id))
        return appended

    def pending(self) -> int:
        """Outbox rows whose events may not be in the log yet."""
        self.flush()
        with writing(self.engine) as conn:
            return len(conn.execute(select(OUTBOX.c.event_id)).all())


class Staging:
    """One write's event on its way to the log: its outbox row, and the rows of published events the write's
    transaction deletes in passing. Called with the transaction's connection, it inserts and deletes them
    there; a writer that puts the whole change in one statement takes ``row`` and ``take_published``."""

    def __init__(self, evidence: Evidence, ev: AccessEvent) -> None:
        self.evidence = evidence
        self.encoded = EncodedEvent.of(ev)
        t = now_us()
        self.row: dict[str, Any] = {"event_id": ev.id, "body": self.encoded.body, "created_us": t,
                                    "claimed_by": evidence.instance, "claimed_us": t}

    def __call__(self, conn: Connection) -> None:
        conn.execute(_STAGE, self.row)
        self.evidence._clear_published(conn)

    def take_published(self) -> list[str]:
        return self.evidence.take_published()

    def restore_published(self, ids: list[str]) -> None:
        self.evidence.restore_published(ids)
