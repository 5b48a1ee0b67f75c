"""The alerts `piwarden forensics watch` raised and the analysts' verdicts on them: ``forensics_alerts``.

Revision ID: 4f1a9c2e7b60
Revises: 253c5b2d4057
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "4f1a9c2e7b60"
down_revision: str | None = "253c5b2d4057"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forensics_alerts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("watcher", sa.String(200), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("codes", sa.Text, nullable=False),
        sa.Column("raised_at", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verdict", sa.String(8), nullable=True),
        sa.Column("verdict_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_index("ix_forensics_alerts_actor", "forensics_alerts", ["actor"])


def downgrade() -> None:
    op.drop_index("ix_forensics_alerts_actor", "forensics_alerts")
    op.drop_table("forensics_alerts")
