"""Forensic detectors as an extension point: the built-ins come through the hook, a plugin adds its own."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pluggy
from typer.testing import CliRunner

from piwarden import hookspecs
from piwarden.cli import app
from piwarden.events import AccessEvent, parse_event
from piwarden.forensics import plugin as builtin
from piwarden.forensics.anomalies import Detector, rank
from piwarden.forensics.anomalies.context import ContextModel
from piwarden.forensics.anomalies.detector import calibrated, plugin_detectors
from piwarden.forensics.anomalies.feedback import Feedback
from piwarden.forensics.anomalies.findings import ActorWindow, EventObserver, Finding
from piwarden.forensics.anomalies.model import BaselineModel
from piwarden.forensics.anomalies.rules import RuleSet
from piwarden.hookspecs import hookimpl
from piwarden.plugins import plugin_manager

runner = CliRunner()
WATCHED = frozenset({"c-vip-a", "c-vip-b"})


class WatchList:
    """A third-party detector: any access to a watched customer, with the events as evidence."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], list[str]] = defaultdict(list)

    def observe(self, event: AccessEvent, day: str, hour: int) -> None:
        if WATCHED.intersection(event.subjects):
            self.seen[event.actor, day].append(event.id)

    def assess(self, window: ActorWindow) -> list[Finding]:
        ids = self.seen.get((window.actor, window.day))
        if not ids:
            return []
        return [Finding("watch.vip", 6.0 * len(ids), f"watch.vip: {len(ids)} accesses to watched customers on "
                        f"{window.day}", events=tuple(ids))]


class WatchPlugin:
    @hookimpl
    def piwarden_forensic_detectors(self) -> list[WatchList]:
        return [WatchList()]


def _ev(i: int, day: int, actor: str = "cs-1", subject: str | None = None) -> AccessEvent:
    return parse_event({"id": f"e-{day}-{i}", "ts": f"2026-03-{day:02d}T10:{i % 60:02d}:00+08:00", "actor": actor,
                        "party": "platform.cs", "role": "customer_service", "action": "view", "resource": "order",
                        "subjects": [subject or f"c-{i * 7}"], "fields": ["name"], "ticket": f"T-{day}-{i}"})


def test_builtins_register_through_the_hook() -> None:
    found = plugin_detectors()
    assert [type(d) for d in found[:3]] == [RuleSet, ContextModel, BaselineModel]
    assert isinstance(WatchList(), EventObserver) and not isinstance(found[0], EventObserver)
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(builtin)
    pm.register(WatchPlugin())
    assert [type(d) for d in plugin_detectors(pm)] == [RuleSet, ContextModel, BaselineModel, WatchList]  # built-ins first


def test_without_detectors_nothing_is_scored(access_events: list[AccessEvent]) -> None:
    results = rank(access_events[:3000], Detector(detectors=[]))
    assert results and all(r.raw == 0 and r.score == calibrated(0.0) and not r.reasons for r in results)


def test_a_plugin_detector_judges_from_the_first_day_and_shows_its_evidence() -> None:
    # no history at all: the built-ins stay quiet, the watch list does not need a baseline
    events = [_ev(i, 2) for i in range(5)] + [_ev(7, 2, subject="c-vip-a"), _ev(8, 2, subject="c-vip-b")]
    det = Detector(detectors=[*plugin_detectors(), WatchList()])
    (r,) = rank(events, det)
    assert r.reasons == ["watch.vip: 2 accesses to watched customers on 2026-03-02"]
    assert r.events == ["e-2-7", "e-2-8"] and r.raw == 12 and r.score == calibrated(12)
    fb = Feedback()
    fb.add("cs-1", "dismiss", "watch.vip")
    (r,) = rank(events, Detector(feedback=fb, detectors=[WatchList()]))
    assert r.reasons == ["watch.vip: 2 accesses to watched customers on 2026-03-02 [down-weighted x0.20 by "
                         "analyst feedback]"]


def test_quiet_findings_count_but_are_not_listed() -> None:
    class Small:
        def assess(self, window: ActorWindow) -> list[Finding]:
            return [Finding("small", 0.5, lambda: "never asked for", quiet_below=1.0)]

    (r,) = rank([_ev(1, 2)], Detector(detectors=[Small()]))
    assert r.raw == 0.5 and r.reasons == []


def test_the_command_reports_a_registered_plugins_findings(tmp_path: Path) -> None:
    history = [_ev(i, d, actor=f"cs-{i % 12}") for d in range(2, 9) for i in range(40)]
    today = [_ev(i, 9, actor=f"cs-{i % 12}") for i in range(40)] + [_ev(50, 9, "cs-3", "c-vip-a")]
    f = tmp_path / "events.jsonl"
    f.write_text("".join(json.dumps(e.canonical_dict()) + "\n" for e in history + today))
    pm, plugin = plugin_manager(), WatchPlugin()
    pm.register(plugin)
    try:
        r = runner.invoke(app, ["forensics", "anomalies", "--events", str(f), "--no-progress"])
    finally:
        pm.unregister(plugin)
    assert r.exit_code == 0, r.output
    top = json.loads(r.stdout.splitlines()[0])
    assert top["actor"] == "cs-3" and top["reasons"][-1].startswith("watch.vip: 1 accesses")
    assert "e-9-50" in top["events"]
    again = runner.invoke(app, ["forensics", "anomalies", "--events", str(f), "--no-progress"])
    assert "watch.vip" not in again.stdout  # unregistered: gone
