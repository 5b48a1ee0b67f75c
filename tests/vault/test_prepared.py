"""``piwarden.db.prepared``: a statement compiled once for the driver gives what SQLAlchemy's execute gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, bindparam, create_engine, insert, select

from piwarden.db.prepared import Prepared

from .conftest import pg_scratch

meta = MetaData()
T = Table("t", meta, Column("k", String(32), primary_key=True), Column("n", Integer), Column("b", LargeBinary),
          Column("tag", String(32)))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_prepared_matches_execute(backend: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}" if backend == "sqlite" else pg_scratch("prepared")
    engine = create_engine(url)
    meta.create_all(engine)
    rows = [{"k": f"k{i}", "n": i, "b": bytes([i, 0, 255]), "tag": "odd" if i % 2 else "even"} for i in range(20)]
    with engine.begin() as conn:
        conn.execute(insert(T), rows)
    stmt = select(T.c.k, T.c.n, T.c.b).where(T.c.tag == bindparam("tag"), T.c.n >= bindparam("low")).order_by(T.c.k)
    prepared = Prepared(engine, stmt)
    for tag, low in (("odd", 5), ("even", 0), ("none", 0)):
        with engine.connect() as conn:
            expected = [tuple(r) for r in conn.execute(stmt, {"tag": tag, "low": low})]
        got = prepared.all(tag=tag, low=low)
        assert [(k, n, bytes(b)) for k, n, b in got] == expected
    assert prepared.first(tag="none", low=0) is None
    assert prepared.first(low=19, tag="odd") is not None  # names, not order
    assert engine.pool.checkedout() == 0  # every connection went back to the pool
    # ... as it was: a transaction after the prepared reads still rolls back (no autocommit left on)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        conn.execute(insert(T), [{"k": "gone", "n": 0, "b": b"", "tag": "x"}])
        raise RuntimeError
    assert prepared.first(tag="x", low=0) is None
    if backend == "postgresql":
        raw = engine.raw_connection()
        assert raw.driver_connection.autocommit is False
        raw.close()
    engine.dispose()


def test_a_failed_statement_in_autocommit_leaves_the_pool() -> None:
    """``pooled(autocommit=True)``: a connection whose statement failed is not handed out again (its state is
    unknown); one that succeeded goes back switched out of autocommit."""
    from sqlalchemy.pool import QueuePool

    from piwarden.db.prepared import pooled

    engine = create_engine(pg_scratch("pooled"), poolclass=QueuePool, pool_size=1, max_overflow=0)
    with pooled(engine, autocommit=True) as conn, conn.cursor() as cur:
        assert conn.autocommit is True
        cur.execute("SELECT 1")
        first = conn
    with pooled(engine) as conn:
        assert conn is first and conn.autocommit is False  # the same connection, back as it was
    with pytest.raises(Exception, match="division by zero"), pooled(engine, autocommit=True) as conn, \
            conn.cursor() as cur:
        cur.execute("SELECT 1 / 0")
    with pooled(engine) as conn:
        assert conn is not first and conn.autocommit is False  # the failed one was dropped
    assert engine.pool.checkedout() == 0
    engine.dispose()
