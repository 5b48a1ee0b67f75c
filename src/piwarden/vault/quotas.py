"""Guards against insiders: per-actor rate limits and daily quotas, alerts, and holds (approval-only).

The insurance case: agents looked up any customer by policy number, no ticket, and sold what
they saw. Policy rules decide each field; quotas bound how much one actor may do at all. A
quota is declared in the policy file beside the rules::

    quotas:
      - id: cs-ticketless-lookups
        roles: [customer_service]
        actions: [search]        # search (look-ups by keyed identifier) | view | reveal
        ticket: absent           # count only calls without a ticket (any: every call)
        grades: [L3, L4]         # count only calls asking to reveal fields of these grades
        per_minute: 10           # and/or per_day (the policy's time zone's calendar day)
        on_exceed: hold          # refuse (default) | hold: also switch the actor to approval-only

A call counts the records it touches (at least 1: a look-up that finds nothing is still an
attempt) against every quota it matches, with one atomic increment per window in a store that
every worker shares: the piwarden database, or Redis when ``vault.redis_url`` is set. The call
that takes a count past a limit is refused (its access event says ``denied``), and an alert is
raised once per window: stored in ``vault_alerts`` with the actor's events of that window as
evidence (leaf indexes in the audit log, so each has an inclusion proof), POSTed to
``vault.alert_webhook`` when set, and, for ``on_exceed: hold``, the actor is held: every reveal
needs an approval until someone releases it (``piwarden vault release``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from piwarden.audit.log import AuditLog
from piwarden.audit.store_base import Query
from piwarden.db import writing
from piwarden.db.base import table_of
from piwarden.db.vault import VaultAlert, VaultHold, VaultQuotaCount

COUNTS, ALERTS, HOLDS = table_of(VaultQuotaCount), table_of(VaultAlert), table_of(VaultHold)
QuotaAction = Literal["search", "view", "reveal"]
QUOTA_ACTIONS: tuple[QuotaAction, ...] = ("search", "view", "reveal")
RESERVE_SHARE, RESERVE_MAX = 50, 100  # a worker reserves at most 1/50 of a window's limit at once, 100 at most
EVIDENCE_LIMIT = 200  # events cited in one alert: the window's most recent
_log = logging.getLogger("piwarden.vault")


def _grade(value: Any) -> int:
    if isinstance(value, int) and 1 <= value <= 4:
        return value
    if isinstance(value, str) and len(value) == 2 and value[0] in "Ll" and value[1] in "1234":
        return int(value[1])
    raise ValueError("a grade is L1, L2, L3 or L4")


class QuotaDecl(BaseModel):
    """One quota as written in the policy file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    roles: list[str] | Literal["*"] = "*"
    actions: list[QuotaAction] = Field(default_factory=lambda: list(QUOTA_ACTIONS))
    resources: list[str] | Literal["*"] = "*"
    ticket: Literal["absent", "any"] = "any"
    grades: list[int] | None = None
    per_minute: int | None = Field(default=None, gt=0)
    per_day: int | None = Field(default=None, gt=0)
    on_exceed: Literal["refuse", "hold"] = "refuse"

    @field_validator("grades", mode="before")
    @classmethod
    def _grades(cls, value: Any) -> Any:
        return [_grade(v) for v in value] if isinstance(value, list) else value

    @model_validator(mode="after")
    def _limited(self) -> QuotaDecl:
        if self.per_minute is None and self.per_day is None:
            raise ValueError("a quota needs per_minute, per_day or both")
        for name in ("roles", "resources", "actions"):
            if getattr(self, name) == []:
                raise ValueError(f"{name} is empty: write '*' for any, or leave it out")
        return self


@dataclass(frozen=True, slots=True)
class Usage:
    """What one call does, as the quotas see it."""

    actor: str
    role: str
    actions: frozenset[str]  # search or view, and reveal when the call asks for fields in clear
    resource: str
    ticket: str | None
    grades: frozenset[int]  # the grades of the fields the call asks to reveal
    amount: int  # records touched, at least 1
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Window:
    name: Literal["minute", "day"]
    limit: int
    key: str  # the bucket: minute number or local date
    ends: datetime


