"""Durable appends/s through piwarden's audit log vs a bare INSERT of the same rows.

Usage: python benchmarks/audit_append.py [--db URL ...] [--events N] [--single-events M]
       [--threads T] [--batch B] [--repeats R]

Per database (``--db`` repeatable; default a temporary SQLite file), each repeat starts from
empty tables and measures, in alternating order so neither side always runs first:

- piwarden, batched: ``append_encoded`` of N pre-validated events in batches of B (one
  transaction each: rows, subjects, tree nodes, block ranges, frontier);
- bare, batched: the same N rows (index, body, leaf hash, actor, ts) inserted with
  ``executemany`` of a plain ``INSERT`` into a table with a primary key and no other index,
  one transaction per B rows;
- piwarden, single: T threads each appending M/T events one ``append`` at a time (validation
  included; group commit shares transactions);
- bare, single: T threads each inserting M/T rows, one transaction per row;
- piwarden, concurrent batches: T threads each appending batches of B/T of the N events (a
  service with several producers; group commit merges their batches into shared transactions);
- bare, concurrent batches: the same, each small batch its own transaction;
- informative: the batched rows inserted into piwarden's own event, subject and posting tables
  but no tree (what the query lookups alone cost), and on PostgreSQL a bare ``COPY`` of the bare
  rows (piwarden itself appends with ``COPY`` there).

Both sides use the store's own write connection, hence the same durability: SQLite in WAL
mode with ``synchronous=FULL`` (every commit fsyncs), PostgreSQL with its default
``synchronous_commit=on``. Prints the median over the repeats of each rate and the ratio of
the medians (for the batched pair also per CPU second of this process, which other load on
a shared machine disturbs less), then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from piwarden.audit import postings, store_sqlite
from piwarden.audit.log import AuditLog, open_log
from piwarden.audit.store_base import EVENT_COLUMNS, POSTING_COLUMNS, EncodedEvent
from piwarden.db.models import OWN_TABLES
from piwarden.events import parse_event

BARE = "bare_events"
INDEXED = ("bare_audit_events", "bare_audit_event_subjects", "bare_audit_postings")


def make_event(i: int) -> dict[str, object]:
    return {"id": f"e-{i:09d}", "ts": "2026-03-01T09:15:02+08:00", "actor": f"cs-{i % 97:04d}",
            "party": "platform.cs", "role": "customer_service", "action": "view", "resource": "order",
            "subjects": [f"c-{i % 10007}"], "fields": ["name", "phone"]}


CPU: dict[str, float] = {}  # events per CPU second of this process, of the last rate() call


def rate(fn: Callable[[], object], n: int) -> float:
    t, c = time.perf_counter(), time.process_time()
    fn()
    CPU["last"] = n / max(time.process_time() - c, 1e-9)
    return n / (time.perf_counter() - t)


def threaded(work: Callable[[int], None], threads: int) -> None:
    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()


def bare_ddl(blob: str, clustered: str) -> list[str]:
    """Informative tables shaped like piwarden's event, subject and posting tables, without the tree
    (the DDL the audit store used before its tables moved to the migrations, BIGINT keys)."""
    return [
        f"CREATE TABLE bare_audit_events (idx BIGINT PRIMARY KEY, leaf_hash {blob} NOT NULL, body {blob}, "
        "actor TEXT NOT NULL, action TEXT NOT NULL, ts_us BIGINT NOT NULL, export_id TEXT)",
        "CREATE TABLE bare_audit_event_subjects (subject TEXT NOT NULL, idx BIGINT NOT NULL, "
        f"PRIMARY KEY (subject, idx)){clustered}",
        "CREATE TABLE bare_audit_postings (kind SMALLINT NOT NULL, key TEXT NOT NULL, ts_us BIGINT NOT NULL, "
        f"idx BIGINT NOT NULL, more {blob}, PRIMARY KEY (kind, key, ts_us, idx)){clustered}",
    ]


def reset(url: str) -> AuditLog:
    """Drop piwarden's tables and the bare ones; return a log on fresh tables (the migrations
    build them again when the emptied database is opened)."""
    log = open_log(url)
    cascade = "" if url.startswith("sqlite") else " CASCADE"
    with log.store._write_txn() as cur:
        for table in (*OWN_TABLES, BARE, *INDEXED):
            cur.execute(f"DROP TABLE IF EXISTS {table}{cascade}")
    log.close()
    log = open_log(url)
    blob = "BLOB" if url.startswith("sqlite") else "BYTEA"
    with log.store._write_txn() as cur:
        cur.execute(f"CREATE TABLE {BARE} (idx BIGINT PRIMARY KEY, body {blob}, leaf_hash {blob}, actor TEXT, "
                    "ts_us BIGINT)")
        for ddl in bare_ddl(blob, " WITHOUT ROWID" if url.startswith("sqlite") else ""):
            cur.execute(ddl)
    return log


def one_repeat(url: str, encoded: list[EncodedEvent], single: int, threads: int, batch: int,
               bare_first: bool) -> dict[str, float]:
    log = reset(url)
    store, n = log.store, len(encoded)
    rows = [(i, e.body, e.leaf_hash, e.actor, e.ts_us) for i, e in enumerate(encoded)]
    sql = f"INSERT INTO {BARE} (idx, body, leaf_hash, actor, ts_us) VALUES (?, ?, ?, ?, ?)"
    out: dict[str, float] = {}

    def piwarden_batched() -> None:
        for i in range(0, n, batch):
            log.append_encoded(encoded[i:i + batch])

    def bare_batched() -> None:
        for i in range(0, n, batch):
            with store._write_txn() as cur:
                store._many(cur, sql, rows[i:i + batch])

    def bare_copy_batched() -> None:  # PostgreSQL only: what COPY does for the bare rows (informative)
        for i in range(0, n, batch):
            with store._write_txn() as cur, cur.copy(f"COPY {BARE} (idx, body, leaf_hash, actor, ts_us) "
                                                     "FROM STDIN") as copy:
                for r in rows[i:i + batch]:
                    copy.write_row((r[0] + 2 * n, *r[1:]))

    def bare_indexed_batched() -> None:  # informative: the same rows and lookups as piwarden, no tree
        for i in range(0, n, batch):
            with store._write_txn() as cur:
                store._insert(cur, INDEXED[0], EVENT_COLUMNS, [
                    (k, e.leaf_hash, e.body, e.actor, e.action, e.ts_us, e.export_id)
                    for k, e in enumerate(encoded[i:i + batch], start=i)])
                store._insert(cur, INDEXED[1], ("subject", "idx"), [
                    (s, k) for k, e in enumerate(encoded[i:i + batch], start=i) for s in e.subjects])
                store._insert(cur, INDEXED[2], POSTING_COLUMNS, postings.runs(i, encoded[i:i + batch]))

    per = single // threads

    def piwarden_single(t: int) -> None:
        for k in range(per):
            log.append(make_event(n + t * per + k))

    def bare_single(t: int) -> None:
        stmt = store._sql(sql)
        for r in rows[t * per:(t + 1) * per]:
            with store._write_txn() as cur:
                cur.execute(stmt, (r[0] + n, *r[1:]))

    small = max(1, batch // threads)
    shares = [list(range(t * small, n, threads * small)) for t in range(threads)]

    def piwarden_concurrent(t: int) -> None:
        for i in shares[t]:
            log.append_encoded(encoded[i:i + small])

    def bare_concurrent(t: int) -> None:
        for i in shares[t]:
            with store._write_txn() as cur:
                store._many(cur, sql, [(r[0] + 3 * n, *r[1:]) for r in rows[i:i + small]])

    steps: list[tuple[str, Callable[[], float]]] = [
        ("piwarden_batched", lambda: rate(piwarden_batched, n)),
        ("bare_batched", lambda: rate(bare_batched, n)),
        ("piwarden_single", lambda: rate(lambda: threaded(piwarden_single, threads), per * threads)),
        ("bare_single", lambda: rate(lambda: threaded(bare_single, threads), per * threads)),
    ]
    steps += [("piwarden_concurrent", lambda: rate(lambda: threaded(piwarden_concurrent, threads), n)),
              ("bare_concurrent", lambda: rate(lambda: threaded(bare_concurrent, threads), n))]
    if bare_first:
        steps = [steps[1], steps[0], steps[3], steps[2], steps[5], steps[4]]
    steps.append(("bare_indexed_batched", lambda: rate(bare_indexed_batched, n)))
    if not url.startswith("sqlite"):
        steps.append(("bare_copy_batched", lambda: rate(bare_copy_batched, n)))
    commits0 = log.commits
    for name, step in steps:
        commits0 = log.commits
        out[name] = step()
        if name in ("piwarden_batched", "bare_batched"):
            out[name + "_cpu"] = CPU["last"]
        if name == "piwarden_single":
            out["single_events_per_commit"] = per * threads / max(log.commits - commits0, 1)
        if name == "piwarden_concurrent":
            out["concurrent_events_per_commit"] = n / max(log.commits - commits0, 1)
    assert log.size() == 2 * n + per * threads
    log.close()
    return out


def bench(url: str, n: int, single: int, threads: int, batch: int, repeats: int) -> dict[str, Any]:
    encoded = [EncodedEvent.of(parse_event(make_event(i))) for i in range(n)]
    runs = [one_repeat(url, encoded, single, threads, batch, bare_first=bool(r % 2)) for r in range(repeats)]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    return {"db": url.split("://")[0], "events": n, "batch": batch, "single_events": single, "threads": threads,
            "repeats": repeats, "median": med, "runs": runs,
            "ratio_batched": med["piwarden_batched"] / med["bare_batched"],
            "ratio_single": med["piwarden_single"] / med["bare_single"],
            "ratio_concurrent": med["piwarden_concurrent"] / med["bare_concurrent"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", action="append", help="database URL; repeatable (default: a temporary SQLite file)")
    ap.add_argument("--events", type=int, default=20_000, help="events per batched measurement")
    ap.add_argument("--single-events", type=int, default=2_000, help="events per single-append measurement")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    urls = a.db or [f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"]
    # The informative copies of piwarden's tables go in the way the store's own do (SQLite:
    # multi-row VALUES for the tables it names).
    store_sqlite.MULTI_ROW_TABLES += tuple("bare_" + t for t in store_sqlite.MULTI_ROW_TABLES)
    results = []
    for url in urls:
        res = bench(url, a.events, a.single_events, a.threads, a.batch, a.repeats)
        results.append(res)
        m = res["median"]
        print(f"== {res['db']}: {a.events} events in batches of {a.batch}; {a.single_events} single appends "
              f"from {a.threads} threads; medians of {a.repeats} repeats")
        print(f"  batched             piwarden {m['piwarden_batched']:10.0f}/s   bare INSERT {m['bare_batched']:10.0f}/s   "
              f"ratio {res['ratio_batched']:.2f}x")
        print(f"  batched, per CPU s  piwarden {m['piwarden_batched_cpu']:10.0f}/s   bare INSERT "
              f"{m['bare_batched_cpu']:10.0f}/s   ratio {m['piwarden_batched_cpu'] / m['bare_batched_cpu']:.2f}x   "
              "(this process's CPU time: less sensitive to other load; excludes fsync waits"
              + ("" if res["db"] == "sqlite" else " and the server's CPU") + ")")
        print(f"  single              piwarden {m['piwarden_single']:10.0f}/s   bare INSERT {m['bare_single']:10.0f}/s   "
              f"ratio {res['ratio_single']:.2f}x   ({m['single_events_per_commit']:.1f} events per commit)")
        print(f"  concurrent batches  piwarden {m['piwarden_concurrent']:10.0f}/s   bare INSERT "
              f"{m['bare_concurrent']:10.0f}/s   ratio {res['ratio_concurrent']:.2f}x   ({a.threads} threads x "
              f"batches of {max(1, a.batch // a.threads)}; {m['concurrent_events_per_commit']:.0f} events per commit)")
        print(f"  (informative: the same rows inserted into piwarden's own event, subject and posting tables, "
              f"no tree, batched: {m['bare_indexed_batched']:.0f}/s, "
              f"{m['bare_indexed_batched'] / m['bare_batched']:.2f}x of bare; piwarden batched is "
              f"{m['piwarden_batched'] / m['bare_indexed_batched']:.2f}x of it)")
        if "bare_copy_batched" in m:
            print(f"  (informative: bare COPY of the same rows {m['bare_copy_batched']:10.0f}/s; piwarden "
                  f"appends with COPY on PostgreSQL, ratio to bare COPY "
                  f"{m['piwarden_batched'] / m['bare_copy_batched']:.2f}x)")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
