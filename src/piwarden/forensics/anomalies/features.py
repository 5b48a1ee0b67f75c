"""Per-actor, per-day features of access events, kept as running aggregates.

Abuse of legitimate permissions looks like ordinary work done too often, at the wrong time,
keyed the wrong way or without a reason. Each feature below counts one of those signs for
one actor on one local calendar day; the detectors (:mod:`.model`, :mod:`.rules`, plugins)
compare the day with the actor's own past days and with its peer group (same party kind and
role).

Memory is bounded by the number of actors, never by the number of events: per actor a
ring of daily vectors (allocated whole with the actor, so its memory does not grow with its
days), a 24-hour histogram, the devices and networks seen, the last id per record kind, and a
capped LRU of tickets with capped tuples of subjects.
"""

from __future__ import annotations

import re
import sys
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from piwarden.forensics.anomalies.shape import BULK_ACTIONS, KEYED, is_service, shape_of  # noqa: F401 (their old home)
from piwarden.native import fields_state, set_fields_state

if TYPE_CHECKING:
    from piwarden.events import Event
    from piwarden.forensics.anomalies.findings import Baseline
    from piwarden.forensics.anomalies.shape import Shape

#: Feature names, in vector order, with what each counts (one actor, one day).
FEATURES: dict[str, str] = {
    "events": "accesses to personal data",
    "records": "records disclosed with identifying fields in clear",
    "reveals": "reveals of masked fields without a ticket",
    "reveal_ratio": "share of accesses that reveal without a ticket",
    "no_ticket": "accesses without a ticket",
    "keyed_no_ticket": "lookups by policy number, phone or ID number without a ticket",
    "keyed": "lookups by policy number, phone or ID number",
    "ticket_reuse": "distinct subjects opened under a single ticket first cited on an earlier day",
    "sequential": "accesses to the next id after the previous one (enumeration)",
    "off_hours": "accesses at hours when neither the actor nor its peers usually work",
    "new_client": "accesses from a device or network not seen before",
    "export_max": "records in the largest export, print or download by a person with identifying fields in clear",
}
NAMES = tuple(FEATURES)
INDEX = {name: i for i, name in enumerate(NAMES)}
HISTORY_DAYS: Final = 56
TICKETS_PER_ACTOR: Final = 512
TICKET_DAYS: Final = 28  # a ticket not cited for four weeks is forgotten: its reuse after that is not seen
SUBJECTS_PER_TICKET: Final = 64
FLAGGED_PER_DAY: Final = 100
MIN_DAYS_FOR_NEW_CLIENT: Final = 3
_ID: Final = re.compile(r"^(.*?)(\d+)$")


#: An actor's ticket: [first day cited, the subjects cited under it (a tuple, capped: most tickets cite one), last
#: day cited].
TicketEntry = list[Any]
#: What citing a ticket found (:func:`cite_ticket`): the first day it was cited, the subjects seen under it before
#: and after, and whether a cited subject was new to it.
Cited = tuple[str, int, int, bool]


def cite_ticket(tickets: OrderedDict[str, TicketEntry], ticket: str, subjects: list[str], day: str, cap: int) -> Cited:
    """Cite ``ticket`` for ``subjects`` on ``day`` in an actor's tickets (made on first sight); the least recently
    cited dropped past ``cap``, and by :func:`expire_tickets` those not cited for ``TICKET_DAYS`` (bounded memory per
    actor). The features and the context model read the same answer (their joint pass cites once)."""
    entry = tickets.get(ticket)
    if entry is None:
        first = tuple(dict.fromkeys(subjects))
        tickets[ticket] = [day, first, day]
        if len(tickets) > cap:
            tickets.popitem(last=False)
        return day, 0, len(first), bool(first)
    tickets.move_to_end(ticket)
    entry[2] = day
    seen: Any = entry[1]  # a set in a checkpoint from before the tuples: read alike, and a tuple once it grows
    before = len(seen)
    new = [s for s in subjects if s not in seen]
    if new and before < SUBJECTS_PER_TICKET:
        entry[1] = (*seen, *dict.fromkeys(new))
        return entry[0], before, len(entry[1]), True
    return entry[0], before, before, bool(new)


@lru_cache(maxsize=1024)
def _ticket_cutoff(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=TICKET_DAYS)).isoformat()


def expire_tickets(tickets: OrderedDict[str, TicketEntry], day: str) -> None:
    """Forget the tickets last cited more than ``TICKET_DAYS`` before ``day`` (least recently cited first)."""
    if not tickets:
        return
    cutoff = _ticket_cutoff(day)
    if next(iter(tickets.values()))[2] >= cutoff:
        return
    while tickets and next(iter(tickets.values()))[2] < cutoff:
        tickets.popitem(last=False)
    if sys.getsizeof(tickets) > 1024 + 128 * len(tickets):  # its table still sized for its busiest day: rebuilt
        kept = list(tickets.items())  # in place, in the same order (both models may hold this book)
        tickets.clear()
        tickets.update(kept)


