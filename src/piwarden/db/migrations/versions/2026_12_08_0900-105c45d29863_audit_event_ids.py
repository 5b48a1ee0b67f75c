"""Audit events unique by id: ``audit_event_ids`` (event id -> the leaf holding it).

A re-import of the same events appends nothing, and an id reused for a different event is
refused (``docs/audit.md``). The table is filled from the events already logged: the id of
each event whose body is still there (retention keeps no body to read one from), the first
leaf where an id occurs if an earlier import appended it twice (those copies stay in the log:
it is append-only; the id now points at the first).

Revision ID: 105c45d29863
Revises: df559f006c11
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "105c45d29863"
down_revision: str | None = "df559f006c11"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_event_ids",
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column("idx", BIGINT, nullable=False),
        sqlite_with_rowid=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        event_id = "convert_from(body, 'UTF8')::jsonb ->> 'id'"
    else:
        event_id = "json_extract(CAST(body AS TEXT), '$.id')"
    op.execute(f"INSERT INTO audit_event_ids (event_id, idx) SELECT {event_id} AS event_id, MIN(idx) "
               f"FROM audit_events WHERE body IS NOT NULL GROUP BY {event_id}")


def downgrade() -> None:
    op.drop_table("audit_event_ids")
