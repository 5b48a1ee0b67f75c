"""`forensics watch`: live detection over a file being written and over the audit log.

End to end with real parts: a writer thread appends a simulated platform's events (in pieces,
lines cut in two) while `piwarden forensics watch --follow` runs in its own process; the alerts
must reach standard output, the JSONL file and a real local HTTP server; SIGTERM ends it with
130 and a checkpoint; a restart (even from an older checkpoint) sends nothing twice; a false-alarm
verdict lowers the next scores of that actor's pattern.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from piwarden.cli import app
from piwarden.events import canonical_json, parse_event
from piwarden.forensics.anomalies import Detector
from piwarden.forensics.anomalies.alert_store import AlertStore, alert_id
from piwarden.forensics.anomalies.context import ContextModel
from piwarden.forensics.anomalies.cursor import Cursors
from piwarden.forensics.anomalies.follow import Follower
from piwarden.forensics.anomalies.webhook import WebhookSender

runner = CliRunner()
SPLIT_DAY = "2026-03-11"  # the first incident starts on 03-11: history before, incidents after


@pytest.fixture(scope="module")
def lines(platform: tuple[list[dict[str, Any]], dict[str, Any]]) -> list[bytes]:
    return [canonical_json(parse_event(e)) + b"\n" for e in platform[0]]


def _split(lines: list[bytes], day: str = SPLIT_DAY) -> int:
    return next(i for i, line in enumerate(lines) if json.loads(line)["ts"] >= day)


class Hook(http.server.BaseHTTPRequestHandler):
    """A webhook receiver: keeps every JSON body; answers 500 to the first ``fail`` requests."""

    bodies: list[dict[str, Any]]
    fail: list[int]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        if self.fail and self.fail[0] > 0:
            self.fail[0] -= 1
            self.send_response(500)
        else:
            self.bodies.append(json.loads(body))
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def hook() -> Iterator[tuple[str, list[dict[str, Any]], list[int]]]:
    bodies: list[dict[str, Any]] = []
    fail = [0]
    handler = type("H", (Hook,), {"bodies": bodies, "fail": fail})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/alerts", bodies, fail
    server.shutdown()


def _watch(args: list[str]) -> tuple[list[dict[str, Any]], str]:
    r = runner.invoke(app, ["forensics", "watch", "--once", "--checkpoint-every", "0", *args])
    assert r.exit_code == 0, r.output
    out = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    return out, r.stderr


def _wait(cond: Any, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.1)
    return False


def test_follow_a_file_being_written(lines: list[bytes], tmp_path: Path,
                                     hook: tuple[str, list[dict[str, Any]], list[int]]) -> None:
    url, received, fail = hook
    fail[0] = 1  # the first POST fails: the alert is retried, not lost
    events, alerts, state = tmp_path / "events.jsonl", tmp_path / "alerts.jsonl", tmp_path / "watch.ckpt"
    db = f"sqlite:///{tmp_path / 'piwarden.db'}"
    events.write_bytes(b"")
    env = {**os.environ, "PIWARDEN_HOME": str(tmp_path / "home")}
    cmd = [str(Path(sys.executable).parent / "piwarden"), "forensics", "watch", "--follow", str(events), "--db", db,
           "--alerts", str(alerts), "--webhook", url, "--state", str(state), "--poll", "0.05", "--idle-flush", "0.5",
           "--checkpoint-every", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    stop = threading.Event()

    def writer() -> None:  # another thread appends, in pieces that cut lines in two
        data = b"".join(lines)
        with events.open("ab") as f:
            for i in range(0, len(data), 400_000):
                f.write(data[i:i + 400_000])
                f.flush()
                if stop.wait(0.05):
                    return

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert _wait(lambda: alerts.exists() and alerts.read_bytes().count(b"\n") >= 2), "no alert written"
        assert _wait(lambda: len(received) >= 2), "no alert received by the webhook"
        t.join()
        time.sleep(1.5)  # read to the end, scored on going quiet, checkpointed
    finally:
        stop.set()
        t.join()
        proc.send_signal(signal.SIGTERM)
        out, errs = proc.communicate(timeout=60)
    assert proc.returncode == 130, errs.decode()
    assert b"interrupted:" in errs and state.exists()
    written = [json.loads(line) for line in alerts.read_text().splitlines()]
    printed = [json.loads(line) for line in out.decode().splitlines()]
    assert printed == written and {a["id"] for a in received} == {a["id"] for a in written}
    for a in written:  # the documented schema, ids and codes only
        assert a["id"] == alert_id(a["actor"], a["day"]) and a["watcher"] == "watch"
        assert {"actor", "score", "raw", "reasons", "codes", "events", "day", "first_seen", "raised_at"} <= set(a)
        assert a["codes"] and 0.5 <= a["score"] <= 1.0
    assert len({a["id"] for a in written}) == len(written)
    # a restart continues from the checkpoint (the rest of the file, if the watcher was stopped before its end) and
    # sends none of the alerts sent before; then there is nothing new; from an empty checkpoint everything is read
    # again and nothing is sent twice
    args = ["--follow", str(events), "--db", db, "--alerts", str(alerts)]
    rest, _ = _watch([*args, "--state", str(state)])
    assert not {a["id"] for a in rest} & {a["id"] for a in written}
    again, errs2 = _watch([*args, "--state", str(state)])
    assert again == [] and "0 events read" in errs2
    fresh, errs3 = _watch([*args, "--state", str(tmp_path / "other.ckpt")])
    n = len(written) + len(rest)
    assert fresh == [] and "raised again after a restart and not sent twice" in errs3
    assert len(alerts.read_text().splitlines()) == n


def test_restart_from_an_older_checkpoint_does_not_realert(lines: list[bytes], tmp_path: Path) -> None:
    events, state, db = tmp_path / "events.jsonl", tmp_path / "w.ckpt", f"sqlite:///{tmp_path / 'p.db'}"
    mid = _split(lines, "2026-03-13")
    events.write_bytes(b"".join(lines[:mid]))
    first, _ = _watch(["--follow", str(events), "--db", db, "--state", str(state)])
    shutil.copy(state, tmp_path / "old.ckpt")
    with events.open("ab") as f:
        f.write(b"".join(lines[mid:]))
    second, _ = _watch(["--follow", str(events), "--db", db, "--state", str(state)])
    assert first and second
    ids = [a["id"] for a in first + second]
    assert len(ids) == len(set(ids))
    shutil.copy(tmp_path / "old.ckpt", state)  # a crash after the second run's alerts, before its checkpoint
    third, errs = _watch(["--follow", str(events), "--db", db, "--state", str(state)])
    assert third == [] and f"{len(second)} raised again" in errs
    # the same events in one run raise the same alerts
    whole, _ = _watch(["--follow", str(events), "--db", f"sqlite:///{tmp_path / 'q.db'}",
                       "--state", str(tmp_path / "whole.ckpt")])
    assert sorted(a["id"] for a in whole) == sorted(ids)


def test_false_alarm_lowers_the_next_scores(lines: list[bytes], tmp_path: Path) -> None:
    """A verdict must reach the scoring: the same later days score lower for that actor (and fire less)."""
    mid = _split(lines, "2026-03-12")
    runs: dict[str, list[dict[str, Any]]] = {}
    for arm in ("control", "verdict"):
        d = tmp_path / arm
        d.mkdir()
        events, db = d / "events.jsonl", f"sqlite:///{d / 'p.db'}"
        args = ["--follow", str(events), "--db", db, "--state", str(d / "w.ckpt"), "--threshold", "0.3"]
        events.write_bytes(b"".join(lines[:mid]))
        first, _ = _watch(args)
        assert first
        target = max(first, key=lambda a: a["score"])
        if arm == "verdict":
            r = runner.invoke(app, ["forensics", "feedback", target["id"], "--false", "--db", db])
            assert r.exit_code == 0, r.output
            assert json.loads(r.stdout)["verdict"] == "false"
            store = AlertStore(db)
            fb = store.feedback()
            store.close()
            assert all(fb.weight(target["actor"], c) == pytest.approx(0.2) for c in target["codes"])
        with events.open("ab") as f:
            f.write(b"".join(lines[mid:]))
        later, _ = _watch(args)
        runs[arm] = [a for a in later if a["actor"] == target["actor"]]
    assert runs["control"], "the actor alerts again on later days without feedback"
    control = {a["day"]: a["score"] for a in runs["control"]}
    dismissed = {a["day"]: a["score"] for a in runs["verdict"]}
    assert len(dismissed) < len(control) or all(dismissed[d] < control[d] for d in dismissed)
    assert sum(dismissed.values()) < sum(control.values())


def test_feedback_command_errors(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"
    r = runner.invoke(app, ["forensics", "feedback", "al-0000000000000000", "--true", "--db", db])
    assert r.exit_code == 2 and "no alert" in r.stderr
    r = runner.invoke(app, ["forensics", "feedback", "al-0000000000000000", "--db", db])
    assert r.exit_code == 2
    store = AlertStore(db)
    doc = {"id": alert_id("cs-1", "2026-03-02"), "actor": "cs-1", "day": "2026-03-02", "score": 0.9,
           "codes": ["context", "rule.ticket_reuse"], "raised_at": "2026-03-02T10:00:00+08:00"}
    assert store.record(doc, "w") and not store.record(doc, "w")
    store.close()
    r = runner.invoke(app, ["forensics", "feedback", doc["id"], "--true", "--db", db, "--note", "confirmed"])
    assert r.exit_code == 0 and json.loads(r.stdout)["verdict"] == "true"
    r = runner.invoke(app, ["forensics", "feedback", "--db", db])
    assert [json.loads(line)["id"] for line in r.stdout.splitlines()] == [doc["id"]]
    store = AlertStore(db)
    assert store.feedback().weight("cs-1", "anything") == 2.0  # a true alarm confirms the actor
    store.close()


def test_watch_the_audit_log(lines: list[bytes], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'piwarden.db'}"
    mid = _split(lines, "2026-03-13")
    (tmp_path / "p1.jsonl").write_bytes(b"".join(lines[:mid]))
    (tmp_path / "p2.jsonl").write_bytes(b"".join(lines[mid:]))
    (tmp_path / "all.jsonl").write_bytes(b"".join(lines))
    for part in ("p1", "p2"):
        r = runner.invoke(app, ["audit", "import", str(tmp_path / f"{part}.jsonl"), "--db", db, "--no-progress"])
        assert r.exit_code == 0, r.output
        args = ["--audit", "--db", db, "--state", str(tmp_path / "a.ckpt"), "--alerts", str(tmp_path / "a.jsonl")]
        _watch(args)
    cursors = Cursors(db)
    assert cursors.get("watch") == len(lines)
    cursors.close()
    from_log = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    from_file, _ = _watch(["--follow", str(tmp_path / "all.jsonl"), "--db", f"sqlite:///{tmp_path / 'f.db'}",
                           "--state", str(tmp_path / "f.ckpt")])
    assert from_log and sorted(a["id"] for a in from_log) == sorted(a["id"] for a in from_file)
    again, errs = _watch(["--audit", "--db", db, "--state", str(tmp_path / "a.ckpt")])
    assert again == [] and "0 events read" in errs


def test_checkpoint_of_another_kind_or_user_writable(lines: list[bytes], tmp_path: Path) -> None:
    events, state, db = tmp_path / "e.jsonl", tmp_path / "w.ckpt", f"sqlite:///{tmp_path / 'p.db'}"
    events.write_bytes(b"".join(lines[:100]))
    _watch(["--follow", str(events), "--db", db, "--state", str(state)])
    r = runner.invoke(app, ["forensics", "watch", "--audit", "--db", db, "--state", str(state), "--once"])
    assert r.exit_code == 2 and "file watcher" in r.stderr
    os.chmod(state, 0o666)
    r = runner.invoke(app, ["forensics", "watch", "--follow", str(events), "--db", db, "--state", str(state), "--once"])
    assert r.exit_code == 2 and "writable by no one else" in r.stderr


def test_follower_rotation_truncation_partial_lines(tmp_path: Path) -> None:
    p = tmp_path / "f.jsonl"
    p.write_bytes(b"a\nb\npart")
    f = Follower(p)
    assert list(f.lines()) == [b"a", b"b"]
    with p.open("ab") as fh:
        fh.write(b"ial\nc\n")
    assert list(f.lines()) == [b"partial", b"c"]
    p.rename(tmp_path / "f.jsonl.1")  # rotated: the old file's tail first, then the new file
    with (tmp_path / "f.jsonl.1").open("ab") as fh:
        fh.write(b"d\n")
    p.write_bytes(b"e\n")
    assert list(f.lines()) == [b"d", b"e"] and f.rotations == 1
    p.write_bytes(b"x\n")  # truncated and rewritten (shorter than where we were)
    assert f.position.offset == 2
    p.write_bytes(b"")
    assert list(f.lines()) == [] and f.truncations == 1
    with p.open("ab") as fh:
        fh.write(b"y\n")
    assert list(f.lines()) == [b"y"]
    # a new follower resumes from a saved position; a position of a file that is gone starts over
    g = Follower(p, f.position)
    with p.open("ab") as fh:
        fh.write(b"z\n")
    assert list(g.lines()) == [b"z"]
    from piwarden.forensics.anomalies.follow import FollowPosition

    h = Follower(p, FollowPosition(1, 1, 99))
    assert list(h.lines()) == [b"y", b"z"] and h.reset
    f.close()
    g.close()
    h.close()


def test_webhook_retries_and_never_blocks(hook: tuple[str, list[dict[str, Any]], list[int]]) -> None:
    url, received, fail = hook
    fail[0] = 2
    s = WebhookSender(url, backoff=0.05)
    s({"id": "al-1", "score": 0.9})
    s.close(grace=10)
    assert received == [{"id": "al-1", "score": 0.9}] and s.sent == 1 and s.retries == 2
    dead = WebhookSender("http://127.0.0.1:9/", backoff=0.05, queue_size=3, timeout=0.5)
    t = time.monotonic()
    for i in range(10):
        dead({"id": f"al-{i}"})
    assert time.monotonic() - t < 0.5  # queued, not sent inline
    dead.close(grace=0.5)
    assert dead.sent == 0 and dead.dropped >= 7 and dead.failed + dead.dropped == 10


def test_idle_actors_are_evicted(access_events: list[Any]) -> None:
    det = Detector(daily=True, idle_days=2, max_actors=50)
    for e in access_events:
        det.observe(e)
    det.finish()
    (cm,) = [d for d in det.detectors or () if isinstance(d, ContextModel)]
    assert det.evicted > 0 and len(det.actors) <= 50
    assert set(cm.actors) <= set(det.actors) | {e.actor for e in access_events[-2000:]}
    last = max(a.last_day for a in det.actors.values())
    assert all(a.last_day >= "2026-03-12" for a in det.actors.values()) and last == "2026-03-15"


def test_tickets_expire_after_four_weeks() -> None:
    from collections import OrderedDict

    from piwarden.forensics.anomalies.features import TICKET_DAYS, TicketEntry, cite_ticket, expire_tickets

    tickets: OrderedDict[str, TicketEntry] = OrderedDict()
    cite_ticket(tickets, "T-1", ["c-1"], "2026-03-01", 512)
    cite_ticket(tickets, "T-2", ["c-2"], "2026-03-02", 512)
    cite_ticket(tickets, "T-1", ["c-1"], "2026-03-20", 512)  # cited again: kept, and now the most recent
    expire_tickets(tickets, "2026-03-31")  # T-2 last cited 29 days before
    assert TICKET_DAYS == 28 and list(tickets) == ["T-1"] and tickets["T-1"][0] == "2026-03-01"
    expire_tickets(tickets, "2026-04-18")
    assert list(tickets) == []


def test_a_busy_days_tickets_do_not_keep_their_table_once_expired() -> None:
    """A dictionary keeps the table of the most entries it ever held: after a burst of tickets expires, the book is
    rebuilt in place (the same object, which both models may hold; the same entries in the same order), so an
    actor's memory follows the tickets it holds, not its busiest day."""
    import sys
    from collections import OrderedDict

    from piwarden.forensics.anomalies.features import TicketEntry, cite_ticket, expire_tickets

    tickets: OrderedDict[str, TicketEntry] = OrderedDict()
    for i in range(400):
        cite_ticket(tickets, f"T-{i}", [f"c-{i}"], "2026-03-01", 512)
    for i in range(5):
        cite_ticket(tickets, f"K-{i}", [f"c-{i}"], "2026-03-20", 512)
    busy = sys.getsizeof(tickets)
    kept = {k: list(v) for k, v in tickets.items() if k.startswith("K-")}
    same = tickets
    expire_tickets(tickets, "2026-03-31")
    assert tickets is same and list(tickets) == list(kept) and {k: list(v) for k, v in tickets.items()} == kept
    assert sys.getsizeof(tickets) < busy / 10
    small = sys.getsizeof(tickets)
    expire_tickets(tickets, "2026-04-01")  # nothing expires: nothing rebuilt
    assert tickets is same and sys.getsizeof(tickets) == small and len(tickets) == 5


