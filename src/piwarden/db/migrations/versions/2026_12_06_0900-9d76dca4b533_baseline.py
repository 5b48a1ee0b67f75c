"""Baseline: the schema of piwarden 0.1 (detect runs, scan inventory, audit log schema 3).

Also adopts a database made before migrations existed (no ``alembic_version``): each part
created its own tables on first use, so any subset may be there. The missing tables are
created, the present ones are kept as they are, and an audit log at the audit store's own
schema 1 or 2 is brought to 3 exactly as that store's ``_migrate`` did (the SQL below is
that code, frozen here with the constants it used).

Revision ID: 9d76dca4b533
Revises:
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

from hashlib import sha256

import sqlalchemy as sa
from alembic import op

revision = "9d76dca4b533"
down_revision: str | None = None
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AUDIT_SCHEMA = 3
NODE_MIN_LEVEL, BLOCK_BITS = 4, 10
ACTOR, ACTION, EXPORT = 0, 1, 2
ROUTINE_ACTIONS = ("view", "search", "login")


def _tables() -> list[sa.Table]:
    m = sa.MetaData()
    return [
        sa.Table(
            "detect_runs", m,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("source", sa.String(500), nullable=False),
            sa.Column("records", sa.Integer, nullable=False),
            sa.Column("bytes", sa.Integer, nullable=False),
            sa.Column("seconds", sa.Float, nullable=False),
            sa.Column("spans_by_type", sa.JSON, nullable=False),
        ),
        sa.Table(
            "scan_runs", m,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("finished_at", sa.DateTime(timezone=True)),
            sa.Column("targets", sa.JSON, nullable=False),
            sa.Column("options", sa.JSON, nullable=False),
            sa.Column("assets", sa.Integer, nullable=False),
            sa.Column("scanned", sa.Integer, nullable=False),
            sa.Column("unchanged", sa.Integer, nullable=False),
            sa.Column("errors", sa.Integer, nullable=False),
            sa.Column("seconds", sa.Float),
        ),
        sa.Table(
            "scan_assets", m,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("store", sa.String(500), nullable=False),
            sa.Column("asset", sa.String(500), nullable=False),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("format", sa.String(32), nullable=False),
            sa.Column("size_bytes", sa.BigInteger),
            sa.Column("mtime_ns", sa.BigInteger),
            sa.Column("content_hash", sa.String(64)),
            sa.Column("rows", sa.BigInteger),
            sa.Column("sampled", sa.Integer, nullable=False),
            sa.Column("types", sa.JSON, nullable=False),
            sa.Column("category", sa.String(32)),
            sa.Column("sensitive", sa.Boolean, nullable=False),
            sa.Column("grade", sa.Integer, nullable=False),
            sa.Column("subjects", sa.BigInteger),
            sa.Column("seconds", sa.Float, nullable=False),
            sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("run_id", sa.Integer, nullable=False),
            sa.Column("error", sa.String(500)),
            sa.UniqueConstraint("store", "asset", name="uq_scan_assets_store_asset"),
        ),
        sa.Table(
            "scan_columns", m,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("asset_id", sa.Integer, sa.ForeignKey("scan_assets.id", ondelete="CASCADE"), nullable=False,
                      index=True),
            sa.Column("position", sa.Integer, nullable=False),
            sa.Column("name", sa.String(300), nullable=False),
            sa.Column("entity", sa.String(40)),
            sa.Column("confidence", sa.Float, nullable=False),
            sa.Column("share", sa.Float, nullable=False),
            sa.Column("sampled", sa.Integer, nullable=False),
            sa.Column("non_null", sa.Integer, nullable=False),
            sa.Column("distinct", sa.Integer, nullable=False),
            sa.Column("free_text", sa.Boolean, nullable=False),
            sa.Column("types", sa.JSON, nullable=False),
            sa.Column("also", sa.JSON, nullable=False),
            sa.Column("hint", sa.String(40)),
            sa.Column("basis", sa.String(16), nullable=False),
            sa.Column("category", sa.String(32)),
            sa.Column("sensitive", sa.Boolean, nullable=False),
            sa.Column("grade", sa.Integer, nullable=False),
            sa.Column("examples", sa.JSON, nullable=False),
            sa.Column("subjects", sa.BigInteger),
        ),
        sa.Table(
            "audit_events", m,
            sa.Column("idx", BIGINT, primary_key=True, autoincrement=False),
            sa.Column("leaf_hash", sa.LargeBinary, nullable=False),
            sa.Column("body", sa.LargeBinary),
            sa.Column("actor", sa.Text, nullable=False),
            sa.Column("action", sa.Text, nullable=False),
            sa.Column("ts_us", BIGINT, nullable=False),
            sa.Column("export_id", sa.Text),
        ),
        sa.Table(
            "audit_event_subjects", m,
            sa.Column("subject", sa.Text, primary_key=True),
            sa.Column("idx", BIGINT, primary_key=True, autoincrement=False),
            sqlite_with_rowid=False,
        ),
        sa.Table(
            "audit_nodes", m,
            sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
            sa.Column("idx", BIGINT, primary_key=True, autoincrement=False),
            sa.Column("hash", sa.LargeBinary, nullable=False),
            sqlite_with_rowid=False,
        ),
        sa.Table(
            "audit_blocks", m,
            sa.Column("block", BIGINT, primary_key=True, autoincrement=False),
            sa.Column("min_ts", BIGINT, nullable=False),
            sa.Column("max_ts", BIGINT, nullable=False),
        ),
        sa.Table(
            "audit_state", m,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("size", BIGINT, nullable=False),
            sa.Column("frontier", sa.LargeBinary, nullable=False),
            sa.Column("root", sa.LargeBinary, nullable=False),
            sa.Column("schema_version", sa.Integer, nullable=False),
        ),
        sa.Table(
            "audit_heads", m,
            sa.Column("size", BIGINT, nullable=False),
            sa.Column("root", sa.LargeBinary, nullable=False),
            sa.Column("note", sa.Text, nullable=False),
            sa.Column("created_us", BIGINT, nullable=False),
            sa.Index("audit_heads_size", "size"),
        ),
        sa.Table(
            "audit_timestamps", m,
            sa.Column("size", BIGINT, nullable=False),
            sa.Column("root", sa.LargeBinary, nullable=False),
            sa.Column("tsa", sa.Text, nullable=False),
            sa.Column("token", sa.LargeBinary, nullable=False),
            sa.Column("created_us", BIGINT, nullable=False),
        ),
        sa.Table(
            "audit_postings", m,
            sa.Column("kind", sa.SmallInteger, primary_key=True, autoincrement=False),
            sa.Column("key", sa.Text, primary_key=True),
            sa.Column("ts_us", BIGINT, primary_key=True, autoincrement=False),
            sa.Column("idx", BIGINT, primary_key=True, autoincrement=False),
            sa.Column("more", sa.LargeBinary),
            sqlite_with_rowid=False,
        ),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    existing = set(sa.inspect(bind).get_table_names())
    for table in _tables():
        if table.name not in existing:  # a pre-migrations database keeps the tables it has
            table.create(bind)
    row = bind.execute(sa.text("SELECT schema_version FROM audit_state WHERE id = 1")).first()
    if row is None:
        bind.execute(sa.text("INSERT INTO audit_state (id, size, frontier, root, schema_version) "
                             "VALUES (1, 0, :frontier, :root, :version)"),
                     {"frontier": b"", "root": sha256(b"").digest(), "version": AUDIT_SCHEMA})
    elif int(row[0]) < AUDIT_SCHEMA:
        _audit_to_schema_3(int(row[0]))


def _audit_to_schema_3(version: int) -> None:
    """What the audit store's ``_migrate`` did on open, for a log of its schema 1 or 2.

    1 to 2: the ``event_id`` column, the ``(ts)``, ``(action, ts)`` and ``event_id`` indexes and
    the nodes below level 4 go; ``audit_blocks`` is filled from the events. 2 to 3: the
    ``(actor, ts)``, rare ``(action, ts)`` and ``export_id`` indexes give way to
    ``audit_postings``, filled with one run per event (the purged keep no actor posting).
    """
    if version < 2:
        for index in ("audit_events_event_id", "audit_events_ts", "audit_events_action_ts"):
            op.execute(f"DROP INDEX IF EXISTS {index}")
        op.execute("ALTER TABLE audit_events DROP COLUMN event_id")
        op.execute(f"DELETE FROM audit_nodes WHERE level < {NODE_MIN_LEVEL}")
        op.execute(f"INSERT INTO audit_blocks (block, min_ts, max_ts) SELECT idx / {1 << BLOCK_BITS}, "
                   f"MIN(ts_us), MAX(ts_us) FROM audit_events GROUP BY idx / {1 << BLOCK_BITS}")
    for index in ("audit_events_actor_ts", "audit_events_rare_action_ts", "audit_events_export"):
        op.execute(f"DROP INDEX IF EXISTS {index}")
    op.execute("DELETE FROM audit_postings")  # created empty above; nothing else may be there
    rare = " AND ".join(f"action <> '{a}'" for a in ROUTINE_ACTIONS)
    for kind, column, cond in ((ACTOR, "actor", "body IS NOT NULL"), (ACTION, "action", rare),
                               (EXPORT, "export_id", "export_id IS NOT NULL")):
        op.execute(f"INSERT INTO audit_postings (kind, key, ts_us, idx, more) "
                   f"SELECT {kind}, {column}, ts_us, idx, NULL FROM audit_events WHERE {cond}")
    op.execute(f"UPDATE audit_state SET schema_version = {AUDIT_SCHEMA} WHERE id = 1")


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone: that would drop the audit log and the inventory")
