"""Access events straight from the audit log, incrementally: the new leaves since a cursor.

``piwarden forensics anomalies --audit`` reads the leaves a named cursor (:mod:`.cursor`) has
not read yet, ``[begin, end)`` with ``end`` the log's size when the run starts. Baselines need
earlier days (an actor's own past, its peers'), so a run first replays the history window
before its new leaves, ``history_days`` calendar days (by default the actor history the
features keep, 56) back from the local day of the first new leaf, and reports nothing of it
(``stream_alerts(new, history=...)``). Replaying rather than saving per-actor state keeps the
log the one source of truth: nothing to migrate when features change, nothing to drift from
what the log says; the price is re-reading the window each run (about 56 days of events).

What a second run sees, then: the same baselines a run over the whole log would have built,
as long as the log before the cursor spans no more than the window (beyond it, habits such as
usual hours and known devices are learnt from the window only); the alerts of the first run
are not repeated (an actor alerts once per window); its ranking covers the actors that acted
in the new leaves, each by its worst day scored in this run. A day that straddles two runs is
scored in both, on all of its events.

Leaves whose body retention has purged are skipped and counted (``purged``); a body that is not
a valid event (written by a newer piwarden, say) is skipped and named by leaf index.

Log order is arrival order, not event time: sources that send late, or a backfill imported after
newer events, leave leaves out of time order. Each part a run reads (the history, the new leaves)
is first checked for order in one pass over its bodies and, when some are out of order, read
sorted by (event time, id) (:func:`.sort.sorted_lines`, on disk beyond a bound), so the ranking
does not depend on the order events reached the log; ``reordered`` says how many were. Only an
event arriving after a later one was read by a previous run (across the cursor) is left to the
detector's hour window, which counts and reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from piwarden.audit.store_base import Query
from piwarden.events import Event, EventError, parse_lean
from piwarden.forensics.anomalies.features import HISTORY_DAYS
from piwarden.forensics.anomalies.sort import out_of_order, sorted_lines

if TYPE_CHECKING:
    from piwarden.audit.log import AuditLog

MAX_MESSAGES = 20


@dataclass
class FeedCounts:
    """What a run read from the log: counts only, and value-free messages."""

    new: int = 0  # new leaves read
    history: int = 0  # leaves replayed for baselines
    purged: int = 0  # leaves without a body (retention), skipped
    invalid: int = 0  # bodies that are not valid events, skipped
    reordered: int = 0  # leaves that came after one with a later event time: the part was sorted
    messages: list[str] = field(default_factory=list)  # the first MAX_MESSAGES of them


class AuditFeed:
    """The leaves ``[begin, end)`` of an audit log as access events, and the history before them.

    ``local`` maps an event time to its local day and hour (``Detector.local``); ``tz`` is the
    same zone, for the window's first midnight. ``on_leaf`` is told each body's size (progress).
    """

    def __init__(self, log: AuditLog, begin: int, end: int, tz: tzinfo, local: Callable[[str], tuple[str, int]],
                 history_days: int = HISTORY_DAYS, on_leaf: Callable[[int], None] | None = None) -> None:
        self.log, self.begin, self.end = log, begin, end
        self.tz, self.local, self.history_days = tz, local, history_days
        self.on_leaf = on_leaf
        self.counts = FeedCounts()
        self.history_begin = begin  # the first leaf replayed, once history() has run

    def _bodies(self, begin: int, end: int, kind: str | None = None) -> Iterator[tuple[int, bytes]]:
        """(leaf index, body) of the leaves that still have one; with ``kind``, the others are counted as purged."""
        c = self.counts
        for leaf in self.log.events(begin, end):
            if leaf.body is not None:
                yield leaf.index, leaf.body
            elif kind is not None:
                setattr(c, kind, getattr(c, kind) + 1)
                c.purged += 1

    def _leaves(self, begin: int, end: int, kind: str) -> Iterator[Event]:
        """The leaves ``[begin, end)`` as events in event-time order (sorted when the log has them out of order)."""
        c = self.counts
        late = out_of_order(self._bodies(begin, end)) if end > begin else 0
        c.reordered += late
        leaves: Iterator[tuple[int, bytes | str | None]]
        if late:  # sorted_lines reads every body before the first comes out: the purged are counted then
            leaves = iter(sorted_lines(self._bodies(begin, end, kind)))
        else:
            leaves = ((leaf.index, leaf.body) for leaf in self.log.events(begin, end))
        for index, body in leaves:
            setattr(c, kind, getattr(c, kind) + 1)
            if body is None:
                c.purged += 1
                continue
            if self.on_leaf is not None:
                self.on_leaf(len(body))
            try:
                yield parse_lean(body, f"leaf {index}")
            except EventError as exc:
                c.invalid += 1
                if len(c.messages) < MAX_MESSAGES:
                    c.messages.append(str(exc))

    def new(self) -> Iterator[Event]:
        """The leaves the cursor has not read yet, in event-time order."""
        return self._leaves(self.begin, self.end, "new")

    def _first_new_day(self) -> str | None:
        for leaf in self.log.events(self.begin, self.end):
            if leaf.body is not None:
                try:
                    return self.local(parse_lean(leaf.body).ts)[0]
                except EventError:
                    continue
        return None

    def history(self) -> Iterator[Event]:
        """The events of the ``history_days`` days before the first new leaf's day (a replay)."""
        if self.begin == 0 or self.history_days <= 0:
            return
        first = self._first_new_day()
        if first is None:
            return
        since = date.fromisoformat(first) - timedelta(days=self.history_days)
        since_us = int(datetime.combine(since, time(), self.tz).timestamp() * 1_000_000)
        found = self.log.query(Query(since_us=since_us, limit=1))
        start = min(found[0].index, self.begin) if found else self.begin
        self.history_begin = start
        cutoff = since.isoformat()
        for ev in self._leaves(start, self.begin, "history"):
            if self.local(ev.ts)[0] >= cutoff:
                yield ev
