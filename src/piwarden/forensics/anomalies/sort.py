"""Access events in time order whatever order the file holds them in.

Two sources concatenated, or a log read backwards, lost incidents: the detector closes an
hour and a day as time moves on, and :class:`~piwarden.forensics.anomalies.order.HourOrder`
puts back only what is an hour or so late. So a file is checked first (one pass reading only
each line's ``ts`` and ``id``) and, when any event comes before one already seen, sorted by
(event time, id) before the detector sees it: in memory when it is small, else in sorted runs
on disk merged back (an external sort), so memory stays bounded. Sorting by (time, id) also
fixes the order of events of the same instant, so any permutation of a file gives the same
input to the detector, hence the same ranking.

Lines whose time cannot be read go first, in file order: validation rejects and names them.
"""

from __future__ import annotations

import heapq
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from piwarden.events import parse_ts

Line = tuple[int, bytes | str]  # (line number in the file, the raw line)
Key = tuple[int, str]
RUN = 200_000  # events sorted in memory at a time; more are spilled to sorted runs on disk
_NO_TIME = (-(2**63), "")


def event_key(raw: bytes | str) -> Key | None:
    """(event time in microseconds since the epoch, id) of one JSON line; None if it has no readable time."""
    try:
        obj = orjson.loads(raw)
        ts = parse_ts(obj["ts"])
        return int(ts.timestamp()) * 1_000_000 + ts.microsecond, str(obj.get("id", ""))
    except Exception:  # malformed: the validation that follows names it
        return None


def out_of_order(lines: Iterable[Line]) -> int:
    """How many events come after one with a later (time, id): 0 means the file is in order."""
    late, high = 0, _NO_TIME
    for _, raw in lines:
        if not raw.strip():
            continue
        key = event_key(raw)
        if key is None:
            continue
        if key < high:
            late += 1
        else:
            high = key
    return late


def sorted_lines(lines: Iterable[Line], run: int = RUN, spill_dir: str | None = None) -> Iterator[Line]:
    """``lines`` ordered by (event time, id); those without a time first. Bounded memory (``run`` lines)."""
    untimed: list[Line] = []
    runs: list[str] = []
    batch: list[tuple[Key, int, bytes | str]] = []
    try:
        for number, raw in lines:
            if not raw.strip():
                continue
            key = event_key(raw)
            if key is None:
                untimed.append((number, raw))
                continue
            batch.append((key, number, raw))
            if len(batch) >= run:
                runs.append(_spill(batch, spill_dir))
                batch = []
        yield from untimed
        batch.sort(key=lambda x: (x[0], x[1]))
        if not runs:
            for _, number, raw in batch:
                yield number, raw
            return
        merged = heapq.merge(*(_read_run(path) for path in runs), ((k, n, r) for k, n, r in batch),
                             key=lambda x: (x[0], x[1]))
        for _, number, raw in merged:
            yield number, raw
    finally:
        for path in runs:
            Path(path).unlink(missing_ok=True)


def _spill(batch: list[tuple[Key, int, bytes | str]], spill_dir: str | None) -> str:
    batch.sort(key=lambda x: (x[0], x[1]))
    fd, path = tempfile.mkstemp(prefix="piwarden-events-", suffix=".run", dir=spill_dir)
    with os.fdopen(fd, "wb") as out:
        for (ts, eid), number, raw in batch:
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
            out.write(orjson.dumps([ts, eid, number, text]) + b"\n")
    return path


def _read_run(path: str) -> Iterator[tuple[Key, int, bytes | str]]:
    with open(path, "rb") as f:
        for line in f:
            ts, eid, number, text = orjson.loads(line)
            yield (ts, eid), number, text
