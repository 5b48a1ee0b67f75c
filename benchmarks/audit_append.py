"""Durable appends/s through piwarden's audit log vs a bare INSERT of the same rows.

Usage: python benchmarks/audit_append.py [--db URL] [--events N] [--threads T] [--batch B]

Each thread appends N/T events one at a time (group commit shares transactions), then the
same number again through append_many batches of B; the baseline inserts the same canonical
rows with one transaction per row and per batch, same durability settings, same database.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from piwarden.audit.log import open_log
from piwarden.audit.store_base import EncodedEvent
from piwarden.events import parse_event


def make_event(i: int) -> dict[str, object]:
    return {"id": f"e-{i:09d}", "ts": "2026-03-01T09:15:02+08:00", "actor": f"cs-{i % 97:04d}",
            "party": "platform.cs", "role": "customer_service", "action": "view", "resource": "order",
            "subjects": [f"c-{i % 10007}"], "fields": ["name", "phone"]}


def timed(fn, n: int) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn()
    return n / (time.perf_counter() - t)


def bench_log(url: str, n: int, threads: int, batch: int) -> dict[str, float]:
    log = open_log(url)
    per = n // threads

    def single(t: int) -> None:
        for k in range(per):
            log.append(make_event(t * per + k))

    def run_threads() -> None:
        pool = [threading.Thread(target=single, args=(t,)) for t in range(threads)]
        for th in pool:
            th.start()
        for th in pool:
            th.join()

    commits0 = log.commits
    single_rate = timed(run_threads, per * threads)
    commits = log.commits - commits0
    encoded = [EncodedEvent.of(parse_event(make_event(i))) for i in range(n)]
    batch_rate = timed(lambda: [log.append_encoded(encoded[i:i + batch]) for i in range(0, n, batch)], n)
    log.close()
    return {"append_threads_per_s": single_rate, "events_per_commit": per * threads / max(commits, 1),
            "append_encoded_batches_per_s": batch_rate}


def bench_bare(url: str, n: int, threads: int, batch: int) -> dict[str, float]:
    """Same rows, same database, one INSERT per row in its own transaction, then batched."""
    log = open_log(url)
    store = log.store
    store._writer.execute("CREATE TABLE IF NOT EXISTS bare_events (idx BIGINT PRIMARY KEY, body BYTEA, "
                          "leaf_hash BYTEA, actor TEXT, ts_us BIGINT)".replace(
                              "BYTEA", "BLOB" if url.startswith("sqlite") else "BYTEA"))
    encoded = [EncodedEvent.of(parse_event(make_event(i))) for i in range(n)]
    rows = [(i, e.body, e.leaf_hash, e.actor, e.ts_us) for i, e in enumerate(encoded)]
    sql = store._sql("INSERT INTO bare_events VALUES (?, ?, ?, ?, ?)")
    lock = threading.Lock()

    def single(chunk: list[tuple[object, ...]]) -> None:
        for r in chunk:
            with lock, store._write_txn() as cur:
                cur.execute(sql, r)

    per = n // threads
    pool = [threading.Thread(target=single, args=(rows[t * per:(t + 1) * per],)) for t in range(threads)]
    t0 = time.perf_counter()
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    single_rate = per * threads / (time.perf_counter() - t0)
    rows2 = [(i + n, *r[1:]) for i, r in enumerate(rows)]

    def batched() -> None:
        for i in range(0, n, batch):
            with store._write_txn() as cur:
                store._many(cur, "INSERT INTO bare_events VALUES (?, ?, ?, ?, ?)", rows2[i:i + batch])

    batch_rate = timed(batched, n)
    log.close()
    return {"bare_insert_per_txn_per_s": single_rate, "bare_insert_batches_per_s": batch_rate}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=None)
    ap.add_argument("--events", type=int, default=4000)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--batch", type=int, default=1000)
    a = ap.parse_args()
    url = a.db or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    res = bench_log(url, a.events, a.threads, a.batch) | bench_bare(url, a.events, a.threads, a.batch)
    for k, v in res.items():
        print(f"{k:32s} {v:12.1f}")


if __name__ == "__main__":
    main()
