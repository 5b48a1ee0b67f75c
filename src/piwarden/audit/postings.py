"""Postings: the actor, rare-action and export-id lookups, one row per run of events.

An index entry per event on ``(actor, ts)`` cost an append about a third of what the
event row itself costs (``docs/audit.md``). A batch holds many events of each actor, so
``audit_postings`` stores one row per *run*: the events of one key in one append batch whose
times lie within ``RUN_SPAN_US`` of each other. Row: ``(kind, key, ts_us, idx, more)`` with
``ts_us`` the run's earliest time, ``idx`` its first leaf and ``more`` the offsets of its other
leaves from ``idx`` (little-endian uint16, NULL for a run of one). The primary key
``(kind, key, ts_us, idx)`` answers "this key in ``[since, until)``" with one range read over
``ts_us`` in ``(since - RUN_SPAN_US, until)``, whatever the order of the events' times.

Postings are a superset hint, never the truth: a query re-checks every candidate against the
event row's own columns, so a stale member (a purged or rewritten leaf) can only cost a read.

>>> members(10, pack([1, 5]))
[10, 11, 15]
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from piwarden.audit.store_base import EncodedEvent

ACTOR, ACTION, EXPORT = 0, 1, 2  # kinds of key
ROUTINE_ACTIONS = ("view", "search", "login")  # most of any log: no postings (a scan finds them at once)
RUN_SPAN_US = 3_600_000_000  # a run's events lie within one hour of its earliest
MAX_OFFSET = 0xFFFF  # offsets are uint16
Posting = tuple[int, str, int, int, bytes | None]  # kind, key, ts_us, idx, more


def pack(offsets: Sequence[int]) -> bytes | None:
    """The ``more`` column for these offsets (None for none)."""
    return struct.pack(f"<{len(offsets)}H", *offsets) if offsets else None


def members(idx: int, more: bytes | None) -> list[int]:
    """The leaves of the run starting at ``idx`` with these packed offsets, ascending."""
    if not more:
        return [idx]
    n = len(more) // 2  # a stray odd byte (a damaged row) is ignored, not fatal to the query
    return [idx, *(idx + o for o in struct.unpack_from(f"<{n}H", more))]


def runs(first: int, items: Sequence[EncodedEvent]) -> list[Posting]:
    """The posting rows of leaves ``first, first + 1, ...``: actor always, the action if it is not
    routine, the export id if there is one."""
    out: list[Posting] = []
    actors: dict[str, list[Any]] = {}  # key -> [min ts, max ts, first idx, offsets]
    others: dict[tuple[int, str], list[Any]] = {}
    for i, ev in enumerate(items, first):
        ts = ev.ts_us
        # Every event has an actor run; action and export-id runs are rare.
        run = actors.get(ev.actor)
        if run is None or not _extend(run, i, ts):
            if run is not None:
                out.append((ACTOR, ev.actor, run[0], run[2], pack(run[3])))
            actors[ev.actor] = [ts, ts, i, []]
        if ev.action in ROUTINE_ACTIONS and ev.export_id is None:
            continue
        keys = [] if ev.action in ROUTINE_ACTIONS else [(ACTION, ev.action)]
        if ev.export_id is not None:
            keys.append((EXPORT, ev.export_id))
        for key in keys:
            run = others.get(key)
            if run is None or not _extend(run, i, ts):
                if run is not None:
                    out.append((key[0], key[1], run[0], run[2], pack(run[3])))
                others[key] = [ts, ts, i, []]
    out.extend((ACTOR, key, r[0], r[2], pack(r[3])) for key, r in actors.items())
    out.extend((key[0], key[1], r[0], r[2], pack(r[3])) for key, r in others.items())
    return out


def _extend(run: list[Any], i: int, ts: int) -> bool:
    """Add leaf ``i`` at time ``ts`` to the run if it stays within its bounds."""
    lo, hi = run[0], run[1]
    if ts < lo:
        lo = ts
    elif ts > hi:
        hi = ts
    if hi - lo >= RUN_SPAN_US or i - run[2] > MAX_OFFSET:
        return False
    run[0], run[1] = lo, hi
    run[3].append(i - run[2])
    return True