def test_citing_a_ticket_counts_its_distinct_subjects_up_to_the_cap() -> None:
    from collections import OrderedDict

    from piwarden.forensics.anomalies.features import SUBJECTS_PER_TICKET, TicketEntry, cite_ticket

    tickets: OrderedDict[str, TicketEntry] = OrderedDict()
    assert cite_ticket(tickets, "T", ["a", "a"], "d1", 2) == ("d1", 0, 1, True)  # first day, one subject, new
    assert cite_ticket(tickets, "T", ["a"], "d2", 2) == ("d1", 1, 1, False)  # seen before: nothing new
    assert cite_ticket(tickets, "T", ["b", "a", "b"], "d2", 2) == ("d1", 1, 2, True)
    tickets["T"][1] = set(tickets["T"][1])  # a checkpoint from before the tuples held a set: read alike
    assert cite_ticket(tickets, "T", ["c"], "d3", 2) == ("d1", 2, 3, True) and sorted(tickets["T"][1]) == ["a", "b", "c"]
    for i in range(SUBJECTS_PER_TICKET):
        cite_ticket(tickets, "T", [f"s{i}"], "d4", 2)
    full = len(tickets["T"][1])
    assert full == SUBJECTS_PER_TICKET  # past the cap a new subject is news, but not remembered
    assert cite_ticket(tickets, "T", ["z"], "d5", 2) == ("d1", full, full, True) and len(tickets["T"][1]) == full
    cite_ticket(tickets, "U", ["x"], "d5", 2)
    cite_ticket(tickets, "V", ["y"], "d5", 2)  # past two tickets the least recently cited goes
    assert list(tickets) == ["U", "V"]


