"""SQL databases by SQLAlchemy URL: SQLite, PostgreSQL (psycopg), MySQL/MariaDB (pymysql).

Sampling never reads a whole large table:

- PostgreSQL: ``TABLESAMPLE SYSTEM (p)`` reads ``p``% of the table's pages, chosen at random,
  with ``p`` sized for about three times the sample; a short result is topped up with
  ``LIMIT``.
- elsewhere, with a single integer primary key: eight windows of consecutive keys starting at
  random points between ``min`` and ``max`` (index range scans), topped up with ``LIMIT``;
- otherwise the first ``N`` rows (``LIMIT``).

Tables no larger than the sample are read whole, and so is every table in ``--all-rows``
mode, in chunks (:func:`read_chunks`: keyset pagination over an integer primary key). A table's *fingerprint* for incremental
scans is its row count and a hash of its first and last rows by primary key: cheap, and it
changes on any insert or delete and on updates at either end (updates in the middle of a
table that keep its size are caught only by a full rescan, ``--full``).

:class:`SqlSource` puts these behind the :class:`~piwarden.scan.sources.base.Source`
protocol: it claims every URL whose SQLAlchemy dialect is installed.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, MetaData, Table, create_engine, func, inspect, select, tablesample
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from piwarden.db.errors import describe, reason
from piwarden.home import redact_url
from piwarden.scan.sources.base import (
    TABLE,
    Asset,
    Chunk,
    Document,
    Fingerprint,
    RowPlan,
    Scope,
    Source,
    SourceError,
    TableSample,
)

_SYSTEM_SCHEMAS = {"information_schema", "pg_catalog", "pg_toast", "mysql", "performance_schema", "sys"}
_WINDOWS = 8
_ENDS = 50  # rows at each end hashed into the fingerprint
_SEED = 5
NAME = "sql"


def _engine(url: str) -> Engine:
    try:
        return create_engine(url, future=True, pool_pre_ping=True)
    except Exception as exc:
        raise SourceError(describe(url, exc)) from None


def _wanted(schema: str | None, table: str, only: list[str] | None) -> bool:
    if not only:
        return True
    from fnmatch import fnmatchcase

    full = f"{schema}.{table}" if schema else table
    return any(fnmatchcase(table, p) or fnmatchcase(full, p) for p in only)


def discover(url: str, tables: list[str] | None = None, exclude: set[str] | None = None) -> list[Asset]:
    """One asset per table (all schemas but the system ones, or those ``tables`` names)."""
    engine = _engine(url)
    store = redact_url(url)
    dialect = engine.dialect.name
    found = []
    try:
        insp = inspect(engine)
        if dialect == "sqlite":
            schemas: list[str | None] = [None]
        elif dialect in {"mysql", "mariadb"} and make_url(url).database:
            schemas = [make_url(url).database]
        else:
            schemas = [s for s in insp.get_schema_names() if s not in _SYSTEM_SCHEMAS and not s.startswith("pg_")]
        for schema in schemas:
            for name in sorted(insp.get_table_names(schema=schema)):
                if (exclude and name in exclude) or not _wanted(schema, name, tables):
                    continue
                label = f"{schema}.{name}" if schema else name
                found.append(Asset(store, label, TABLE, dialect, url, schema, name, source=NAME))
    except SQLAlchemyError as exc:
        raise SourceError(f"cannot list tables: {describe(url, exc)}") from None
    finally:
        engine.dispose()
    return found


@dataclass(slots=True)
class _Shape:
    table: Table
    pk: list[str]
    int_pk: str | None


def _reflect(conn: Connection, asset: Asset) -> _Shape:
    if asset.table is None:
        raise SourceError(f"{asset.name}: not a table")
    table = Table(asset.table, MetaData(), schema=asset.schema, autoload_with=conn)
    pk = [c.name for c in table.primary_key.columns]
    int_pk = pk[0] if len(pk) == 1 and isinstance(table.c[pk[0]].type, Integer) else None
    return _Shape(table, pk, int_pk)


def _ordered(shape: _Shape) -> list:
    cols = [shape.table.c[n] for n in shape.pk] or list(shape.table.c)[:3]
    return cols


def fingerprint(conn: Connection, shape: _Shape) -> tuple[int, str]:
    """``(row count, hash of the first and last rows by key)``; only the hash leaves."""
    t = shape.table
    count = int(conn.execute(select(func.count()).select_from(t)).scalar_one())
    order = _ordered(shape)
    h = hashlib.blake2b(digest_size=16)
    h.update(str(count).encode())
    for rows in (conn.execute(select(t).order_by(*order).limit(_ENDS)),
                 conn.execute(select(t).order_by(*[c.desc() for c in order]).limit(_ENDS))):
        for row in rows:
            h.update(repr(tuple(row)).encode("utf-8", "replace"))
    return count, h.hexdigest()


def _sample_rows(conn: Connection, shape: _Shape, count: int, n: int, dialect: str) -> list[tuple]:
    t = shape.table
    if count <= n:
        return list(conn.execute(select(t)))
    rows: list[tuple] = []
    if dialect == "postgresql":
        pct = min(100.0, 100.0 * 3 * n / count)
        sampled = tablesample(t, func.system(pct), name="s")
        rows = list(conn.execute(select(sampled).limit(n)))
    elif shape.int_pk is not None:
        key = t.c[shape.int_pk]
        # two queries: SQLite answers a lone min() or max() from the key's b-tree end, both together by a scan
        lo = conn.execute(select(func.min(key))).scalar_one()
        hi = conn.execute(select(func.max(key))).scalar_one()
        rng = random.Random(_SEED)
        per = max(1, n // _WINDOWS)
        seen: set[object] = set()
        for _ in range(_WINDOWS):
            start = rng.randint(int(lo), int(hi))
            for row in conn.execute(select(t).where(key >= start).order_by(key).limit(per)):
                k = row._mapping[shape.int_pk]
                if k not in seen:
                    seen.add(k)
                    rows.append(tuple(row))
    if len(rows) < min(n, count) // 2:  # too few pages or windows hit: top up with the first rows
        rows += [tuple(r) for r in conn.execute(select(t).limit(n - len(rows)))]
    return rows[:n]


def read_table(asset: Asset, sample: int) -> tuple[TableSample, int, str]:
    """A sample of the table's rows, and its fingerprint (row count, hash)."""
    engine = _engine(asset.locator)
    try:
        with engine.connect() as conn:
            shape = _reflect(conn, asset)
            count, digest = fingerprint(conn, shape)
            rows = _sample_rows(conn, shape, count, sample, engine.dialect.name)
        names = [c.name for c in shape.table.columns]
        columns = {name: [r[i] for r in rows] for i, name in enumerate(names)}
        return TableSample(columns, count, len(rows)), count, digest
    except SQLAlchemyError as exc:
        raise SourceError(f"{asset.store} {asset.name}: cannot read ({reason(exc)})") from None
    finally:
        engine.dispose()


