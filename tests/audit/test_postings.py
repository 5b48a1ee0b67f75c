"""Postings: runs of events per actor, rare action and export id; queries through them stay exact."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, NamedTuple

import pytest

from piwarden.audit import store_base
from piwarden.audit.log import AuditLog
from piwarden.audit.postings import ACTION, ACTOR, EXPORT, MAX_OFFSET, RUN_SPAN_US, members, pack, runs
from piwarden.audit.retention import purge
from piwarden.audit.store_base import Query
from piwarden.events import parse_ts

from .conftest import make_event

HOUR_US = 3_600_000_000
T0_US = 1_772_323_200_000_000  # 2026-03-01T00:00:00Z


class Ev(NamedTuple):
    """The fields of ``EncodedEvent`` that ``runs`` reads."""

    actor: str
    action: str = "view"
    export_id: str | None = None
    ts_us: int = T0_US


def _expand(rows: list[tuple[Any, ...]], kind: int, key: str) -> list[list[int]]:
    return [members(idx, more) for k, name, _, idx, more in rows if (k, name) == (kind, key)]


def test_one_run_per_actor_within_the_span_and_offsets_roundtrip() -> None:
    items = [Ev(f"a{i % 3}", ts_us=T0_US + i) for i in range(30)]
    rows = runs(100, items)
    assert len(rows) == 3 and {r[0] for r in rows} == {ACTOR}
    assert _expand(rows, ACTOR, "a1") == [list(range(101, 130, 3))]
    assert all(ts == T0_US + idx - 100 for _, _, ts, idx, _ in rows)  # the run's earliest time
    assert members(7, pack([])) == [7] and members(7, pack([1, 65535])) == [7, 8, 65542]


def test_runs_split_at_the_time_span_and_the_offset_limit() -> None:
    # Out of order within the span: one run, whose time is the earliest.
    rows = runs(0, [Ev("a", ts_us=T0_US + 10), Ev("a", ts_us=T0_US), Ev("a", ts_us=T0_US + RUN_SPAN_US - 1)])
    assert [(ts, members(idx, more)) for _, _, ts, idx, more in rows] == [(T0_US, [0, 1, 2])]
    # A time that would stretch the run to the span starts a new run (which the next one may join,
    # lowering its time); so does a leaf too far from the run's first.
    rows = runs(0, [Ev("a"), Ev("a", ts_us=T0_US + RUN_SPAN_US), Ev("a", ts_us=T0_US + 5)])
    assert sorted((members(idx, more), ts) for _, _, ts, idx, more in rows) == [
        ([0], T0_US), ([1, 2], T0_US + 5)]
    far = [Ev("a")] + [Ev("b")] * MAX_OFFSET + [Ev("a")]
    assert _expand(runs(0, far), ACTOR, "a") == [[0], [MAX_OFFSET + 1]]


def test_rare_actions_and_export_ids_are_posted_routine_actions_not() -> None:
    rows = runs(0, [Ev("a", "view"), Ev("a", "export", "x-1"), Ev("b", "reveal"), Ev("b", "search"),
                    Ev("c", "export", "x-1")])
    assert _expand(rows, ACTION, "export") == [[1, 4]] and _expand(rows, ACTION, "reveal") == [[2]]
    assert _expand(rows, EXPORT, "x-1") == [[1, 4]]
    assert not _expand(rows, ACTION, "view") and not _expand(rows, ACTION, "search")


def _events(n: int, rng: random.Random) -> list[dict[str, Any]]:
    """Bursty, partly out-of-order times (imports), few actors: runs of many leaves, some split."""
    out = []
    for i in range(n):
        minutes = i + (rng.randrange(-90, 90) if rng.random() < 0.2 else 0)
        action = rng.choice(("view", "view", "search", "reveal", "export", "delete"))
        event = make_event(i, actor=f"cs-{rng.randrange(5)}", action=action, ts=_iso(T0_US + minutes * 60_000_000))
        event.pop("export_id", None)
        if action == "export":
            event["export_id"] = f"x-{rng.randrange(6)}"
        out.append(event)
    return out


def _iso(ts_us: int) -> str:
    return dt.datetime.fromtimestamp(ts_us / 1e6, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _us(event: dict[str, Any]) -> int:
    return int(parse_ts(event["ts"]).timestamp() * 1_000_000)


def test_queries_through_postings_match_a_scan(audit_log: AuditLog, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every actor / action / export-id query, with and without windows and limits, returns what
    a filter over all events returns: through postings, through the scan a key with too many
    candidates falls back to, and after a purge by time that cuts through runs."""
    rng = random.Random(6962)
    events = _events(900, rng)
    for k in range(0, len(events), 300):
        audit_log.append_many(events[k:k + 300])
    alive = set(range(len(events)))

    def check() -> None:
        span = [_us(e) for e in events]
        for _ in range(40):
            lo = T0_US + rng.randrange(-60, 960) * 60_000_000
            hi = lo + rng.choice((HOUR_US // 4, HOUR_US, 5 * HOUR_US))
            since, until = rng.choice(((lo, hi), (lo, None), (None, hi), (None, None)))
            field, value = rng.choice((("actor", f"cs-{rng.randrange(5)}"), ("action", "export"),
                                       ("action", "delete"), ("export_id", f"x-{rng.randrange(6)}")))
            limit = rng.choice((3, 1000))
            want = [i for i, e in enumerate(events) if e.get(field) == value
                    and (since is None or span[i] >= since) and (until is None or span[i] < until)
                    and (field == "action" or i in alive)][:limit]
            q = Query(**{field: value}, since_us=since, until_us=until, limit=limit)
            assert [e.index for e in audit_log.query(q)] == want, q

    check()
    monkeypatch.setattr(store_base, "MAX_CANDIDATES", 7)  # most keys now fall back to the scan
    check()
    monkeypatch.undo()
    cutoff = T0_US + 450 * 60_000_000
    purge(audit_log, before_us=cutoff, vacuum=False)
    alive = {i for i, e in enumerate(events) if _us(e) >= cutoff}
    check()
    # Nothing posted under an actor or export id names a purged leaf any more.
    posted = audit_log.store._read("SELECT idx, more FROM audit_postings WHERE kind IN (?, ?)", (ACTOR, EXPORT))
    assert {i for idx, more in posted for i in members(int(idx), None if more is None else bytes(more))} <= alive


def test_a_large_run_is_read_in_chunks_up_to_the_limit(audit_log: AuditLog) -> None:
    """1,100 leaves of one actor in one batch: one run, candidates fetched in chunks of 512,
    results cut at the limit, oldest first."""
    events = [make_event(i, actor="cs-big" if i % 10 else "cs-other", ts=_iso(T0_US + i * 1_000_000))
              for i in range(1220)]
    audit_log.append_many(events)
    big = [i for i, e in enumerate(events) if e["actor"] == "cs-big"]
    assert len(audit_log.store._read("SELECT idx FROM audit_postings WHERE kind = 0 AND key = 'cs-big'")) == 1
    assert [e.index for e in audit_log.query(Query(actor="cs-big"))] == big[:1000]
    assert [e.index for e in audit_log.query(Query(actor="cs-big", limit=2000))] == big
    since = T0_US + 600 * 1_000_000
    assert [e.index for e in audit_log.query(Query(actor="cs-big", since_us=since, limit=2000))] == [
        i for i in big if i >= 600]
