"""A synthetic e-commerce and insurance platform that writes weeks of access events.

The world: customers (ids only here; their synthetic PI is drawn on demand by
:mod:`piwarden.demo.records`), merchants with operator sub-accounts, orders shipped by
carriers, customer-service staff working tickets in shifts, an escalation desk that
legitimately works without tickets, analysts, operations staff, administrators and service
accounts running nightly batch exports. Merchants differ in size and habits (some phone every
buyer), staff take days off, work weekends and nights, change shifts and replace devices:
the variety a detector must not mistake for abuse. Injected incidents
(:mod:`piwarden.demo.incidents`) add the abuse, with ground truth.

Everything is deterministic by seed: each day draws from its own ``random.Random`` keyed by
the seed and the day, so :meth:`Simulation.events` streams day by day (one day of events in
memory) and the record writers regenerate the same orders without keeping them.

>>> sim = Simulation(PlatformConfig(seed=3, days=2, scale=0.05))
>>> events = list(sim.events())
>>> events[0]["id"], events[0]["ts"] <= events[-1]["ts"]
('e-00000001', True)
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

TZ = "+08:00"
CARRIERS = ("SF", "YTO", "ZTO", "JD", "EMS")
CARRIER_SHARE = (0.3, 0.25, 0.25, 0.12, 0.08)
GOODS = ("怪味豆", "保温杯", "蓝牙耳机", "儿童绘本", "茶叶礼盒", "运动鞋", "手机壳", "洗发水", "坚果礼包",
         "电饭煲", "羽绒服", "咖啡豆", "猫粮", "台灯", "瑜伽垫")
ORDER_FIELDS = ["amount", "goods", "name", "order_id", "order_time"]
WAYBILL_FIELDS = ["address", "goods", "name", "phone", "waybill_no"]
POLICY_FIELDS = ["expiry_date", "name", "policy_no", "policy_type", "premium"]
CUSTOMER_FIELDS = ["address", "name", "phone"]
#: Shifts as (start hour, end hour) sessions within one calendar day.
SHIFTS: dict[str, tuple[tuple[int, int], ...]] = {
    "day": ((8, 17),), "evening": ((13, 22),), "night": ((0, 6), (22, 24)), "office": ((9, 18),),
}


@dataclass(frozen=True)
class PlatformConfig:
    """Size and time span of the simulated platform; ``scale`` multiplies every population."""

    seed: int = 0
    days: int = 28
    start: dt.date = dt.date(2026, 3, 2)  # a Monday
    scale: float = 1.0
    customers: int = 20000
    merchants: int = 150
    cs_agents: int = 80
    escalation: int = 8
    analysts: int = 12
    ops: int = 8
    orders_per_day: int = 1500
    incidents: bool = True

    def n(self, base: int, least: int = 1) -> int:
        return max(least, round(base * self.scale))


@dataclass
class Actor:
    """One account and the habits that shape its events."""

    id: str
    party: str
    role: str
    kind: str  # cs, escalation, merchant, analyst, ops, service, admin
    shift: str = "office"
    days_off: tuple[int, ...] = (5, 6)
    device: str = ""
    ip: str = ""
    merchant: str | None = None
    activity: float = 1.0
    phones_buyers: bool = False
    joined_day: int = 0
    device_change_day: int | None = None
    shift_change: tuple[int, str] | None = None

    def shift_on(self, day: int) -> str:
        if self.shift_change and day >= self.shift_change[0]:
            return self.shift_change[1]
        return self.shift

    def client(self, day: int) -> dict[str, str]:
        if self.device_change_day is not None and day >= self.device_change_day:
            return {"device": self.device + "n", "ip": self.ip}
        return {"device": self.device, "ip": self.ip}


@dataclass(frozen=True)
class Order:
    id: str
    customer: str
    merchant: str
    carrier: str
    waybill: str
    seconds: int  # seconds after the day's midnight
    day: int
    goods: int
    amount_cents: int


@dataclass
class Draft:
    """An event before ids are assigned: seconds in the day, the event, an incident tag."""

    seconds: float
    event: dict[str, Any]
    tag: str | None = None


@dataclass
class World:
    """The static population, built from the seed."""

    config: PlatformConfig
    actors: list[Actor] = field(default_factory=list)
    merchants: list[str] = field(default_factory=list)
    merchant_rate: dict[str, float] = field(default_factory=dict)
    merchant_ops: dict[str, list[Actor]] = field(default_factory=dict)
    customers: int = 0

    @classmethod
    def build(cls, config: PlatformConfig) -> World:
        rng = random.Random(f"{config.seed}:world")
        w = cls(config, customers=config.n(config.customers, 50))
        nm = config.n(config.merchants, 3)
        weights = [1 / (i + 1) ** 0.8 for i in range(nm)]
        total = sum(weights)
        for i in range(nm):
            mid = f"M{i + 1:04d}"
            w.merchants.append(mid)
            w.merchant_rate[mid] = config.orders_per_day * config.scale * weights[i] / total
            n_ops = 1 if i > nm * 0.6 else rng.choice((1, 2, 2, 3))
            phones = rng.random() < 0.1
            ops = []
            net = f"100.{64 + rng.randrange(60)}.{rng.randrange(256)}"
            for k in range(n_ops):
                a = Actor(f"m-{mid}-{k + 1}", f"merchant:{mid}", "merchant_operator", "merchant",
                          days_off=rng.choice(((), (6,), (5, 6), (0,))), device=f"d-{mid}-{k + 1}",
                          ip=f"{net}.{rng.randrange(2, 250)}", merchant=mid, activity=rng.uniform(0.6, 1.4),
                          phones_buyers=phones)
                ops.append(a)
            w.merchant_ops[mid] = ops
            w.actors.extend(ops)
        n_cs = config.n(config.cs_agents, 6)
        for i in range(n_cs):
            shift = rng.choices(("day", "evening", "night"), weights=(6, 3, 1))[0]
            start = rng.randrange(7)
            off = (start, (start + 1) % 7)
            w.actors.append(Actor(f"cs-{i + 1:04d}", "platform.cs", "customer_service", "cs", shift, off,
                                  f"d-cs-{i + 1:04d}", f"10.2.{i // 200}.{i % 200 + 10}",
                                  activity=rng.uniform(0.7, 1.3)))
        for i in range(config.n(config.escalation, 2)):
            start = rng.randrange(7)
            w.actors.append(Actor(f"esc-{i + 1:03d}", "platform.cs.escalation", "customer_service", "escalation",
                                  rng.choice(("day", "evening")), (start, (start + 1) % 7), f"d-esc-{i + 1:03d}",
                                  f"10.3.0.{i + 10}", activity=rng.uniform(0.7, 1.3)))
        for i in range(config.n(config.analysts, 2)):
            w.actors.append(Actor(f"an-{i + 1:03d}", "platform.analytics", "analyst", "analyst", "office", (5, 6),
                                  f"d-an-{i + 1:03d}", f"10.4.0.{i + 10}", activity=rng.uniform(0.5, 1.5)))
        for i in range(config.n(config.ops, 2)):
            w.actors.append(Actor(f"ops-{i + 1:03d}", "platform.ops", "operations", "ops", "office", (5, 6),
                                  f"d-ops-{i + 1:03d}", f"10.5.0.{i + 10}", activity=rng.uniform(0.7, 1.3)))
        for i in range(2):
            w.actors.append(Actor(f"adm-{i + 1:02d}", "platform.it", "admin", "admin", "office", (5, 6),
                                  f"d-adm-{i + 1:02d}", f"10.9.0.{i + 10}"))
        for name in ("svc-waybill-sync", "svc-billing", "svc-claims", "svc-crm"):
            w.actors.append(Actor(name, "platform.backend", "service", "service", "batch", (), f"h-{name}",
                                  "10.8.0.5"))
        # benign changes: staff who join late, replace a device, or move to the night shift
        humans = [a for a in w.actors if a.kind in ("cs", "merchant", "ops", "analyst")]
        days = config.days
        if days >= 10:
            for a in rng.sample(humans, max(1, len(humans) // 100)):
                a.device_change_day = rng.randrange(days // 3, days)
            for a in rng.sample([a for a in w.actors if a.kind == "cs"], max(1, n_cs // 40)):
                a.joined_day = rng.randrange(days // 3, days - 3)
            movers = [a for a in w.actors if a.kind == "cs" and a.shift == "day" and not a.joined_day]
            if movers:
                rng.choice(movers).shift_change = (rng.randrange(days // 3, days - 3), "night")
        return w

    def by_id(self) -> dict[str, Actor]:
        return {a.id: a for a in self.actors}


def ts(date: dt.date, seconds: float) -> str:
    s = int(seconds)
    return f"{date.isoformat()}T{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}{TZ}"


def event(actor: Actor, day: int, action: str, resource: str, subjects: list[str], fields: list[str], *,
          records: list[str] | None = None, masked: list[str] | None = None, purpose: str | None = None,
          ticket: str | bool | None = False, channel: str = "console", query: str | None = None,
          export_id: str | None = None, client: dict[str, str] | None = None) -> dict[str, Any]:
    """An access event (without ``id`` and ``ts``) with the spec's defaults spelled out.

    ``ticket=False`` leaves the key out (service accounts have no tickets); ``None`` states
    that there was none.
    """
    e: dict[str, Any] = {"v": 1, "actor": actor.id, "party": actor.party, "role": actor.role, "action": action,
                         "resource": resource, "subjects": subjects, "fields": fields, "count": len(subjects),
                         "result": "allowed", "channel": channel, "client": client or actor.client(day)}
    if records is not None:
        e["records"] = records
    if masked:
        e["masked_fields"] = masked
    if purpose:
        e["purpose"] = purpose
    if ticket is not False:
        e["ticket"] = ticket
    if query:
        e["query"] = {"by": query}
    if export_id:
        e["export_id"] = export_id
    return e


def policy_no(customer: str) -> str | None:
    """Every third customer holds a policy; its number is not sequential in the customer id."""
    n = int(customer[2:])
    if n % 3:
        return None
    return f"P-20{20 + n % 6}-{n * 7919 % 999983:06d}"


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    k, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _in_session(rng: random.Random, sessions: tuple[tuple[int, int], ...]) -> float:
    lo, hi = rng.choice(sessions)
    return rng.uniform(lo * 3600 + 300, hi * 3600 - 600)


class Simulation:
    """A seeded run: stream its events, then read its ground truth."""

    def __init__(self, config: PlatformConfig | None = None) -> None:
        from piwarden.demo.incidents import plan_incidents

        self.config = config or PlatformConfig()
        self.world = World.build(self.config)
        self.incidents = plan_incidents(self.world) if self.config.incidents else []
        self.n_events = 0
        self._consumed = False

    # -- orders -------------------------------------------------------------------------------
    def orders(self) -> Iterator[list[Order]]:
        """Each day's orders, in order of time; order ids are global and sequential."""
        counter = 0
        cfg = self.config
        for day in range(cfg.days):
            rng = random.Random(f"{cfg.seed}:orders:{day}")
            weekday = (cfg.start + dt.timedelta(days=day)).weekday()
            factor = 1.25 if weekday >= 5 else 1.0
            drafts = []
            for mid in self.world.merchants:
                for _ in range(_poisson(rng, self.world.merchant_rate[mid] * factor)):
                    hour = rng.choices(range(24), weights=_ORDER_HOURS)[0]
                    drafts.append((hour * 3600 + rng.randrange(3600), mid))
            drafts.sort()
            day_orders = []
            for seconds, mid in drafts:
                counter += 1
                carrier = rng.choices(CARRIERS, weights=CARRIER_SHARE)[0]
                cust = f"c-{rng.randrange(1, self.world.customers + 1):06d}"
                day_orders.append(Order(f"o-{counter:07d}", cust, mid, carrier, f"{carrier}{counter * 37 + 10**9:010d}",
                                        seconds, day, rng.randrange(len(GOODS)), rng.randrange(990, 59900)))
            yield day_orders

    # -- events -------------------------------------------------------------------------------
    def events(self) -> Iterator[dict[str, Any]]:
        """Every access event in time order, with ids ``e-00000001``, ...; one day in memory."""
        cfg = self.config
        recent: deque[list[Order]] = deque(maxlen=30)
        n = 0
        for day, day_orders in enumerate(self.orders()):
            date = cfg.start + dt.timedelta(days=day)
            rng = random.Random(f"{cfg.seed}:events:{day}")
            drafts: list[Draft] = []
            prev = recent[-1] if recent else []
            recent.append(day_orders)
            pool = [o for d in recent for o in d]
            gen = _DayGen(self, day, date, rng, day_orders, prev, pool)
            for actor in self.world.actors:
                drafts.extend(gen.actor_day(actor))
            for inc in self.incidents:
                drafts.extend(inc.day_events(gen))
            for d in drafts:  # follow-ups late in a session stay within the day
                d.seconds = min(max(d.seconds, 0.0), 86399.0)
            drafts.sort(key=lambda d: d.seconds)
            for d in drafts:
                n += 1
                e = {"id": f"e-{n:08d}", "ts": ts(date, d.seconds), **d.event}
                if d.tag is not None:
                    for inc in self.incidents:
                        if inc.tag == d.tag and inc.first_event is None:
                            inc.first_event, inc.first_ts = e["id"], e["ts"]
                yield e
        self.n_events = n
        self._consumed = True

    def ground_truth(self) -> dict[str, Any]:
        """The injected incidents and the benign look-alikes; runs the stream if not yet run."""
        if not self._consumed:
            for _ in self.events():
                pass
        w, cfg = self.world, self.config
        return {
            "v": 1, "seed": cfg.seed, "days": cfg.days, "start": cfg.start.isoformat(), "scale": cfg.scale,
            "events": self.n_events, "actors": len(w.actors),
            "incidents": [inc.truth() for inc in self.incidents],
            "benign": {
                "escalation_desk": [a.id for a in w.actors if a.kind == "escalation"],
                "merchants_phoning_buyers": sorted({a.id for a in w.actors if a.phones_buyers}),
                "service_accounts": [a.id for a in w.actors if a.kind == "service"],
                "night_shift": [a.id for a in w.actors if a.shift == "night"],
                "device_changes": [a.id for a in w.actors if a.device_change_day is not None],
                "late_joiners": [a.id for a in w.actors if a.joined_day],
                "shift_changes": [a.id for a in w.actors if a.shift_change],
            },
        }


