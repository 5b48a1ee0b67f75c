"""Forensics' audit-log readers remember where they stopped: ``forensics_cursors``.

Before this revision the table was created by ``piwarden forensics anomalies --audit`` itself
(``create_all``, same columns), so it may already be there: it is created only if absent.

Revision ID: 5b0c3e7f21a4
Revises: dbd6b94eb389
Create Date: 2026-12-06 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5b0c3e7f21a4"
down_revision: str | None = "dbd6b94eb389"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("forensics_cursors"):
        return
    op.create_table(
        "forensics_cursors",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("forensics_cursors")
