"""Forensics' own state: where each named reader of the audit log stopped (``forensics_cursors``), and the
alerts `forensics watch` raised with the analysts' verdicts (``forensics_alerts``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from piwarden.db.base import Base


class ForensicsCursor(Base):
    """One reader (``piwarden forensics anomalies --audit --cursor NAME``): the next leaf it has to read."""

    __tablename__ = "forensics_cursors"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ForensicsAlert(Base):
    """One alert `piwarden forensics watch` raised, and the analyst's verdict on it (ids, codes, a score: no PI).

    The id is the alert's (``watch.alert_id``: actor and day), so an alert raised again after a restart is
    found here and not sent twice; the verdict (``true``: a real insider, ``false``: a false alarm) is the
    label `piwarden forensics feedback ALERT_ID --true|--false` records and the next scoring uses.
    """

    __tablename__ = "forensics_alerts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    watcher: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(200), index=True)
    day: Mapped[str] = mapped_column(String(10))
    score: Mapped[float] = mapped_column(Float)
    codes: Mapped[str] = mapped_column(Text)  # JSON list of the reason codes the alert fired on
    raised_at: Mapped[str] = mapped_column(String(40))  # event time of the scoring that raised it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    verdict: Mapped[str | None] = mapped_column(String(8), nullable=True)
    verdict_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
