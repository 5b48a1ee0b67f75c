"""A hot SELECT compiled once for its engine's driver and run on a pooled DBAPI connection.

Every masked read of the vault looks up its record and its subject's key. Through SQLAlchemy's
``Connection.execute`` each of those cost 35-90 us of bookkeeping (a pooled ``Connection``, an
execution context, result processing) around a 4 us SQLite step; the same statement compiled
once and run on the pool's raw connection costs 9-15 us (docs/benchmarks.md, vault load). Only
for statements whose columns need no result processing (text, integers, bytes).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Engine


class Prepared:
    """``stmt`` (with ``bindparam`` names) ready for ``engine``: ``all(name=value, ...)`` gives its rows as tuples."""

    def __init__(self, engine: Engine, stmt: Select[Any]) -> None:
        compiled = stmt.compile(dialect=engine.dialect)
        self.engine, self.sql = engine, compiled.string
        self._order: list[str] | None = list(compiled.positiontup) if compiled.positiontup is not None else None
        self._psycopg = engine.dialect.driver == "psycopg"

    def all(self, **params: Any) -> list[tuple[Any, ...]]:
        args: tuple[Any, ...] | Mapping[str, Any] = params if self._order is None else \
            tuple(params[name] for name in self._order)
        # psycopg: the SELECT alone, in autocommit, not BEGIN + SELECT + the pool's ROLLBACK (three round trips)
        with pooled(self.engine, autocommit=self._psycopg) as conn:
            cur = conn.cursor()
            try:
                cur.execute(self.sql, args)
                return [tuple(row) for row in cur.fetchall()]
            finally:
                cur.close()

    def first(self, **params: Any) -> tuple[Any, ...] | None:
        rows = self.all(**params)
        return rows[0] if rows else None


@contextmanager
def pooled(engine: Engine, *, autocommit: bool = False) -> Iterator[Any]:
    """The driver connection of a pooled connection, back to the pool (and its reset) afterwards.

    ``autocommit`` (psycopg): each statement commits alone, with no BEGIN and no ROLLBACK around it;
    switched back (client-side, while idle) before the connection returns to the pool. If the block
    fails, or switching back does, the connection is in an unknown state and leaves the pool instead.
    """
    raw = engine.raw_connection()
    driver: Any = raw.driver_connection
    switch = autocommit and not driver.autocommit
    try:
        if switch:
            driver.autocommit = True
        yield driver
    except BaseException:
        if switch:
            raw.invalidate()
        raise
    finally:
        if switch and raw.dbapi_connection is not None:
            try:
                driver.autocommit = False
            except Exception:  # never back to the pool in autocommit
                raw.invalidate()
        raw.close()
