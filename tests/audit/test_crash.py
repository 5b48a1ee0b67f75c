"""Crash test (issue 6 acceptance): SIGKILL the writer during sustained concurrent appends.

A real subprocess (``crash_writer.py``) appends from several threads, group-committed, and
signs checkpoints now and then; it prints each index only after ``append`` returned. The test
kills it at a random moment, then reopens the log and checks that every acknowledged event is
there, that the stored tree (leaf hashes, every stored node, frontier, root) is consistent,
that a fresh checkpoint extends the ones signed before the crash, and that an exported
bundle verifies.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from piwarden.audit.bundle import export_bundle
from piwarden.audit.checkpoint import sign_head
from piwarden.audit.compact import CompactRange, NodeID
from piwarden.audit.hasher import hash_children, hash_leaf
from piwarden.audit.log import AuditLog, open_log
from piwarden.audit.note import NoteSigner
from piwarden.audit.verify import verify_bundle

from .conftest import make_event

WRITER = Path(__file__).with_name("crash_writer.py")
SIGNER = NoteSigner.generate("crash.test/audit")
KILLS = 5


def _run_and_kill(url: str, seed: int) -> list[tuple[int, str]]:
    """Start the writer, kill -9 it at a seeded random moment; the (index, id) pairs it acked."""
    rng = random.Random(seed)
    env = {**os.environ, "PIWARDEN_AUDIT_KEY": SIGNER.skey()}
    proc = subprocess.Popen([sys.executable, str(WRITER), url, str(rng.randint(3, 8))], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    chunks: list[bytes] = []
    ready = threading.Event()

    def drain() -> None:  # keep the pipe empty so writers never block on their ack
        assert proc.stdout is not None
        while chunk := proc.stdout.read1(65536):
            chunks.append(chunk)
            ready.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    if not ready.wait(60):
        proc.kill()
        pytest.fail(f"writer did not start: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
    time.sleep(rng.uniform(0.05, 1.5))
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    reader.join(30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
    _wait_for_dead_sessions(url)
    text = b"".join(chunks).decode()
    lines = text.split("\n")[:-1]  # a line is written whole; the last one may still be cut
    assert lines[0] == "ready"
    return [(int(i), eid) for i, eid in (line.split(" ") for line in lines[1:])]


def _wait_for_dead_sessions(url: str, timeout_s: float = 30.0) -> None:
    """PostgreSQL: until the killed writer's sessions are gone. A COMMIT it sent just before the kill
    may still be carried out after the process died; checked before that, two reads of the log
    saw different snapshots (events up to 1297, a frontier of 1311: a commit landed in between)."""
    if not url.startswith("postgresql"):
        return
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, dbname=u.database,
                         autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                               "AND pid <> pg_backend_pid()").fetchone()
            if row is not None and row[0] == 0:
                return
            time.sleep(0.05)
    pytest.fail("the killed writer's PostgreSQL sessions did not end")


def _check_tree(log: AuditLog) -> None:
    """Leaf hashes match bodies; every stored node is its children's hash; frontier and root agree."""
    size = log.size()
    leaves = [e.leaf_hash for e in log.events(0, size)]
    assert len(leaves) == size
    for e in log.events(0, size):
        assert e.body is not None and hash_leaf(e.body) == e.leaf_hash, e.index
    level, hashes = 0, leaves
    while len(hashes) > 1:
        parents = [hash_children(hashes[2 * k], hashes[2 * k + 1]) for k in range(len(hashes) // 2)]
        level += 1
        ids = [NodeID(level, k) for k in range(len(parents))]
        assert log.store.nodes(ids) == dict(zip(ids, parents, strict=True)), level
        hashes = parents
    cr = CompactRange()
    for h in leaves:
        cr.append(h)
    stored = log.store.frontier()
    assert (stored.size, stored.hashes) == (cr.size, cr.hashes)
    assert log.root() == log.root(size) == cr.root()


@pytest.mark.parametrize("kill", range(KILLS))
def test_kill_9_during_concurrent_appends_loses_no_acknowledged_event(db_url: str, kill: int,
                                                                     tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    acked = _run_and_kill(db_url, seed)
    assert acked, f"seed {seed}: the writer acknowledged nothing before the kill"
    with open_log(db_url) as log:
        stored = {e.index: e.body for e in log.events()}
        missing = [(i, eid) for i, eid in acked if stored.get(i) is None or f'"id":"{eid}"' not in stored[i].decode()]
        assert not missing, f"seed {seed}: acknowledged but lost: {missing[:5]}"
        assert len({i for i, _ in acked}) == len(acked)
        _check_tree(log)
        heads_before = len(log.store.heads())
        sign_head(log, SIGNER)  # must extend whatever the writer signed before it died
        assert log.append(make_event(0)) == len(stored)  # and appends go on after restart
        export_bundle(log, tmp_path / "bundle", SIGNER)
        report = verify_bundle(tmp_path / "bundle", key=SIGNER.verifier.vkey())
        assert report.ok, (seed, report.problems)
        assert report.checkpoints >= heads_before
