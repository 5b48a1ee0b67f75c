"""Alarms: findings that alert on their own the day they happen (docs/forensics.md, "How watch decides to alert").

A small platform works eight ordinary days (customer service with tickets, an escalation desk without them and
with ID-number checks, merchants who phone buyers straight from their order list); on the ninth, each insider does
one thing an alarm is for, beside an innocent who does the look-alike. ``forensics watch``'s detector must alert
on the insider that same day and on none of the others.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from piwarden.events import AccessEvent, parse_event
from piwarden.forensics.anomalies import Detector, stream_alerts
from piwarden.forensics.anomalies.context import ContextModel, _Today
from piwarden.forensics.anomalies.detector import Alert, calibrated
from piwarden.forensics.anomalies.findings import ALARM_POINTS

DAYS = range(2, 10)  # 2026-03-02 .. 03-09: baselines
TODAY = 10
CS = [f"cs-{i}" for i in range(1, 9)]
DESK = [f"esc-{i}" for i in range(1, 4)]
MERCHANTS = [f"m-{i}" for i in range(1, 5)]


class World:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.n = 0

    def add(self, actor: str, day: int, minute: int, action: str, resource: str, subjects: list[str],
            fields: list[str], by: str | None = None, purpose: str = "after_sales", ticket: str | None = None,
            count: int | None = None) -> None:
        party, role = ("platform.cs", "customer_service") if actor.startswith("cs-") else \
            ("platform.cs", "escalation") if actor.startswith("esc-") else (f"merchant:M{actor[2:]}", "merchant_operator")
        self.n += 1
        ev: dict[str, Any] = {"id": f"e-{self.n:06d}", "ts": f"2026-03-{day:02d}T{9 + minute // 60:02d}:{minute % 60:02d}:"
                              f"{self.n % 60:02d}+08:00", "actor": actor, "party": party, "role": role,
                              "action": action, "resource": resource, "subjects": subjects, "fields": fields,
                              "purpose": purpose, "ticket": ticket or None, "channel": "console",
                              "client": {"device": f"d-{actor}", "ip": "10.1.2.3"}}
        if by:
            ev["query"] = {"by": by}
        if count is not None:
            ev["count"] = count
        self.events.append(ev)

    def ticketed_call(self, actor: str, day: int, minute: int, subject: str, ticket: str) -> None:
        """Customer service's work: search by phone, view the order, reveal the phone to call back, under a ticket
        (or, with ``ticket`` empty, none)."""
        self.add(actor, day, minute, "search", "order", [subject], ["name", "order_id"], by="phone", ticket=ticket)
        self.add(actor, day, minute + 1, "view", "order", [subject], ["name", "address", "order_id"], ticket=ticket)
        self.add(actor, day, minute + 2, "reveal", "order", [subject], ["name", "phone", "address"], by="phone",
                 ticket=ticket)

    def desk_call(self, actor: str, day: int, minute: int, subject: str) -> None:
        """The escalation desk's work: ticketless look-ups, reveals and ID-number checks."""
        self.add(actor, day, minute, "search", "order", [subject], ["name", "order_id"], by="phone",
                 purpose="escalation")
        self.add(actor, day, minute + 1, "reveal", "order", [subject], ["name", "phone", "address"], by="phone",
                 purpose="escalation")
        self.add(actor, day, minute + 2, "reveal", "customer", [subject], ["name", "id_number"], by="phone",
                 purpose="escalation")

    def merchant_calls(self, actor: str, day: int, minute: int, subjects: list[str]) -> None:
        """A merchant phoning buyers straight from its order list: reveals of people it did not look up first."""
        for k, s in enumerate(subjects):
            self.add(actor, day, minute + 3 * k, "reveal", "order", [s], ["name", "phone"], by="order_id",
                     purpose="fulfilment")

    def routine(self, day: int) -> None:
        for a, actor in enumerate(CS):
            for i in range(8):
                self.ticketed_call(actor, day, i * 40 + a, f"c-{actor}-{day}-{i}", f"T-{actor}-{day}-{i}")
            if (day + a) % 2:  # now and then a caller without a ticket, looked up first
                self.ticketed_call(actor, day, 500 + a, f"c-{actor}-{day}-x", "")
        for a, actor in enumerate(DESK):
            for i in range(10):
                self.desk_call(actor, day, i * 30 + a, f"c-{actor}-{day}-{i}")
        for a, actor in enumerate(MERCHANTS):
            self.merchant_calls(actor, day, 60 + a, [f"b-{actor}-{day}-{i}" for i in range(2)])

    def parsed(self) -> list[AccessEvent]:
        return [parse_event(e) for e in sorted(self.events, key=lambda e: (e["ts"], e["id"]))]


