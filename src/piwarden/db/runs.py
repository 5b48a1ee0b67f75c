"""Detection runs: one row per recorded ``piwarden demo`` (counts by type, never values)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from piwarden.db.base import Base


class DetectRun(Base):
    """What one detection run found: how much it read and how many spans of each type."""

    __tablename__ = "detect_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(500))
    records: Mapped[int] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    spans_by_type: Mapped[dict[str, Any]] = mapped_column(JSON)
