"""Audit fixtures: a fresh log on SQLite and, when reachable, on PostgreSQL.

PostgreSQL tests skip with the reason when the server is unreachable, except under
``CI=true`` where they fail: CI must exercise both backends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from piwarden.audit.log import AuditLog, open_log
from piwarden.db.models import OWN_TABLES

PG_ADMIN = {"host": os.environ.get("PIWARDEN_TEST_PG_HOST", "127.0.0.1"), "port": 5432, "user": "postgres",
            "dbname": "test", "connect_timeout": 3}


def _pg_database() -> str:
    """One database per xdist worker; ``PIWARDEN_TEST_DB_TAG`` keeps checkouts tested at once apart."""
    return "piwarden_test_audit_" + os.environ.get("PIWARDEN_TEST_DB_TAG", "") + os.environ.get("PYTEST_XDIST_WORKER", "main")


def _reset_pg() -> str:
    """A clean test database on the local server; its URL. Skips (or fails in CI) if unreachable."""
    try:
        import psycopg

        with psycopg.connect(**PG_ADMIN, autocommit=True) as conn:
            name = _pg_database()
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        url = f"postgresql+psycopg://postgres@{PG_ADMIN['host']}:5432/{name}"
        with psycopg.connect(**{**PG_ADMIN, "dbname": name}, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS " + ", ".join(OWN_TABLES) + " CASCADE")  # the migrations recreate them
        return url
    except Exception as exc:  # any failure to reach the server means "no PostgreSQL here"
        reason = f"PostgreSQL not reachable at {PG_ADMIN['host']}:5432 ({type(exc).__name__})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " and CI=true requires it")
        pytest.skip(reason)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: Any, tmp_path: Path) -> str:
    """A fresh audit database URL on each backend."""
    return f"sqlite:///{tmp_path / 'audit.db'}" if request.param == "sqlite" else _reset_pg()


@pytest.fixture
def audit_log(db_url: str) -> Iterator[AuditLog]:
    log = open_log(db_url)
    yield log
    log.close()


def make_event(i: int, **over: Any) -> dict[str, Any]:
    """A valid synthetic event; ``i`` varies id, actor, subject and time."""
    event = {"id": f"e-{i:06d}", "ts": f"2026-03-{1 + i % 28:02d}T{i % 24:02d}:15:02+08:00",
             "actor": f"cs-{i % 7:04d}", "party": "platform.cs", "role": "customer_service",
             "action": ("view", "reveal", "export")[i % 3], "resource": "order",
             "subjects": [f"c-{i % 11}", f"c-{(i * 5) % 13}"], "fields": ["name", "phone"]}
    if event["action"] == "export":
        event["export_id"] = f"x-{i % 4}"
    event.update(over)
    return event


def pre_migration(url: str) -> None:
    """Make a database at head look like one the release before migrations made: the revisions
    after the baseline undone (their tables did not exist), no ``alembic_version``."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from piwarden.db import parse_url
    from piwarden.db.migrate import BASELINE, alembic_config

    command.downgrade(alembic_config(parse_url(url)), BASELINE)
    engine = create_engine(parse_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    engine.dispose()