def _world(today: Any = None) -> list[AccessEvent]:
    w = World()
    for day in DAYS:
        w.routine(day)
    w.routine(TODAY)
    if today is not None:
        today(w)
    return w.parsed()


def _alerts(events: list[AccessEvent], **kw: Any) -> dict[str, list[Alert]]:
    det = Detector(daily=True, lazy=True, idle_days=56, max_actors=100_000, **kw)  # what ``forensics watch`` runs
    out: dict[str, list[Alert]] = {}
    for a in stream_alerts(events, det):
        out.setdefault(a.actor, []).append(a)
    return out


def _same_day(alerts: dict[str, list[Alert]], actor: str, code: str) -> Alert:
    got = alerts.get(actor)
    assert got, f"{actor} not alerted"
    first = got[0]
    assert first.day == f"2026-03-{TODAY}" and first.raised_at.startswith(f"2026-03-{TODAY}")
    assert code in first.codes
    assert first.score >= 0.5
    return first


def test_the_routine_alerts_on_no_one() -> None:
    assert _alerts(_world()) == {}


def test_alarm_points_alone_cross_the_default_threshold() -> None:
    assert 0.5 < calibrated(ALARM_POINTS) < 0.55


def test_a_field_no_peer_has_seen_in_clear_alerts_at_once_and_not_on_a_desk_that_sees_it_daily() -> None:
    def today(w: World) -> None:
        # one ticketless reveal of an ID number by customer service, a role that never sees one
        w.add("cs-1", TODAY, 300, "reveal", "customer", ["c-someone"], ["name", "id_number"], by="name")
        # look-alikes: the same reveal by the escalation desk (its daily job), and by an agent under a ticket
        w.add("esc-1", TODAY, 300, "reveal", "customer", ["c-someone"], ["name", "id_number"], by="name")
        w.add("cs-2", TODAY, 300, "reveal", "customer", ["c-other"], ["name", "id_number"], by="name",
              ticket="T-cs-2-10-0")

    alerts = _alerts(_world(today))
    alert = _same_day(alerts, "cs-1", "context.new_field")
    assert alert.events[0].startswith("e-")
    assert set(alerts) == {"cs-1"}


def test_lookups_in_a_context_no_peer_ever_used_alert_a_busy_account_the_same_day() -> None:
    def today(w: World) -> None:
        # the busy desk, whose job is ticketless look-ups, reveals policy holders by policy number under claims
        for i in range(6):
            s = f"c-policy-{i}"
            w.add("esc-2", TODAY, 320 + 5 * i, "search", "policy", [s], ["name", "policy_no"], by="policy_no",
                  purpose="escalation")
            w.add("esc-2", TODAY, 321 + 5 * i, "reveal", "policy", [s], ["name", "phone", "address", "id_number"],
                  by="policy_no", purpose="claims")
        # look-alike: the same look-ups by another desk agent, each under a claim ticket
        for i in range(6):
            s = f"c-claim-{i}"
            w.add("esc-3", TODAY, 320 + 5 * i, "search", "policy", [s], ["name", "policy_no"], by="policy_no",
                  purpose="escalation")
            w.add("esc-3", TODAY, 321 + 5 * i, "reveal", "policy", [s], ["name", "phone", "address", "id_number"],
                  by="policy_no", purpose="claims", ticket=f"CL-{i}")

    alerts = _alerts(_world(today))
    _same_day(alerts, "esc-2", "context.new_context")
    assert set(alerts) == {"esc-2"}


