"""The vault's bulk exports: maker, recipient, field names, weight, status and the checker's decision.

Revision ID: 7a41c2e9b0d5
Revises: 3c8e51a0d7b2
Create Date: 2026-12-09 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7a41c2e9b0d5"
down_revision: str | None = "3c8e51a0d7b2"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table("vault_exports", sa.Column("id", sa.String(64), primary_key=True),
                    sa.Column("maker", sa.String(128), nullable=False),
                    sa.Column("recipient_party", sa.String(128), nullable=False),
                    sa.Column("recipient_actor", sa.String(128), nullable=True),
                    sa.Column("type", sa.String(64), nullable=False), sa.Column("owner", sa.String(128), nullable=False),
                    sa.Column("fields", sa.Text, nullable=False), sa.Column("rows", sa.Integer, nullable=False),
                    sa.Column("weight", BIGINT, nullable=False), sa.Column("status", sa.String(16), nullable=False),
                    sa.Column("checker", sa.String(128), nullable=True), sa.Column("reason", sa.Text, nullable=False),
                    sa.Column("created_us", BIGINT, nullable=False), sa.Column("decided_us", BIGINT, nullable=True))


def downgrade() -> None:
    op.drop_table("vault_exports")
