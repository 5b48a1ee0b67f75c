"""Engines for the piwarden database: one place that turns a URL into an SQLAlchemy engine."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, CursorResult, Engine, make_url

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