def test_unprompted_reveals_alert_where_the_group_does_not_phone_from_a_list() -> None:
    def today(w: World) -> None:
        # an agent reveals three people it never looked up, without a ticket (a list from elsewhere)
        for i in range(3):
            w.add("cs-3", TODAY, 330 + i, "reveal", "order", [f"c-list-{i}"], ["name", "phone", "address"],
                  by="phone")
        # look-alikes: an agent who looks each caller up first; a merchant phoning more buyers than usual
        for i in range(3):
            s = f"c-caller-{i}"
            w.add("cs-4", TODAY, 330 + 3 * i, "search", "order", [s], ["name", "order_id"], by="phone")
            w.add("cs-4", TODAY, 331 + 3 * i, "reveal", "order", [s], ["name", "phone", "address"], by="phone")
        w.merchant_calls("m-1", TODAY, 330, [f"b-more-{i}" for i in range(4)])

    alerts = _alerts(_world(today))
    _same_day(alerts, "cs-3", "context.unprompted")
    assert set(alerts) == {"cs-3"}


def test_an_old_ticket_opening_eight_people_alerts_the_same_day_and_an_incident_ticket_does_not() -> None:
    def today(w: World) -> None:
        for i in range(8):
            w.ticketed_call("cs-5", TODAY, 300 + 3 * i, f"c-stranger-{i}", "T-cs-5-2-0")  # cited first on day 2
        for i in range(15):  # look-alike: an incident ticket cited for fifteen parcels the day it is opened
            w.add("cs-6", TODAY, 10 + 15 * i, "view", "order", [f"c-parcel-{7 * i}"], ["name", "address", "order_id"],
                  ticket="INC-1")

    alerts = _alerts(_world(today))
    _same_day(alerts, "cs-5", "rule.ticket_reuse")
    assert set(alerts) == {"cs-5"}


def _fresh_wide_ticket(w: World) -> None:
    for i in range(9):  # a ticket cited for the first time today, for nine unrelated people
        w.ticketed_call("cs-5", TODAY, 300 + 3 * i, f"c-stranger-{i}", "T-cs-5-new")
    for i in range(15):  # look-alike: an incident ticket cited for fifteen parcels the day it is opened
        w.add("cs-6", TODAY, 10 + 15 * i, "view", "order", [f"c-parcel-{7 * i}"], ["name", "address", "order_id"],
              ticket="INC-1")


def test_a_fresh_ticket_opening_many_people_alerts_the_same_day_where_incident_tickets_are_declared() -> None:
    events = _world(_fresh_wide_ticket)
    alerts = _alerts(events, incident_tickets="^INC-")
    alert = _same_day(alerts, "cs-5", "context.wide_ticket")
    assert set(alerts) == {"cs-5"}
    assert any("not incident tickets" in r for r in alert.reasons)
    # undeclared, the fresh ticket is the incident ticket's shape: no alarm (and no alert) on either
    assert _alerts(events) == {}
    # every ticket declared an incident ticket: none is wide
    assert _alerts(events, incident_tickets="^(INC|T)-") == {}


def test_incident_tickets_are_declared_on_a_loaded_checkpoint_too() -> None:
    events = _world(_fresh_wide_ticket)
    split = next(i for i, e in enumerate(events) if e.ts.startswith(f"2026-03-{TODAY}"))
    det = Detector(daily=True, lazy=True)
    got = [a.actor for e in events[:split] for a in det.observe(e)]
    state = pickle.dumps(det)
    for declared, want in (("^INC-", ["cs-5"]), (None, [])):
        det = pickle.loads(state)
        det.declare_incident_tickets(declared)
        assert got + [a.actor for e in events[split:] for a in det.observe(e)] + [a.actor for a in det.finish()] \
            == want


