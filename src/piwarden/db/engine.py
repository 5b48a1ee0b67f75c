"""Engines for the piwarden database: one place that turns a URL into an SQLAlchemy engine."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, CursorResult, Engine, make_url

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

SQLITE_TIMEOUT_S = 30.0  # a second process opening the same home waits this long for the write lock


class DatabaseError(RuntimeError):
    """The piwarden database could not be opened, read or migrated; messages hide credentials."""


def parse_url(url: str) -> URL:
    """The SQLAlchemy URL, PostgreSQL through psycopg 3 (``postgresql://`` names psycopg2 there)."""
    try:
        parsed = make_url(url)
    except Exception:  # never echo a malformed URL: it may hold a password
        raise DatabaseError("unparseable database URL") from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


class WriteLock:
    """The write lock of one SQLite file: a re-entrant lock for this process's threads, and around the
    outermost hold an exclusive ``flock`` on ``<file>-writer`` for the other processes' writers.

    Without the file lock, writers of two worker processes met in SQLite's busy handler, which
    sleeps up to 100 ms between tries (masked reads over two workers: p99 146 ms against 36 ms over
    one); on the file lock a waiter wakes as soon as the holder lets go. Writers that do not take it
    (another program) still meet piwarden's in SQLite's own locking, so nothing depends on it.
    """

    def __init__(self, path: str) -> None:
        self._thread = threading.RLock()
        self._depth = 0
        self._path = path + "-writer"
        self._fd: int | None = None

    def __enter__(self) -> WriteLock:
        self._thread.acquire()
        if self._depth == 0:
            try:
                self._lock_file()
            except BaseException:
                self._thread.release()
                raise
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread.release()

    def _lock_file(self) -> None:
        if fcntl is None:  # not POSIX: threads only
            return
        if self._fd is None or self._fd_stale():
            try:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:  # a read-only folder: SQLite's own locking alone
                self._fd = None
                return
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def _fd_stale(self) -> bool:
        """The lock file was removed (a home deleted and made again): lock the file that is there now."""
        assert self._fd is not None
        try:
            return os.fstat(self._fd).st_ino != os.stat(self._path).st_ino
        except OSError:
            return True


_LOCKS: dict[str, WriteLock] = {}
_LOCKS_GUARD = threading.Lock()


def sqlite_write_lock(path: str) -> WriteLock:
    """The one write lock of a SQLite file in this process. Its writers (the vault's engine, the audit
    store's connection) queue on it instead of meeting in SQLite's busy handler, which sleeps up to
    100 ms between tries; writers in other processes queue on its file lock (``WriteLock``)."""
    found = _LOCKS.get(path)  # by the name as given, then by the file (a realpath is 8 lstat calls)
    if found is not None:
        return found
    key = os.path.realpath(path)
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(key, WriteLock(key))
        if os.path.isabs(path):  # a relative name may mean another file after a chdir
            _LOCKS[path] = lock
        return lock


def make_engine(url: str | URL, *, locking: bool = False) -> Engine:
    """An engine for ``url``. ``locking`` (SQLite): every transaction is ``BEGIN IMMEDIATE``, so DDL
    is transactional and a migration holds the write lock from its first read to its commit."""
    parsed = parse_url(url) if isinstance(url, str) else url
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": SQLITE_TIMEOUT_S}
    try:
        engine = create_engine(parsed, **kwargs)
    except ImportError as exc:  # mysql:// (MySQLdb), postgresql+psycopg2://: a driver not installed
        from piwarden.db.errors import describe

        raise DatabaseError(describe(parsed, exc)) from None
    if locking and parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _driver_autocommit)
        event.listen(engine, "begin", _begin_immediate)
    return engine


def ensure_wal(conn: sqlite3.Connection, wait_s: float = 30.0) -> None:
    """Put the file in WAL mode (it stays so). The switch needs the file to itself and fails at
    once, without the busy handler, while another process has it open (several commands opening
    a fresh home together): retry until it is done or ``wait_s`` has passed."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal" or \
                    conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal":
                return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
        else:
            if time.monotonic() > deadline:
                raise sqlite3.OperationalError("could not switch to WAL mode")
        time.sleep(0.02)


def _wal_pragmas(dbapi_connection: Any, _record: Any, synchronous: str = "FULL") -> None:
    # WAL (readers go on while one writer commits; one fsync a commit) is kept in the file: set only when it is
    # not set yet, and retried: the switch fails at once, without the busy handler, while another connection
    # has the file (a fresh key store opened by eight threads at once; tests/vault/test_logged_writer.py)
    ensure_wal(dbapi_connection)
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA synchronous={synchronous}")  # FULL: an acknowledged write survives a power cut too
    cur.close()


def _wal_pragmas_normal(dbapi_connection: Any, record: Any) -> None:
    _wal_pragmas(dbapi_connection, record, "NORMAL")


def use_wal(engine: Engine, *, synced_by_next_commit: bool = False) -> Engine:
    """On SQLite: every connection in WAL mode with full sync (the vault's data, key store and audit log).

    ``synced_by_next_commit``: commits do not fsync (``synchronous=NORMAL``), for transactions that are
    always followed, before anything is acknowledged, by a full-sync commit to the same file: that
    commit's fsync of the write-ahead log makes every earlier frame durable with it (the vault's record
    writes, followed by their access event's append to the audit log in the same database)."""
    if engine.url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _wal_pragmas_normal if synced_by_next_commit else _wal_pragmas)
    return engine


def sqlite_file(engine: Engine) -> str | None:
    """The SQLite file ``engine`` writes, as its URL names it (None: another database, memory or a URI)."""
    database = (engine.url.database or "") if engine.url.get_backend_name() == "sqlite" else ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """``engine.begin()``, and on a SQLite file the file's process-wide write lock around it, held until the
    commit has returned (``sqlite_write_lock``)."""
    database = sqlite_file(engine)
    if database is None:
        with engine.begin() as conn:
            yield conn
        return
    with sqlite_write_lock(database), engine.begin() as conn:
        yield conn


@contextmanager
def raw_sqlite_transaction(engine: Engine, database: str) -> Iterator[sqlite3.Cursor]:
    """What ``writing`` does (``BEGIN IMMEDIATE`` under the file's write lock, ``COMMIT``), on the pool's
    sqlite3 connection: for hot writes whose few statements cost SQLAlchemy more bookkeeping than SQLite
    work. Rolled back if the block raises; the connection goes back to the pool either way."""
    raw = engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        with sqlite_write_lock(database):
            cur = driver.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                if driver.in_transaction:
                    cur.execute("ROLLBACK")
                raise
    finally:
        raw.close()


def _driver_autocommit(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite opens transactions itself, and only before DML: hand that to SQLAlchemy's BEGIN.
    dbapi_connection.isolation_level = None


def _begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def inserted_id(result: CursorResult[Any]) -> int:
    """The integer primary key of the one row an INSERT added."""
    key = result.inserted_primary_key
    if key is None:
        raise DatabaseError("the insert reported no primary key")
    return int(key[0])
