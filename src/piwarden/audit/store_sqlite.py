"""The embedded default: the audit log in SQLite (WAL, ``synchronous=FULL``).

``synchronous=FULL`` makes each commit fsync the WAL, so an acknowledged append survives
power loss; group commit (``log.py``) shares that fsync among concurrent writers. Appends take
``BEGIN IMMEDIATE`` (SQLite's write lock) so several processes can append to one file.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import Any

from piwarden.audit.store_base import AuditStore, AuditStoreError
from piwarden.db import DatabaseError, prepare
from piwarden.db.engine import ensure_wal, sqlite_write_lock

VALUES_ROWS = 256  # rows per multi-row INSERT at most (SQLite allows 32,766 parameters)
# Tables whose rows go in as multi-row VALUES, measured per row in 1,000-event batches: events
# 11-22% less (2.4 -> 1.9 µs), subjects 1.0 -> 0.7 µs, nodes 1.4 -> 0.9 µs. Posting rows were
# 60-70% slower that way and keep executemany.
MULTI_ROW_TABLES = ("audit_events", "audit_event_ids", "audit_event_subjects", "audit_nodes")


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: index pages of large logs stay cached
    return conn


class SQLiteAuditStore(AuditStore):
    """Audit tables in one SQLite file (``:memory:`` is refused: a log must outlive its process)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.url_safe = f"sqlite:///{self.path}"
        if self.path in ("", ":memory:"):
            raise AuditStoreError("the audit log needs a database file, not an in-memory database")
        try:
            if not Path(self.path).absolute().parent.is_dir():  # a typo in the path is not a place to create
                raise AuditStoreError(f"SQLite file {self.path}: the folder {Path(self.path).parent} does not exist")
            prepare(self.url_safe)  # the schema, created or upgraded by the migrations (docs/storage.md)
            # One write transaction at a time on the shared connection: appends (the group-commit
            # leader), signed heads and purges come from different threads, and a second BEGIN
            # on a connection inside a transaction would fail and roll back the first.
            self._write_lock = sqlite_write_lock(self.path)  # shared with the vault's writer engine
            self._writer = _connect(self.path)
            ensure_wal(self._writer)
            self._reader = _connect(self.path)
        except DatabaseError as exc:
            raise AuditStoreError(str(exc)) from None
        except (sqlite3.Error, OSError) as exc:
            raise AuditStoreError(f"cannot open audit database {self.url_safe}: {type(exc).__name__}") from None
        self._read_lock = threading.Lock()

    @contextmanager
    def _write_txn(self) -> Iterator[sqlite3.Cursor]:
        with self._write_lock:
            cur = self._writer.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                self._writer.rollback()
                raise
            else:
                self._writer.commit()
            finally:
                cur.close()

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._read_lock:
            return self._reader.execute(sql, tuple(params)).fetchall()

    def _many(self, cur: sqlite3.Cursor, sql: str, rows: list[tuple[Any, ...]]) -> None:
        cur.executemany(sql, rows)

    def _insert(self, cur: sqlite3.Cursor, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Rows go in as multi-row VALUES, up to ``VALUES_ROWS`` per statement: one statement
        step instead of one per row (``MULTI_ROW_TABLES``)."""
        if table not in MULTI_ROW_TABLES or len(rows) < 2:
            return super()._insert(cur, table, columns, rows)
        head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        one = "(" + ", ".join("?" * len(columns)) + ")"
        k = 0
        while k < len(rows):
            # Statements of VALUES_ROWS rows, then powers of two: a few texts per table, all of
            # them in the connection's statement cache whatever the batch sizes.
            n = min(VALUES_ROWS, 1 << ((len(rows) - k).bit_length() - 1))
            cur.execute(head + ", ".join([one] * n), list(chain.from_iterable(rows[k:k + n])))
            k += n

    def reclaim(self, full: bool = False) -> None:
        """VACUUM rewrites the file without the freed space (``full`` changes nothing here)."""
        with self._write_lock:
            self._writer.execute("VACUUM")
            self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def disk_bytes(self) -> int:
        return sum(p.stat().st_size for p in (Path(self.path), Path(self.path + "-wal")) if p.exists())

    def close(self) -> None:
        self._writer.close()
        self._reader.close()
