"""Virtual-number bindings of privacy waybills: each pool number's holder (``vault_numbers``) and every binding
(``vault_number_bindings``: number, record and field, bound party, created, expires, ended).

Revision ID: 8e3d5a61c4f2
Revises: 4f1a9c2e7b60
Create Date: 2026-12-11 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "8e3d5a61c4f2"
down_revision: str | None = "4f1a9c2e7b60"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table("vault_numbers", sa.Column("number", sa.String(40), primary_key=True),
                    sa.Column("binding_id", sa.String(64), nullable=False),
                    sa.Column("subject", sa.String(128), nullable=False),
                    sa.Column("ends_us", BIGINT, nullable=False), sa.Column("busy_until_us", BIGINT, nullable=False))
    op.create_index("ix_vault_numbers_busy_until_us", "vault_numbers", ["busy_until_us"])
    op.create_table("vault_number_bindings", sa.Column("id", sa.String(64), primary_key=True),
                    sa.Column("number", sa.String(40), nullable=False),
                    sa.Column("record_id", sa.String(64), nullable=False),
                    sa.Column("field", sa.String(64), nullable=False), sa.Column("type", sa.String(64), nullable=False),
                    sa.Column("owner", sa.String(128), nullable=False),
                    sa.Column("subject", sa.String(128), nullable=False),
                    sa.Column("party", sa.String(128), nullable=False),
                    sa.Column("actor", sa.String(128), nullable=False),
                    sa.Column("created_us", BIGINT, nullable=False), sa.Column("expires_us", BIGINT, nullable=False),
                    sa.Column("ended_us", BIGINT, nullable=True))
    op.create_index("ix_vault_number_bindings_record", "vault_number_bindings", ["record_id"])
    op.create_index("ix_vault_number_bindings_number", "vault_number_bindings", ["number"])


def downgrade() -> None:
    op.drop_index("ix_vault_number_bindings_number", "vault_number_bindings")
    op.drop_index("ix_vault_number_bindings_record", "vault_number_bindings")
    op.drop_table("vault_number_bindings")
    op.drop_index("ix_vault_numbers_busy_until_us", "vault_numbers")
    op.drop_table("vault_numbers")
