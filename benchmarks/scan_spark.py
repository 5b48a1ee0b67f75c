"""The same Parquet data on Spark local[2] vs the local engine with ``--jobs 2``.

Usage: python benchmarks/scan_spark.py [--rows 3000000] [--files 8] [--samples 1000,5000]
       [--repeats 3] [--master local[2]] [--workdir DIR]

``--rows`` customer rows (benchmarks/scan_common.py) are written as ``--files`` Parquet files
in one directory. For each per-file sample size S in ``--samples``:

- local: ``piwarden scan DIR --jobs 2 --sample S --full``: one asset per file, S rows each,
  classified on two processes;
- spark: ``piwarden scan DIR --engine spark --spark-master local[2] --sample S*files --full``:
  the directory is one dataset; the same number of rows is sampled and classified by
  pandas UDFs on two Spark executor threads (through ``SparkEngine``, as the CLI does). The
  wall time is session start (JVM) + the first scan (which also starts the Python workers);
  a second scan of the same dataset in the same session shows the warm cost per dataset.
  The first session of a process also launches the JVM: measured once, apart, before the
  runs (``spark_cold_start_seconds``); a CLI run pays it every time.

Prints wall times (median of ``--repeats``), rows classified per second, the table rows
covered per second, the Spark/local ratio, and whether both found the same column types;
then one JSON line. Both sides use both cores: run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from piwarden.scan import spark
from piwarden.scan.runner import ScanOptions, ScanSummary, scan
from scan_common import EXPECTED, accuracy, write_parquet


def run(target: Path, options: ScanOptions, jobs: int, inventory: Path) -> tuple[float, ScanSummary]:
    t = time.perf_counter()
    summary = scan([str(target)], options, f"sqlite:///{inventory}", jobs=jobs)
    seconds = time.perf_counter() - t
    assert not summary.errors, summary.errors
    return seconds, summary


def types(summary: ScanSummary) -> list[dict[str, str | None]]:
    return [{c["name"]: c["entity"] for c in a["columns"]} for a in summary.inventory]  # type: ignore[union-attr]


def on_spark(root: Path, sample: int, master: str) -> tuple[float, float, float, dict[str, str | None]]:
    """Session start, first scan of the dataset, the same scan again in the warm session; types found."""
    t0 = time.perf_counter()
    with spark.SparkEngine(master) as engine:
        engine.start()
        t1 = time.perf_counter()
        first = engine.scan(spark.dataset(str(root)), sample, full=True)
        t2 = time.perf_counter()
        engine.scan(spark.dataset(str(root)), sample, full=True)
        t3 = time.perf_counter()
    assert first.error is None, first.error
    return t1 - t0, t2 - t1, t3 - t2, {c.name: c.entity for c in first.columns}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--samples", default="1000,5000", help="rows sampled per file (comma-separated)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/piwarden-bench"))
    args = parser.parse_args(argv)
    root = args.workdir / f"scan_spark_{args.rows}x{args.files}"
    if not root.exists() or len(list(root.glob("*.parquet"))) != args.files:
        t = time.perf_counter()
        write_parquet(root, args.rows, args.files)
        print(f"wrote {args.rows:,} rows in {args.files} Parquet files in {time.perf_counter() - t:.1f}s")
    size = sum(p.stat().st_size for p in root.glob("*.parquet"))
    print(f"data: {args.rows:,} rows x {len(EXPECTED)} columns, {args.files} files, {size / 1e6:.0f} MB")

    t = time.perf_counter()
    with spark.SparkEngine(args.master) as engine:  # the JVM starts once per process; later sessions reuse it
        engine.start()
    cold = time.perf_counter() - t
    print(f"first Spark session in this process (JVM launch): {cold:.1f}s")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        inv = Path(tmp) / "inventory.db"
        for per_file in [int(s) for s in args.samples.split(",")]:
            sampled = per_file * args.files
            local_runs, spark_runs = [], []
            for _ in range(args.repeats):  # interleaved, so that a change in load hits both sides alike
                local_runs.append(run(root, ScanOptions(sample=per_file, full=True), args.jobs, inv))
                spark_runs.append(on_spark(root, sampled, args.master))
            local_s = statistics.median(s for s, _ in local_runs)
            start_s, first_s, warm_s = (statistics.median(r[i] for r in spark_runs) for i in range(3))
            spark_s = start_s + first_s
            local_types, spark_types = types(local_runs[-1][1]), spark_runs[-1][3]
            same = all(t == spark_types for t in local_types)
            row = {"sample_per_file": per_file, "rows_classified": sampled, "local_seconds": round(local_s, 2),
                   "spark_seconds": round(spark_s, 2), "spark_startup_seconds": round(start_s, 2),
                   "spark_first_scan_seconds": round(first_s, 2), "spark_warm_scan_seconds": round(warm_s, 2),
                   "local_rows_per_s": round(sampled / local_s), "spark_rows_per_s": round(sampled / spark_s),
                   "spark_warm_rows_per_s": round(sampled / warm_s),
                   "local_table_rows_per_s": round(args.rows / local_s),
                   "spark_table_rows_per_s": round(args.rows / spark_s), "spark_over_local": round(spark_s / local_s, 2),
                   "spark_warm_over_local": round(warm_s / local_s, 2), "same_types": same,
                   "spark_accuracy": accuracy(spark_types), "local_accuracy": min(accuracy(t) for t in local_types)}
            results.append(row)
            print(f"sample {per_file}/file ({sampled:,} rows classified): local --jobs {args.jobs} {local_s:.1f}s "
                  f"({row['local_rows_per_s']:,} rows/s); spark {args.master} {spark_s:.1f}s = session start "
                  f"{start_s:.1f}s + first scan {first_s:.1f}s ({row['spark_rows_per_s']:,} rows/s), warm rescan "
                  f"{warm_s:.1f}s ({row['spark_warm_rows_per_s']:,} rows/s); spark/local = "
                  f"{row['spark_over_local']}x (warm: {row['spark_warm_over_local']}x); same column types: {same}")
    print(json.dumps({"bench": "scan_spark", "rows": args.rows, "files": args.files, "bytes": size,
                      "master": args.master, "jobs": args.jobs, "repeats": args.repeats,
                      "spark_cold_start_seconds": round(cold, 2), "results": results,
                      "python": sys.version.split()[0]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
