"""The piwarden database: SQLAlchemy 2 models for every table, and named alembic migrations.

The ground floor of the storage: the parts (``store``, ``scan``, ``audit``, ``forensics``)
import their tables and ``open_engine`` from here; this package imports none of them.
``docs/storage.md`` lists the tables and says how to upgrade and write a migration.
"""

from __future__ import annotations

from piwarden.db.engine import DatabaseError, inserted_id, make_engine, parse_url, writing
from piwarden.db.migrate import HEAD, SchemaOutdated, SchemaState, current, open_engine, prepare, upgrade

__all__ = ["HEAD", "DatabaseError", "SchemaOutdated", "SchemaState", "current", "inserted_id", "make_engine",
           "open_engine", "parse_url", "prepare", "upgrade", "writing"]
