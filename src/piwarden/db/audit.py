"""The audit log's tables (``piwarden.audit``): leaves, tree nodes, lookups, signed heads.

The physical layout is what the append path was measured on (``docs/audit.md``): on SQLite
``audit_events.idx`` and ``audit_blocks.block`` are ``INTEGER PRIMARY KEY`` (the rowid itself),
and the tables that are nothing but their primary key are ``WITHOUT ROWID`` (one B-tree each);
on PostgreSQL 64-bit columns are BIGINT and hashes BYTEA. No secondary index on
``audit_events``: lookups go through ``audit_postings``. The store writes these tables with raw
DB-API statements (multi-row VALUES on SQLite, COPY on PostgreSQL); these models give their
shape to the migrations and to anything that reads them through SQLAlchemy.
"""

from __future__ import annotations

from sqlalchemy import Index, Integer, SmallInteger, Text
from sqlalchemy.orm import Mapped, mapped_column

from piwarden.db.base import BIGINT, BLOB, Base

CLUSTERED = {"sqlite_with_rowid": False}  # SQLite: WITHOUT ROWID


class AuditEvent(Base):
    """One leaf: its hash, canonical body (NULL once purged) and the columns queries filter on."""

    __tablename__ = "audit_events"

    idx: Mapped[int] = mapped_column(BIGINT, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[bytes] = mapped_column(BLOB)
    body: Mapped[bytes | None] = mapped_column(BLOB)
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    ts_us: Mapped[int] = mapped_column(BIGINT)
    export_id: Mapped[str | None] = mapped_column(Text)


class AuditEventSubject(Base):
    """Which leaves name a data subject."""

    __tablename__ = "audit_event_subjects"
    __table_args__ = CLUSTERED

    subject: Mapped[str] = mapped_column(Text, primary_key=True)
    idx: Mapped[int] = mapped_column(BIGINT, primary_key=True, autoincrement=False)


class AuditEventId(Base):
    """Which leaf holds the event of an id: events are unique by id (a re-import appends nothing).

    Kept when retention purges the event's body: an id stays taken for the log's life.
    """

    __tablename__ = "audit_event_ids"
    __table_args__ = CLUSTERED

    event_id: Mapped[str] = mapped_column(Text, primary_key=True)
    idx: Mapped[int] = mapped_column(BIGINT)


class AuditNode(Base):
    """The hash of a perfect subtree of level >= 4 (lower ones are folded from leaf hashes)."""

    __tablename__ = "audit_nodes"
    __table_args__ = CLUSTERED

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BIGINT, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(BLOB)


class AuditBlock(Base):
    """Min and max ``ts_us`` of an aligned block of 1,024 leaves: the time-window index."""

    __tablename__ = "audit_blocks"

    block: Mapped[int] = mapped_column(BIGINT, primary_key=True, autoincrement=False)
    min_ts: Mapped[int] = mapped_column(BIGINT)
    max_ts: Mapped[int] = mapped_column(BIGINT)


class AuditState(Base):
    """The one row (id 1): tree size, frontier and root, locked by every append."""

    __tablename__ = "audit_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BIGINT)
    frontier: Mapped[bytes] = mapped_column(BLOB)
    root: Mapped[bytes] = mapped_column(BLOB)
    # The audit store's own schema number before alembic (1-3); 3 from the baseline on.
    schema_version: Mapped[int] = mapped_column(Integer)


class AuditHead(Base):
    """A signed tree head: size, root and the checkpoint text (signed note, cosignatures)."""

    __tablename__ = "audit_heads"
    __table_args__ = (Index("audit_heads_size", "size"),)
    __mapper_args__ = {"primary_key": ["size", "root", "created_us"]}  # noqa: RUF012  (the ORM needs a key)

    size: Mapped[int] = mapped_column(BIGINT)
    root: Mapped[bytes] = mapped_column(BLOB)
    note: Mapped[str] = mapped_column(Text)
    created_us: Mapped[int] = mapped_column(BIGINT)


class AuditTimestamp(Base):
    """An RFC 3161 token over the checkpoint of ``(size, root)``."""

    __tablename__ = "audit_timestamps"
    __mapper_args__ = {"primary_key": ["size", "root", "created_us"]}  # noqa: RUF012

    size: Mapped[int] = mapped_column(BIGINT)
    root: Mapped[bytes] = mapped_column(BLOB)
    tsa: Mapped[str] = mapped_column(Text)
    token: Mapped[bytes] = mapped_column(BLOB)
    created_us: Mapped[int] = mapped_column(BIGINT)


class AuditPosting(Base):
    """A run of leaves of one actor, rare action or export id (``piwarden.audit.postings``)."""

    __tablename__ = "audit_postings"
    __table_args__ = CLUSTERED

    kind: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    ts_us: Mapped[int] = mapped_column(BIGINT, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BIGINT, primary_key=True, autoincrement=False)
    more: Mapped[bytes | None] = mapped_column(BLOB)


AUDIT_TABLES = tuple(m.__tablename__ for m in (AuditEvent, AuditEventSubject, AuditEventId, AuditPosting, AuditNode,
                                               AuditBlock, AuditState, AuditHead, AuditTimestamp))
