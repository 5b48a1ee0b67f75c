"""The alerts ``piwarden forensics watch`` raised, and the analysts' verdicts: the ``forensics_alerts`` table.

An alert is one actor on one local day (its id, :func:`alert_id`, is made of both), so a watcher that
restarts from an older checkpoint and raises the same alert again finds it here and does not send it
twice. An analyst marks an alert true (a real insider) or false (a false alarm) with
``piwarden forensics feedback ALERT_ID --true|--false``; :meth:`AlertStore.feedback` turns the verdicts
into :class:`~.feedback.Feedback` the detector weighs every finding with:

- a false alarm dismisses the alert's *pattern* for its actor: each reason code it fired on
  (``context``, ``rule.keyed_lookup_without_ticket``, ...) counts x0.2 for that actor from then on, so
  the same behaviour by the same actor scores lower and, unless it grows, does not alert again;
- a true alarm is kept as a label (for calibration and reports) and confirms the actor (x2 on its later
  findings, as ``feedback --verdict confirm`` does).

The table holds actor ids, alert ids, reason codes and scores: never a subject or a value.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from piwarden.db import DatabaseError, open_engine
from piwarden.db.base import table_of
from piwarden.db.forensics import ForensicsAlert
from piwarden.forensics.anomalies.feedback import Feedback
from piwarden.home import redact_url

forensics_alerts = table_of(ForensicsAlert)
VERDICTS = {True: "true", False: "false"}


class AlertStoreError(RuntimeError):
    """The alerts table could not be read or written, or an alert id is unknown; no credentials, no values."""


def alert_id(actor: str, day: str) -> str:
    """The id of an actor's alert for one local day: stable across restarts, no PI (a hash of ids)."""
    return "al-" + hashlib.sha256(f"{actor}\x00{day}".encode()).hexdigest()[:16]


class AlertStore:
    """Raised alerts and verdicts in the piwarden database at ``url``."""

    def __init__(self, url: str) -> None:
        self.url_safe = redact_url(url)
        try:
            self.engine = open_engine(url)
        except DatabaseError as exc:
            raise AlertStoreError(str(exc)) from None

    def _fail(self, what: str, exc: Exception) -> AlertStoreError:
        return AlertStoreError(f"cannot {what} in {self.url_safe}: {type(exc).__name__}")

    def record(self, alert: dict[str, Any], watcher: str) -> bool:
        """Store a raised alert (``watch`` JSON); False if an alert of that id was stored before (not new)."""
        row = {"id": alert["id"], "watcher": watcher, "actor": alert["actor"], "day": alert["day"],
               "score": float(alert["score"]), "codes": json.dumps(alert.get("codes", [])),
               "raised_at": alert.get("raised_at", ""), "created_at": datetime.now(UTC)}
        try:
            with self.engine.begin() as conn:
                if conn.execute(select(forensics_alerts.c.id).where(forensics_alerts.c.id == row["id"])).first():
                    return False
                conn.execute(forensics_alerts.insert().values(**row))
        except IntegrityError:
            return False  # another watcher stored it first
        except SQLAlchemyError as exc:
            raise self._fail("store an alert", exc) from None
        return True

    def get(self, aid: str) -> dict[str, Any] | None:
        try:
            with self.engine.connect() as conn:
                row = conn.execute(select(forensics_alerts).where(forensics_alerts.c.id == aid)).mappings().first()
        except SQLAlchemyError as exc:
            raise self._fail("read alert", exc) from None
        return None if row is None else _public(dict(row))

    def set_verdict(self, aid: str, true_alarm: bool, note: str | None = None) -> dict[str, Any]:
        """Record the analyst's verdict on alert ``aid``; the alert as stored now."""
        try:
            with self.engine.begin() as conn:
                done = conn.execute(update(forensics_alerts).where(forensics_alerts.c.id == aid)
                                    .values(verdict=VERDICTS[true_alarm], verdict_at=datetime.now(UTC), note=note))
        except SQLAlchemyError as exc:
            raise self._fail("record a verdict", exc) from None
        if done.rowcount == 0:
            raise AlertStoreError(f"no alert {aid!r} in {self.url_safe} (ids are in the alerts `forensics watch` "
                                  "wrote)")
        got = self.get(aid)
        assert got is not None
        return got

    def alerts(self, verdict_only: bool = False) -> list[dict[str, Any]]:
        """Every stored alert, oldest first (or those with a verdict only)."""
        q = select(forensics_alerts).order_by(forensics_alerts.c.created_at, forensics_alerts.c.id)
        if verdict_only:
            q = q.where(forensics_alerts.c.verdict.is_not(None))
        try:
            with self.engine.connect() as conn:
                return [_public(dict(r)) for r in conn.execute(q).mappings()]
        except SQLAlchemyError as exc:
            raise self._fail("read alerts", exc) from None

    def feedback(self, base: Feedback | None = None) -> Feedback:
        """The verdicts as feedback entries (after ``base``'s, e.g. a feedback file's): see the module."""
        fb = Feedback(list(base.entries) if base is not None else [])
        for a in self.alerts(verdict_only=True):
            if a["verdict"] == "false":
                for code in a["codes"] or [None]:
                    fb.entries.append({"actor": a["actor"], "verdict": "dismiss", "reason": code, "alert": a["id"]})
            else:
                fb.entries.append({"actor": a["actor"], "verdict": "confirm", "reason": None, "alert": a["id"]})
        return fb

    def close(self) -> None:
        self.engine.dispose()


def _public(row: dict[str, Any]) -> dict[str, Any]:
    row["codes"] = json.loads(row["codes"]) if row.get("codes") else []
    for k in ("created_at", "verdict_at"):
        if isinstance(row.get(k), datetime):
            row[k] = row[k].isoformat(timespec="seconds")
    return row