_ORDER_HOURS = (2, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 7, 7, 7, 7, 7, 8, 10, 12, 12, 9, 5)


class _DayGen:
    """Draws one day's ordinary events for each actor."""

    def __init__(self, sim: Simulation, day: int, date: dt.date, rng: random.Random, orders: list[Order],
                 prev: list[Order], pool: list[Order]) -> None:
        self.sim, self.day, self.date, self.rng = sim, day, date, rng
        self.orders, self.prev, self.pool = orders, prev, pool
        self.weekday = date.weekday()
        self.by_merchant: dict[str, list[Order]] = {}
        for o in prev:
            self.by_merchant.setdefault(o.merchant, []).append(o)
        self.ticket_no = 0

    def ticket(self, prefix: str = "T") -> str:
        self.ticket_no += 1
        return f"{prefix}-{self.day:03d}{self.ticket_no:05d}"

    def on_duty(self, a: Actor) -> bool:
        if self.day < a.joined_day or self.weekday in a.days_off:
            return False
        return self.rng.random() > 0.04  # leave, sickness

    def actor_day(self, a: Actor) -> list[Draft]:
        if a.kind == "service":
            return self.service(a)
        if not self.on_duty(a):
            return []
        sessions = SHIFTS[a.shift_on(self.day)]
        out = [Draft(lo * 3600 + self.rng.uniform(0, 900),
                     event(a, self.day, "login", "account", [], [], channel="console")) for lo, _ in sessions]
        work = {"cs": self.cs, "escalation": self.cs, "merchant": self.merchant, "analyst": self.analyst,
                "ops": self.ops, "admin": self.admin}[a.kind]
        out.extend(work(a, sessions))
        return out

    # -- customer service ---------------------------------------------------------------------
    def cs(self, a: Actor, sessions: tuple[tuple[int, int], ...]) -> list[Draft]:
        r, out = self.rng, []
        esc = a.kind == "escalation"
        for _ in range(_poisson(r, 11 * a.activity)):
            if not self.pool:
                break
            o = r.choice(self.pool)
            t = _in_session(r, sessions)
            tk = None if esc else self.ticket()
            purpose = "escalation" if esc else "after_sales"
            claims = policy_no(o.customer) is not None and r.random() < 0.25
            by = r.choices(("order_id", "phone", "ticket", "waybill_no"), weights=(5, 2 if not esc else 8, 2, 1))[0]
            if claims and r.random() < 0.5:
                by = "policy_no"
            subj, rec = [o.customer], [o.id]
            out.append(Draft(t, event(a, self.day, "search", "order", subj, ["goods", "order_id"], records=rec,
                                      masked=["name", "phone"], purpose=purpose, ticket=tk, query=by)))
            t += r.uniform(5, 60)
            out.append(Draft(t, event(a, self.day, "view", "order", subj, ORDER_FIELDS, records=rec,
                                      masked=["address", "phone"], purpose=purpose, ticket=tk)))
            if r.random() < 0.6:
                t += r.uniform(5, 120)
                out.append(Draft(t, event(a, self.day, "view", "waybill", subj, ["goods", "name", "waybill_no"],
                                          records=[o.waybill], masked=["address", "phone"], purpose=purpose,
                                          ticket=tk)))
            if claims:
                t += r.uniform(5, 120)
                out.append(Draft(t, event(a, self.day, "view", "policy", subj, POLICY_FIELDS,
                                          records=[policy_no(o.customer) or ""], masked=["id_number", "phone"],
                                          purpose="claims", ticket=tk)))
            if r.random() < (0.45 if esc else 0.22):
                t += r.uniform(10, 300)
                out.append(Draft(t, event(a, self.day, "reveal", "customer", subj, ["phone"], purpose=purpose,
                                          ticket=tk)))
            if r.random() < 0.08:
                t += r.uniform(10, 300)
                out.append(Draft(t, event(a, self.day, "update", "order", subj, ["address"], records=rec,
                                          purpose=purpose, ticket=tk)))
            if not esc and r.random() < 0.04:  # a follow-up a day later, ticket forgotten
                t += r.uniform(600, 3600)
                out.append(Draft(min(t, 86399), event(a, self.day, "view", "order", subj, ORDER_FIELDS,
                                                      records=rec, masked=["address", "phone"],
                                                      purpose=purpose, ticket=None)))
        return out

    # -- merchants ----------------------------------------------------------------------------
    def merchant(self, a: Actor, sessions: tuple[tuple[int, int], ...]) -> list[Draft]:
        r, out = self.rng, list[Draft]()
        ops = self.sim.world.merchant_ops[a.merchant or ""]
        me = ops.index(a)
        mine = [o for o in self.by_merchant.get(a.merchant or "", []) if int(o.id[2:]) % len(ops) == me]
        if not mine:
            return out
        lo, hi = sessions[0]
        t0 = r.uniform(lo * 3600 + 600, lo * 3600 + 3 * 3600)
        subj = [o.customer for o in mine]
        out.append(Draft(t0, event(a, self.day, "search", "order", subj, ["goods", "order_id"],
                                   records=[o.id for o in mine], masked=["name", "phone"], purpose="fulfilment",
                                   channel="console", query="date")))
        t = t0
        for o in mine:
            if r.random() < 0.5 * a.activity:
                t += r.uniform(10, 240)
                out.append(Draft(t, event(a, self.day, "view", "order", [o.customer],
                                          ["address", "amount", "goods", "name", "order_id", "order_time"],
                                          records=[o.id], masked=["phone"], purpose="fulfilment")))
            if a.phones_buyers:
                t += r.uniform(30, 300)
                out.append(Draft(t, event(a, self.day, "reveal", "order", [o.customer], ["phone"],
                                          records=[o.id], purpose="delivery")))
        t += r.uniform(60, 1800)
        out.append(Draft(t, event(a, self.day, "print", "waybill", subj, ["address", "goods", "name", "waybill_no"],
                                  records=[o.waybill for o in mine], masked=["phone"], purpose="delivery",
                                  channel="print",  # a privacy waybill: the phone is printed masked
                                  export_id=f"x-{a.id}-{self.day:03d}")))
        for _ in range(_poisson(r, 0.6)):  # after-sales contact
            o = r.choice(mine)
            out.append(Draft(_in_session(r, sessions), event(a, self.day, "reveal", "order", [o.customer],
                                                             ["phone"], records=[o.id], purpose="after_sales")))
        if r.random() < 0.05:  # an occasional spreadsheet for the accountant
            out.append(Draft(min(t + r.uniform(600, 7200), hi * 3600 - 1), event(
                a, self.day, "export", "order", subj, ["amount", "goods", "order_id", "order_time"],
                records=[o.id for o in mine], masked=["name", "phone"], purpose="accounting", channel="export",
                export_id=f"x-{a.id}-{self.day:03d}e")))
        return out

    # -- platform staff -----------------------------------------------------------------------
    def analyst(self, a: Actor, sessions: tuple[tuple[int, int], ...]) -> list[Draft]:
        r, out = self.rng, []
        for _ in range(_poisson(r, 4 * a.activity)):
            if not self.pool:
                break
            sample = r.sample(self.pool, min(len(self.pool), r.randrange(20, 200)))
            out.append(Draft(_in_session(r, sessions), event(
                a, self.day, r.choice(("search", "search", "export")), "order", [o.customer for o in sample],
                ["amount", "goods", "order_time"], records=[o.id for o in sample], masked=["address", "name", "phone"],
                purpose="analytics", channel="console", query="segment")))
        return out

    def ops(self, a: Actor, sessions: tuple[tuple[int, int], ...]) -> list[Draft]:
        r, out = self.rng, []
        for _ in range(_poisson(r, 6 * a.activity)):
            if not self.pool:
                break
            o = r.choice(self.pool)
            tk = self.ticket("OPS")
            t = _in_session(r, sessions)
            out.append(Draft(t, event(a, self.day, "view", "order", [o.customer], ORDER_FIELDS, records=[o.id],
                                      masked=["address", "phone"], purpose="risk_review", ticket=tk)))
            if r.random() < 0.3:
                out.append(Draft(t + r.uniform(10, 300), event(a, self.day, "reveal", "customer", [o.customer],
                                                               ["address", "phone"], purpose="risk_review",
                                                               ticket=tk)))
        if self.pool and r.random() < 0.3:  # refund lists: small clear exports under a ticket
            sample = r.sample(self.pool, min(len(self.pool), r.randrange(10, 60)))
            out.append(Draft(_in_session(r, sessions), event(
                a, self.day, "export", "order", [o.customer for o in sample], ["amount", "name", "order_id", "phone"],
                records=[o.id for o in sample], purpose="refunds", ticket=self.ticket("OPS"), channel="export",
                export_id=f"x-{a.id}-{self.day:03d}")))
        return out

    def admin(self, a: Actor, sessions: tuple[tuple[int, int], ...]) -> list[Draft]:
        r, out = self.rng, []
        for _ in range(_poisson(r, 1.0)):
            if not self.pool:
                break
            o = r.choice(self.pool)
            out.append(Draft(_in_session(r, sessions), event(a, self.day, "update", "customer", [o.customer],
                                                             [], masked=["phone"], purpose="account_support",
                                                             ticket=self.ticket("CHG"))))
        return out

    def service(self, a: Actor) -> list[Draft]:
        r, out, prev = self.rng, list[Draft](), self.prev
        if not prev:
            return out
        if a.id == "svc-waybill-sync":  # nightly hand-over of yesterday's waybills to each carrier
            for carrier in CARRIERS:
                batch = [o for o in prev if o.carrier == carrier]
                if batch:
                    out.append(Draft(3600 + r.uniform(0, 1800), event(
                        a, self.day, "export", "waybill", [o.customer for o in batch], WAYBILL_FIELDS,
                        records=[o.waybill for o in batch], purpose="delivery", channel="batch",
                        export_id=f"x-{carrier}-{self.day:03d}")))
        elif a.id == "svc-billing":
            out.append(Draft(2 * 3600 + r.uniform(0, 1800), event(
                a, self.day, "export", "order", [o.customer for o in prev], ["amount", "order_id", "payment_account"],
                records=[o.id for o in prev], purpose="settlement", channel="batch",
                export_id=f"x-billing-{self.day:03d}")))
        elif a.id == "svc-claims":
            held = [o for o in prev if policy_no(o.customer)]
            if held:
                out.append(Draft(4 * 3600 + r.uniform(0, 1800), event(
                    a, self.day, "view", "policy", [o.customer for o in held], POLICY_FIELDS,
                    records=[policy_no(o.customer) or "" for o in held], purpose="claims", channel="batch")))
        elif a.id == "svc-crm" and self.weekday == 6:  # weekly marketing audience, masked
            out.append(Draft(3 * 3600 + r.uniform(0, 1800), event(
                a, self.day, "export", "customer", sorted({o.customer for o in r.sample(self.pool, min(len(self.pool), 3000))}),
                ["goods"],
                masked=["name", "phone"], purpose="marketing", channel="batch", export_id=f"x-crm-{self.day:03d}")))
        return out
