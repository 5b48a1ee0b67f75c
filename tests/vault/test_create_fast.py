"""A new record is written by one statement on PostgreSQL, and on SQLite by its statements on the sqlite3
connection (record, fields, blind indexes, outbox row, and the deletion of published outbox rows): the same
rows as SQLAlchemy's statements, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from piwarden.settings import load_settings
from piwarden.vault import Caller, open_vault
from piwarden.vault.store import FIELDS, LOOKUPS, RECORDS

from .conftest import CUSTOMERS, pg_scratch

SERVICE = Caller("svc", "platform.ops", "service", "platform")


def _count(engine: object, table: object) -> int:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def _url(kind: str, tmp_path: Path, name: str) -> str:
    return f"sqlite:///{tmp_path / 'v.db'}" if kind == "sqlite" else pg_scratch(name)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_fast_write_writes_what_the_statements_did(kind: str, tmp_path: Path) -> None:
    rt = open_vault(load_settings(home=tmp_path / "home"), db=_url(kind, tmp_path, "create1"))
    try:
        vault = rt.vault
        assert vault.store._one_statement or vault.store._sqlite_file
        first = vault.create(SERVICE, "customer", "c-1", CUSTOMERS[0])
        assert vault.evidence._published == [first.event_id]  # its outbox row goes with the next write
        second = vault.create(SERVICE, "customer", "c-2", CUSTOMERS[1])
        assert vault.evidence._published == [second.event_id] and vault.evidence.pending() == 0
        for written, values in ((first, CUSTOMERS[0]), (second, CUSTOMERS[1])):
            record = vault.store.get(written.record_id, vault.types)
            assert record.values == values and record.version == 1 and record.owner == "platform"
        assert _count(vault.store.engine, RECORDS) == 2
        assert _count(vault.store.engine, FIELDS) == len(CUSTOMERS[0]) + len(CUSTOMERS[1])
        lookups = sum(1 for n in CUSTOMERS[0] if vault.record_type("customer").field(n).lookup)
        assert lookups and _count(vault.store.engine, LOOKUPS) == 2 * lookups
        rtype = vault.record_type("customer")
        assert list(vault.store.find(rtype, rtype.field("phone"), "138 1234 5678", 10)) == [first.record_id]
        bodies = b"".join(e.body or b"" for e in vault.evidence.log.events())
        assert first.event_id.encode() in bodies and second.event_id.encode() in bodies
    finally:
        rt.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_failing_write_writes_nothing_and_keeps_the_published_rows(kind: str, tmp_path: Path) -> None:
    rt = open_vault(load_settings(home=tmp_path / "home"), db=_url(kind, tmp_path, "create2"))
    try:
        vault = rt.vault
        first = vault.create(SERVICE, "customer", "c-1", CUSTOMERS[0])
        ev = vault._event(SERVICE, action="create", resource="customer", subjects=["c-2"], records=[first.record_id])
        with pytest.raises(Exception, match=r"duplicate key|UniqueViolation|UNIQUE constraint"):  # the same record id again
            vault.store.create(vault.record_type("customer"), "platform", "c-2", CUSTOMERS[1],
                               vault.evidence.staging(ev), first.record_id)
        assert vault.evidence._published == [first.event_id]  # not lost: a later write deletes its row
        assert _count(vault.store.engine, RECORDS) == 1 and _count(vault.store.engine, FIELDS) == len(CUSTOMERS[0])
        vault.create(SERVICE, "customer", "c-3", CUSTOMERS[1])  # the connection went back to the pool sane
        assert vault.evidence.pending() == 0 and _count(vault.store.engine, RECORDS) == 2
    finally:
        rt.close()
