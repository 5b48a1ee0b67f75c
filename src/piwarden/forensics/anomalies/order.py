"""Putting access events back in time order before the detector sees them.

The detector scores an actor when the hour turns and closes the day when the next one
begins, so it needs events in time order. Logs are only nearly so: several producers append
to the audit log with some seconds or minutes of skew, and a batch system may deliver an hour
late. :class:`HourOrder` holds events in buckets by local hour (in arrival order within an
hour, so sorted input passes through unchanged) and releases an hour once events ``hours``
later have arrived. Memory is what arrives in that span; an event of the same hour as the one
before costs an append.

An event later than that cannot be put back: it is released at once (the detector counts it
in the hour and day it is at) and counted in ``late``, with ``late_hours`` the worst delay,
so that the caller can say so. Nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from piwarden.events import Event

REORDER_HOURS = 1


def _unset(ts: str) -> tuple[str, int]:
    raise RuntimeError("an HourOrder needs the detector's local time (HourOrder(det.local))")


class HourOrder:
    """Releases events in local-hour order, holding each hour until ``hours`` later ones arrive.

    >>> from piwarden.events import parse_event
    >>> def ev(i, ts):
    ...     return parse_event({"id": f"e-{i}", "ts": ts, "actor": "a", "party": "p", "role": "r",
    ...                         "action": "view", "resource": "order", "subjects": ["c-1"], "fields": []})
    >>> order = HourOrder(lambda ts: (ts[:10], int(ts[11:13])))
    >>> times = ["2026-03-02T10:05:00+08:00", "2026-03-02T09:59:00+08:00", "2026-03-02T11:30:00+08:00"]
    >>> out = [e.id for i, ts in enumerate(times) for e in order.push(ev(i, ts))]
    >>> out + [e.id for e in order.flush()], order.late
    (['e-1', 'e-0', 'e-2'], 0)
    """

    def __init__(self, local: Callable[[str], tuple[str, int]] | None = None, hours: int = REORDER_HOURS) -> None:
        # event time -> (local day, hour), e.g. Detector.local (optional only for unpickling: compiled, a class is
        # built by its __init__ before its state is set)
        self.local = local if local is not None else _unset
        self.hours = hours
        self.late = 0
        self.late_hours = 0
        self._buckets: dict[int, list[Event]] = {}
        self._day, self._hour = "", -1  # the hour of the last event held, and its bucket
        self._bucket: list[Event] = []
        self._high = -1  # latest hour seen
        self._released = -1  # latest hour released
        self._ordinals: dict[str, int] = {}
        self._soft = 1 << 62  # the hour an early flush() released (``forensics watch`` on a quiet source)

    _STATE = ("local", "hours", "late", "late_hours", "_buckets", "_day", "_hour", "_bucket", "_high", "_released",
              "_ordinals", "_soft")

    def __getstate__(self) -> dict[str, Any]:  # by name: compiled, the order has no __dict__
        return {name: getattr(self, name) for name in self._STATE}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name in self._STATE:
            if name in state:
                setattr(self, name, state[name])

    def _key(self, day: str, hour: int) -> int:
        n = self._ordinals.get(day)
        if n is None:
            n = self._ordinals[day] = date.fromisoformat(day).toordinal()
        return n * 24 + hour

    def push(self, event: Event) -> Sequence[Event]:
        """Take one event; return those now due, oldest hour first."""
        day, hour = self.local(event.ts)
        if hour == self._hour and day == self._day:
            self._bucket.append(event)
            return ()
        h = self._key(day, hour)
        if h <= self._released:  # its hour has been handed on: too late to put back
            if h >= self._soft:  # the hour a flush() released early: not late, the rest of it
                return (event,)
            self.late += 1
            self.late_hours = max(self.late_hours, self._released - h)
            return (event,)
        bucket = self._buckets.get(h)
        if bucket is None:
            bucket = self._buckets[h] = []
        bucket.append(event)
        self._day, self._hour, self._bucket = day, hour, bucket
        if h <= self._high:
            return ()
        self._high = h
        return self._release(h - self.hours)

    def _release(self, below: int) -> list[Event]:
        out: list[Event] = []
        for k in sorted(k for k in self._buckets if k < below):
            out += self._buckets.pop(k)
            self._released = k
        return out

    def flush(self) -> list[Event]:
        """Every event still held, in order (the end of the input, or a quiet source: the rest of the last hour
        released then passes straight through, not counted late)."""
        out = self._release(self._high + 1)
        self._day, self._hour, self._bucket = "", -1, []
        if self._high >= 0:
            self._soft = self._high
        return out
