"""Who accessed the leaked subjects in clear: one streaming pass over access events.

Only events that touch a matched subject are kept, folded into per-actor, per-subject sets
of fields seen in clear, so memory grows with actors x matched subjects, not with events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from piwarden.events import AccessEvent

#: actions that disclose a subject's fields to the actor (``search`` shows result lists)
DISCLOSING = frozenset({"view", "reveal", "search", "export", "print", "download"})
#: actions that produce an artifact (a file, a printout): how bulk leaks leave
ARTIFACT = frozenset({"export", "print", "download"})
EVENT_IDS_KEPT = 12


@dataclass
class ActorAccess:
    """What one actor saw of the matched subjects."""

    actor: str
    party: str
    role: str
    service: bool = False
    seen: dict[str, set[str]] = field(default_factory=dict)  # subject -> fields seen in clear
    actions: Counter[str] = field(default_factory=Counter)
    events: list[str] = field(default_factory=list)
    first_ts: str | None = None
    last_ts: str | None = None
    canary_events: list[str] = field(default_factory=list)
    records: dict[str, set[str]] = field(default_factory=dict)  # watched record -> fields seen in clear
    artifacts: dict[str, set[str]] = field(default_factory=dict)  # export/print id -> watched records/subjects
    ticketless: set[str] = field(default_factory=set)  # subjects revealed or exported in clear without a ticket


class AccessLog:
    """Accesses to a fixed set of subjects, from a stream of events (access-event v1).

    ``key_field``: the leak's most telling identifying field (a phone, an ID number); for every actor,
    ``volume`` counts the records it was shown with that field in clear, over all its events: how many
    rows like the leaked ones it could have drawn them from.
    """

    def __init__(self, subjects: Iterable[str], canaries: Iterable[str] = (), records: Iterable[str] = (),
                 key_field: str | None = None) -> None:
        self.subjects = frozenset(subjects)
        self.key_field = key_field
        self.volume: Counter[str] = Counter()
        self.party_of: dict[str, str] = {}
        self.watch_records = frozenset(records)
        self.canaries = frozenset(canaries)
        self.watch = self.subjects | self.canaries
        self.actors: dict[str, ActorAccess] = {}
        self.n_events = 0
        self.n_kept = 0

    def observe(self, ev: AccessEvent) -> None:
        self.n_events += 1
        if ev.action not in DISCLOSING or ev.result != "allowed":
            return
        if self.key_field is not None and self.key_field in ev.fields and not ev.aggregate:
            self.volume[ev.actor] += ev.record_count
        hit = self.watch.intersection(ev.subjects)
        if not hit:
            return
        self.n_kept += 1
        a = self.actors.get(ev.actor)
        if a is None:
            a = self.actors[ev.actor] = ActorAccess(ev.actor, ev.party, ev.role,
                                                    service=ev.role == "service" or ev.channel == "batch")
        fields = set(ev.fields)
        for s in hit:
            a.seen.setdefault(s, set()).update(fields)
        if not ev.ticket and ev.action in ("reveal", *ARTIFACT):
            a.ticketless |= hit
        recs = self.watch_records.intersection(ev.records or ())
        for r in recs:
            a.records.setdefault(r, set()).update(fields)
        if ev.action in ARTIFACT and len(hit) > 1:
            a.artifacts.setdefault(ev.export_id or ev.id, set()).update(recs or hit)
        a.actions[ev.action] += 1
        if len(a.events) < EVENT_IDS_KEPT:
            a.events.append(ev.id)
        if hit & self.canaries and len(a.canary_events) < EVENT_IDS_KEPT:
            a.canary_events.append(ev.id)
        a.first_ts = a.first_ts or ev.ts
        a.last_ts = ev.ts
