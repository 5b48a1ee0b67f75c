"""The scan inventory: runs, assets (a file or a table) and their columns (``piwarden scan``).

No raw value is stored: column examples are masked before they get here, fingerprints are
hashes (``piwarden.scan.inventory`` writes and reads these tables).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from piwarden.db.base import Base


class ScanRun(Base):
    """One ``piwarden scan``: its targets (passwords hidden), options, counts and time."""

    __tablename__ = "scan_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    targets: Mapped[list[str]] = mapped_column(JSON)
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    assets: Mapped[int] = mapped_column(Integer, default=0)
    scanned: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float | None] = mapped_column(Float)


class ScanAsset(Base):
    """One file or table, unique by (store, asset): fingerprint, PI types found, grade."""

    __tablename__ = "scan_assets"
    __table_args__ = (UniqueConstraint("store", "asset", name="uq_scan_assets_store_asset"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store: Mapped[str] = mapped_column(String(500))
    asset: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    mtime_ns: Mapped[int | None] = mapped_column(BigInteger)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    rows: Mapped[int | None] = mapped_column(BigInteger)
    sampled: Mapped[int] = mapped_column(Integer, default=0)
    types: Mapped[dict[str, int]] = mapped_column(JSON)
    category: Mapped[str | None] = mapped_column(String(32))
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    grade: Mapped[int] = mapped_column(Integer, default=0)
    subjects: Mapped[int | None] = mapped_column(BigInteger)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    scanned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))


class ScanColumn(Base):
    """One column of an asset (a document has one, ``(text)``): type, share, grade, masked examples."""

    __tablename__ = "scan_columns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset_id: Mapped[int] = mapped_column(Integer, ForeignKey("scan_assets.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    entity: Mapped[str | None] = mapped_column(String(40))
    confidence: Mapped[float] = mapped_column(Float)
    share: Mapped[float] = mapped_column(Float)
    sampled: Mapped[int] = mapped_column(Integer)
    non_null: Mapped[int] = mapped_column(Integer)
    distinct: Mapped[int] = mapped_column(Integer)
    free_text: Mapped[bool] = mapped_column(Boolean)
    types: Mapped[dict[str, int]] = mapped_column(JSON)
    also: Mapped[list[str]] = mapped_column(JSON)
    hint: Mapped[str | None] = mapped_column(String(40))
    basis: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(32))
    sensitive: Mapped[bool] = mapped_column(Boolean)
    grade: Mapped[int] = mapped_column(Integer)
    examples: Mapped[list[str]] = mapped_column(JSON)
    subjects: Mapped[int | None] = mapped_column(BigInteger)
