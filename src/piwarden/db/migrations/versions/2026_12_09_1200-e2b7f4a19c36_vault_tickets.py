"""Business tickets the vault knows (the subjects each names), for rules that want a ticket bound to the subject.

Revision ID: e2b7f4a19c36
Revises: c5d93e1f6a20
Create Date: 2026-12-09 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e2b7f4a19c36"
down_revision: str | None = "c5d93e1f6a20"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table("vault_tickets", sa.Column("id", sa.String(128), primary_key=True),
                    sa.Column("subjects", sa.Text, nullable=False), sa.Column("purpose", sa.String(128), nullable=True),
                    sa.Column("assignee", sa.String(128), nullable=True),
                    sa.Column("opened_us", BIGINT, nullable=False), sa.Column("expires_us", BIGINT, nullable=True),
                    sa.Column("closed_us", BIGINT, nullable=True))


def downgrade() -> None:
    op.drop_table("vault_tickets")
