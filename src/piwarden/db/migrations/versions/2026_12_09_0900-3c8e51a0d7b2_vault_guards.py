"""The vault's guards: quota counters, alerts and holds (actors switched to approval-only).

Revision ID: 3c8e51a0d7b2
Revises: 105c45d29863
Create Date: 2026-12-09 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "3c8e51a0d7b2"
down_revision: str | None = "105c45d29863"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table("vault_quota_counts", sa.Column("key", sa.String(255), primary_key=True),
                    sa.Column("count", BIGINT, nullable=False), sa.Column("expires_us", BIGINT, nullable=False))
    op.create_index("ix_vault_quota_counts_expires_us", "vault_quota_counts", ["expires_us"])
    op.create_table("vault_alerts", sa.Column("id", sa.String(64), primary_key=True),
                    sa.Column("at_us", BIGINT, nullable=False), sa.Column("actor", sa.String(128), nullable=False),
                    sa.Column("role", sa.String(128), nullable=False), sa.Column("kind", sa.String(32), nullable=False),
                    sa.Column("rule", sa.String(120), nullable=False), sa.Column("detail", sa.Text, nullable=False),
                    sa.Column("event_id", sa.String(64), nullable=False),
                    sa.Column("held", sa.Boolean, nullable=False))
    op.create_index("ix_vault_alerts_actor", "vault_alerts", ["actor"])
    op.create_table("vault_holds", sa.Column("actor", sa.String(128), primary_key=True),
                    sa.Column("since_us", BIGINT, nullable=False), sa.Column("reason", sa.Text, nullable=False),
                    sa.Column("alert_id", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_table("vault_holds")
    op.drop_index("ix_vault_alerts_actor", "vault_alerts")
    op.drop_table("vault_alerts")
    op.drop_index("ix_vault_quota_counts_expires_us", "vault_quota_counts")
    op.drop_table("vault_quota_counts")
