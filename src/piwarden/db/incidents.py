"""Incident register: incidents opened from a leak case or an alert, their subjects, and every step taken."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from piwarden.db.base import Base

BIGINT = BigInteger().with_variant(Integer(), "sqlite")


class Incident(Base):
    """One personal-information security incident: what, how severe, since when, which clocks run."""

    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(300))  # "leak:<case>", "alert:<id>", "manual"
    operator_class: Mapped[str] = mapped_column(String(32))  # reporting rules: cii, central_organ, other
    severity: Mapped[str] = mapped_column(String(16))  # general, relatively_major, major, especially_major
    persons: Mapped[int] = mapped_column(BIGINT)
    sensitive: Mapped[bool] = mapped_column(Boolean)
    fields: Mapped[str] = mapped_column(Text)  # JSON list of the field names involved
    zone: Mapped[str] = mapped_column(String(64))  # IANA zone the clocks and letters are shown in
    detected_us: Mapped[int] = mapped_column(BIGINT)
    opened_us: Mapped[int] = mapped_column(BIGINT)
    closed_us: Mapped[int | None] = mapped_column(BIGINT, nullable=True)


class IncidentSubject(Base):
    """A data subject affected by an incident."""

    __tablename__ = "incident_subjects"

    incident_id: Mapped[str] = mapped_column(String(64), ForeignKey("incidents.id", ondelete="CASCADE"),
                                             primary_key=True)
    subject: Mapped[str] = mapped_column(String(128), primary_key=True)


class IncidentStep(Base):
    """One step of the response (reported, notified, a remedy, closed), with the audit event that records it."""

    __tablename__ = "incident_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(String(64), ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    at_us: Mapped[int] = mapped_column(BIGINT)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)  # JSON, ids and counts only
    event_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    leaf: Mapped[int | None] = mapped_column(BIGINT, nullable=True)


INCIDENT_TABLES = ("incidents", "incident_subjects", "incident_steps")