def test_alarms_raise_the_batch_ranking_too() -> None:
    def today(w: World) -> None:
        w.add("cs-1", TODAY, 300, "reveal", "customer", ["c-someone"], ["name", "id_number"], by="name")

    from piwarden.forensics.anomalies import rank

    ranked = rank(_world(today))
    assert ranked[0].actor == "cs-1" and ranked[0].raw >= ALARM_POINTS


@pytest.mark.parametrize("cut", [400, 700])
def test_a_checkpoint_keeps_the_days_alarms_and_one_from_before_them_loads(cut: int) -> None:
    """A detector pickled mid-day (what ``watch`` checkpoints) alerts as one that never stopped; a context model
    whose day was pickled before the alarms existed loads with none raised yet."""

    def today(w: World) -> None:
        for i in range(3):
            w.add("cs-3", TODAY, 330 + i, "reveal", "order", [f"c-list-{i}"], ["name", "phone", "address"],
                  by="phone")

    events = _world(today)
    split = next(i for i, e in enumerate(events) if e.ts.startswith(f"2026-03-{TODAY}")) + cut
    whole = Detector(daily=True, lazy=True)
    first = [a.actor for e in events for a in whole.observe(e)] + [a.actor for a in whole.finish()]
    det = Detector(daily=True, lazy=True)
    got = [a.actor for e in events[:split] for a in det.observe(e)]
    det = pickle.loads(pickle.dumps(det))
    got += [a.actor for e in events[split:] for a in det.observe(e)] + [a.actor for a in det.finish()]
    assert got == first == ["cs-3"]

    model = ContextModel()
    for e in events[:split]:
        model.observe(e, e.ts[:10], int(e.ts[11:13]))
    state = model.__getstate__()
    for a in state["actors"].values():  # type: ignore[attr-defined]
        t = a.today
        if t is not None:  # a day as a checkpoint of before the alarms pickled it: without their fields
            old = _Today.__new__(_Today)
            old.__setstate__({name: getattr(t, name) for name in _Today.__dataclass_fields__
                              if name not in ("new_fields", "novel_weight", "unprompted", "touched", "alarm_events",
                                              "news", "wide")})
            a.today = old
    del state["incident_tickets"]  # and of before the incident tickets
    loaded = ContextModel.__new__(ContextModel)
    loaded.__setstate__(state)
    for e in events[split:]:
        loaded.observe(e, e.ts[:10], int(e.ts[11:13]))
    t = loaded.actors["cs-3"].today
    assert t is not None and t.touched is not None and t.wide == 0 and loaded.incident_tickets is None


def test_watch_declares_incident_tickets_on_a_new_and_a_resumed_watcher(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from piwarden.cli import app

    runner = CliRunner()
    w = World()
    for day in DAYS:
        w.routine(day)
    w.routine(TODAY)
    _fresh_wide_ticket(w)
    lines = [json.dumps(e) + "\n" for e in sorted(w.events, key=lambda e: (e["ts"], e["id"]))]
    mid = next(i for i, line in enumerate(lines) if f'"2026-03-{TODAY}T' in line)

    def watch(state: str, *extra: str) -> list[str]:
        r = runner.invoke(app, ["forensics", "watch", "--once", "--checkpoint-every", "0", "--follow", str(events),
                                "--db", f"sqlite:///{tmp_path / (state + '.db')}", "--state",
                                str(tmp_path / (state + ".ckpt")), *extra])
        assert r.exit_code == 0, r.output
        return [json.loads(line)["actor"] for line in r.stdout.splitlines() if line.startswith("{")]

    events = tmp_path / "events.jsonl"
    events.write_text("".join(lines))
    assert watch("new", "--incident-tickets", "^INC-") == ["cs-5"]
    assert watch("undeclared") == []
    events.write_text("".join(lines[:mid]))
    for state in ("resumed", "resumed-undeclared"):
        assert watch(state, "--incident-tickets", "^INC-") == []
    events.write_text("".join(lines))
    assert watch("resumed", "--incident-tickets", "^INC-") == ["cs-5"]
    assert watch("resumed-undeclared") == []  # declared before, not now: not declared
