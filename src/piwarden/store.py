"""Detection runs in the piwarden database (SQLite by default): counts by type, never values.

The table is ``piwarden.db.runs.DetectRun``; ``open_db`` opens the database through the
storage layer, which creates or upgrades the schema by its named migrations (``docs/storage.md``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine

from piwarden.db import DatabaseError, inserted_id, open_engine
from piwarden.db.base import table_of
from piwarden.db.runs import DetectRun

detect_runs = table_of(DetectRun)


class StoreError(RuntimeError):
    """The database could not be opened or written; the message hides credentials."""


def open_db(url: str | None = None) -> Engine:
    """The piwarden database at ``url`` (default: the home's), schema at the head revision."""
    try:
        return open_engine(url)
    except DatabaseError as exc:
        raise StoreError(str(exc)) from None


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
        return inserted_id(result)


def recent_detect_runs(engine: Engine, limit: int = 10) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(select(detect_runs).order_by(detect_runs.c.id.desc()).limit(limit))
        return [dict(r._mapping) for r in rows]