def _access(i: int, day: int, actor: str, ticket: str = "") -> Any:
    return parse_event({"v": 1, "id": f"e-{i}", "ts": f"2026-03-{day:02d}T10:{i % 60:02d}:00+08:00", "actor": actor,
                        "party": "platform.cs", "role": "customer_service", "action": "view", "resource": "order",
                        "subjects": [f"c-{i}"], "fields": ["name"], "result": "allowed", "channel": "console",
                        **({"ticket": ticket} if ticket else {})})


@pytest.mark.parametrize("joint", [True, False])
def test_an_idle_actors_tickets_expire_as_an_active_ones(joint: bool) -> None:
    """A leaver's tickets go after ``TICKET_DAYS`` like anyone's, not when the actor is evicted (memory flat while
    leavers wait for eviction); in the joint pass both models hold one book."""
    from piwarden.forensics.anomalies.model import BaselineModel
    from piwarden.forensics.anomalies.rules import RuleSet

    class Watch(ContextModel):  # a subclass: the context model in its own pass
        pass

    det = Detector(daily=True, idle_days=56) if joint else \
        Detector(daily=True, idle_days=56, detectors=[Watch(), RuleSet(), BaselineModel()])
    (cm,) = [d for d in det.detectors or () if isinstance(d, ContextModel)]
    det.observe(_access(0, 1, "leaver", "T-1"))
    for day in range(1, 31):
        det.observe(_access(day, day, "stayer"))
    assert "leaver" in det.actors and "leaver" in cm.actors  # not evicted yet
    assert (det.actors["leaver"].state.tickets is cm.actors["leaver"].tickets) == joint
    det.observe(_access(99, 31, "stayer"))  # day 30 closed: T-1 last cited 29 days before it
    assert not det.actors["leaver"].state.tickets and not cm.actors["leaver"].tickets


