"""Incident register: incidents, their subjects and response steps (issue 20).

Revision ID: bfcc9cb3a1bb
Revises: e2b7f4a19c36
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "bfcc9cb3a1bb"
down_revision: str | None = "e2b7f4a19c36"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table("incidents", sa.Column("id", sa.String(64), primary_key=True),
                    sa.Column("title", sa.String(300), nullable=False), sa.Column("source", sa.String(300), nullable=False),
                    sa.Column("operator_class", sa.String(32), nullable=False),
                    sa.Column("severity", sa.String(16), nullable=False), sa.Column("persons", BIGINT, nullable=False),
                    sa.Column("sensitive", sa.Boolean, nullable=False), sa.Column("fields", sa.Text, nullable=False),
                    sa.Column("zone", sa.String(64), nullable=False), sa.Column("detected_us", BIGINT, nullable=False),
                    sa.Column("opened_us", BIGINT, nullable=False), sa.Column("closed_us", BIGINT, nullable=True))
    op.create_table("incident_subjects",
                    sa.Column("incident_id", sa.String(64), sa.ForeignKey("incidents.id", ondelete="CASCADE"),
                              primary_key=True),
                    sa.Column("subject", sa.String(128), primary_key=True))
    op.create_table("incident_steps", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("incident_id", sa.String(64), sa.ForeignKey("incidents.id", ondelete="CASCADE"),
                              nullable=False),
                    sa.Column("at_us", BIGINT, nullable=False), sa.Column("kind", sa.String(32), nullable=False),
                    sa.Column("detail", sa.Text, nullable=False), sa.Column("event_id", sa.String(64), nullable=True),
                    sa.Column("leaf", BIGINT, nullable=True))
    op.create_index("ix_incident_steps_incident_id", "incident_steps", ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_incident_steps_incident_id", "incident_steps")
    op.drop_table("incident_steps")
    op.drop_table("incident_subjects")
    op.drop_table("incidents")
