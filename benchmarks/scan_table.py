"""A 10M-row table: sampled scan vs full scan, and Presidio's structured analyzer, as ratios.

Usage: python benchmarks/scan_table.py [--rows 10000000] [--sample 1000] [--full-rows ROWS]
       [--full-jobs 2] [--full-cpus 0,1] [--chunk-rows 10000] [--presidio-rows 1000]
       [--presidio-lang zh,en] [--repeats 3] [--workdir DIR] [--cpu 0]

1. A SQLite table of ``--rows`` customer rows (benchmarks/scan_common.py: twelve columns named
   in pinyin initials, Chinese and English, one misleading) is built with executemany in
   transactions of a million rows (kept in ``--workdir`` and reused when its size matches).
2. *Sampled scan*: ``piwarden scan sqlite:///... --sample N --full`` through the scan API
   (COUNT(*), end-rows fingerprint, eight primary-key windows, classification, inventory
   write); median wall time over ``--repeats``. Its rows/s is the table's rows over that time.
3. *Full scan*: every row read and every value classified, ``piwarden scan --all-rows
   --jobs J --chunk-rows C`` through the scan API (streamed in key-range chunks, the ranges on
   ``--full-jobs`` processes, pinned to ``--full-cpus``), once. By default on all ``--rows``
   rows, measured outright; with a smaller ``--full-rows`` on a copy of the first rows, and the
   time for ``--rows`` extrapolated from the rows/s measured. Peak resident memory of the
   scanning process and of its largest worker is reported too.
4. *Presidio*: presidio-structured's ``PandasAnalysisBuilder`` (in .venv-presidio, through
   benchmarks/presidio_structured_runner.py) on the first ``--presidio-rows`` rows, for each
   configuration in ``--presidio-lang`` (``zh``: patterns on a blank Chinese pipeline; ``en``:
   the default English pipeline). It has no database sampling: it analyzes the DataFrame
   it is given, so its time for a sample equals its per-row time times the sample.

Everything else runs pinned to one core (``--cpu``, ``OMP_NUM_THREADS=1``), Presidio included.
Prints the figures, the ratios, the column-type accuracy of each side against
scan_common.EXPECTED, then one JSON line.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from piwarden.scan.runner import ScanOptions, ScanSummary, scan
from scan_common import EXPECTED, accuracy, write_sqlite

REPO = Path(__file__).resolve().parents[1]
PRESIDIO_PYTHON = REPO / ".venv-presidio" / "bin" / "python"
# Presidio's labels -> piwarden's; DATE_TIME is counted as a birth date (the lenient reading)
PRESIDIO_LABELS = {"PHONE_NUMBER": "PHONE", "EMAIL_ADDRESS": "EMAIL", "CREDIT_CARD": "BANK_CARD",
                   "LOCATION": "ADDRESS", "DATE_TIME": "DATE_OF_BIRTH"}


def table_rows(path: Path) -> int:
    if not path.exists():
        return -1
    try:
        con = sqlite3.connect(path)
        n = con.execute("SELECT COUNT(*) FROM customers").fetchone()[0]
        con.close()
        return int(n)
    except sqlite3.Error:
        return -1


def build(path: Path, rows: int) -> float:
    if table_rows(path) == rows:
        return 0.0
    t = time.perf_counter()
    write_sqlite(path, rows)
    return time.perf_counter() - t


def copy_prefix(big: Path, small: Path, rows: int) -> None:
    if table_rows(small) == rows:
        return
    small.unlink(missing_ok=True)
    con = sqlite3.connect(small)
    con.execute("ATTACH DATABASE ? AS big", (str(big),))
    schema = con.execute("SELECT sql FROM big.sqlite_master WHERE name = 'customers'").fetchone()[0]
    con.execute(schema)
    con.execute("INSERT INTO customers SELECT * FROM big.customers WHERE id <= ?", (rows,))
    con.commit()
    con.close()


def run_scan(db: Path, sample: int, inventory: Path) -> tuple[float, ScanSummary]:
    t = time.perf_counter()
    summary = scan([f"sqlite:///{db}"], ScanOptions(sample=sample, full=True), f"sqlite:///{inventory}")
    seconds = time.perf_counter() - t
    assert not summary.errors, summary.errors
    return seconds, summary


def run_full_scan(db: Path, jobs: int, chunk_rows: int, inventory: Path) -> tuple[float, ScanSummary]:
    """Every row classified (``--all-rows``); a progress line every minute."""
    t = time.perf_counter()
    last = [t]

    def progress(asset: object, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= 60 or done >= total:
            last[0] = now
            print(f"  full scan: {done:,}/{total:,} rows in {now - t:,.0f}s ({done / (now - t):,.0f} rows/s)",
                  flush=True)

    options = ScanOptions(full=True, all_rows=True, chunk_rows=chunk_rows)
    summary = scan([f"sqlite:///{db}"], options, f"sqlite:///{inventory}", jobs, on_rows=progress)
    seconds = time.perf_counter() - t
    assert not summary.errors, summary.errors
    return seconds, summary


def peak_rss_mb() -> tuple[float, float]:
    """Peak resident memory (MB) of this process and of its largest finished child (Linux: KB)."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def types_of(summary: ScanSummary) -> dict[str, str | None]:
    return {c["name"]: c["entity"] for c in summary.inventory[0]["columns"]}  # type: ignore[index]


