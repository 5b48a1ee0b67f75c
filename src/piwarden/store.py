"""The piwarden database (SQLite by default): tables shared by the commands.

Only summaries go here: counts by type, never values. Later capabilities add their tables
through named migrations once the service exists.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import JSON, Column, DateTime, Float, Integer, MetaData, String, Table, create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from piwarden.home import default_db_url, ensure_db_dir, redact_url

metadata = MetaData()

detect_runs = Table(
    "detect_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("source", String(500), nullable=False),
    Column("records", Integer, nullable=False),
    Column("bytes", Integer, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("spans_by_type", JSON, nullable=False),
)


class StoreError(RuntimeError):
    """The database could not be opened or written; the message hides credentials."""


def open_db(url: str | None = None) -> Engine:
    url = ensure_db_dir(url or default_db_url())  # the home is created (0700) only to write in it
    try:
        engine = create_engine(url, future=True)
        metadata.create_all(engine)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open database {redact_url(url)}: {type(exc).__name__}") from None
    return engine


def record_detect_run(
    engine: Engine, source: str, records: int, nbytes: int, seconds: float, by_type: dict[str, int]
) -> int:
    with engine.begin() as conn:
        result = conn.execute(
            detect_runs.insert().values(
                started_at=datetime.now(UTC), source=source[:500], records=records, bytes=nbytes,
                seconds=seconds, spans_by_type=json.loads(json.dumps(by_type)),
            )
        )
        return int(result.inserted_primary_key[0])


def recent_detect_runs(engine: Engine, limit: int = 10) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(select(detect_runs).order_by(detect_runs.c.id.desc()).limit(limit))
        return [dict(r._mapping) for r in rows]
