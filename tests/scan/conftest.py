"""Real PostgreSQL and MariaDB for the scan tests: own schema / own tables, dropped afterwards.

Unreachable servers skip the tests that need them, with the reason; under CI=true they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

PG_URL = os.environ.get("PIWARDEN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MYSQL_URL = os.environ.get("PIWARDEN_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test")


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _reachable(url: str, what: str) -> Engine:
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        reason = f"{what} not reachable at {url.split('@')[-1]} ({type(exc).__name__})"
        if _in_ci():
            pytest.fail(reason + " and CI=true")
        pytest.skip(reason)
    return engine


@pytest.fixture(scope="module")
def pg_schema() -> Iterator[tuple[str, str, Engine]]:
    engine = _reachable(PG_URL, "PostgreSQL")
    schema = f"piwarden_scan_test_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield PG_URL, schema, engine
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="module")
def mysql_prefix() -> Iterator[tuple[str, str, Engine]]:
    engine = _reachable(MYSQL_URL, "MariaDB/MySQL")
    prefix = f"pwscan_{uuid.uuid4().hex[:8]}_"
    try:
        yield MYSQL_URL, prefix, engine
    finally:
        with engine.begin() as conn:
            for (name,) in conn.execute(text("SHOW TABLES")).all():
                if name.startswith(prefix):
                    conn.execute(text(f"DROP TABLE `{name}`"))
        engine.dispose()
