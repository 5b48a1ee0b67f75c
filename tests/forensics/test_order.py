"""Events out of time order: put back within the window, counted and warned beyond it, never dropped."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from piwarden.cli import app
from piwarden.events import AccessEvent, parse_event
from piwarden.forensics.anomalies import Detector, rank
from piwarden.forensics.anomalies.order import HourOrder

runner = CliRunner()
_LOCAL = Detector(detectors=[]).local


def _event(i: int, minute: int) -> AccessEvent:
    """Event ``i`` at ``minute`` minutes after 2026-03-02 00:00 (+08:00)."""
    day, rest = divmod(minute, 24 * 60)
    return parse_event({"id": f"e-{i}", "ts": f"2026-03-{2 + day:02d}T{rest // 60:02d}:{rest % 60:02d}:00+08:00",
                        "actor": "a", "party": "platform.cs", "role": "customer_service", "action": "view",
                        "resource": "order", "subjects": ["c-1"], "fields": ["name"]})


def _drain(order: HourOrder, events: list[AccessEvent]) -> list[AccessEvent]:
    return [e for ev in events for e in order.push(ev)] + order.flush()


@given(st.lists(st.integers(0, 5 * 24 * 60 - 1), max_size=60))
def test_sorted_input_passes_through_unchanged(minutes: list[int]) -> None:
    events = [_event(i, m) for i, m in enumerate(sorted(minutes))]
    order = HourOrder(_LOCAL)
    assert _drain(order, events) == events and order.late == 0


@settings(deadline=None)
@given(st.lists(st.integers(0, 3 * 24 * 60 - 1), max_size=60), st.randoms(use_true_random=False),
       st.integers(0, 3))
def test_disorder_within_the_window_is_put_back(minutes: list[int], rnd: random.Random, hours: int) -> None:
    events = [(m // 60, _event(i, m)) for i, m in enumerate(sorted(minutes))]
    # each event arrives at most `hours` hours after the hour it belongs to
    arrival = [e for _, e in sorted(events, key=lambda he: he[0] + rnd.randint(0, hours))]
    order = HourOrder(_LOCAL, hours)
    out = _drain(order, arrival)
    assert sorted(e.id for e in out) == sorted(e.id for _, e in events)  # nothing lost, nothing doubled
    assert [_LOCAL(e.ts) for e in out] == sorted(_LOCAL(e.ts) for e in out)
    assert order.late == 0


def test_later_than_the_window_is_counted_not_dropped() -> None:
    events = [_event(0, 600), _event(1, 700), _event(2, 900), _event(3, 610), _event(4, 960)]
    order = HourOrder(_LOCAL)
    out = _drain(order, events)
    assert sorted(e.id for e in out) == [f"e-{i}" for i in range(5)]
    assert order.late == 1 and order.late_hours == 1  # 10:10 came after 15:00 had released 11:40


def test_swapped_hours_rank_like_sorted_ones(access_events: list[AccessEvent]) -> None:
    """Whole hours delivered in swapped pairs: within the window, so the results do not change."""
    hours = [list(g) for _, g in itertools.groupby(access_events, key=lambda e: e.ts[:13])]
    swapped = [e for i in range(0, len(hours), 2) for h in reversed(hours[i:i + 2]) for e in h]
    assert swapped != access_events
    assert [r.to_json() for r in rank(swapped)] == [r.to_json() for r in rank(access_events)]


def test_the_command_warns_about_late_events(tmp_path: Path, platform: tuple[list[dict[str, Any]], Any]) -> None:
    events = platform[0][:4000]
    late = events[100] | {"id": "e-late", "actor": "cs-late"}  # an event of day 1 delivered at the end
    f = tmp_path / "events.jsonl"
    f.write_text("".join(json.dumps(e) + "\n" for e in [*events, late]))
    r = runner.invoke(app, ["forensics", "anomalies", "--events", str(f), "--no-progress"])
    assert r.exit_code == 0, r.output
    # a file is sorted first (tests/forensics/test_sort.py), so the late event is placed exactly
    assert "not in time order (1 came after a later one" in r.output and "sorted by event time" in r.output
    assert "out of time order (up to" not in r.output
    assert "cs-late" in r.stdout
