"""Versions of the vault's policy and record types it ran with (issue 20: the policy's version history).

Revision ID: 253c5b2d4057
Revises: bfcc9cb3a1bb
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "253c5b2d4057"
down_revision: str | None = "bfcc9cb3a1bb"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table("vault_config_versions", sa.Column("kind", sa.String(32), primary_key=True),
                    sa.Column("sha256", sa.String(64), primary_key=True),
                    sa.Column("source", sa.String(1000), nullable=False), sa.Column("content", sa.Text, nullable=False),
                    sa.Column("first_seen_us", BIGINT, nullable=False), sa.Column("last_seen_us", BIGINT, nullable=False))


def downgrade() -> None:
    op.drop_table("vault_config_versions")