@dataclass(frozen=True, slots=True)
class Exceeded:
    """The quota a call took past its limit: which window, the count with this call, the limit."""

    quota: QuotaDecl
    window: Window
    count: int

    @property
    def reason(self) -> str:
        return (f"quota {self.quota.id} exceeded: {self.count} of {self.window.limit} per {self.window.name}; "
                f"the attempt is logged and an alert raised")


class Quotas:
    """A policy's quotas, compiled: which match a call, and its windows."""

    def __init__(self, decls: Sequence[QuotaDecl], zone: ZoneInfo) -> None:
        self.decls, self.zone = list(decls), zone

    def __bool__(self) -> bool:
        return bool(self.decls)

    def matching(self, use: Usage) -> list[QuotaDecl]:
        out = []
        for q in self.decls:
            if q.roles != "*" and use.role not in q.roles:
                continue
            if use.actions.isdisjoint(q.actions) or (q.resources != "*" and use.resource not in q.resources):
                continue
            if q.ticket == "absent" and use.ticket:
                continue
            if q.grades is not None and not use.grades & set(q.grades):
                continue
            out.append(q)
        return out

    def windows(self, q: QuotaDecl, at: datetime | None) -> list[Window]:
        now = (at or datetime.now(UTC)).astimezone(self.zone)
        out = []
        if q.per_minute is not None:
            start = now.replace(second=0, microsecond=0)
            out.append(Window("minute", q.per_minute, start.strftime("m%Y%m%d%H%M"), start + timedelta(minutes=1)))
        if q.per_day is not None:
            start = now.replace(hour=0, minute=0, second=0, microsecond=0)
            out.append(Window("day", q.per_day, start.strftime("d%Y%m%d"),
                              (start + timedelta(days=1)).replace(hour=0)))
        return out


