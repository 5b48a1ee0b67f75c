"""ID tokens an OIDC login has used, so each opens one session only: ``vault_oidc_tokens``.

Revision ID: 7c3e5a1d9b42
Revises: a6c2d8e0f913
Create Date: 2026-12-11 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7c3e5a1d9b42"
down_revision: str | None = "a6c2d8e0f913"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vault_oidc_tokens",
        sa.Column("digest", sa.LargeBinary(), primary_key=True),
        sa.Column("account_id", sa.String(128), nullable=False),
        sa.Column("expires_us", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("vault_oidc_tokens")