def test_the_history_is_a_ring_of_days_and_an_older_checkpoints_deque_loads() -> None:
    from collections import deque

    import numpy as np

    from piwarden.forensics.anomalies.features import HISTORY_DAYS, NAMES, ActorDay, ActorState, close_day

    st = ActorState("a", "g")
    for d in range(HISTORY_DAYS + 4):
        st.today = ActorDay(f"d{d}", events=d + 1)
        close_day(st)
    assert st.days == HISTORY_DAYS and st.filled == HISTORY_DAYS + 4 and st.history.shape == (HISTORY_DAYS, len(NAMES))
    assert sorted(st.past()[:, 0]) == list(range(5, HISTORY_DAYS + 5))  # the last 56 days, the first 4 overwritten
    old = ActorState.__new__(ActorState)  # before the ring: a deque of daily vectors, no ``filled``
    state = {k: v for k, v in st.__getstate__().items() if k != "filled"}
    state["history"] = deque([np.full(len(NAMES), float(d)) for d in range(3)], maxlen=HISTORY_DAYS)
    old.__setstate__(state)
    assert old.days == 3 and sorted(old.past()[:, 0]) == [0.0, 1.0, 2.0] and old.history.shape[0] == HISTORY_DAYS


def test_alerts_over_the_hold_score_hold_their_actors_in_the_vault(lines: list[bytes], tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """`--hold-over`: the streaming detector's strong alerts switch their actors to approval-only in the vault."""
    events, db = tmp_path / "events.jsonl", f"sqlite:///{tmp_path / 'p.db'}"
    events.write_bytes(b"".join(lines))
    monkeypatch.setenv("PIWARDEN_HOME", str(tmp_path / "home"))
    alerts, errs = _watch(["--follow", str(events), "--db", db, "--state", str(tmp_path / "w.ckpt"),
                           "--hold-over", "0.9"])
    strong: dict[str, str] = {}
    for a in alerts:
        if a["score"] >= 0.9:
            strong.setdefault(a["actor"], a["id"])
    weak = {a["actor"] for a in alerts} - set(strong)
    assert strong and all(f"held {actor} to approval-only (alert {aid})" in errs for actor, aid in strong.items())
    from piwarden.settings import clear_settings_cache
    from piwarden.vault import open_vault

    clear_settings_cache()
    rt = open_vault(db=db)
    try:
        assert rt.vault.guards is not None
        holds = {actor: alert for actor, _, _, alert in rt.vault.guards.holds()}
        assert holds == {actor: strong[actor] for actor in strong}  # the first strong alert of each actor
        assert all(rt.vault.guards.held(a) for a in strong) and not any(rt.vault.guards.held(a) for a in weak)
    finally:
        rt.close()
        clear_settings_cache()
    r = runner.invoke(app, ["vault", "holds", "--db", db])
    assert r.exit_code == 0 and all(f"(alert {aid})" in r.stdout for aid in strong.values())


def test_the_heap_is_frozen_while_watching_and_given_back(lines: list[bytes], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """``forensics watch`` freezes the collector's heap at each new day (full passes over the detector's state
    were a quarter of its CPU) and gives it back when it stops; a cycle dropped meanwhile is collected then."""
    import gc
    import weakref

    from piwarden.forensics.anomalies import heap

    freezes: list[int] = []
    before_watch = gc.get_threshold()
    real_freeze = gc.freeze
    monkeypatch.setattr(heap.gc, "freeze", lambda: (freezes.append(1), real_freeze())[1])
    (tmp_path / "e.jsonl").write_bytes(b"".join(lines))
    days = len({json.loads(line)["ts"][:10] for line in lines})
    _watch(["--follow", str(tmp_path / "e.jsonl"), "--db", f"sqlite:///{tmp_path / 'w.db'}", "--state",
            str(tmp_path / "w.ckpt")])
    assert days - 1 <= len(freezes) <= days + 1 and gc.get_freeze_count() == 0
    assert gc.get_threshold() == before_watch

    class Node:
        other: Any = None

    thresholds = gc.get_threshold()
    f = heap.HeapFreeze(reclaim_days=3)
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle, alive when frozen
    gone = weakref.ref(a)
    f("2026-03-01")
    assert f.frozen and gc.get_freeze_count() > 0
    assert gc.get_threshold() == (max(heap.YOUNG, thresholds[0]), *thresholds[1:])  # young passes rarer
    before = gc.get_freeze_count()
    f("2026-03-01")  # the same day: nothing to do
    assert gc.get_freeze_count() == before
    del a, b
    gc.collect()
    assert gone() is not None  # frozen: not collected by an ordinary pass
    f.release()
    assert gone() is None and gc.get_freeze_count() == 0 and not f.frozen
    assert gc.get_threshold() == thresholds  # given back


def test_each_day_turn_gives_the_allocators_free_pages_back() -> None:
    """glibc's ``malloc_trim`` runs once per day turn (not per event), where the C library has it; without it, or
    with ``trim=False``, nothing is asked."""
    import platform

    from piwarden.forensics.anomalies import heap

    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert heap._malloc_trim() is not None
        assert heap.HeapFreeze()._trim is not None
    assert heap.HeapFreeze(trim=False)._trim is None
    f = heap.HeapFreeze()
    calls: list[int] = []
    f._trim = lambda pad: calls.append(pad) or 1
    try:
        for day in ("2026-03-01", "2026-03-01", "2026-03-02", "2026-03-02", "2026-03-03"):
            f(day)
        assert calls == [0, 0, 0]
    finally:
        f.release()
