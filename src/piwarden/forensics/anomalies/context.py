"""Baselines by context: what kind of access this is, for this actor and its peers, and how much it disclosed.

Totals per day hide an insider on a busy account: an escalation desk makes many ticketless
look-ups every day, so a few hundred more, keyed by policy number under another purpose, do not
move its totals. Here every access has a *context*: action, resource, lookup key (``query.by``),
purpose, whether it cites a ticket, and which identifying fields it showed in clear. The model
keeps, per actor and per peer group, on how many days each context and each identifying field
occurred and how often. An access is then judged by

- **surprise** of its facets (action x resource, x lookup key, x purpose, x ticket or not, each
  identifying field in clear): how rarely this actor uses each, its history shrunk towards its peer
  group's until it has ``MIN_DAYS`` days of its own (``p = (own days + A x peer share) / (days + A)``,
  the actor left out of its peers), 0 at one day in ten, 1 at one in a thousand; for a person, what no
  peer does keeps at least ``PEER_FLOOR`` of its peers' surprise (a role that never sees ID numbers);
- **excess volume** (for people) in a habitual context: records beyond the actor's expected daily count (shrunk
  likewise; ``max(mean + 3 sd + 3, peak day)``);
- **what it disclosed** (:mod:`.disclosure`: fields in clear by grade and combination, times
  records), times its circumstances: an hour the actor and its peers do not work (x2), a device
  or network not seen for the actor (x2), a ticket (x0.1: evidence of legitimacy) unless the
  ticket was first cited on an earlier day and now opens further subjects (x1, and surprise 1:
  an old ticket reused for unrelated people is evidence against); a batch channel x0.1, api x0.5.

The day's risk is the sum over accesses of disclosure x circumstances x surprise, plus the
excess volume; it is not capped, so a 2 a.m. ticketless export of ID numbers outweighs a
daytime one of goods. Days add up as a CUSUM, ``S = max(0, DECAY x S + risk - ALLOWANCE)``, so
a single ticketless reveal of an ID number a day, each too small to alert on, accumulates over
weeks. The finding's points are ``POINTS x ln(1 + S / ALLOWANCE)``; its evidence lists the
day's riskiest accesses first. A second finding, ``context.persistent``, counts the active days
(of the last ``PERSIST_DAYS``) with a surprising ticketless disclosure of an identifying field.

Some accesses are news on their own and should not wait for days to add up: the **alarms** (``ALARM_POINTS``,
each enough alone to alert the day it happens; the constants' comments below): a person's ticketless access
showing an identifying field no peer has seen in clear (``context.new_field``), look-ups in contexts no peer ever
used without a ticket (``context.new_context``), reveals of people the actor had not opened earlier that day,
where its peers rarely do that (``context.unprompted``); where the platform declares its incident tickets (the
tickets that may cover many people at once), another ticket opening many people the day it is first cited
(``context.wide_ticket``).

Memory per actor: capped context and ticket tables, a 24-hour histogram, the devices and
networks seen, and the day's riskiest ``EVIDENCE`` event ids; for the day's alarms, at most
``TOUCHED_PER_DAY`` subjects opened and ``EVIDENCE`` event ids.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from mypy_extensions import mypyc_attr

from piwarden.forensics.anomalies.features import (
    MIN_DAYS_FOR_NEW_CLIENT,
    TICKETS_PER_ACTOR,
    ActorState,
    Cited,
    TicketEntry,
    _net,
    cite_ticket,
    count_access,
    expire_tickets,
    note_client,
    open_day,
    peer_key,
)
from piwarden.forensics.anomalies.findings import ALARM_POINTS, ActorWindow, Finding
from piwarden.forensics.anomalies.shape import BULK_ACTIONS, Context, Shape, shape_of
from piwarden.native import fields_state, set_fields_state

if TYPE_CHECKING:
    from piwarden.events import Event

Facet = tuple[str, ...]

MIN_DAYS: Final = 5.0  # A: days of own history worth as much as the peer group's share
MIN_PEER_DAYS: Final = 5  # actor-days a peer group needs before it is a baseline
FLOOR_P: Final = 1e-3
DECAY: Final = 0.9  # per active day of the CUSUM
ALLOWANCE: Final = 1.0  # risk per day that is noise (a ticketed reveal in an odd context)
POINTS: Final = 3.0
PERSIST_DAYS: Final = 28  # window of the persistence count, in active days
PERSIST_FREE: Final = 2  # days with a surprising identifying disclosure that are noise
PERSIST_POINTS: Final = 1.0  # per further day
OFF_HOURS: Final = 2.0
NEW_CLIENT: Final = 2.0
TICKETED: Final = 0.1
REUSED: Final = 1.0
#: What no peer does keeps at least this share of its surprise, however habitual for a person (not for a service
#: account): a resource or an identifying field the role never touches entirely, another lookup key or purpose half.
PEER_FLOOR: Final = {"r": 1.0, "f": 1.0, "b": 0.5, "p": 0.5, "t": 0.5}
REUSE_MIN_SUBJECTS: Final = 3  # a ticket opening more subjects than this on a later day than its first is reused
MAX_CONTEXTS: Final = 512
#: Facets per actor, contexts and facets per peer group: past these the least used half is forgotten at a day's end
#: (free-text resources, purposes or keys would otherwise grow them for ever; a platform has a few hundred).
MAX_FACETS: Final = 2048
MAX_PEER_CONTEXTS: Final = 8192
MAX_PEER_FACETS: Final = 8192
MAX_TICKETS: Final = TICKETS_PER_ACTOR  # the same book as the features' in the joint pass
EVIDENCE: Final = 20
MIN_OWN_HOURS: Final = 50
MIN_PEER_HOURS: Final = 200
OWN_HOUR_SHARE: Final = 0.01
PEER_HOUR_SHARE: Final = 0.005
DEFAULT_HOURS: Final = frozenset(range(7, 23))
_UNKNOWN: Final = -1.0  # a ceiling not worked out yet (a ceiling is None or at least 3)
#: Alarms: a person's ticketless access that is news on its own, judged at the access, not as days add up. Each
#: scores ``findings.ALARM_POINTS``, enough alone for a calibrated probability above 0.5:
#: - ``context.new_field``: an identifying field in clear that neither the actor nor any peer has seen in clear;
#: - ``context.new_context``: ``NEW_CONTEXT_WEIGHT`` of disclosure (grade points x records) in a day by look-ups
#:   (not exports, prints or downloads: a merchant's sub-account taking over the daily export is a role's flow,
#:   which the rules and the volume judge) in contexts (action, resource, key, purpose, fields) that neither it
#:   nor any peer ever used without a ticket;
#: - ``context.unprompted``: ``UNPROMPTED_REVEALS`` reveals in a day of people the actor had not looked up,
#:   viewed or otherwise opened earlier that day (a list brought from elsewhere, not a caller on the line), where
#:   its peers reveal unprompted on at most ``UNPROMPTED_SHARE`` of their days and the actor as rarely (merchants
#:   phoning buyers straight from the order list do it on one day in ten: their habit, no alarm; an insider or two
#:   among thirty agents puts a few in a hundred into the group's days).
#: A peer group must hold ``ALARM_PEER_DAYS`` actor-days before what it never did is news.
ALARM_PEER_DAYS: Final = 10
#: ``NEW_CONTEXT_WEIGHT``: legitimate days of the independent generator's dev seeds reach 27.0, five ticketless look-ups
#: revealing a full delivery profile (the simulator's look-up insider's first day) 39.3; the geometric middle.
NEW_CONTEXT_WEIGHT: Final = 33.0
UNPROMPTED_REVEALS: Final = 3
UNPROMPTED_SHARE: Final = 0.05
#: - ``context.wide_ticket``, only where the incident tickets are declared (``ContextModel.incident_tickets``, settings
#:   ``forensics.incident_tickets``): a ticket that is not one opening ``WIDE_TICKET`` people on the day it is first
#:   cited. On the fields of an access event alone, an agent opening twenty unrelated customers under one fresh ticket
#:   looks like an agent working a delivery incident (the independent generator's legitimate incident tickets cover
#:   40-70 people the day they are opened); the ticket's kind tells them apart, and only the platform knows it.
WIDE_TICKET: Final = 8
TOUCHED_PER_DAY: Final = 512  # subjects remembered per actor and day for ``context.unprompted`` (past it: none unprompted)


def surprise(p: float) -> float:
    """0 for what happens on one day in ten or more, 1 for one in a thousand or less (log-linear between)."""
    if p >= 0.1:  # most facets: -log10(p) - 1 <= 0 (log10 is monotonic and log10(0.1) == -1.0)
        return 0.0
    return min(1.0, max(0.0, -math.log10(max(p, FLOOR_P)) - 1.0) / 2.0)


@dataclass(slots=True)
class _Today:
    day: str
    n: dict[Context, int] = field(default_factory=dict)  # records (at least one per access) per context
    weight: dict[Context, float] = field(default_factory=dict)  # disclosure x circumstances
    risk: float = 0.0  # disclosure x circumstances x surprise
    top: list[tuple[float, str]] = field(default_factory=list)  # heap of the riskiest (risk, event id)
    novel: dict[Context, int] = field(default_factory=dict)  # accesses per context with surprise >= 0.5
    novel_identifying: int = 0  # of which ticketless ones showing an identifying field in clear
    reused: int = 0
    human: bool = False  # a person's access today (machine accounts' volumes follow schedules: not judged)
    ok_hours: frozenset[int] = DEFAULT_HOURS  # the actor's usual hours, as of the day's start
    surprises: dict[Shape, float] = field(default_factory=dict)  # baselines hold still all day
    ceilings: dict[Context, float | None] = field(default_factory=dict)
    facets: dict[tuple[Facet, bool], float] = field(default_factory=dict)  # unused (a checkpoint's): ContextModel._facets
    hours: list[int] = field(default_factory=lambda: [0] * 24)
    devices: set[str] = field(default_factory=set)
    nets: set[str] = field(default_factory=set)
    # alarms (a checkpoint's day from before them gets their defaults: no alarm raised yet)
    new_fields: int = 0  # ticketless accesses showing a field in clear no peer has seen in clear
    novel_weight: float = 0.0  # ticketless disclosure in contexts new to the actor and its peers
    unprompted: int = 0  # ticketless reveals of subjects not opened earlier in the day
    touched: set[str] = field(default_factory=set)  # subjects opened today (capped)
    alarm_events: list[str] = field(default_factory=list)  # the first accesses that raised an alarm
    news: dict[Shape, int] = field(default_factory=dict)  # per shape: _NEW_FIELD | _NEW_CONTEXT (baselines hold still)
    wide: int = 0  # tickets, not declared incident tickets, that opened WIDE_TICKET people on their first day (today)

    def __getstate__(self) -> dict[str, Any]:  # by name: the same for the sources and the compiled module
        return fields_state(self)

    def __setstate__(self, state: dict[str, Any] | list[Any]) -> None:
        set_fields_state(self, state)


_NEW_FIELD: Final = 1
_NEW_CONTEXT: Final = 2
_UNPROMPTED: Final[Facet] = ("u", "reveal")  # in ``used``: days with an unprompted reveal (not a context's facet)


@dataclass(slots=True)
class _Actor:
    peer: str
    days: int = 0
    used: dict[Facet, int] = field(default_factory=dict)  # facet -> days used
    volume: dict[Context, int] = field(default_factory=dict)  # context -> accesses, all days
    square: dict[Context, int] = field(default_factory=dict)  # context -> sum of squared daily accesses
    peak: dict[Context, int] = field(default_factory=dict)  # context -> most accesses in a day
    hours: np.ndarray = field(default_factory=lambda: np.zeros(24))
    devices: set[str] = field(default_factory=set)
    nets: set[str] = field(default_factory=set)
    tickets: OrderedDict[str, TicketEntry] = field(default_factory=OrderedDict)  # cite_ticket
    cusum: float = 0.0
    persist: deque[bool] = field(default_factory=lambda: deque(maxlen=PERSIST_DAYS))  # per active day: surprising?
    today: _Today | None = None

    def __getstate__(self) -> dict[str, Any]:  # by name: the same for the sources and the compiled module
        return fields_state(self)

    def __setstate__(self, state: dict[str, Any] | list[Any]) -> None:
        set_fields_state(self, state)


@dataclass(slots=True)
class _Peers:
    days: int = 0  # actor-days
    used: dict[Facet, int] = field(default_factory=dict)
    volume: dict[Context, int] = field(default_factory=dict)
    hours: np.ndarray = field(default_factory=lambda: np.zeros(24))

    def __getstate__(self) -> dict[str, Any]:  # by name: the same for the sources and the compiled module
        return fields_state(self)

    def __setstate__(self, state: dict[str, Any] | list[Any]) -> None:
        set_fields_state(self, state)


_FACETS: Final[dict[Context, tuple[Facet, ...]]] = {}  # a memo (a dictionary's lookup, a third of an lru_cache's call)
MAX_MEMO: Final = 65536


def facets(ctx: Context) -> tuple[Facet, ...]:
    """The parts of a context judged on their own: a new combination of habitual parts is not news, a new
    part is (an unused resource, lookup key or purpose, ticketless work, an identifying field)."""
    got = _FACETS.get(ctx)
    if got is None:
        if len(_FACETS) >= MAX_MEMO:
            _FACETS.clear()
        got = _FACETS[ctx] = _facets(ctx)
    return got


def _facets(ctx: Context) -> tuple[Facet, ...]:
    action, resource, by, purpose, ticket, fields = ctx
    return (("r", action, resource), ("b", action, by), ("p", action, purpose), ("t", action, str(ticket)),
            *(("f", f) for f in sorted(fields)))


def _most_common(counts: dict[Any, int], n: int | None = None) -> list[tuple[Any, int]]:
    """``Counter.most_common`` of a dictionary, in the same order (ties in insertion order). The counts are plain
    dictionaries: ``Counter`` defines ``__delitem__``, so each ``c[k] = v`` of one went through a Python-level slot
    (4.5% of the watch path's instructions); a checkpoint's ``Counter`` still reads alike."""
    if n is None:
        return sorted(counts.items(), key=itemgetter(1), reverse=True)
    return heapq.nlargest(n, counts.items(), key=itemgetter(1))


def _trim(counts: dict[Any, int], cap: int) -> None:
    """Past ``cap`` keys, keep the most used half (bounded memory on any input)."""
    if len(counts) > cap:
        for key, _ in _most_common(counts)[cap // 2:]:
            del counts[key]


def describe_context(ctx: Context) -> str:
    action, resource, by, purpose, ticket, fields = ctx
    out = f"{action} {resource}"
    if by:
        out += f" by {by}"
    if purpose:
        out += f", purpose {purpose}"
    out += ", ticket" if ticket else ", no ticket"
    if fields:
        out += ", " + "+".join(sorted(fields)) + " in clear"
    return out


@mypyc_attr(allow_interpreted_subclasses=True)  # compiled (piwarden.native), and subclassed in tests
class ContextModel:
    """The context baselines as a forensic detector (an event observer: it keeps its own state)."""

    def __init__(self, incident_tickets: str | re.Pattern[str] | None = None) -> None:
        self.actors: dict[str, _Actor] = {}
        #: The platform's incident tickets, which may open many people at once (``WIDE_TICKET``); None: not declared.
        self.incident_tickets = re.compile(incident_tickets) if isinstance(incident_tickets, str) else incident_tickets
        self.peers: dict[str, _Peers] = {}
        self.day = ""
        # Worked out once per day, not per actor (baselines hold still all day; both emptied at each rollover):
        self._facets: dict[tuple[str, Facet, bool, int, int], float] = {}  # (peer, facet, human, own days, days)
        self._peer_hours: dict[str, frozenset[int]] = {}  # a peer group's usual hours

    def __getstate__(self) -> dict[str, object]:
        # named, not ``__dict__`` (compiled, the model has none); the day's memos are not state: a checkpoint works
        # them out again
        return {"actors": self.actors, "peers": self.peers, "day": self.day, "_facets": {}, "_peer_hours": {},
                "incident_tickets": self.incident_tickets}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.actors, self.peers, self.day = state["actors"], state["peers"], state["day"]
        self._facets, self._peer_hours = {}, {}
        self.incident_tickets = state.get("incident_tickets")  # None: a checkpoint from before them

    def forget(self, actor: str) -> None:
        """Drop an actor's state (the detector evicts idle actors); its days stay in its peer group's counts."""
        self.actors.pop(actor, None)

    # -- events ---------------------------------------------------------------------------------
    def observe(self, ev: Event, day: str, hour: int) -> None:
        a, t = self._open_day(ev, day)
        client = ev.client
        new_client = client is not None and note_client(client, t.devices, t.nets, a.devices, a.nets) and a.days >= 3
        if ev.action == "login":
            return
        ticket, subjects = ev.ticket, ev.subjects  # a ticket is cited by a denied access too, as the features count it
        cited = cite_ticket(a.tickets, ticket, subjects, day, MAX_TICKETS) if ticket and len(subjects) <= 3 else None
        if ev.result != "allowed":
            return
        sh = shape_of(ev)
        count = ev.count
        self._judge(a, t, ev, sh, 0 if sh.aggregate else len(subjects) if count is None else count, day, hour,
                    new_client, cited)

    def observe_with_features(self, st: ActorState, ev: Event, day: str, hour: int) -> None:
        """``features.observe(st, ev, day, hour)`` and then :meth:`observe`, in one pass: what the detector does
        for each event when this model is its first event observer. The event's client, shape and record count
        are worked out once for both; each model's state changes as it would alone, by the same helpers
        (``tests/forensics/test_fast_paths.py`` holds the two ways to the same state and answers)."""
        ad = open_day(st, ev, day)
        a, t = self._open_day(ev, day)
        if a.tickets is not st.tickets:  # one book of tickets for both (cited once, by ``count_access``)
            a.tickets = st.tickets
        client = ev.client  # for both (an empty object names neither device nor network)
        new_client = new_here = False
        if client:
            device, ip = client.get("device"), client.get("ip")
            if isinstance(device, str):
                ad.clients.add(device)
                t.devices.add(device)
                new_client = device not in st.devices
                new_here = device not in a.devices
            if isinstance(ip, str):
                net = _net(ip)
                ad.nets.add(net)
                t.nets.add(net)
                new_client = new_client or net not in st.nets
                new_here = new_here or net not in a.nets
            new_client = new_client and st.days >= MIN_DAYS_FOR_NEW_CLIENT
            new_here = new_here and a.days >= 3
        if ev.action == "login":
            return
        sh = shape_of(ev)
        count = ev.count
        n = 0 if sh.aggregate else len(ev.subjects) if count is None else count
        cited = count_access(st, ad, ev, sh, n, day, hour, new_client)
        if ev.result == "allowed":
            self._judge(a, t, ev, sh, n, day, hour, new_here, cited)

    def _open_day(self, ev: Event, day: str) -> tuple[_Actor, _Today]:
        """The event's actor and its day (the model's day rolled over on the first event of a new one)."""
        if day != self.day:
            if self.day:
                self._rollover()
            self.day = day
        a = self.actors.get(ev.actor)
        if a is None:
            a = self.actors[ev.actor] = _Actor(peer_key(ev.party, ev.role))
            self.peers.setdefault(a.peer, _Peers())
        t = a.today
        if t is None or t.day != day:
            t = a.today = _Today(day, ok_hours=self._ok_hours(a))
        return a, t

    def _judge(self, a: _Actor, t: _Today, ev: Event, sh: Shape, n: int, day: str, hour: int,
               new_client: bool, cited: Cited | None) -> None:
        """An allowed access (not a login) in the actor's day: its records, weight, surprise and risk (``n``: the
        records it disclosed; ``new_client``: from a device or network new to the actor; ``cited``: what citing its
        ticket found, where it cited one for at most three subjects)."""
        t.hours[hour] += 1
        ctx = sh.ctx
        t.n[ctx] = t.n.get(ctx, 0) + (n if n > 1 else 1)
        if sh.human:
            t.human = True
        w = sh.weight * n * sh.channel_factor
        if hour not in t.ok_hours:
            w *= OFF_HOURS
        if new_client:
            w *= NEW_CLIENT
        u = t.surprises.get(sh)
        if u is None:
            u = t.surprises[sh] = self._surprise(a, ctx, human=sh.human)
        ticket = ev.ticket
        if ticket:
            reused = False
            if cited is not None:  # reused: first cited on an earlier day, now opening subjects not seen under it
                first, before, seen, fresh = cited
                reused = fresh and first < day and seen > REUSE_MIN_SUBJECTS
                if first == day and before < WIDE_TICKET <= seen and self.incident_tickets is not None \
                        and sh.human and not self.incident_tickets.match(ticket):
                    t.wide += 1
                    if len(t.alarm_events) < EVIDENCE:
                        t.alarm_events.append(ev.id)
            if reused:
                t.reused += 1
                w *= REUSED
                u = 1.0
            else:
                w *= TICKETED
        t.weight[ctx] = t.weight.get(ctx, 0.0) + w
        risk = w * u
        if u >= 0.5:
            t.novel[ctx] = t.novel.get(ctx, 0) + 1
            if ctx[5] and not ticket:
                t.novel_identifying += 1
        t.risk += risk
        if sh.human:  # the alarms' part (``_alarms``): the subjects opened today, after judging the access
            subjects = ev.subjects
            if not ticket and sh.sensitive:
                self._alarms(a, t, ev, sh, subjects, w)
            if subjects:
                touched = t.touched
                if len(touched) < TOUCHED_PER_DAY:
                    touched.update(subjects)
        if risk > 0:
            item = (risk, ev.id)
            top = t.top
            if len(top) < EVIDENCE:
                heapq.heappush(top, item)
            elif item > top[0]:
                heapq.heapreplace(top, item)

    def _alarms(self, a: _Actor, t: _Today, ev: Event, sh: Shape, subjects: list[str], w: float) -> None:
        """A person's ticketless access showing identifying fields, towards the day's alarms (``ALARM_POINTS``): a
        field or context its peers never saw without a ticket, a reveal of someone it had not opened earlier today
        (``w``: the access's disclosure; the caller adds ``subjects`` to the day's opened ones after)."""
        news = t.news.get(sh)
        if news is None:
            news = t.news[sh] = self._news(a, sh.ctx)
        action = ev.action
        alarm = False
        if news:
            if news & _NEW_FIELD:
                t.new_fields += 1
                alarm = True
            if news & _NEW_CONTEXT and action not in BULK_ACTIONS:
                t.novel_weight += w
                alarm = True
        if action == "reveal" and subjects and len(t.touched) < TOUCHED_PER_DAY and t.touched.isdisjoint(subjects):
            t.unprompted += 1
            alarm = True
        if alarm and len(t.alarm_events) < EVIDENCE:
            t.alarm_events.append(ev.id)

    def _news(self, a: _Actor, ctx: Context) -> int:
        """Whether a ticketless context shows a field in clear that no one in the actor's peer group (the actor
        included) has seen in clear, and whether no one there ever used the context itself."""
        peers = self.peers[a.peer]
        if peers.days < ALARM_PEER_DAYS:
            return 0
        used = peers.used
        news = _NEW_CONTEXT if not peers.volume.get(ctx, 0) else 0
        if any(not used.get(("f", f), 0) for f in ctx[5]):
            news |= _NEW_FIELD
        return news

    def _p(self, own: float, days: int, peer_used: float, peer_days: int) -> float | None:
        q = peer_used / peer_days if peer_days >= MIN_PEER_DAYS else None
        if q is None:
            return own / days if days >= MIN_DAYS else None
        return (own + MIN_DAYS * q) / (days + MIN_DAYS)

    def _surprise(self, a: _Actor, ctx: Context, human: bool = True) -> float:
        """The most surprising facet: for the actor (shrunk to its peers), or at least PEER_FLOOR of what it is
        for its peers (the actor itself left out, so that an insider does not make its own habit a group's)."""
        # each facet's surprise is remembered for the day by what it depends on (actors with the same history share it)
        memo, used, peer, days = self._facets, a.used, a.peer, a.days
        u = 0.0
        for f in facets(ctx):
            own = used.get(f, 0)
            key = (peer, f, human, own, days)
            got = memo.get(key)
            if got is None:
                got = memo[key] = self._facet_of(self.peers[peer], f, human, own, days)
            if got > u:
                u = got
        return u

    @staticmethod
    def _facet_of(peers: _Peers, f: Facet, human: bool, own: int, days: int) -> float:
        """One facet's surprise (``_p`` and the peer floor, written out) for an actor who used it on ``own`` of its
        ``days`` days, in a peer group (``peers``, the actor included)."""
        others = peers.days - days
        if others >= MIN_PEER_DAYS:
            q = (peers.used.get(f, 0) - own) / others
            u = surprise((own + MIN_DAYS * q) / (days + MIN_DAYS))
            if human:
                v = PEER_FLOOR[f[0]] * surprise(q)
                if v > u:
                    u = v
            return u
        return surprise(own / days) if days >= MIN_DAYS else 0.0

    def _ok_hours(self, a: _Actor) -> frozenset[int]:
        """The hours the actor, failing enough of them its peer group, usually works (the group's: once a day).
        On the histograms' values as Python floats: their sums are of whole numbers, exact either way."""
        hours = a.hours.tolist()
        own = sum(hours)
        if own >= MIN_OWN_HOURS:
            return frozenset([h for h, n in enumerate(hours) if n / own >= OWN_HOUR_SHARE])
        ok = self._peer_hours.get(a.peer)
        if ok is None:
            peers = self.peers[a.peer].hours.tolist()
            total = sum(peers)
            ok = DEFAULT_HOURS
            if total >= MIN_PEER_HOURS:
                ok = frozenset([h for h, n in enumerate(peers) if n / total >= PEER_HOUR_SHARE])
            self._peer_hours[a.peer] = ok
        return ok

    # -- days -----------------------------------------------------------------------------------
    def _day_risk(self, a: _Actor, t: _Today) -> float:
        """The day's risk so far: surprising disclosures plus excess volume in habitual contexts."""
        risk = t.risk
        if not t.human:
            return risk
        novel, ceilings = t.novel, t.ceilings
        for ctx, n in t.n.items():
            if novel.get(ctx):
                continue
            ceiling = ceilings.get(ctx, _UNKNOWN)
            if ceiling == _UNKNOWN:  # by value (compiled, a float is no object with an identity)
                ceiling = ceilings[ctx] = self._ceiling(a, ctx)
            if ceiling is not None and n > ceiling:
                risk += t.weight[ctx] / n * (n - ceiling)
        return risk

    def _ceiling(self, a: _Actor, ctx: Context) -> float | None:
        """Records a day of this context may hold before the excess counts: ``max(mean + 3 sd + 3, peak)``."""
        peers = self.peers[a.peer]
        days, volume = a.days, a.volume.get(ctx, 0)  # ``_p`` written out
        others = peers.days - days
        if others >= MIN_PEER_DAYS:
            mean = (volume + MIN_DAYS * ((peers.volume.get(ctx, 0) - volume) / others)) / (days + MIN_DAYS)
        elif days >= MIN_DAYS:
            mean = volume / days
        else:
            return None
        sd = math.sqrt(max(a.square.get(ctx, 0) / days - (volume / days) ** 2, mean)) if days else math.sqrt(mean)
        return max(mean + 3.0 * sd + 3.0, a.peak.get(ctx, 0))

    def _rollover(self) -> None:
        self._facets.clear()
        self._peer_hours.clear()
        touched: set[str] = set()
        for a in self.actors.values():
            t = a.today
            if t is None:
                if a.tickets:  # idle today: its tickets expire all the same (a leaver's would wait for eviction)
                    expire_tickets(a.tickets, self.day)
                continue
            a.today = None
            expire_tickets(a.tickets, t.day)
            a.cusum = max(0.0, DECAY * a.cusum + self._day_risk(a, t) - ALLOWANCE)
            if t.n:
                a.persist.append(t.novel_identifying > 0)
            a.devices |= t.devices
            a.nets |= t.nets
            if len(a.devices) > 64:
                a.devices = set(list(a.devices)[-32:])
            hours = np.asarray(t.hours, dtype=np.float64)
            a.hours += hours
            if not t.n:
                continue
            peers = self.peers[a.peer]
            a.days += 1
            peers.days += 1
            peers.hours += hours
            used = {f for ctx in t.n for f in facets(ctx)}
            if t.unprompted:
                used.add(_UNPROMPTED)
            own_used, group_used = a.used, peers.used
            for f in used:  # each facet + 1, in the set's order (as ``Counter.update`` did)
                own_used[f] = own_used.get(f, 0) + 1
                group_used[f] = group_used.get(f, 0) + 1
            volume, square, peak, group = a.volume, a.square, a.peak, peers.volume
            for ctx, n in t.n.items():
                volume[ctx] = volume.get(ctx, 0) + n
                square[ctx] = square.get(ctx, 0) + n * n
                peak[ctx] = max(peak.get(ctx, 0), n)
                group[ctx] = group.get(ctx, 0) + n
            if len(a.volume) > MAX_CONTEXTS:
                for ctx, _ in _most_common(a.volume)[MAX_CONTEXTS // 2:]:
                    del a.volume[ctx], a.square[ctx], a.peak[ctx]
            _trim(a.used, MAX_FACETS)
            _trim(peers.used, MAX_PEER_FACETS)
            _trim(group, MAX_PEER_CONTEXTS)
            touched.add(a.peer)

    # -- scoring --------------------------------------------------------------------------------
    def assess(self, window: ActorWindow) -> list[Finding]:
        a = self.actors.get(window.actor)
        if a is None or a.today is None or a.today.day != window.day:
            return []
        t = a.today
        risk = self._day_risk(a, t)
        s = max(0.0, DECAY * a.cusum + risk - ALLOWANCE)
        out: list[Finding] = []
        persistent = t.novel_identifying > 0 and sum(a.persist) + 1 > PERSIST_FREE
        alarms = self._alarm_findings(a, t, window.day)
        if s <= 0.0 and not persistent and not alarms:
            return out
        events = tuple(eid for _, eid in sorted(t.top, reverse=True))
        out += alarms
        if s > 0.0:
            points = POINTS * math.log1p(s / ALLOWANCE)
            out.append(Finding("context", points, lambda: self._reason(a, t, risk, s, window.day), events=events))
        if persistent:
            days = sum(a.persist) + 1
            out.append(Finding("context.persistent", PERSIST_POINTS * (days - PERSIST_FREE),
                               f"context.persistent: ticketless disclosures of identifying fields this actor and its "
                               f"peers rarely see, on {days} of its last {len(a.persist) + 1} active days "
                               f"(to {window.day})", events=events))
        return out

    def _rarely_unprompted(self, a: _Actor) -> bool:
        """Whether the actor's peers (the actor left out) reveal unprompted on at most ``UNPROMPTED_SHARE`` of their
        days, and the actor, its history shrunk towards theirs, as rarely."""
        peers = self.peers[a.peer]
        others = peers.days - a.days
        if others < ALARM_PEER_DAYS:
            return False
        own = a.used.get(_UNPROMPTED, 0)
        q = (peers.used.get(_UNPROMPTED, 0) - own) / others
        return q <= UNPROMPTED_SHARE and (own + MIN_DAYS * q) / (a.days + MIN_DAYS) <= UNPROMPTED_SHARE

    def _alarm_findings(self, a: _Actor, t: _Today, day: str) -> list[Finding]:
        """The day's alarms, each ``ALARM_POINTS`` (the module's list), the accesses that raised them as evidence."""
        if not t.alarm_events:   # every access that counts towards an alarm is recorded here first: none, no alarm
            return []
        events = tuple(t.alarm_events)
        out: list[Finding] = []
        if t.new_fields:
            out.append(Finding("context.new_field", ALARM_POINTS,
                               f"context.new_field: {t.new_fields} accesses without a ticket on {day} showing in clear "
                               "an identifying field that neither this actor nor its peers have seen in clear",
                               events=events))
        if t.novel_weight >= NEW_CONTEXT_WEIGHT:
            out.append(Finding("context.new_context", ALARM_POINTS,
                               f"context.new_context: disclosure {t.novel_weight:.0f} on {day} without a ticket in "
                               "contexts (action, resource, key, purpose, fields) neither this actor nor its peers "
                               "ever used", events=events))
        if t.wide:
            out.append(Finding("context.wide_ticket", ALARM_POINTS,
                               f"context.wide_ticket: {t.wide} tickets, not incident tickets, each opened "
                               f"{WIDE_TICKET} or more people on {day}, the day it was first cited", events=events))
        if t.unprompted >= UNPROMPTED_REVEALS and self._rarely_unprompted(a):
            out.append(Finding("context.unprompted", ALARM_POINTS,
                               f"context.unprompted: {t.unprompted} reveals without a ticket on {day} of people this "
                               "actor had not looked up or opened earlier that day", events=events))
        return out

    def _reason(self, a: _Actor, t: _Today, risk: float, s: float, day: str) -> str:
        parts = []
        for ctx, n in _most_common(t.novel, 2):
            parts.append(f"{n} x {describe_context(ctx)}")
        head = f"context: risk {risk:.0f} on {day} (accumulated {s:.0f})"
        if parts:
            head += "; accesses this actor and its peers rarely make: " + "; ".join(parts)
        if t.reused:
            head += f"; {t.reused} accesses under a ticket first cited on an earlier day, opening further subjects"
        return head