def peer_key(party: str, role: str) -> str:
    """Peer group: the role within a platform party, or the role across external parties.

    ``platform.cs`` and ``platform.cs.escalation`` are different desks; all merchants'
    operators form one group (``merchant/merchant_operator``).
    """
    kind = party if party.startswith("platform") else party.split(":", 1)[0]
    return f"{kind}/{role}"


@dataclass(slots=True)
class ActorDay:
    """Running counters for one actor on one day."""

    day: str
    events: int = 0
    records: int = 0
    reveals: int = 0
    no_ticket: int = 0
    keyed_no_ticket: int = 0
    keyed: int = 0
    ticket_reuse: int = 0
    sequential: int = 0
    off_hours: int = 0
    new_client: int = 0
    export_max: int = 0
    first_ts: str = ""
    first_flag_ts: str = ""
    hours: list[int] = field(default_factory=lambda: [0] * 24)
    flagged: list[str] = field(default_factory=list)
    clients: set[str] = field(default_factory=set)
    nets: set[str] = field(default_factory=set)

    def __getstate__(self) -> dict[str, Any]:  # by name: the same for the sources and the compiled module
        return fields_state(self)

    def __setstate__(self, state: dict[str, Any] | list[Any]) -> None:
        set_fields_state(self, state)

    def vector(self) -> np.ndarray:
        ratio = self.reveals / max(self.events, 10)  # a day of one reveal is not a ratio of 1
        return np.array([self.events, self.records, self.reveals, ratio, self.no_ticket, self.keyed_no_ticket,
                         self.keyed, self.ticket_reuse, self.sequential, self.off_hours, self.new_client,
                         self.export_max], dtype=np.float64)


@dataclass(slots=True)
class ActorState:
    """What the detector remembers about one actor between days."""

    actor: str
    peer: str
    history: np.ndarray = field(default_factory=lambda: np.zeros((HISTORY_DAYS, len(NAMES))))  # a ring of days
    hours: np.ndarray = field(default_factory=lambda: np.zeros(24))
    ok_hours: frozenset[int] = frozenset(range(7, 23))
    devices: set[str] = field(default_factory=set)
    nets: set[str] = field(default_factory=set)
    last_id: dict[str, int] = field(default_factory=dict)
    tickets: OrderedDict[str, TicketEntry] = field(default_factory=OrderedDict)  # cite_ticket
    today: ActorDay | None = None
    first_ts: str = ""
    dirty: bool = False
    self_stats: Baseline | None = None
    filled: int = 0  # days folded into ``history`` so far: the next goes to row ``filled % HISTORY_DAYS``

    def __getstate__(self) -> dict[str, Any]:  # by name: the same for the sources and the compiled module
        return fields_state(self)

    def __setstate__(self, state: dict[str, Any] | list[Any]) -> None:
        set_fields_state(self, state)
        if not isinstance(self.history, np.ndarray):  # a checkpoint's deque of daily vectors (before the ring)
            days = list(self.history)[-HISTORY_DAYS:]
            self.history = np.zeros((HISTORY_DAYS, len(NAMES)))
            if days:
                self.history[:len(days)] = np.array(days)
            self.filled = len(days)

    @property
    def days(self) -> int:
        """Days in the history (at most ``HISTORY_DAYS``)."""
        return self.filled if self.filled < HISTORY_DAYS else HISTORY_DAYS

    def past(self) -> np.ndarray:
        """The history's daily vectors, one row each, in no particular order (a view: the ring's filled rows)."""
        return self.history[:self.days]


_NETS: Final[dict[str, str]] = {}  # a memo (a dictionary's lookup, a third of an lru_cache's call)
MAX_NETS: Final = 65536


def _net(ip: str) -> str:
    """The /16 of an IPv4 address (dynamic addresses move within it), else the address."""
    got = _NETS.get(ip)
    if got is None:
        if len(_NETS) >= MAX_NETS:
            _NETS.clear()
        parts = ip.split(".")
        got = _NETS[ip] = ".".join(parts[:2]) if len(parts) == 4 else ip
    return got


_DIGITS: Final = "0123456789"


def split_id(rid: str) -> tuple[str, int] | None:
    """A record id's prefix and trailing number (``_ID``: ``c-0042`` -> ``("c-", 42)``), or None without one.
    Plain ids (ASCII, one line) are split by hand, a third of the regular expression's time; the rest by it."""
    if rid.isascii() and "\n" not in rid:
        prefix = rid.rstrip(_DIGITS)
        if len(prefix) == len(rid):
            return None
        return prefix, int(rid[len(prefix):])
    m = _ID.match(rid)
    return (m.group(1), int(m.group(2))) if m else None


