"""`forensics anomalies --audit`: events straight from the audit log, incrementally, against the file run.

A simulated platform is imported into a SQLite audit log in two parts (``audit import``); two
``--audit`` runs (the second after the append) must add up to one run over the whole file: every
actor's score is the larger of its two runs' scores, with the same day, reasons and evidence,
and the stream of alerts is the same, none repeated.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from piwarden.audit.hasher import hash_leaf
from piwarden.audit.log import open_log
from piwarden.audit.store_base import EncodedEvent
from piwarden.cli import app
from piwarden.demo.platform import PlatformConfig, Simulation
from piwarden.events import canonical_json, parse_event
from piwarden.forensics.anomalies import Detector
from piwarden.forensics.anomalies.audit_feed import AuditFeed
from piwarden.forensics.anomalies.cursor import Cursors

runner = CliRunner()
SPLIT_DAY = "2026-03-10"  # part 1: 8 days of history with the incidents' start; part 2: the last 4 days


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("feed")
    sim = Simulation(PlatformConfig(seed=17, days=12, scale=0.3))
    lines = [canonical_json(parse_event(e)) + b"\n" for e in sim.events()]
    split = next(i for i, line in enumerate(lines) if orjson.loads(line)["ts"] >= SPLIT_DAY)
    (d / "events.jsonl").write_bytes(b"".join(lines))
    (d / "part1.jsonl").write_bytes(b"".join(lines[:split]))
    (d / "part2.jsonl").write_bytes(b"".join(lines[split:]))
    mid = split + 1234  # mid-hour, inside the first day of part 2
    (d / "mid1.jsonl").write_bytes(b"".join(lines[:mid]))
    (d / "mid2.jsonl").write_bytes(b"".join(lines[mid:]))
    full = _run(["--events", str(d / "events.jsonl")], d / "full.jsonl")
    stream = _run(["--events", str(d / "events.jsonl"), "--stream"], d / "full-stream.jsonl")
    return {"dir": d, "full": full, "stream": stream, "truth": sim.ground_truth(), "n": len(lines)}


def _run(args: list[str], out: Path) -> list[dict[str, Any]]:
    r = runner.invoke(app, ["forensics", "anomalies", *args, "--out", str(out), "--no-progress"])
    assert r.exit_code == 0, r.output
    return [json.loads(line) for line in out.read_text().splitlines()]


def _import(part: Path, db: str) -> None:
    r = runner.invoke(app, ["audit", "import", str(part), "--db", db, "--no-progress"])
    assert r.exit_code == 0, r.output


def test_two_audit_runs_add_up_to_the_file_run(platform: dict[str, Any], tmp_path: Path) -> None:
    d, db = platform["dir"], f"sqlite:///{tmp_path / 'piwarden.db'}"
    _import(d / "part1.jsonl", db)
    first = _run(["--audit", "--db", db], tmp_path / "r1.jsonl")
    first_stream = _run(["--audit", "--db", db, "--cursor", "stream", "--stream"], tmp_path / "s1.jsonl")
    _import(d / "part2.jsonl", db)
    r = runner.invoke(app, ["forensics", "anomalies", "--audit", "--db", db, "--out", str(tmp_path / "r2.jsonl"),
                            "--no-progress"])
    assert r.exit_code == 0, r.output
    assert "replayed from leaf 0 for baselines" in r.output  # the second run rebuilt its baselines
    n_new = sum(1 for _ in (d / "part2.jsonl").open("rb"))
    assert f"({n_new} new, " in r.output and f"\n{n_new} events, 0 skipped" in r.output
    second = [json.loads(line) for line in (tmp_path / "r2.jsonl").read_text().splitlines()]
    second_stream = _run(["--audit", "--db", db, "--cursor", "stream", "--stream"], tmp_path / "s2.jsonl")

    # ranking: each actor's worst day is the worse of its two runs', with everything that goes with it
    one, two = {x["actor"]: x for x in first}, {x["actor"]: x for x in second}
    new_actors = {json.loads(line)["actor"] for line in (d / "part2.jsonl").open("rb")}
    assert set(two) == new_actors  # the second run ranks who acted since the first
    for want in platform["full"]:
        a = want["actor"]
        got = max((x for x in (one.get(a), two.get(a)) if x is not None), key=lambda x: x["raw"])
        assert got["raw"] == want["raw"], a
        if want["raw"] > 0:  # (scores are calibrated probabilities: an actor without findings has raw 0)
            assert got == want, a

    # streaming: the same alerts, each once (the one raised as the first run ended is stamped then)
    def key(x: dict[str, Any]) -> tuple[Any, ...]:
        return x["actor"], x["score"], x["day"], tuple(x["reasons"]), tuple(x["events"]), x["first_seen"]

    assert sorted(map(key, first_stream + second_stream)) == sorted(map(key, platform["stream"]))
    assert not {x["actor"] for x in first_stream} & {x["actor"] for x in second_stream}

    # nothing new: nothing read, nothing written, the cursor stays
    assert _run(["--audit", "--db", db], tmp_path / "r3.jsonl") == []
    cursors = Cursors(db)
    assert cursors.get("anomalies") == cursors.get("stream") == platform["n"]
    cursors.close()


def test_a_run_that_ends_mid_hour_repeats_no_alert(platform: dict[str, Any], tmp_path: Path) -> None:
    d, db = platform["dir"], f"sqlite:///{tmp_path / 'piwarden.db'}"
    _import(d / "mid1.jsonl", db)
    first = _run(["--audit", "--db", db, "--stream"], tmp_path / "s1.jsonl")
    _import(d / "mid2.jsonl", db)
    second = _run(["--audit", "--db", db, "--stream"], tmp_path / "s2.jsonl")
    fired = [x["actor"] for x in first + second]
    assert len(fired) == len(set(fired))
    assert {i["actor"] for i in platform["truth"]["incidents"]} <= set(fired)


def test_purged_and_invalid_leaves_are_skipped_and_counted(platform: dict[str, Any], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'piwarden.db'}"
    _import(platform["dir"] / "part1.jsonl", db)
    r = runner.invoke(app, ["audit", "purge", "--below-index", "100", "--db", db])
    assert r.exit_code == 0, r.output
    with open_log(db) as log:  # a body this piwarden cannot read (a later version of the spec)
        body = orjson.dumps({"v": 2, "id": "e-v2", "note": "13812345678"}, option=orjson.OPT_SORT_KEYS)
        log.append_encoded([EncodedEvent(body, hash_leaf(body), "e-v2", "x", "view", 0, None, ())])
    r = runner.invoke(app, ["forensics", "anomalies", "--audit", "--db", db, "--out", str(tmp_path / "r.jsonl"),
                            "--no-progress"])
    assert r.exit_code == 0, r.output
    assert "100 purged by retention and 1 invalid skipped" in r.output
    assert f"leaf {sum(1 for _ in (platform['dir'] / 'part1.jsonl').open('rb'))}: " in r.output
    assert "13812345678" not in r.output


def test_history_is_the_window_before_the_first_new_day(platform: dict[str, Any], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'piwarden.db'}"
    _import(platform["dir"] / "events.jsonl", db)
    det = Detector()
    with open_log(db) as log:
        begin = sum(1 for _ in (platform["dir"] / "part1.jsonl").open("rb"))
        feed = AuditFeed(log, begin, log.size(), det.tz, det.local, history_days=3)
        days = {det.local(e.ts)[0] for e in feed.history()}
        assert days == {"2026-03-07", "2026-03-08", "2026-03-09"}
        assert 0 < feed.history_begin < begin and feed.counts.history >= len(days)
        assert list(AuditFeed(log, 0, 10, det.tz, det.local).history()) == []  # a first run has no past


def test_cursor_beyond_the_log_and_source_options(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'piwarden.db'}"
    cursors = Cursors(db)
    cursors.set("anomalies", 5)
    cursors.set("anomalies", 7)  # an update, not a second row
    assert cursors.get("anomalies") == 7 and cursors.get("other") == 0
    cursors.close()
    r = runner.invoke(app, ["forensics", "anomalies", "--audit", "--db", db])
    assert r.exit_code == 2 and "not the log it read" in r.output
    r = runner.invoke(app, ["forensics", "anomalies"])
    assert r.exit_code == 2 and "--events FILE or --audit" in r.output
    r = runner.invoke(app, ["forensics", "anomalies", "--audit", "--events", str(tmp_path / "x.jsonl")])
    assert r.exit_code == 2


def test_default_database_is_the_piwarden_home(platform: dict[str, Any], piwarden_home: Path) -> None:
    _import(platform["dir"] / "part2.jsonl", f"sqlite:///{piwarden_home / 'piwarden.db'}")
    r = runner.invoke(app, ["forensics", "anomalies", "--audit", "--top", "3", "--no-progress"])
    assert r.exit_code == 0, r.output
    assert len([line for line in r.stdout.splitlines() if line.startswith("{")]) == 3


def _postgres() -> str:
    """A clean database for these tests on the local server; skips without one (fails so under CI=true)."""
    admin = {"host": os.environ.get("PIWARDEN_TEST_PG_HOST", "127.0.0.1"), "port": 5432, "user": "postgres",
             "dbname": "test", "connect_timeout": 3}
    name = "piwarden_test_forensics_" + os.environ.get("PIWARDEN_TEST_DB_TAG", "") + os.environ.get(
        "PYTEST_XDIST_WORKER", "main")
    try:
        import psycopg

        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # any failure to reach the server means "no PostgreSQL here"
        reason = f"PostgreSQL not reachable at {admin['host']}:5432 ({type(exc).__name__})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " and CI=true requires it")
        pytest.skip(reason)
    return f"postgresql://postgres@{admin['host']}:5432/{name}"


def test_on_postgresql(platform: dict[str, Any], tmp_path: Path) -> None:
    """The cursor table and the feed on the other backend, with a plain postgresql:// URL as audit takes it."""
    url = _postgres()
    _import(platform["dir"] / "part1.jsonl", url)
    first = _run(["--audit", "--db", url], tmp_path / "r1.jsonl")
    _import(platform["dir"] / "part2.jsonl", url)
    second = _run(["--audit", "--db", url.replace("postgresql://", "postgresql+psycopg://")], tmp_path / "r2.jsonl")
    best: dict[str, float] = {}
    for x in first + second:
        best[x["actor"]] = max(best.get(x["actor"], 0.0), x["score"])
    assert best == {x["actor"]: x["score"] for x in platform["full"]}
    cursors = Cursors(url)
    assert cursors.get("anomalies") == platform["n"]
    cursors.close()


def test_leaves_out_of_time_order_are_sorted_before_scoring(platform: dict[str, Any], tmp_path: Path) -> None:
    """Two sources logged one after the other (the later days first): the ranking is the file run's, with a word."""
    d, db = platform["dir"], f"sqlite:///{tmp_path / 'piwarden.db'}"
    lines = (d / "events.jsonl").read_bytes().splitlines(keepends=True)
    half = len(lines) // 2
    (tmp_path / "late-first.jsonl").write_bytes(b"".join(lines[half:] + lines[:half]))
    _import(tmp_path / "late-first.jsonl", db)
    out = tmp_path / "r.jsonl"
    r = runner.invoke(app, ["forensics", "anomalies", "--audit", "--db", db, "--out", str(out), "--no-progress"])
    assert r.exit_code == 0, r.output
    assert f"warning {half} leaves came after one with a later event time" in " ".join(r.output.split())
    assert "were sorted by event time before scoring" in r.output and "out of time order (up" not in r.output
    assert [json.loads(line) for line in out.read_text().splitlines()] == platform["full"]
