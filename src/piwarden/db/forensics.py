"""Forensics' own state: where each named reader of the audit log stopped (``forensics_cursors``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from piwarden.db.base import Base


class ForensicsCursor(Base):
    """One reader (``piwarden forensics anomalies --audit --cursor NAME``): the next leaf it has to read."""

    __tablename__ = "forensics_cursors"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
