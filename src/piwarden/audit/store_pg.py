"""The production store: the audit log in PostgreSQL through psycopg 3.

A normal commit (``synchronous_commit`` on, the server default) is durable when it returns;
group commit shares it among concurrent writers. Appends lock the single ``audit_state`` row
(``SELECT ... FOR UPDATE``), which orders writers from any number of processes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

import psycopg

from piwarden.audit.store_base import (
    AUDIT_TABLES,
    Appended,
    AuditStore,
    AuditStoreError,
    EncodedEvent,
    appended_rows,
    fresh_events,
)
from piwarden.db import DatabaseError, prepare
from piwarden.db.errors import describe
from piwarden.home import redact_url


def conninfo(url: str) -> dict[str, Any]:
    """psycopg keyword arguments from an SQLAlchemy-style ``postgresql[+driver]://`` URL."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    args = {"host": u.host, "port": u.port, "user": u.username, "password": u.password, "dbname": u.database}
    args.update({k: v for k, v in u.query.items() if isinstance(v, str)})
    return {k: v for k, v in args.items() if v is not None}


ONE_STATEMENT_BATCH = 256  # events: a larger batch (an import) is appended with COPY, table by table
_TYPES = {
    "audit_events": ("bigint", "bytea", "bytea", "text", "text", "bigint", "text"),
    "audit_event_ids": ("text", "bigint"),
    "audit_event_subjects": ("text", "bigint"),
    "audit_postings": ("smallint", "text", "bigint", "bigint", "bytea"),
    "audit_nodes": ("smallint", "bigint", "bytea"),
}
_KNOWN = ("SELECT i.event_id, i.idx, e.leaf_hash FROM audit_event_ids i JOIN audit_events e ON e.idx = i.idx "
          "WHERE i.event_id = ANY(%s)")  # the events the log holds under the batch's ids
_LOCK_AND_KNOWN = (f"SELECT s.size, s.frontier, k.event_id, k.idx, k.leaf_hash FROM audit_state s LEFT JOIN ({_KNOWN}) k "
                   "ON true WHERE s.id = 1 FOR UPDATE OF s")


@cache
def _one_statement(tables: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    """Every insert of an append, the blocks' upsert and the state's update as one ``WITH`` statement."""
    parts = [f"t{k} AS (INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest("
             + ", ".join(f"%s::{t}[]" for t in _TYPES[table]) + "))" for k, (table, columns) in enumerate(tables)]
    parts.append("b AS (INSERT INTO audit_blocks (block, min_ts, max_ts) SELECT * FROM unnest(%s::bigint[], "
                 "%s::bigint[], %s::bigint[]) ON CONFLICT (block) DO UPDATE SET "
                 "min_ts = LEAST(audit_blocks.min_ts, excluded.min_ts), "
                 "max_ts = GREATEST(audit_blocks.max_ts, excluded.max_ts))")
    parts.append("u AS (UPDATE audit_state SET size = %s, frontier = %s, root = %s WHERE id = 1)")
    return "WITH " + ",\n".join(parts) + "\nSELECT 1"


class PostgresAuditStore(AuditStore):
    """Audit tables in one PostgreSQL database."""

    _lock_clause = " FOR UPDATE"
    _placeholder = "%s"
    _least, _greatest = "LEAST", "GREATEST"

    def __init__(self, url: str) -> None:
        self.url_safe = redact_url(url)
        # One write transaction at a time on the shared connection: psycopg turns a second
        # transaction() opened by another thread into a SAVEPOINT inside the first, so an append
        # could return while its rows sat in someone else's uncommitted transaction (the crash
        # test lost acknowledged events that way).
        self._write_lock = threading.Lock()
        try:
            # The schema: an empty database is created, an older one refused (docs/storage.md).
            prepare(url)
            self._writer = psycopg.connect(**conninfo(url), autocommit=True)
            self._reader = psycopg.connect(**conninfo(url), autocommit=True)
        except DatabaseError as exc:
            raise AuditStoreError(str(exc)) from None
        except psycopg.Error as exc:
            raise AuditStoreError(f"cannot open audit database {describe(url, exc)}") from None
        self._read_lock = threading.Lock()

    @contextmanager
    def _write_txn(self) -> Iterator[psycopg.Cursor[Any]]:
        with self._write_lock, self._writer.transaction(), self._writer.cursor() as cur:
            yield cur

    def append_batch(self, items: Sequence[EncodedEvent]) -> Appended:
        """A batch of a server's group commit in four round trips: ``BEGIN``; the state row locked and the ids
        looked up in one statement; every insert, the blocks and the state in one ``WITH`` statement of
        arrays; ``COMMIT``. Statement by statement, ``COPY`` per table, it took fifteen operations of psycopg,
        each costing more client CPU than its round trip. Imports (large batches) keep ``COPY``."""
        if len(items) > ONE_STATEMENT_BATCH:
            return super().append_batch(items)
        with self._write_txn() as cur:
            cur.execute(_LOCK_AND_KNOWN, ([ev.event_id for ev in items],))
            found = cur.fetchall()
            size, frontier = int(found[0][0]), bytes(found[0][1])
            known = {event_id: (int(idx), bytes(leaf)) for _, _, event_id, idx, leaf in found if event_id is not None}
            fresh, outcome = fresh_events(known, items, size)
            if not fresh:
                return outcome
            cr, rows, blocks = appended_rows(size, frontier, fresh)
            tables = tuple((table, tuple(columns)) for table, columns, _ in rows)
            sql = _one_statement(tables)
            params: list[Any] = [list(column) for _, _, table_rows in rows for column in zip(*table_rows, strict=True)]
            params += [list(column) for column in zip(*blocks, strict=True)]
            params += [cr.size, cr.encode(), cr.root()]
            cur.execute(sql, params)
        return outcome

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._read_lock, self._reader.cursor() as cur:
            cur.execute(self._sql(sql), tuple(params))
            return cur.fetchall()

    def _many(self, cur: psycopg.Cursor[Any], sql: str, rows: list[tuple[Any, ...]]) -> None:
        cur.executemany(self._sql(sql), rows)

    def _insert(self, cur: psycopg.Cursor[Any], table: str, columns: Sequence[str],
                rows: list[tuple[Any, ...]]) -> None:
        """COPY the rows in: one round trip per table instead of one statement per row."""
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def _known_ids(self, cur: psycopg.Cursor[Any], ids: list[str]) -> dict[str, tuple[int, bytes]]:
        """One statement for the whole batch: ``= ANY`` of an array parameter."""
        cur.execute(_KNOWN, (ids,))
        return {event_id: (int(idx), bytes(leaf_hash)) for event_id, idx, leaf_hash in cur.fetchall()}

    def reclaim(self, full: bool = False) -> None:
        """VACUUM (space reusable by later appends) or VACUUM FULL (returned, exclusive lock)."""
        with self._write_lock:
            tables = "audit_events, audit_event_subjects, audit_postings"
            self._writer.execute(f"VACUUM (FULL) {tables}" if full else f"VACUUM {tables}")

    def disk_bytes(self) -> int:
        tables = ", ".join(f"'{t}'" for t in AUDIT_TABLES)
        rows = self._read("SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                          f"WHERE c.relkind = 'r' AND c.relname IN ({tables})")
        return int(rows[0][0])

    def close(self) -> None:
        self._writer.close()
        self._reader.close()
