"""Approvals of single reveals: a request to see one field in clear once, its checker's decision and its use
(``vault_reveal_approvals``).

Revision ID: a6c2d8e0f913
Revises: 8e3d5a61c4f2
Create Date: 2026-12-11 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a6c2d8e0f913"
down_revision: str | None = "8e3d5a61c4f2"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table("vault_reveal_approvals", sa.Column("id", sa.String(64), primary_key=True),
                    sa.Column("requester", sa.String(128), nullable=False),
                    sa.Column("record_id", sa.String(64), nullable=False),
                    sa.Column("field", sa.String(64), nullable=False), sa.Column("type", sa.String(64), nullable=False),
                    sa.Column("subject", sa.String(128), nullable=False), sa.Column("reason", sa.Text, nullable=False),
                    sa.Column("status", sa.String(16), nullable=False),
                    sa.Column("checker", sa.String(128), nullable=True),
                    sa.Column("created_us", BIGINT, nullable=False), sa.Column("decided_us", BIGINT, nullable=True),
                    sa.Column("expires_us", BIGINT, nullable=True), sa.Column("used_us", BIGINT, nullable=True))
    op.create_index("ix_vault_reveal_approvals_lookup", "vault_reveal_approvals", ["requester", "record_id", "field"])


def downgrade() -> None:
    op.drop_index("ix_vault_reveal_approvals_lookup", "vault_reveal_approvals")
    op.drop_table("vault_reveal_approvals")
