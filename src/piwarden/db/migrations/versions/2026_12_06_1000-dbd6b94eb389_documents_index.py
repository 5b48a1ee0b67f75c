"""Documents index metadata in the database: index directories, registry rows, stamp marks.

Until this revision each index directory kept them in its own ``registry.sqlite`` and
``marks.sqlite``; those files are imported (and renamed ``*.migrated``) when an index is
first opened, or by ``piwarden db upgrade`` for ``PIWARDEN_HOME/documents``
(``piwarden.db.legacy``): which directories hold an index is not something a migration knows.

Revision ID: dbd6b94eb389
Revises: 9d76dca4b533
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "dbd6b94eb389"
down_revision: str | None = "9d76dca4b533"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_indexes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("directory", sa.String(1000), nullable=False, unique=True),
    )
    op.create_table(
        "document_registry",
        sa.Column("index_id", sa.Integer, sa.ForeignKey("document_indexes.id", ondelete="CASCADE"),
                  primary_key=True, autoincrement=False),
        sa.Column("row", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("doc_id", sa.String(300), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("account", sa.String(300), nullable=False),
        sa.Column("path", sa.String(2000), nullable=False),
    )
    op.create_index("ix_document_registry_doc_id", "document_registry", ["index_id", "doc_id"])
    op.create_table(
        "document_marks",
        sa.Column("index_id", sa.Integer, sa.ForeignKey("document_indexes.id", ondelete="CASCADE"),
                  primary_key=True, autoincrement=False),
        sa.Column("number", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("recipient", sa.String(300), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("document_marks")
    op.drop_index("ix_document_registry_doc_id", table_name="document_registry")
    op.drop_table("document_registry")
    op.drop_table("document_indexes")
