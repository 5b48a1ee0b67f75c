"""PostgreSQL appends a server's small batches with one ``WITH`` statement of arrays and imports with ``COPY``
table by table: both must leave the same rows, tree and outcomes for the same batches, all or nothing."""

from __future__ import annotations

import random

import orjson
import psycopg
import pytest

from piwarden.audit import store_pg
from piwarden.audit.store_base import AUDIT_TABLES, EncodedEvent
from piwarden.audit.store_pg import PostgresAuditStore, conninfo
from piwarden.events import parse_event

from .conftest import PG_ADMIN, _reset_pg, make_event


def _second(url: str) -> str:
    name = url.rsplit("/", 1)[1] + "_copy"
    with psycopg.connect(**PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


def _encoded(i: int, **over: object) -> EncodedEvent:
    return EncodedEvent.of(parse_event(orjson.dumps(make_event(i, **over)), "test"))


def _dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    with psycopg.connect(**conninfo(url)) as conn:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in AUDIT_TABLES}


def test_one_statement_and_copy_store_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    one_url = _reset_pg()
    copy_url = _second(one_url)
    one, copied = PostgresAuditStore(one_url), PostgresAuditStore(copy_url)
    rng = random.Random(7)
    batches: list[list[EncodedEvent]] = []
    n = 0
    for _ in range(40):
        size = rng.choice([1, 1, 2, 3, 5, 17, 300])  # 300: over ONE_STATEMENT_BATCH, COPY in both
        batch = [_encoded(n + k) for k in range(size)]
        n += size
        if batches and rng.random() < 0.3:  # an event again (duplicate) and an id with other content (conflict)
            batch += [batches[-1][0], _encoded(n - 1, resource="customer")]
        batches.append(batch)
    try:
        for batch in batches:
            a = one.append_batch(batch)
            with monkeypatch.context() as m:
                m.setattr(store_pg, "ONE_STATEMENT_BATCH", 0)
                b = copied.append_batch(batch)
            assert a == b
        assert one.size() == copied.size() == n
        assert one.frontier().root() == copied.frontier().root()
        assert _dump(one_url) == _dump(copy_url)
    finally:
        one.close()
        copied.close()


def test_a_failing_statement_appends_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    url = _reset_pg()
    store = PostgresAuditStore(url)
    real = store_pg.appended_rows

    def broken(*args: object) -> object:  # a hash the nodes table refuses (NOT NULL), after the events' rows
        cr, rows, blocks = real(*args)  # type: ignore[arg-type]
        return cr, [*rows, ("audit_nodes", ("level", "idx", "hash"), [(9, 0, None)])], blocks

    try:
        store.append_batch([_encoded(1)])
        before = _dump(url)
        monkeypatch.setattr(store_pg, "appended_rows", broken)
        with pytest.raises(psycopg.errors.NotNullViolation):
            store.append_batch([_encoded(2), _encoded(3)])
        monkeypatch.setattr(store_pg, "appended_rows", real)
        assert _dump(url) == before and store.size() == 1
        store.append_batch([_encoded(4)])  # the connection is usable again
        assert store.size() == 2
    finally:
        store.close()
