"""The PI vault: records, encrypted fields, blind indexes, shreds, the event outbox, identities, keys.

The key tables (``vault_data_keys``, ``vault_subject_keys``) are created in every piwarden
database; the vault keeps its keys in a separate one (its key store) by default, so that a
backup of the data holds no key (docs/vault.md).

Revision ID: df559f006c11
Revises: 5b0c3e7f21a4
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "df559f006c11"
down_revision: str | None = "5b0c3e7f21a4"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _col(name: str, kind: sa.types.TypeEngine[Any], nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, kind, nullable=nullable)


def upgrade() -> None:
    op.create_table("vault_records", _col("id", sa.String(64)), _col("type", sa.String(64)),
                    _col("owner", sa.String(128)), _col("subject", sa.String(128)), _col("version", sa.Integer()),
                    _col("created_us", BIGINT), _col("updated_us", BIGINT), sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_vault_records_subject", "vault_records", ["subject"])
    op.create_table("vault_fields", _col("record_id", sa.String(64)), _col("field", sa.String(64)),
                    _col("key_class", sa.String(64)), _col("key_version", sa.Integer()),
                    _col("sealed", sa.LargeBinary()), sa.PrimaryKeyConstraint("record_id", "field"))
    op.create_table("vault_lookups", _col("type", sa.String(64)), _col("field", sa.String(64)),
                    _col("digest", sa.LargeBinary()), _col("record_id", sa.String(64)),
                    sa.PrimaryKeyConstraint("type", "field", "digest", "record_id"))
    op.create_index("ix_vault_lookups_record", "vault_lookups", ["record_id"])
    op.create_table("vault_shreds", _col("subject", sa.String(128)), _col("shredded_us", BIGINT),
                    _col("key_destroyed", sa.Boolean()), sa.PrimaryKeyConstraint("subject"))
    op.create_table("vault_outbox", _col("event_id", sa.String(64)), _col("body", sa.LargeBinary()),
                    _col("created_us", BIGINT), _col("claimed_by", sa.String(64)), _col("claimed_us", BIGINT),
                    sa.PrimaryKeyConstraint("event_id"))
    op.create_table("vault_accounts", _col("id", sa.String(128)), _col("kind", sa.String(16)),
                    _col("password_hash", sa.String(256), nullable=True), _col("roles", sa.Text()),
                    _col("tenant", sa.String(128)), _col("party", sa.String(128)), _col("scopes", sa.Text()),
                    _col("disabled", sa.Boolean()), _col("created_us", BIGINT), sa.PrimaryKeyConstraint("id"))
    op.create_table("vault_api_keys", _col("id", sa.String(32)), _col("account_id", sa.String(128)),
                    _col("secret_hash", sa.LargeBinary()), _col("created_us", BIGINT),
                    _col("revoked_us", BIGINT, nullable=True), sa.PrimaryKeyConstraint("id"))
    op.create_table("vault_sessions", _col("token_hash", sa.LargeBinary()), _col("account_id", sa.String(128)),
                    _col("created_us", BIGINT), _col("expires_us", BIGINT), sa.PrimaryKeyConstraint("token_hash"))
    op.create_table("vault_data_keys", _col("tenant", sa.String(128)), _col("key_class", sa.String(64)),
                    _col("version", sa.Integer()), _col("kek_version", sa.Integer()),
                    _col("wrapped", sa.LargeBinary()), _col("created_us", BIGINT),
                    sa.PrimaryKeyConstraint("tenant", "key_class", "version"))
    op.create_table("vault_subject_keys", _col("subject", sa.String(128)), _col("kek_version", sa.Integer()),
                    _col("wrapped", sa.LargeBinary()), _col("created_us", BIGINT), sa.PrimaryKeyConstraint("subject"))


def downgrade() -> None:
    for table in ("vault_subject_keys", "vault_data_keys", "vault_sessions", "vault_api_keys", "vault_accounts",
                  "vault_outbox", "vault_shreds", "vault_lookups", "vault_fields", "vault_records"):
        op.drop_table(table)
