"""The incident register: open an incident from a leak case or an alert, run its clocks, record the response.

The deadlines are data (``reporting.yaml``: hours, to whom, the article and the words they come
from), not code, so a platform's counsel can read and replace them. A clock is an absolute
duration from the moment the incident was detected or learned of, so it is the same instant in
every time zone; it is *shown* in the incident's zone (the platform's, default Asia/Shanghai),
where a 4-hour clock started at 23:30 ends at 03:30 the next day.

Every step of the response (opened, a remedy, reported, notified, closed) is stored with the
access event that records it in the audit log (action ``update`` on resource ``incident``,
naming the affected subjects), so the evidence pack's log shows what was done and when.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import yaml
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine

from piwarden.audit.log import AuditLog
from piwarden.db import writing
from piwarden.db.base import table_of
from piwarden.db.incidents import Incident, IncidentStep, IncidentSubject
from piwarden.db.vault import VaultApiKey, VaultHold, VaultSession

SEVERITIES = ("general", "relatively_major", "major", "especially_major")
SEVERITY_NAMES = {"general": ("general", "一般"), "relatively_major": ("relatively major", "较大"),
                  "major": ("major", "重大"), "especially_major": ("especially major", "特别重大")}
OPERATOR_CLASSES = ("cii", "central_organ", "other")
REMEDIES = ("hold", "revoke_sessions", "revoke_keys")
INCIDENTS, SUBJECTS, STEPS = table_of(Incident), table_of(IncidentSubject), table_of(IncidentStep)


class IncidentError(ValueError):
    """A request the register cannot carry out (named, never with a value)."""


@dataclass(frozen=True)
class Rules:
    """The reporting clocks and severity thresholds, with their sources."""

    data: dict[str, Any]

    @classmethod
    def load(cls, path: Path | None = None) -> Rules:
        try:
            text = path.read_text("utf-8") if path else resources.files("piwarden.evidence").joinpath(
                "reporting.yaml").read_text("utf-8")
            data = yaml.safe_load(text)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            raise IncidentError(f"cannot read the reporting rules {path}") from None
        if not isinstance(data, dict) or {"reporting", "notification", "severity", "sources"} - set(data):
            raise IncidentError("reporting rules need 'reporting', 'notification', 'severity' and 'sources'")
        return cls(data)

    def severity_for(self, persons: int) -> str:
        for s in sorted(self.data["severity"], key=lambda s: -int(s["persons"])):
            if persons >= int(s["persons"]):
                return str(s["level"])
        return "general"

    def report_rule(self, operator_class: str) -> dict[str, Any]:
        for r in self.data["reporting"]["rules"]:
            if r["operator_class"] == operator_class:
                return dict(r)
        raise IncidentError(f"no reporting rule for operator class {operator_class!r}")

    def source(self, key: str) -> dict[str, str]:
        return dict(self.data["sources"][key])


@lru_cache(maxsize=1)
def bundled_rules() -> Rules:
    return Rules.load()


@dataclass
class Clock:
    """One deadline: what, to whom, due when (None: immediately), done when, and where it comes from."""

    what: tuple[str, str]
    to: tuple[str, str]
    due: datetime | None
    done: datetime | None
    source: str
    quote: str

    def left(self, now: datetime) -> timedelta | None:
        return None if self.due is None else self.due - now

    def status(self, now: datetime) -> str:
        if self.done is not None:
            return "done" if self.due is None or self.done <= self.due else "done late"
        if self.due is None:
            return "due now"
        return "overdue" if now > self.due else "running"


@dataclass
class IncidentView:
    id: str
    title: str
    source: str
    operator_class: str
    severity: str
    persons: int
    sensitive: bool
    fields: list[str]
    zone: str
    detected: datetime
    opened: datetime
    closed: datetime | None
    subjects: list[str] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)

    def local(self, t: datetime) -> datetime:
        return t.astimezone(ZoneInfo(self.zone))

    def at(self, t: datetime) -> str:
        """A time as the incident shows it: local, with its offset (``2026-12-07T03:30+08:00``)."""
        return self.local(t).isoformat(timespec="minutes")

    def clocks(self, rules: Rules) -> list[Clock]:
        """The reporting clock (if the severity is reportable) and the notification of people and authority."""
        out = []
        done = {s["kind"]: _dt(s["at_us"]) for s in self.steps}
        if self.severity in rules.data["reporting"]["reportable"]:
            r = rules.report_rule(self.operator_class)
            out.append(Clock(("report to the regulator", "向监管部门报告"), (r["to"]["en"], r["to"]["zh"]),
                             self.detected + timedelta(hours=float(r["hours"])), done.get("reported"), r["source"],
                             r["quote"]))
        n = rules.data["notification"]
        out.append(Clock(("notify the people affected and the authority", "通知个人和履行个人信息保护职责的部门"),
                         ("the people affected", "受影响的个人"),
                         None if not n.get("hours") else self.detected + timedelta(hours=float(n["hours"])),
                         done.get("notified"), n["source"], n["quote"]))
        return out


def _us(t: datetime) -> int:
    return int(t.timestamp() * 1_000_000)


def _dt(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1e6, UTC)


def _new_id(engine: Engine, opened: datetime, zone: str) -> str:
    day = opened.astimezone(ZoneInfo(zone)).strftime("%Y%m%d")
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(INCIDENTS).where(INCIDENTS.c.id.like(f"INC-{day}-%"))).scalar()
    return f"INC-{day}-{int(n or 0) + 1:03d}"


def _event(incident: str, subjects: list[str], by: str, action: str, detail: dict[str, Any]) -> dict[str, Any]:
    """The access event of a step: who did what to which incident, naming the subjects it concerns."""
    return {"id": f"inc-{uuid.uuid4().hex}", "ts": datetime.now(UTC).isoformat(timespec="microseconds"),
            "actor": by, "party": "platform.security", "role": "security", "action": action, "resource": "incident",
            "records": [incident], "subjects": subjects or ["-"], "fields": [], "purpose": "incident_response",
            "query": {"incident": incident, **detail}}


class Register:
    """The incident register over the piwarden database; steps are also appended to the audit log."""

    def __init__(self, engine: Engine, log: AuditLog, rules: Rules | None = None) -> None:
        self.engine, self.log, self.rules = engine, log, rules or bundled_rules()

    def open(self, *, title: str, source: str, subjects: list[str], fields: list[str], detected: datetime,
             by: str, persons: int | None = None, sensitive: bool = False, operator_class: str = "other",
             severity: str | None = None, zone: str = "Asia/Shanghai") -> str:
        if operator_class not in OPERATOR_CLASSES:
            raise IncidentError(f"operator class must be one of {', '.join(OPERATOR_CLASSES)}")
        if severity is not None and severity not in SEVERITIES:
            raise IncidentError(f"severity must be one of {', '.join(SEVERITIES)}")
        if detected.tzinfo is None:
            raise IncidentError("the detection time needs a time zone offset")
        try:
            ZoneInfo(zone)
        except (KeyError, ValueError):
            raise IncidentError("unknown time zone (an IANA name such as Asia/Shanghai)") from None
        people = len(set(subjects)) if persons is None else persons
        level = severity or self.rules.severity_for(people)
        opened = datetime.now(UTC)
        subjects = sorted(set(subjects))
        with writing(self.engine) as conn:
            iid = _new_id(self.engine, opened, zone)
            conn.execute(insert(INCIDENTS).values(id=iid, title=title, source=source, operator_class=operator_class,
                                                  severity=level, persons=people, sensitive=sensitive,
                                                  fields=orjson.dumps(sorted(fields)).decode(), zone=zone,
                                                  detected_us=_us(detected), opened_us=_us(opened), closed_us=None))
            if subjects:
                conn.execute(insert(SUBJECTS), [{"incident_id": iid, "subject": s} for s in subjects])
        self.step(iid, "opened", by, {"source": source, "severity": level, "persons": people}, action="create")
        return iid

    def step(self, iid: str, kind: str, by: str, detail: dict[str, Any], action: str = "update") -> int:
        """Record one step in the register and in the audit log; returns the log leaf."""
        inc = self.get(iid)
        event = _event(iid, inc.subjects, by, action, {"step": kind, **detail})
        leaf = self.log.append(event)
        with writing(self.engine) as conn:
            conn.execute(insert(STEPS).values(incident_id=iid, at_us=_us(datetime.fromisoformat(event["ts"])),
                                              kind=kind, detail=orjson.dumps(detail).decode(), event_id=event["id"],
                                              leaf=leaf))
        return leaf

    def get(self, iid: str) -> IncidentView:
        with self.engine.connect() as conn:
            row = conn.execute(select(INCIDENTS).where(INCIDENTS.c.id == iid)).first()
            if row is None:
                raise IncidentError(f"no incident {iid}")
            subjects = [r.subject for r in conn.execute(select(SUBJECTS.c.subject).where(
                SUBJECTS.c.incident_id == iid).order_by(SUBJECTS.c.subject))]
            steps = [{"at_us": s.at_us, "kind": s.kind, "detail": orjson.loads(s.detail), "event_id": s.event_id,
                      "leaf": s.leaf} for s in conn.execute(select(STEPS).where(STEPS.c.incident_id == iid)
                                                             .order_by(STEPS.c.at_us, STEPS.c.id))]
        return IncidentView(row.id, row.title, row.source, row.operator_class, row.severity, row.persons,
                            row.sensitive, orjson.loads(row.fields), row.zone, _dt(row.detected_us),
                            _dt(row.opened_us), None if row.closed_us is None else _dt(row.closed_us), subjects, steps)

    def list(self, include_closed: bool = False) -> list[IncidentView]:
        stmt = select(INCIDENTS.c.id).order_by(INCIDENTS.c.detected_us.desc())
        if not include_closed:
            stmt = stmt.where(INCIDENTS.c.closed_us.is_(None))
        with self.engine.connect() as conn:
            ids = [r.id for r in conn.execute(stmt)]
        return [self.get(i) for i in ids]

    def remedy(self, iid: str, kind: str, target: str, by: str) -> int:
        """Carry out a remedial action on the vault (hold an account to approval-only, end its sessions, revoke its
        API keys) and record it; returns the log leaf."""
        if kind not in REMEDIES:
            raise IncidentError(f"remedy must be one of {', '.join(REMEDIES)}")
        self.get(iid)
        now = _us(datetime.now(UTC))
        with writing(self.engine) as conn:
            if kind == "hold":
                holds = table_of(VaultHold)
                if conn.execute(select(holds.c.actor).where(holds.c.actor == target)).first() is None:
                    conn.execute(insert(holds).values(actor=target, since_us=now, reason=f"incident {iid}",
                                                      alert_id=None))
                changed = 1
            elif kind == "revoke_sessions":
                sessions = table_of(VaultSession)
                changed = conn.execute(delete(sessions).where(sessions.c.account_id == target)).rowcount
            else:
                keys = table_of(VaultApiKey)
                changed = conn.execute(update(keys).where(keys.c.account_id == target, keys.c.revoked_us.is_(None))
                                       .values(revoked_us=now)).rowcount
        return self.step(iid, f"remedy:{kind}", by, {"target": target, "changed": int(changed or 0)})

    def close(self, iid: str, by: str, summary: str = "") -> int:
        inc = self.get(iid)
        if inc.closed is not None:
            raise IncidentError(f"incident {iid} is already closed")
        leaf = self.step(iid, "closed", by, {"summary": summary[:500]})
        with writing(self.engine) as conn:
            conn.execute(update(INCIDENTS).where(INCIDENTS.c.id == iid).values(closed_us=_us(datetime.now(UTC))))
        return leaf


def human_left(delta: timedelta | None) -> str:
    """``3h 12m left`` / ``overdue by 1h 05m`` / ``immediately``."""
    if delta is None:
        return "immediately"
    minutes = int(abs(delta.total_seconds()) // 60)
    d, rest = divmod(minutes, 1440)
    text = (f"{d}d " if d else "") + f"{rest // 60}h {rest % 60:02d}m"
    return f"{text} left" if delta.total_seconds() >= 0 else f"overdue by {text}"
