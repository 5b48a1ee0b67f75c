"""The production store: the audit log in PostgreSQL through psycopg 3.

A normal commit (``synchronous_commit`` on, the server default) is durable when it returns;
group commit shares it among concurrent writers. Appends lock the single ``audit_state`` row
(``SELECT ... FOR UPDATE``), which orders writers from any number of processes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg

from piwarden.audit.store_base import AUDIT_TABLES, AuditStore, AuditStoreError
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
        cur.execute("SELECT i.event_id, i.idx, e.leaf_hash FROM audit_event_ids i JOIN audit_events e ON e.idx = i.idx "
                    "WHERE i.event_id = ANY(%s)", (ids,))
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