def note_client(client: dict[str, Any], devices: set[str], nets: set[str], known_devices: set[str],
                known_nets: set[str]) -> bool:
    """Add the event's device and /16 to the day's sets; whether either is new to the actor's history (both
    observers, the features and the context model, ask this of every event; their joint pass asks it of both
    at once)."""
    new = False
    device, ip = client.get("device"), client.get("ip")
    if isinstance(device, str):
        devices.add(device)
        new = device not in known_devices
    if isinstance(ip, str):
        net = _net(ip)
        nets.add(net)
        new = new or net not in known_nets
    return new


def open_day(st: ActorState, ev: Event, day: str) -> ActorDay:
    """The actor's counters for ``day`` (made on the day's first event, whose time they keep), marked changed."""
    ad = st.today
    if ad is None or ad.day != day:
        ad = st.today = ActorDay(day)
    if not ad.first_ts:
        ad.first_ts = ev.ts
        if not st.first_ts:
            st.first_ts = ev.ts
    st.dirty = True
    return ad


def observe(st: ActorState, ev: Event, day: str, hour: int) -> None:
    """Add one event to the actor's counters for ``day``."""
    ad = open_day(st, ev, day)
    client = ev.client
    new_client = client is not None and note_client(client, ad.clients, ad.nets, st.devices, st.nets) and \
        st.days >= MIN_DAYS_FOR_NEW_CLIENT
    if ev.action == "login":
        return
    sh = shape_of(ev)
    count = ev.count
    count_access(st, ad, ev, sh, 0 if sh.aggregate else len(ev.subjects) if count is None else count, day, hour,
                 new_client)


def count_access(st: ActorState, ad: ActorDay, ev: Event, sh: Shape, n: int, day: str, hour: int,
                 new_client: bool) -> Cited | None:
    """An access (not a login) in the day's counters, and the day's flagged events if it is flagged: what
    :func:`observe` does past the day and the client, and the context model's joint pass as well (``n``: the
    records it disclosed; ``new_client``: from a device or network new to the actor). Returns what citing its
    ticket found, if it cited one for at most three subjects (the joint pass hands it to the context model)."""
    flag = False
    cited: Cited | None = None
    action = ev.action
    subjects = ev.subjects
    ad.events += 1
    ad.hours[hour] += 1
    if sh.sensitive and ev.result == "allowed":  # goods and amounts identify no one; aggregates disclose no record
        ad.records += n
    ticket = ev.ticket
    if not ticket:  # a reveal for a ticket is the ticket's work (an incident's dozens)
        ad.no_ticket += 1
        if action == "reveal":
            ad.reveals += 1
            flag = True
        if sh.keyed:
            ad.keyed += 1
            ad.keyed_no_ticket += 1
            flag = True
    else:
        if sh.keyed:
            ad.keyed += 1
        if len(subjects) <= 3:
            cited = cite_ticket(st.tickets, ticket, subjects, day, TICKETS_PER_ACTOR)
            # an incident ticket cited for dozens of related subjects the day it is opened is work; an old
            # ticket opening further people on later days is reuse
            if cited[0] < day:
                seen = cited[2]
                if seen > ad.ticket_reuse:
                    ad.ticket_reuse = seen
                if seen > 2:
                    flag = True
    if 0 < len(subjects) <= 3:
        recs = ev.records
        m = split_id(recs[0] if recs else subjects[0])
        if m is not None:
            prefix, num = m
            last_id = st.last_id
            last = last_id.get(prefix)
            if last is not None and 0 < num - last <= 2:
                ad.sequential += 1
                flag = True
            if last is not None or len(last_id) < 32:
                last_id[prefix] = num
    if hour not in st.ok_hours:
        ad.off_hours += 1
        flag = True
    if new_client:
        ad.new_client += 1
        flag = True
    if sh.bulk:
        if n > ad.export_max:
            ad.export_max = n
        if n >= 100:
            flag = True
    if flag:
        if not ad.first_flag_ts:
            ad.first_flag_ts = ev.ts
        if len(ad.flagged) < FLAGGED_PER_DAY:
            ad.flagged.append(ev.id)
    return cited


def close_day(st: ActorState, hours: np.ndarray | None = None) -> np.ndarray | None:
    """Fold the finished day into the actor's history; return its vector (``hours``: the day's histogram as an
    array, where the caller has made it)."""
    ad = st.today
    if ad is None:
        return None
    st.today = None
    st.self_stats = None
    expire_tickets(st.tickets, ad.day)
    st.devices.update(ad.clients)
    st.nets.update(ad.nets)
    if len(st.devices) > 64:
        st.devices = set(list(st.devices)[-32:])
    st.hours += np.asarray(ad.hours, dtype=np.float64) if hours is None else hours
    if ad.events == 0:
        return None
    v = ad.vector()
    st.history[st.filled % HISTORY_DAYS] = v
    st.filled += 1
    return v
