"""The synthetic platform: deterministic, valid access events, incidents with ground truth."""

from __future__ import annotations

import itertools
from typing import Any

import orjson

from piwarden.demo.incidents import KINDS
from piwarden.demo.platform import PlatformConfig, Simulation
from piwarden.events import canonical_json, parse_event


def test_same_seed_same_events_and_truth() -> None:
    cfg = PlatformConfig(seed=4, days=9, scale=0.2)
    a, b = Simulation(cfg), Simulation(cfg)
    assert list(a.events()) == list(b.events())
    assert a.ground_truth() == b.ground_truth()
    other = Simulation(PlatformConfig(seed=5, days=9, scale=0.2))
    assert list(itertools.islice(other.events(), 200)) != list(itertools.islice(Simulation(cfg).events(), 200))


def test_events_follow_the_spec_in_canonical_form(platform: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    events, _ = platform
    ids = set()
    for e in events:
        # what the simulator writes is already the canonical form of a valid event
        assert canonical_json(parse_event(e)) == orjson.dumps(e, option=orjson.OPT_SORT_KEYS)
        ids.add(e["id"])
    assert len(ids) == len(events)
    assert [e["ts"] for e in events] == sorted(e["ts"] for e in events)


def test_variety_and_ground_truth(platform: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    events, truth = platform
    actions = {e["action"] for e in events}
    assert {"login", "search", "view", "reveal", "export", "print", "update"} <= actions
    assert {e["channel"] for e in events} >= {"console", "batch", "print", "export"}
    weekend = [e for e in events if e["ts"].startswith("2026-03-07")]
    assert weekend and len(weekend) < len([e for e in events if e["ts"].startswith("2026-03-04")])
    esc = set(truth["benign"]["escalation_desk"])
    assert all(e.get("ticket") is None for e in events if e["actor"] in esc)
    assert sorted(i["kind"] for i in truth["incidents"]) == sorted(KINDS)
    by_id = {e["id"]: e for e in events}
    for inc in truth["incidents"]:
        first = by_id[inc["first_event"]]
        assert first["actor"] == inc["actor"] and first["ts"] == inc["first_ts"]


def test_events_hold_ids_not_values(platform: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    events, _ = platform
    blob = b"\n".join(orjson.dumps(e) for e in events[:5000]).decode()
    assert not any(ch >= "\u4e00" for ch in blob)  # no names or addresses, only ids and field names