def sample_table(asset: Asset, sample: int, count: int) -> TableSample:
    """A sample of the table's rows, its row count known (from its fingerprint)."""
    engine = _engine(asset.locator)
    try:
        with engine.connect() as conn:
            shape = _reflect(conn, asset)
            rows = _sample_rows(conn, shape, count, sample, engine.dialect.name)
        names = [c.name for c in shape.table.columns]
        return TableSample({name: [r[i] for r in rows] for i, name in enumerate(names)}, count, len(rows))
    except SQLAlchemyError as exc:
        raise SourceError(f"{asset.store} {asset.name}: cannot read ({reason(exc)})") from None
    finally:
        engine.dispose()


def table_fingerprint(asset: Asset) -> tuple[int, str]:
    """Only the fingerprint, to decide whether a table changed since the last scan."""
    engine = _engine(asset.locator)
    try:
        with engine.connect() as conn:
            return fingerprint(conn, _reflect(conn, asset))
    except SQLAlchemyError as exc:
        raise SourceError(f"{asset.store} {asset.name}: cannot read ({reason(exc)})") from None
    finally:
        engine.dispose()


def plan_rows(asset: Asset) -> RowPlan:
    """Fingerprint, column names and key bounds of a table about to be read whole."""
    engine = _engine(asset.locator)
    try:
        with engine.connect() as conn:
            shape = _reflect(conn, asset)
            count, digest = fingerprint(conn, shape)
            lo = hi = None
            if shape.int_pk is not None and count:
                key = shape.table.c[shape.int_pk]
                lo = conn.execute(select(func.min(key))).scalar_one()  # apart: see _sample_rows
                hi = conn.execute(select(func.max(key))).scalar_one()
        names = tuple(c.name for c in shape.table.columns)
        return RowPlan(count, digest, names, shape.int_pk, None if lo is None else int(lo),
                       None if hi is None else int(hi))
    except SQLAlchemyError as exc:
        raise SourceError(f"{asset.store} {asset.name}: cannot read ({reason(exc)})") from None
    finally:
        engine.dispose()


