"""Abuse injected into the synthetic platform, with ground truth.

Each incident takes one ordinary account and adds abnormal accesses on top of its usual
work, from a start day chosen after the account has some history:

- ``insider_lookup``: the insurance case. A customer-service agent looks customers up by
  policy number or phone without a ticket and reveals name, phone and address, a few more
  every day, inside the agent's own shift;
- ``enumeration``: a merchant operator walks order ids one by one through the API;
- ``off_hours_bulk``: an analyst views customers in clear in the middle of the night;
- ``ticket_reuse``: an agent files one ticket and uses it to open many unrelated customers;
- ``human_export``: an operations employee exports thousands of records in clear;
- ``account_takeover``: a merchant account logs in from a new device and network at night
  and reveals the phones of the merchant's buyers.

The ground truth names the actor, the kind, the first abnormal event (id and time) and the
days the incident was active; the events themselves carry no marker.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from piwarden.demo.platform import CUSTOMER_FIELDS, ORDER_FIELDS, Actor, Draft, World, event, policy_no

if TYPE_CHECKING:
    from piwarden.demo.platform import _DayGen

KINDS = ("insider_lookup", "enumeration", "off_hours_bulk", "ticket_reuse", "human_export", "account_takeover")


@dataclass
class Incident:
    """One injected incident; ``first_event`` is filled in as the stream passes it."""

    kind: str
    actor: Actor
    start_day: int
    days: list[int]
    params: dict[str, Any] = field(default_factory=dict)
    first_event: str | None = None
    first_ts: str | None = None

    @property
    def tag(self) -> str:
        return f"{self.kind}:{self.actor.id}"

    def truth(self) -> dict[str, Any]:
        return {"kind": self.kind, "actor": self.actor.id, "first_event": self.first_event,
                "first_ts": self.first_ts, "days": self.days}

    def day_events(self, gen: _DayGen) -> list[Draft]:
        if gen.day not in self.days:
            return []
        rng = random.Random(f"{gen.sim.config.seed}:{self.tag}:{gen.day}")
        drafts = _MAKERS[self.kind](self, gen, rng, self.days.index(gen.day))
        for d in drafts:
            d.tag = self.tag
        return drafts


def _working_days(actor: Actor, days: int, weekday0: int, start: int, n: int) -> list[int]:
    """The next ``n`` days from ``start`` on which ``actor`` is normally on duty."""
    out = []
    for d in range(start, days):
        if (weekday0 + d) % 7 not in actor.days_off and d >= actor.joined_day:
            out.append(d)
        if len(out) == n:
            break
    return out


def plan_incidents(world: World) -> list[Incident]:
    """One incident of each kind, each on a different ordinary account."""
    cfg = world.config
    rng = random.Random(f"{cfg.seed}:incidents")
    if cfg.days < 10:
        return []
    weekday0 = cfg.start.weekday()
    used: set[str] = set()

    def pick(kind: str, pred: Any) -> Actor | None:
        cands = [a for a in world.actors if pred(a) and a.id not in used and not a.joined_day
                 and a.device_change_day is None and a.shift_change is None]
        if not cands:
            return None
        a = rng.choice(cands)
        used.add(a.id)
        return a

    lo = max(7, cfg.days // 3)  # after a week of history: a detector needs a baseline
    hi = max(lo + 1, cfg.days - 3)
    plans: list[Incident] = []
    spec: list[tuple[str, Any, int]] = [
        ("insider_lookup", lambda a: a.kind == "cs" and a.shift == "day", cfg.days),
        ("enumeration", lambda a: a.kind == "merchant" and not a.days_off, 3),
        ("off_hours_bulk", lambda a: a.kind == "analyst", 2),
        ("ticket_reuse", lambda a: a.kind == "cs" and a.shift != "night", 3),
        ("human_export", lambda a: a.kind == "ops", 1),
        ("account_takeover", lambda a: a.kind == "merchant" and a.days_off == (5, 6), 1),
    ]
    for kind, pred, length in spec:
        actor = pick(kind, pred)
        if actor is None:
            continue
        start = rng.randrange(lo, hi)
        days = _working_days(actor, cfg.days, weekday0, start, length)
        if days:
            plans.append(Incident(kind, actor, days[0], days, {"scale": rng.uniform(0.8, 1.2)}))
    return plans


def _times(rng: random.Random, n: int, lo: float, hi: float) -> list[float]:
    return sorted(rng.uniform(lo, hi) for _ in range(n))


def _insider_lookup(inc: Incident, gen: _DayGen, rng: random.Random, k: int) -> list[Draft]:
    a, out = inc.actor, []
    n = round(min(6 + 5 * k, 50) * inc.params["scale"])
    n_customers = gen.sim.world.customers
    for t in _times(rng, n, 9 * 3600, 16.5 * 3600):
        c = f"c-{rng.randrange(1, n_customers + 1):06d}"
        pol = policy_no(c)
        by = "policy_no" if pol and rng.random() < 0.75 else "phone"
        resource = "policy" if by == "policy_no" else "customer"
        rec = [pol] if by == "policy_no" and pol else None
        out.append(Draft(t, event(a, gen.day, "search", resource, [c], ["name"], records=rec,
                                  masked=["address", "phone"], purpose="after_sales", ticket=None, query=by)))
        fields = sorted({*CUSTOMER_FIELDS, "policy_type"} if rec else CUSTOMER_FIELDS)
        out.append(Draft(t + rng.uniform(5, 40), event(a, gen.day, "reveal", resource, [c], fields, records=rec,
                                                       purpose="after_sales", ticket=None)))
    return out


def _enumeration(inc: Incident, gen: _DayGen, rng: random.Random, k: int) -> list[Draft]:
    a, pool = inc.actor, gen.pool
    if not pool:
        return []
    n = round(rng.randrange(40, 100) * inc.params["scale"])
    i = rng.randrange(max(1, len(pool) - n))
    out = []
    lo = rng.uniform(10, 18) * 3600
    for t, o in zip(_times(rng, n, lo, lo + 3 * 3600), pool[i:i + n], strict=False):
        out.append(Draft(t, event(a, gen.day, "view", "order", [o.customer], [*ORDER_FIELDS, "address"],
                                  records=[o.id], masked=["phone"], purpose="fulfilment", channel="api")))
    return out


def _off_hours_bulk(inc: Incident, gen: _DayGen, rng: random.Random, k: int) -> list[Draft]:
    a, out = inc.actor, []
    start = rng.uniform(0.5 * 3600, 3 * 3600)
    out.append(Draft(start, event(a, gen.day, "login", "account", [], [])))
    n = round(rng.randrange(40, 120) * inc.params["scale"])
    n_customers = gen.sim.world.customers
    for t in _times(rng, n, start + 60, start + 2.5 * 3600):
        c = f"c-{rng.randrange(1, n_customers + 1):06d}"
        out.append(Draft(t, event(a, gen.day, "view", "customer", [c], CUSTOMER_FIELDS, purpose="analytics",
                                  ticket=None)))
    return out


def _ticket_reuse(inc: Incident, gen: _DayGen, rng: random.Random, k: int) -> list[Draft]:
    a, pool = inc.actor, gen.pool
    if not pool:
        return []
    from piwarden.demo.platform import SHIFTS

    lo, hi = SHIFTS[a.shift][0]
    if "ticket" not in inc.params:
        inc.params["ticket"] = gen.ticket()
    tk = inc.params["ticket"]
    out = []
    n = round(rng.randrange(10, 25) * inc.params["scale"])
    for t in _times(rng, n, lo * 3600 + 1800, hi * 3600 - 1800):
        o = rng.choice(pool)
        out.append(Draft(t, event(a, gen.day, "view", "order", [o.customer], ORDER_FIELDS, records=[o.id],
                                  masked=["address", "phone"], purpose="after_sales", ticket=tk)))
        out.append(Draft(t + rng.uniform(5, 60), event(a, gen.day, "reveal", "customer", [o.customer],
                                                       ["address", "phone"], purpose="after_sales", ticket=tk)))
    return out


def _human_export(inc: Incident, gen: _DayGen, rng: random.Random, k: int) -> list[Draft]:
    a, pool = inc.actor, gen.pool
    if not pool:
        return []
    sample = rng.sample(pool, min(len(pool), rng.randrange(800, 3000)))
    return [Draft(rng.uniform(14 * 3600, 17 * 3600), event(
        a, gen.day, "export", "order", [o.customer for o in sample], ["address", "goods", "name", "phone"],
        records=[o.id for o in sample], purpose="refunds", ticket=gen.ticket("OPS"), channel="export",
        export_id=f"x-{a.id}-{gen.day:03d}"))]


def _account_takeover(inc: Incident, gen: _DayGen, rng: random.Random, k: int) -> list[Draft]:
    a = inc.actor
    mine = [o for o in gen.pool if o.merchant == a.merchant]
    if not mine:
        return []
    client = {"device": f"d-x{rng.randrange(10**6):06d}", "ip": f"203.{rng.randrange(256)}.{rng.randrange(256)}.7"}
    start = rng.uniform(10 * 3600, 21 * 3600)
    out = [Draft(start, event(a, gen.day, "login", "account", [], [], client=client))]
    n = round(rng.randrange(40, 120) * inc.params["scale"])
    for t, o in zip(_times(rng, n, start + 60, start + 1.5 * 3600), rng.sample(mine, min(n, len(mine))),
                    strict=False):
        out.append(Draft(t, event(a, gen.day, "reveal", "order", [o.customer], ["address", "name", "phone"],
                                  records=[o.id], purpose="after_sales", client=client)))
    return out


_MAKERS = {"insider_lookup": _insider_lookup, "enumeration": _enumeration, "off_hours_bulk": _off_hours_bulk,
           "ticket_reuse": _ticket_reuse, "human_export": _human_export, "account_takeover": _account_takeover}