def presidio(db: Path, rows: int, lang: str) -> dict[str, object] | None:
    if not PRESIDIO_PYTHON.exists():
        print("presidio: .venv-presidio missing (bash benchmarks/presidio_env.sh); skipped")
        return None
    out = subprocess.run([str(PRESIDIO_PYTHON), str(REPO / "benchmarks" / "presidio_structured_runner.py"), str(db),
                          "--rows", str(rows), "--lang", lang], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    found = {c: PRESIDIO_LABELS.get(e, e) for c, e in result["mapping"].items()}
    result["accuracy"] = accuracy({c: found.get(c) for c in EXPECTED})
    result["rows_per_s"] = result["rows"] / result["seconds"]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--full-rows", type=int, default=None, help="default: --rows (measured outright)")
    parser.add_argument("--full-jobs", type=int, default=2, help="processes of the full scan")
    parser.add_argument("--full-cpus", default="0,1", help="cores of the full scan (empty: no pinning)")
    parser.add_argument("--chunk-rows", type=int, default=10_000)
    parser.add_argument("--presidio-rows", type=int, default=1000)
    parser.add_argument("--presidio-lang", default="zh,en", help="comma-separated: zh, en (empty: skip)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/piwarden-bench"))
    parser.add_argument("--cpu", type=int, default=0, help="core to pin to (-1: no pinning)")
    args = parser.parse_args(argv)
    if args.cpu >= 0:
        os.sched_setaffinity(0, {args.cpu})
    args.workdir.mkdir(parents=True, exist_ok=True)
    full_rows = min(args.full_rows or args.rows, args.rows)
    big = args.workdir / f"scan_table_{args.rows}.db"
    small = args.workdir / f"scan_table_{args.rows}_first_{full_rows}.db" if full_rows < args.rows else big
    presidio_rows = min(args.presidio_rows, full_rows)
    head = args.workdir / f"scan_table_{args.rows}_first_{presidio_rows}.db"
    built = build(big, args.rows)
    if small != big:
        copy_prefix(big, small, full_rows)
    copy_prefix(big, head, presidio_rows)
    print(f"table: {args.rows:,} rows x {len(EXPECTED)} columns, {big.stat().st_size / 1e9:.2f} GB"
          + (f", built in {built:.1f}s ({args.rows / built:,.0f} rows/s)" if built else " (reused)"))

    inventory = args.workdir / "scan_table_inventory.db"
    inventory.unlink(missing_ok=True)
    run_scan(big, args.sample, inventory)  # warm-up: page cache, recognizers
    sampled = []
    for _ in range(args.repeats):
        seconds, summary = run_scan(big, args.sample, inventory)
        sampled.append(seconds)
    sampled_s = statistics.median(sampled)
    sampled_acc = accuracy(types_of(summary))
    print(f"sampled scan (--sample {args.sample}): {sampled_s:.2f}s median of {args.repeats}, "
          f"{args.rows / sampled_s:,.0f} table rows/s, accuracy {sampled_acc:.3f}")

    cpus = {int(c) for c in args.full_cpus.split(",") if c.strip()}
    if cpus:
        os.sched_setaffinity(0, cpus)  # the workers fork from here and inherit it
    print(f"full scan: --all-rows --jobs {args.full_jobs} --chunk-rows {args.chunk_rows} on cores "
          f"{sorted(cpus) or 'any'}, load average {os.getloadavg()[0]:.2f}", flush=True)
    full_s, full_summary = run_full_scan(small, args.full_jobs, args.chunk_rows, inventory)
    if args.cpu >= 0:
        os.sched_setaffinity(0, {args.cpu})
    rss_self, rss_child = peak_rss_mb()
    asset = full_summary.inventory[0]
    assert asset["sampled"] == full_rows, (asset["sampled"], full_rows)  # every row classified
    full_rate = full_rows / full_s
    full_est = args.rows / full_rate
    full_acc = accuracy(types_of(full_summary))
    how = "measured" if full_rows == args.rows else f"extrapolated from {full_rows:,} rows"
    print(f"full scan: {full_rows:,} rows in {full_s:,.1f}s = {full_rate:,.0f} rows/s "
          f"({full_rate / max(1, args.full_jobs):,.0f} per process); {args.rows:,} rows: {full_est:,.0f}s ({how}); "
          f"accuracy {full_acc:.3f}; peak RSS {rss_self:,.0f} MB (scan process), {rss_child:,.0f} MB (largest "
          f"worker); load average now {os.getloadavg()[0]:.2f}")
    print(f"ratio: sampled scan is {full_est / sampled_s:,.0f}x faster than a full scan of {args.rows:,} rows "
          f"(wall time); rows/s {args.rows / sampled_s:,.0f} (table rows) vs {full_rate:,.0f}")

    anchors: dict[str, object] = {}
    for lang in [x for x in args.presidio_lang.split(",") if x]:
        p = presidio(head, presidio_rows, lang)
        if p is None:
            break
        rate = float(p["rows_per_s"])  # type: ignore[arg-type]
        p["sample_seconds"] = args.sample / rate
        p["full_seconds_estimate"] = args.rows / rate
        anchors[lang] = p
        print(f"presidio-structured {lang} ({p['config']}): {p['rows']} rows in {p['seconds']:.2f}s = "
              f"{rate:,.0f} rows/s, accuracy {p['accuracy']:.3f}; a {args.sample}-row sample takes "
              f"{p['sample_seconds']:.2f}s, {args.rows:,} rows {p['full_seconds_estimate']:,.0f}s")
        print(f"  ratios: piwarden full-scan rows/s / presidio rows/s = {full_rate / rate:.1f}x "
              f"({full_rate / max(1, args.full_jobs) / rate:.1f}x per process); piwarden sampled "
              f"scan of the {args.rows:,}-row table vs presidio on a {args.sample}-row sample: "
              f"{p['sample_seconds'] / sampled_s:.2f}x")

    print(json.dumps({
        "bench": "scan_table", "rows": args.rows, "columns": len(EXPECTED), "sample": args.sample,
        "repeats": args.repeats, "build_seconds": round(built, 1), "sampled_seconds": round(sampled_s, 3),
        "sampled_rows_per_s": round(args.rows / sampled_s), "sampled_accuracy": sampled_acc,
        "full_rows": full_rows, "full_seconds": round(full_s, 2), "full_rows_per_s": round(full_rate),
        "full_jobs": args.full_jobs, "full_cpus": sorted(cpus), "chunk_rows": args.chunk_rows,
        "full_peak_rss_mb": round(rss_self), "full_worker_peak_rss_mb": round(rss_child),
        "full_seconds_for_rows": round(full_est), "full_extrapolated": full_rows != args.rows,
        "full_accuracy": full_acc, "sampled_speedup": round(full_est / sampled_s, 1),
        "presidio": {k: {"rows": v["rows"], "seconds": round(v["seconds"], 3), "rows_per_s": round(v["rows_per_s"], 1),  # type: ignore[index]
                         "accuracy": v["accuracy"], "config": v["config"],  # type: ignore[index]
                         "piwarden_full_rate_ratio": round(full_rate / v["rows_per_s"], 2),  # type: ignore[index]
                         "sample_vs_piwarden_sampled": round(v["sample_seconds"] / sampled_s, 2)}  # type: ignore[index]
                     for k, v in anchors.items()},
        "cpu": args.cpu, "python": sys.version.split()[0],
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