def _abandon(result: Any) -> None:
    """Tell a streamed result its rows will not be read (PyMySQL's unbuffered result would read them all
    when collected, from a connection that is gone)."""
    unbuffered: Any = getattr(getattr(result, "cursor", None), "_result", None)
    if getattr(unbuffered, "unbuffered_active", False):
        unbuffered.unbuffered_active = False


def open_engine(asset: Asset) -> Engine:
    """An engine to pass to :func:`read_chunks` for many ranges of a table (the caller disposes it)."""
    return _engine(asset.locator)


def read_chunks(asset: Asset, chunk: int, lo: int | None = None, hi: int | None = None,
                engine: Engine | None = None) -> Iterator[Chunk]:
    """Every row (with an integer key: those keyed ``lo..hi``), ``chunk`` rows at a time, in key order.

    Yields ``(position, rows)``: the first row's key (or ordinal), so that positions grow
    with the rows. With an integer key each chunk is one index range query that starts after
    the last key seen (keyset pagination: no ``OFFSET`` to skip over); without one, one query
    whose rows are streamed from a server-side cursor. ``engine`` (from :func:`open_engine`) is
    reused and left open; without it one is opened and disposed.
    """
    own = engine is None
    engine = engine or _engine(asset.locator)
    try:
        # no statement cache: each call reflects a new Table, and cached statements would pile up on a reused engine
        with engine.connect().execution_options(compiled_cache=None) as conn:
            shape = _reflect(conn, asset)
            t = shape.table
            if shape.int_pk is None:
                result = conn.execution_options(stream_results=True, yield_per=chunk).execute(
                    select(t).order_by(*_ordered(shape)) if shape.pk else select(t))
                done = 0
                try:
                    for part in result.partitions(chunk):
                        yield done, [tuple(r) for r in part]
                        done += len(part)
                except BaseException:  # stopped early (an interrupt): drop the connection rather than
                    _abandon(result)  # closing the cursor, which would read every row left first
                    conn.invalidate()
                    raise
                return
            key = t.c[shape.int_pk]
            at = key.name
            where = [] if lo is None else [key >= lo]
            bound = [] if hi is None else [key <= hi]
            while True:
                rows = conn.execute(select(t).where(*where, *bound).order_by(key).limit(chunk)).all()
                if not rows:
                    return
                yield int(rows[0]._mapping[at]), [tuple(r) for r in rows]
                if len(rows) < chunk:
                    return
                where = [key > rows[-1]._mapping[at]]
    except SQLAlchemyError as exc:
        raise SourceError(f"{asset.store} {asset.name}: cannot read ({reason(exc)})") from None
    finally:
        if own:
            engine.dispose()


class SqlRows:
    """One database's engine, reused for every range of every table read whole."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def chunks(self, asset: Asset, chunk_rows: int, lo: int | None = None, hi: int | None = None) -> Iterator[Chunk]:
        return read_chunks(asset, chunk_rows, lo, hi, self.engine)

    def close(self) -> None:
        self.engine.dispose()


class SqlSource(Source):
    """SQL databases by SQLAlchemy URL: any URL whose dialect is installed."""

    name = NAME
    streams = True

    def claims(self, target: str) -> bool:
        if "://" not in target:
            return False
        try:
            make_url(target).get_dialect()  # loads the dialect's class only, not its driver
        except Exception:  # not an URL, or no such dialect: another source's target
            return False
        return True

    def discover(self, target: str, scope: Scope) -> list[Asset]:
        return discover(target, list(scope.tables) or None, set(scope.exclude) or None)

    def fingerprint(self, asset: Asset, previous: Fingerprint | None) -> Fingerprint:
        rows, digest = table_fingerprint(asset)
        return Fingerprint(digest, rows)

    def sample(self, asset: Asset, rows: int, fingerprint: Fingerprint) -> TableSample | Document:
        if fingerprint.rows is None:
            return read_table(asset, rows)[0]
        return sample_table(asset, rows, fingerprint.rows)

    def plan(self, asset: Asset) -> RowPlan:
        return plan_rows(asset)

    def open(self, asset: Asset) -> SqlRows:
        return SqlRows(open_engine(asset))