def reserve(limit: int) -> int:
    """How much of a window one worker takes from the shared counter at once."""
    return max(1, min(RESERVE_MAX, limit // RESERVE_SHARE))


class Counter(Protocol):
    """Shared counters: add each amount to its key (expiring at the given end) and return the new counts."""

    def hit(self, items: Sequence[tuple[str, datetime, int]]) -> list[int]: ...

    def close(self) -> None: ...


def _us(t: datetime) -> int:
    return int(t.timestamp() * 1_000_000)


class DbCounter:
    """Counters in the piwarden database: ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` (SQLite, PostgreSQL)."""

    def __init__(self, writer: Engine) -> None:
        self.writer = writer
        self._dialect = writer.url.get_backend_name()
        self._insert = postgresql.insert if self._dialect == "postgresql" else sqlite.insert
        self._last_sweep = 0.0

    def hit(self, items: Sequence[tuple[str, datetime, int]]) -> list[int]:
        out = []
        with writing(self.writer) as conn:
            for key, ends, amount in items:
                stmt = self._insert(COUNTS).values(key=key, count=amount, expires_us=_us(ends))
                stmt = stmt.on_conflict_do_update(index_elements=[COUNTS.c.key],
                                                  set_={"count": COUNTS.c.count + amount})
                out.append(int(conn.execute(stmt.returning(COUNTS.c.count)).scalar_one()))
            now = datetime.now(UTC).timestamp()
            if now - self._last_sweep > 300:  # windows that ended: gone, now and then
                self._last_sweep = now
                conn.execute(delete(COUNTS).where(COUNTS.c.expires_us < int(now * 1_000_000)))
        return out

    def close(self) -> None:
        return None


class RedisCounter:
    """Counters in Redis: ``INCRBY`` and an expiry at the window's end, in one pipeline."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url)

    def hit(self, items: Sequence[tuple[str, datetime, int]]) -> list[int]:
        pipe = self.client.pipeline(transaction=False)
        for key, ends, amount in items:
            pipe.incrby(f"piwarden:quota:{key}", amount)
            pipe.expireat(f"piwarden:quota:{key}", ends + timedelta(seconds=60))
        replies = pipe.execute()
        return [int(r) for r in replies[0::2]]

    def close(self) -> None:
        self.client.close()


@dataclass(frozen=True)
class Alert:
    """An alert as stored and sent (no value: ids, counts and the rule)."""

    id: str
    at_us: int
    actor: str
    role: str
    kind: str
    rule: str
    detail: dict[str, Any]
    event_id: str
    held: bool

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "at_us": self.at_us, "actor": self.actor, "role": self.role, "kind": self.kind,
                "rule": self.rule, "event_id": self.event_id, "held": self.held, **self.detail}


class Guards:
    """Quotas, alerts and holds over one database (and optionally Redis); thread-safe."""

    def __init__(self, quotas: Quotas, counter: Counter, writer: Engine, log: AuditLog,
                 webhook: str | None = None, reader: Engine | None = None) -> None:
        self.quotas, self.counter, self.writer, self.log, self.webhook = quotas, counter, writer, log, webhook
        self.reader = reader or writer
        self._lock = threading.Lock()
        self._local: dict[str, int] = {}  # window key -> what this worker reserved and has not spent
        self._held: dict[str, tuple[float, bool]] = {}  # actor -> (monotonic deadline, held): read at most each second
        self.held_cache_s = 1.0

    # -- quotas -----------------------------------------------------------------------------
    def charge(self, use: Usage) -> Exceeded | None:
        """Count the call against every quota it matches; the first window it takes past its limit, if any.

        A worker reserves a share of a window at once (``reserve``) and spends it locally, so a
        loose quota costs a shared write now and then, not on every call; a tight one (limit
        under ``RESERVE_SHARE`` x 2) reserves one at a time and stays exact across workers.
        """
        matched = self.quotas.matching(use)
        if not matched:
            return None
        slots: list[tuple[QuotaDecl, Window]] = [(q, w) for q in matched for w in self.quotas.windows(q, use.at)]
        pending: list[tuple[int, str, int, int]] = []  # slot, key, local share taken, reservation
        with self._lock:
            for i, (q, w) in enumerate(slots):
                key = f"{q.id}|{use.actor}|{w.key}"
                left = self._local.pop(key, 0)
                if left >= use.amount:
                    self._local[key] = left - use.amount
                else:
                    pending.append((i, key, left, max(use.amount - left, reserve(w.limit))))
        if not pending:
            return None
        totals = self.counter.hit([(key, slots[i][1].ends, n) for i, key, _, n in pending])
        exceeded = None
        with self._lock:
            if len(self._local) > 50_000:  # ended windows' shares: dropped (a dropped share is never handed out)
                self._local.clear()
            for (i, key, left, n), total in zip(pending, totals, strict=True):
                q, w = slots[i]
                usable = left + max(0, min(n, w.limit - (total - n)))  # what of the reservation is under the limit
                if usable >= use.amount:
                    self._local[key] = self._local.get(key, 0) + usable - use.amount
                elif exceeded is None:
                    exceeded = Exceeded(q, w, total)
        return exceeded

    # -- alerts -----------------------------------------------------------------------------
    def _evidence(self, actor: str, since: datetime) -> list[dict[str, Any]]:
        found = self.log.query(Query(actor=actor, since_us=_us(since), limit=100_000))
        return [{"event_id": orjson.loads(e.body).get("id") if e.body else None, "index": e.index}
                for e in found[-EVIDENCE_LIMIT:]]

    def raise_alert(self, use: Usage, exceeded: Exceeded, event_id: str) -> Alert | None:
        """Store (once per actor, quota and window) and send an alert; hold the actor if the quota says so."""
        q, w = exceeded.quota, exceeded.window
        alert_id = "va-" + uuid.uuid5(uuid.NAMESPACE_URL, f"{q.id}|{use.actor}|{w.key}").hex
        start = w.ends - (timedelta(minutes=1) if w.name == "minute" else timedelta(days=1))
        detail = {"window": w.name, "window_key": w.key, "limit": w.limit, "count": exceeded.count,
                  "evidence": self._evidence(use.actor, start)}
        alert = Alert(alert_id, _us(datetime.now(UTC)), use.actor, use.role, "quota", q.id, detail, event_id,
                      q.on_exceed == "hold")
        with writing(self.writer) as conn:
            if conn.execute(select(ALERTS.c.id).where(ALERTS.c.id == alert_id)).first() is not None:
                return None  # this window already alerted
            conn.execute(insert(ALERTS).values(id=alert.id, at_us=alert.at_us, actor=alert.actor, role=alert.role,
                                               kind=alert.kind, rule=alert.rule, detail=orjson.dumps(detail).decode(),
                                               event_id=event_id, held=alert.held))
            if alert.held and conn.execute(select(HOLDS.c.actor).where(HOLDS.c.actor == use.actor)).first() is None:
                conn.execute(insert(HOLDS).values(actor=use.actor, since_us=alert.at_us, alert_id=alert.id,
                                                  reason=f"quota {q.id} exceeded"))
        self._held.pop(use.actor, None)  # after the commit: the next read sees the hold
        _log.warning("vault alert %s: actor %s exceeded quota %s (%d of %d per %s)", alert.id, use.actor, q.id,
                     exceeded.count, w.limit, w.name)
        if self.webhook:
            threading.Thread(target=self._send, args=(alert,), daemon=True, name="piwarden-alert").start()
        return alert

    def _send(self, alert: Alert) -> None:
        import httpx

        with contextlib.suppress(httpx.HTTPError):
            assert self.webhook is not None
            httpx.post(self.webhook, json=alert.as_json(), timeout=10.0)

    def alerts(self, actor: str | None = None, limit: int = 100) -> list[Alert]:
        stmt = select(ALERTS).order_by(ALERTS.c.at_us.desc()).limit(limit)
        if actor is not None:
            stmt = stmt.where(ALERTS.c.actor == actor)
        with self.reader.connect() as conn:
            rows = conn.execute(stmt).all()
        return [Alert(r.id, r.at_us, r.actor, r.role, r.kind, r.rule, orjson.loads(r.detail), r.event_id, r.held)
                for r in rows]

    # -- holds ------------------------------------------------------------------------------
    def held(self, actor: str) -> bool:
        """Whether the actor is held (a hold set by another worker is seen within ``held_cache_s``)."""
        hit = self._held.get(actor)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        with self.reader.connect() as conn:
            found = conn.execute(select(HOLDS.c.actor).where(HOLDS.c.actor == actor)).first() is not None
        if len(self._held) > 10_000:
            self._held.clear()
        self._held[actor] = (time.monotonic() + self.held_cache_s, found)
        return found

    def hold(self, actor: str, reason: str, alert_id: str | None = None) -> bool:
        """Switch an actor to approval-only (by hand, or for an alert raised elsewhere); False if it already was."""
        done = hold_actor(self.writer, actor, reason, alert_id)
        self._held.pop(actor, None)
        return done

    def release(self, actor: str) -> bool:
        """End an actor's hold; False if it had none."""
        with writing(self.writer) as conn:
            done = bool(conn.execute(delete(HOLDS).where(HOLDS.c.actor == actor)).rowcount)
        self._held.pop(actor, None)
        return done

    def holds(self) -> list[tuple[str, int, str, str | None]]:
        with self.reader.connect() as conn:
            return [(r.actor, r.since_us, r.reason, r.alert_id)
                    for r in conn.execute(select(HOLDS).order_by(HOLDS.c.since_us)).all()]

    def close(self) -> None:
        self.counter.close()


def hold_actor(writer: Engine, actor: str, reason: str, alert_id: str | None = None) -> bool:
    """Hold ``actor`` to approval-only in the vault's database (every worker sees it within a second);
    False if it already was. ``forensics watch --hold-over`` calls this for the streaming detector's alerts,
    citing their ids (``forensics_alerts``), without opening the vault's keys."""
    with writing(writer) as conn:
        if conn.execute(select(HOLDS.c.actor).where(HOLDS.c.actor == actor)).first() is not None:
            return False
        conn.execute(insert(HOLDS).values(actor=actor, since_us=_us(datetime.now(UTC)), reason=reason[:500],
                                          alert_id=alert_id))
    return True
