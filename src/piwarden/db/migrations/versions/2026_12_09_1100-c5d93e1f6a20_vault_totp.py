"""Step-up for the vault's L4 reveals: staff accounts' TOTP secrets (sealed) and the last step accepted.

Revision ID: c5d93e1f6a20
Revises: 7a41c2e9b0d5
Create Date: 2026-12-09 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c5d93e1f6a20"
down_revision: str | None = "7a41c2e9b0d5"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table("vault_totp", sa.Column("account_id", sa.String(128), primary_key=True),
                    sa.Column("sealed", sa.LargeBinary, nullable=False), sa.Column("last_step", BIGINT, nullable=False),
                    sa.Column("created_us", BIGINT, nullable=False))


def downgrade() -> None:
    op.drop_table("vault_totp")
