"""Query, proof and offline-verification latency of the audit log at a large size.

Usage: python benchmarks/audit_query.py [--events N] [--db URL] [--keep] [--no-verify] [--samples S]

Builds a log of N synthetic events through the real append path (validated, canonical JSON,
leaf hashes, tree nodes; ``append_encoded`` batches of 10,000), unless the database already
holds at least N. Data shape: ``ts`` rises with the index over 90 days; 2,000 actors in
rotation (about 5-6 events per actor per day at 1M); 200,000 subjects with about 5 accesses
each at 1M, plus one subject "c-xue" with one access per 20,000 events; one export in 100 has
an export id. Prints medians (and 95th percentiles) over S random samples of each access
(subject, subject with inclusion proofs, actor's day, one-hour window, views in an hour,
exports in a day, export id, inclusion and consistency proofs) and the sizes of proofs and of
the database; then exports a bundle and runs ``piwarden audit verify`` on it in a child
process (wall and CPU seconds, peak resident memory of that process, VmHWM).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from piwarden.audit.bundle import export_bundle
from piwarden.audit.log import AuditLog, open_log
from piwarden.audit.note import NoteSigner
from piwarden.audit.store_base import EncodedEvent, Query
from piwarden.events import parse_event

DAY_US = 86_400_000_000
START_US = 1_772_323_200_000_000  # 2026-03-01T00:00:00Z
SPAN_US = 90 * DAY_US
ACTORS, SUBJECTS = 2000, 200_000


def make_event(i: int, n: int) -> dict[str, object]:
    ts_us = START_US + SPAN_US * i // n
    secs, us = divmod(ts_us, 1_000_000)
    ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + f".{us:06d}Z"
    subjects = [f"c-{(i * 7919) % SUBJECTS}"] + (["c-xue"] if i % 20_000 == 7 else [])
    action = "export" if i % 100 == 3 else ("view", "reveal")[i % 2]
    event = {"id": f"e-{i:09d}", "ts": ts, "actor": f"cs-{i % ACTORS:04d}", "party": "platform.cs",
             "role": "customer_service", "action": action, "resource": "order", "subjects": subjects,
             "fields": ["name", "phone", "address"], "purpose": "after-sales", "ticket": f"T-{i // 3}"}
    if action == "export":
        event["export_id"] = f"x-{i // 100}"
    return event


def build(log: AuditLog, n: int) -> float:
    """Append events up to ``n``; return events/s (validation + encoding + storage)."""
    start, t0 = log.size(), time.perf_counter()
    for k in range(start, n, 10_000):
        log.append_encoded([EncodedEvent.of(parse_event(make_event(i, n))) for i in range(k, min(n, k + 10_000))])
    return (n - start) / max(time.perf_counter() - t0, 1e-9)


def sample(fn: Callable[[int], object], keys: list[int]) -> tuple[float, float]:
    """Median and p95 in milliseconds of ``fn(key)`` over the keys."""
    times = []
    for k in keys:
        t = time.perf_counter()
        fn(k)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def verify_cli(bundle: Path, vkey: str) -> dict[str, object]:
    """Run ``piwarden audit verify BUNDLE --key VKEY`` in a child process: its wall and CPU
    seconds and its peak resident memory (the whole process: interpreter, libraries, data)."""
    # The child reports its own peak RSS (VmHWM, Linux): the rusage of a forked child would
    # count the pages of this big parent it started from.
    code = ("import atexit, sys, typer; from piwarden.cli.audit import app; "
            "atexit.register(lambda: print(next((l for l in open('/proc/self/status') if l.startswith('VmHWM')),"
            " 'VmHWM: ? kB'), file=sys.stderr)); "
            "root = typer.Typer(); root.add_typer(app, name='audit'); root()")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, "audit", "verify", str(bundle), "--key", vkey],
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"verify_s": round(wall, 2),
            "verify_cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
            "verify_peak_rss": " ".join(proc.stderr.split("VmHWM:")[-1].split()[:2]) if "VmHWM" in proc.stderr
            else None, "verify_ok": proc.returncode == 0,
            "verify_output": proc.stdout.strip()[:80]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--db", default=None)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--keep", action="store_true", help="keep the temporary database")
    ap.add_argument("--no-verify", action="store_true", help="skip the bundle export and verification")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="audit-bench-"))
    url = a.db or f"sqlite:///{work / 'audit.db'}"
    rng = random.Random(6962)
    out: dict[str, object] = {}
    with open_log(url) as log:
        n = a.events
        if log.size() < n:
            out["build_events_per_s"] = round(build(log, n))
            if not url.startswith("sqlite"):
                # Planner statistics, as autovacuum would gather them after a bulk load: without
                # them PostgreSQL guessed export ids common and scanned the primary key (370 ms).
                with log.store._write_txn() as cur:
                    cur.execute("ANALYZE")
        n = log.size()
        out["events"] = n
        out["db_bytes"] = log.store.disk_bytes()
        subjects = [f"c-{(rng.randrange(n) * 7919) % SUBJECTS}" for _ in range(a.samples)]
        res = [len(log.query(Query(subject=s))) for s in subjects[:20]]
        out["subject_rows_median"] = statistics.median(res)
        out["subject_ms"] = sample(lambda k: log.query(Query(subject=subjects[k])), list(range(a.samples)))

        def with_proofs(subject: str) -> None:
            for e in log.query(Query(subject=subject)):
                log.inclusion_proof(e.index, n)

        out["subject_with_proofs_ms"] = sample(lambda k: with_proofs(subjects[k]), list(range(a.samples)))
        out["xue_rows"] = len(log.query(Query(subject="c-xue")))
        out["xue_with_proofs_ms"] = sample(lambda k: with_proofs("c-xue"), list(range(20)))
        days = max(1, (SPAN_US * n // max(n, a.events)) // DAY_US)
        pairs = [(f"cs-{rng.randrange(ACTORS):04d}", rng.randrange(days)) for _ in range(a.samples)]

        def actor_day(k: int) -> int:
            actor, day = pairs[k]
            since = START_US + day * DAY_US
            return len(log.query(Query(actor=actor, since_us=since, until_us=since + DAY_US)))

        out["actor_day_rows_median"] = statistics.median(actor_day(k) for k in range(20))
        out["actor_day_ms"] = sample(actor_day, list(range(a.samples)))
        hours = [rng.randrange(days * 24) for _ in range(a.samples)]

        def window(k: int, action: str | None = None, span: int = DAY_US // 24) -> int:
            since = START_US + hours[k] * (DAY_US // 24)
            return len(log.query(Query(action=action, since_us=since, until_us=since + span)))

        out["window_hour_rows_median"] = statistics.median(window(k) for k in range(20))
        out["window_hour_ms"] = sample(window, list(range(a.samples)))
        out["view_in_hour_ms"] = sample(lambda k: window(k, "view"), list(range(a.samples)))
        out["export_in_day_rows_median"] = statistics.median(window(k, "export", DAY_US) for k in range(20))
        out["export_in_day_ms"] = sample(lambda k: window(k, "export", DAY_US), list(range(a.samples)))
        out["export_id_ms"] = sample(lambda k: log.query(Query(export_id=f"x-{rng.randrange(n // 100)}")),
                                     list(range(a.samples)))
        indices = [rng.randrange(n) for _ in range(a.samples * 5)]
        out["inclusion_proof_ms"] = sample(lambda i: log.inclusion_proof(i, n), indices)
        out["inclusion_proof_bytes"] = 32 * len(log.inclusion_proof(indices[0], n))
        olds = [rng.randrange(1, n) for _ in range(a.samples * 5)]
        out["consistency_proof_ms"] = sample(lambda m: log.consistency_proof(m, n), olds)
        out["consistency_proof_bytes_median"] = 32 * statistics.median(len(log.consistency_proof(m, n))
                                                                       for m in olds[:50])
        if not a.no_verify:
            # One key per database (kept next to a kept SQLite file): a log refuses heads by a
            # second key, so a rerun on a kept database must sign with the first one.
            key_file = Path(url.removeprefix("sqlite:///") + ".bench-key") if url.startswith("sqlite") else None
            if key_file is not None and key_file.exists():
                signer = NoteSigner.from_skey(key_file.read_text().strip())
            else:
                signer = NoteSigner.generate("bench.example/audit")
                if key_file is not None:
                    key_file.write_text(signer.skey() + "\n")
            t, c = time.perf_counter(), time.process_time()
            export_bundle(log, work / "bundle", signer)
            out["export_s"] = round(time.perf_counter() - t, 2)
            out["export_cpu_s"] = round(time.process_time() - c, 2)
            out.update(verify_cli(work / "bundle", signer.verifier.vkey()))
            out["bundle_bytes"] = sum(f.stat().st_size for f in (work / "bundle").iterdir())
    for k, v in out.items():
        shown = f"median {v[0]:.3f} ms, p95 {v[1]:.3f} ms" if isinstance(v, tuple) else v
        print(f"{k:32s} {shown}")
    print(json.dumps(out))
    if a.keep or a.db:
        print(f"database kept: {url}")
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
