"""Two revisions of piwarden side by side on the same inputs: detect, mask, scan, audit append.

    .venv/bin/python benchmarks/before_after.py --before 8a0d104 [--after WORKTREE] [--repeats 5]

For a change that should alter no behaviour (issue 15's foundation work), this shows the
numbers stayed within noise. ``--before`` (and ``--after``, default: this checkout's working
tree) is a git revision, checked out into a temporary worktree; both run with this venv's
interpreter and ``PYTHONPATH=<checkout>/src``, so only piwarden's code differs. Inputs are made
once (synthetic, :mod:`piwarden.demo.textgen` and Faker) and shared. Each repeat runs the
revisions in alternating order, each in a fresh process (``--worker``), each workload driven
through the command line the way a user runs it (Typer's runner, in process, after one
untimed warm-up call), timed in CPU seconds of that process (``time.process_time``):

- detect: ``piwarden detect records.jsonl -o spans.jsonl`` (4,000 Chinese and English records);
- mask: ``piwarden mask run records.jsonl -o masked.jsonl`` and ``piwarden mask table`` of a
  100,000-row Parquet file (name, phone, ID, card columns);
- scan: ``piwarden scan DIR sqlite:///customers.db --full`` into a fresh inventory (CSV, JSONL
  and Parquet files and a 20,000-row table, sampled);
- audit append: ``piwarden audit import events.jsonl`` of 50,000 events into a fresh SQLite log
  (and a fresh PostgreSQL database with ``--pg URL``), wall-clock, since appends wait on fsync.

Prints per workload the median of each side, their ratio (after / before) and the spread, then
one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORKLOADS = ("detect", "mask_run", "mask_table", "scan", "audit_import", "audit_import_pg")


# -- inputs ---------------------------------------------------------------------------------

def make_inputs(root: Path, seed: int = 20261206) -> None:
    """Synthetic records, a table, a directory with a database, and access events."""
    import polars as pl
    from faker import Faker

    from piwarden.demo.textgen import generate

    root.mkdir(parents=True, exist_ok=True)
    with (root / "records.jsonl").open("w", encoding="utf-8") as f:
        for i, rec in enumerate(generate(4000, seed)):
            f.write(json.dumps({"id": f"r{i}", "text": rec["text"]}, ensure_ascii=False) + "\n")
    fk = Faker("zh_CN")
    fk.seed_instance(seed)
    rows = 100_000
    names = [fk.name() for _ in range(2000)]
    phones = [fk.phone_number() for _ in range(2000)]
    ids = [fk.ssn() for _ in range(2000)]
    cards = [fk.credit_card_number() for _ in range(2000)]
    frame = pl.DataFrame({"xm": [names[i % 2000] + str(i % 7) for i in range(rows)],
                          "sjhm": [phones[(i * 7) % 2000] for i in range(rows)],
                          "sfzh": [ids[(i * 13) % 2000] for i in range(rows)],
                          "yhkh": [cards[(i * 17) % 2000] for i in range(rows)]})
    frame.write_parquet(root / "table.parquet")
    scan_dir = root / "scan"
    scan_dir.mkdir(exist_ok=True)
    frame.head(5000).write_csv(scan_dir / "customers.csv")
    frame.slice(5000, 5000).write_ndjson(scan_dir / "customers.jsonl")
    frame.slice(10000, 5000).write_parquet(scan_dir / "customers.parquet")
    import sqlite3

    with sqlite3.connect(root / "customers.db") as conn:
        conn.execute("CREATE TABLE kehu (id INTEGER PRIMARY KEY, xm TEXT, sjhm TEXT, sfzh TEXT, yhkh TEXT)")
        conn.executemany("INSERT INTO kehu VALUES (?, ?, ?, ?, ?)", frame.head(20000).with_row_index("id").rows())
    with (root / "events.jsonl").open("w", encoding="utf-8") as f:
        for i in range(50_000):
            f.write(json.dumps({"id": f"e-{i}", "ts": f"2026-03-01T09:{i // 600 % 60:02d}:{i // 10 % 60:02d}+08:00",
                                "actor": f"cs-{i % 40}", "party": "platform.cs", "role": "customer_service",
                                "action": "view", "resource": "order", "subjects": [f"c-{i % 5000}"],
                                "fields": ["name", "phone"]}) + "\n")


# -- one revision, one process ----------------------------------------------------------------

def worker(inputs: Path, workloads: list[str], pg: str | None) -> dict[str, float]:
    from typer.testing import CliRunner

    from piwarden.cli import app

    runner = CliRunner()
    out: dict[str, float] = {}
    tmp = Path(tempfile.mkdtemp(prefix="pw-ba-"))
    os.environ["PIWARDEN_HOME"] = str(tmp / "home")

    def run(args: list[str], wall: bool = False) -> float:
        started = time.perf_counter() if wall else time.process_time()
        result = runner.invoke(app, args, catch_exceptions=False)
        if result.exit_code != 0:
            raise SystemExit(f"{args[0]} failed ({result.exit_code}): {result.output[-500:]}")
        return (time.perf_counter() if wall else time.process_time()) - started

    rec = str(inputs / "records.jsonl")
    columns = "xm=PERSON,sjhm=PHONE,sfzh=CN_RESIDENT_ID,yhkh=BANK_CARD"
    for name in workloads:
        if name == "detect":
            run(["detect", rec, "-o", str(tmp / "warm.jsonl")])
            out[name] = run(["detect", rec, "-o", str(tmp / "spans.jsonl")])
        elif name == "mask_run":
            run(["mask", "run", rec, "-o", str(tmp / "warm.jsonl")])
            out[name] = run(["mask", "run", rec, "-o", str(tmp / "masked.jsonl")])
        elif name == "mask_table":
            run(["mask", "table", str(inputs / "table.parquet"), str(tmp / "warm.parquet"), "--columns", columns])
            out[name] = run(["mask", "table", str(inputs / "table.parquet"), str(tmp / "m.parquet"),
                             "--columns", columns])
        elif name == "scan":
            targets = [str(inputs / "scan"), f"sqlite:///{inputs / 'customers.db'}"]
            run(["scan", *targets, "--db", f"sqlite:///{tmp / 'warm-inv.db'}", "--full"])
            out[name] = run(["scan", *targets, "--db", f"sqlite:///{tmp / 'inv.db'}", "--full"])
        elif name == "audit_import":
            run(["audit", "import", str(inputs / "events.jsonl"), "--db", f"sqlite:///{tmp / 'warm-audit.db'}"])
            out[name] = run(["audit", "import", str(inputs / "events.jsonl"), "--db",
                             f"sqlite:///{tmp / 'audit.db'}"], wall=True)
        elif name == "audit_import_pg" and pg:
            url = _fresh_pg(pg)
            try:
                out[name] = run(["audit", "import", str(inputs / "events.jsonl"), "--db", url], wall=True)
            finally:
                _drop_pg(pg, url)
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def _fresh_pg(admin_url: str) -> str:
    """A new empty database on the server of ``admin_url``; its URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(admin_url)
    name = f"piwarden_ba_{os.getpid()}_{time.monotonic_ns() % 10**9}"
    with psycopg.connect(host=u.host, port=u.port, user=u.username, dbname=u.database, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return u.set(database=name).render_as_string(hide_password=False)


def _drop_pg(admin_url: str, url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    u, name = make_url(admin_url), make_url(url).database
    with psycopg.connect(host=u.host, port=u.port, user=u.username, dbname=u.database, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- the comparison -------------------------------------------------------------------------------

def checkout(rev: str, into: Path) -> Path:
    subprocess.run(["git", "worktree", "add", "--detach", "-f", str(into), rev], cwd=REPO, check=True,
                   capture_output=True)
    return into


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="git revision measured as 'before'")
    parser.add_argument("--after", default=None, help="git revision for 'after' (default: this working tree)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pg", default=None, help="admin URL of a PostgreSQL server for audit_import_pg")
    parser.add_argument("--only", default=",".join(WORKLOADS), help="comma-separated workloads")
    parser.add_argument("--worker", nargs=2, metavar=("INPUTS", "WORKLOADS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(Path(args.worker[0]), args.worker[1].split(","), args.pg)))
        return 0

    work = Path(tempfile.mkdtemp(prefix="pw-before-after-"))
    inputs = work / "inputs"
    make_inputs(inputs)
    sides = {"before": checkout(args.before, work / "before")}
    sides["after"] = checkout(args.after, work / "after") if args.after else REPO
    times: dict[str, dict[str, list[float]]] = {s: {w: [] for w in WORKLOADS} for s in sides}
    try:
        for r in range(args.repeats):
            for side in (("before", "after") if r % 2 == 0 else ("after", "before")):
                env = {**os.environ, "PYTHONPATH": str(sides[side] / "src")}
                cmd = [sys.executable, str(Path(__file__).resolve()), "--before", args.before,
                       "--worker", str(inputs), args.only] + (["--pg", args.pg] if args.pg else [])
                done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    raise SystemExit(f"{side} failed: {done.stderr[-2000:]}")
                for w, t in json.loads(done.stdout.strip().splitlines()[-1]).items():
                    times[side][w].append(t)
                print(f"repeat {r + 1} {side}: done", file=sys.stderr)
    finally:
        for path in sides.values():
            if path != REPO:
                subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=REPO, check=False)
        shutil.rmtree(work, ignore_errors=True)
    summary = {}
    print(f"{'workload':16} {'before s':>9} {'after s':>9} {'after/before':>13}  spread (min-max) before | after")
    for w in WORKLOADS:
        b, a = times["before"][w], times["after"][w]
        if not b or not a:
            continue
        mb, ma = statistics.median(b), statistics.median(a)
        summary[w] = {"before": mb, "after": ma, "ratio": ma / mb, "before_all": b, "after_all": a}
        print(f"{w:16} {mb:9.3f} {ma:9.3f} {ma / mb:13.3f}  {min(b):.3f}-{max(b):.3f} | {min(a):.3f}-{max(a):.3f}")
    print(json.dumps({"before": args.before, "after": args.after or "worktree", "repeats": args.repeats,
                      "results": summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
