"""The SQLite write lock: re-entrant in a thread, exclusive across threads and across processes."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from piwarden.db.engine import WriteLock, sqlite_write_lock

HOLD = """
import sys, time
from piwarden.db.engine import sqlite_write_lock
with sqlite_write_lock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_one_lock_per_file_and_reentrant(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    lock = sqlite_write_lock(str(db))
    assert isinstance(lock, WriteLock)
    assert sqlite_write_lock(str(tmp_path / "." / "a.db")) is lock
    with lock, lock:  # the same thread again: no deadlock
        pass
    assert (tmp_path / "a.db-writer").exists()


def test_threads_take_turns(tmp_path: Path) -> None:
    lock = sqlite_write_lock(str(tmp_path / "b.db"))
    inside, most = [0], [0]

    def work() -> None:
        for _ in range(50):
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
                time.sleep(0.0002)
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1


def test_another_process_waits_for_the_holder(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    holder = subprocess.Popen([sys.executable, "-c", HOLD, db, "0.6"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        t = time.monotonic()
        with sqlite_write_lock(db):
            waited = time.monotonic() - t
        assert waited > 0.3  # queued on the file lock until the other process let go
    finally:
        holder.wait(10)
    t = time.monotonic()
    with sqlite_write_lock(db):  # free now: at once
        assert time.monotonic() - t < 5
