"""The declarative base every piwarden model derives from, and the column types they share.

One ``MetaData`` holds every table of the piwarden database (``models.py`` imports each model
module so it is complete); alembic compares it with a database to check the migrations.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, LargeBinary, Table
from sqlalchemy.orm import DeclarativeBase

# A 64-bit integer that SQLite spells INTEGER: the audit tables' DDL says INTEGER there (same
# storage, and an ``INTEGER PRIMARY KEY`` is the rowid itself), BIGINT on PostgreSQL.
BIGINT = BigInteger().with_variant(Integer(), "sqlite")
BLOB = LargeBinary()  # SQLite BLOB, PostgreSQL BYTEA


class Base(DeclarativeBase):
    """Base of the piwarden models (SQLAlchemy 2 declarative, ``Mapped[...]`` columns)."""


def table_of(model: type[Base]) -> Table:
    """The Core table behind a model: the hot paths (inventory writes, audit reads) are Core statements."""
    table = model.__table__
    if not isinstance(table, Table):  # a model mapped to a join or a select has no single table
        raise TypeError(f"{model.__name__} is not mapped to one table")
    return table
