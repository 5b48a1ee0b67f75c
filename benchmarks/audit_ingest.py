"""Ingest keeps up with the store: `audit import` and the HTTP ingest against batched appends.

Usage: python benchmarks/audit_ingest.py [--events N] [--repeats R] [--batch B] [--db URL]
       [--http-clients C] [--no-http] [--no-cli] [--verify]

Per repeat, each on a fresh database (``--db``: SQLite by default; a PostgreSQL URL has its
tables dropped between runs), in alternating order so that no side always runs first:

- store, batched: ``AuditLog.append_encoded`` of N events validated beforehand, batches of B
  (the store's own rate, event-id de-duplication included);
- import: the import pipeline of ``piwarden audit import`` (``piwarden.audit.ingest.Importer``:
  lines validated, batches of B appended, a commit overlapping the next batch's validation)
  over the same events as a JSONL file, in this process;
- CLI (informative): ``piwarden audit import FILE`` as a subprocess, start-up included;
- HTTP: ``piwarden audit serve`` as a subprocess; C client threads POST the file in batches of
  B lines (``application/x-ndjson``), each answer an acknowledgement of committed events;
- re-import: the import again into the database the import wrote: must append 0.

With ``--verify`` the last repeat's database is exported as a bundle and verified offline after
the re-import (the acceptance run: 1M events appended, re-imported, still verifying).

Prints the median rate of each (events/s) and the ratios to the store's rate, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import orjson

from piwarden.audit.ingest import Importer
from piwarden.audit.log import open_log
from piwarden.audit.store_base import EncodedEvent
from piwarden.db.models import OWN_TABLES

REPO = Path(__file__).resolve().parents[1]
TOKEN = "bench-token-" + "x" * 20


def make_event(i: int) -> bytes:
    """An event as producers write them: a dozen keys, a client object, one or two subjects."""
    e: dict[str, object] = {
        "id": f"e-{i:010d}", "ts": f"2026-03-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}+08:00",
        "actor": f"cs-{i % 97:04d}", "party": "platform.cs", "role": "customer_service",
        "action": ("view", "view", "reveal", "search", "export")[i % 5], "resource": "order",
        "subjects": [f"c-{i % 10007}"] + ([f"c-{(i * 3) % 10007}"] if i % 4 == 0 else []),
        "fields": ["name", "phone"], "purpose": "after_sales", "channel": "console",
        "client": {"ip": f"10.0.{i % 7}.{i % 250}", "device": f"d-{i % 31}"}}
    if e["action"] == "export":
        e["export_id"] = f"x-{i % 400}"
    return orjson.dumps(e)


def fresh(url: str | None, work: Path, name: str) -> str:
    if url is None:
        path = work / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    from piwarden.audit.store_pg import conninfo

    with psycopg.connect(**conninfo(url), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS " + ", ".join(OWN_TABLES) + " CASCADE")
    return url


def store_rate(url: str, encoded: list[EncodedEvent], batch: int) -> float:
    with open_log(url) as log:
        started = time.perf_counter()
        for k in range(0, len(encoded), batch):
            log.append_encoded(encoded[k:k + batch])
        return len(encoded) / (time.perf_counter() - started)


def import_rate(url: str, path: Path, batch: int, expect_new: int) -> float:
    with open_log(url) as log:
        started = time.perf_counter()
        with path.open("rb") as f, Importer(log, batch) as importer:
            for number, line in enumerate(f, 1):
                importer.add(number, line)
        seconds = time.perf_counter() - started
    c = importer.counts
    assert c.appended == expect_new and c.refused == 0, c
    return (c.appended + c.duplicates) / seconds


def cli_rate(url: str, path: Path, n: int, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "piwarden.cli", "audit", "import", str(path), "--db", url,
                    "--no-progress"], check=True, env=env, capture_output=True)
    return n / (time.perf_counter() - started)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_rate(url: str, path: Path, n: int, batch: int, clients: int, env: dict[str, str]) -> float:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "piwarden.cli", "audit", "serve", "--port", str(port),
                               "--db", url, "--token-env", "BENCH_TOKEN", "--no-sign"],
                              env={**env, "BENCH_TOKEN": TOKEN}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/audit/head", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)
        lines = path.read_bytes().splitlines(keepends=True)
        bodies = [b"".join(lines[k:k + batch]) for k in range(0, len(lines), batch)]
        todo = iter(bodies)
        lock = threading.Lock()
        accepted: list[int] = []

        def post() -> None:
            with httpx.Client(base_url=base, timeout=120,
                              headers={"Authorization": f"Bearer {TOKEN}",
                                       "Content-Type": "application/x-ndjson"}) as client:
                while True:
                    with lock:
                        body = next(todo, None)
                    if body is None:
                        return
                    r = client.post("/audit/events", content=body)
                    r.raise_for_status()
                    accepted.append(r.json()["accepted"])

        threads = [threading.Thread(target=post) for _ in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - started
        assert sum(accepted) == n, (sum(accepted), n)
        return n / seconds
    finally:
        server.terminate()
        server.wait(timeout=30)


def verify(url: str, work: Path, env_home: Path) -> str:
    from piwarden.audit.bundle import export_bundle
    from piwarden.audit.signer import signer_from_settings
    from piwarden.audit.verify import verify_bundle

    os.environ["PIWARDEN_HOME"] = str(env_home)
    out = work / "bundle"
    with open_log(url) as log:
        export_bundle(log, out, signer_from_settings())
    report = verify_bundle(out)
    return f"OK: {report.size} events" if report.ok else "FAILED: " + "; ".join(report.problems)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--db", default=None, help="PostgreSQL URL (its piwarden tables are dropped!); default SQLite")
    parser.add_argument("--http-clients", type=int, default=2)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--no-cli", action="store_true")
    parser.add_argument("--verify", action="store_true", help="export and verify the log after the re-import")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="piwarden-ingest-"))
    home = work / "home"
    env = {**os.environ, "PIWARDEN_HOME": str(home)}
    os.environ["PIWARDEN_HOME"] = str(home)
    path = work / "events.jsonl"
    with path.open("wb") as f:
        for i in range(args.events):
            f.write(make_event(i) + b"\n")
    encoded = [EncodedEvent.parse(line) for line in path.read_bytes().splitlines()]
    print(f"{args.events:,} events, {path.stat().st_size / 1e6:.0f} MB of JSONL, batches of {args.batch}; "
          f"{args.db or 'SQLite'}", flush=True)
    rates: dict[str, list[float]] = {k: [] for k in ("store", "import", "reimport", "cli", "http")}
    for r in range(args.repeats):
        sides = ["store", "import", "http", "cli"]
        for side in sides if r % 2 == 0 else reversed(sides):
            if side == "store":
                rates["store"].append(store_rate(fresh(args.db, work, "store"), encoded, args.batch))
            elif side == "import":
                url = fresh(args.db, work, "import")
                rates["import"].append(import_rate(url, path, args.batch, args.events))
                rates["reimport"].append(import_rate(url, path, args.batch, 0))
                if args.verify and r == args.repeats - 1:
                    print("re-imported: 0 appended;", verify(url, work, home), flush=True)
            elif side == "cli" and not args.no_cli:
                rates["cli"].append(cli_rate(fresh(args.db, work, "cli"), path, args.events, env))
            elif side == "http" and not args.no_http:
                rates["http"].append(http_rate(fresh(args.db, work, "http"), path, args.events, args.batch,
                                               args.http_clients, env))
        print(f"repeat {r + 1}: " + ", ".join(f"{k} {v[-1]:,.0f}/s" for k, v in rates.items() if v), flush=True)
    med = {k: statistics.median(v) for k, v in rates.items() if v}
    store = med["store"]
    print()
    print(f"store, batched:    {store:10,.0f} events/s")
    for k, label in (("import", "audit import:"), ("http", f"HTTP ingest ({args.http_clients} clients):"),
                     ("reimport", "re-import (0 new):"), ("cli", "CLI subprocess:")):
        if k in med:
            print(f"{label:<26}{med[k]:10,.0f} events/s = {med[k] / store:.2f}x the store")
    print(json.dumps({"events": args.events, "batch": args.batch, "db": "postgresql" if args.db else "sqlite",
                      "median_events_per_s": {k: round(v) for k, v in med.items()},
                      "ratio_to_store": {k: round(v / store, 3) for k, v in med.items() if k != "store"}}))


if __name__ == "__main__":
    main()
