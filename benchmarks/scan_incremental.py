"""Incremental rescan of an unchanged directory vs its first scan (target: under 5% of the time).

Usage: python benchmarks/scan_incremental.py [--size 50MB] [--file-size 25MB] [--jobs 1]
       [--repeats 3] [--workdir DIR]

Builds a directory of ``--size`` bytes of customer data (benchmarks/scan_common.py) in files
of about ``--file-size``, a third of the bytes each as CSV, JSON Lines and Parquet (kept in
``--workdir`` and reused). Then, into a fresh inventory:

- first scan: ``piwarden scan DIR`` (every file streamed through its reservoir sample or its
  sampled row groups, hashed with BLAKE2b, classified, stored);
- rescan: the same command again, nothing changed (every file skipped on size + mtime);
  median of ``--repeats``.

Prints both times and the ratio, then one JSON line. The page cache is warm for both (the
files were just written or read), which favours the first scan, not the rescan.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from piwarden.scan.runner import ScanOptions, scan
from scan_common import make_table

WRITERS = {"csv": lambda df, p: df.write_csv(p), "jsonl": lambda df, p: df.write_ndjson(p),
           "parquet": lambda df, p: df.write_parquet(p, row_group_size=65536)}


def parse_size(text: str) -> int:
    m = re.fullmatch(r"\s*([0-9.]+)\s*([KMG]?)B?\s*", text.upper())
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text}")
    return int(float(m.group(1)) * {"": 1, "K": 1e3, "M": 1e6, "G": 1e9}[m.group(2)])


def build(root: Path, size: int, file_size: int) -> tuple[int, int]:
    """Files until ``size`` bytes, formats in turn; returns (files, bytes)."""
    marker = root / ".complete"
    if marker.exists():
        files = [p for p in root.iterdir() if not p.name.startswith(".")]
        return len(files), sum(p.stat().st_size for p in files)
    root.mkdir(parents=True, exist_ok=True)
    probe = make_table(20_000, seed=1)
    per_row = {}
    for fmt, write in WRITERS.items():
        with tempfile.NamedTemporaryFile(suffix="." + fmt) as tmp:
            write(probe, tmp.name)
            per_row[fmt] = Path(tmp.name).stat().st_size / len(probe)
    total = count = 0
    while total < size:
        fmt = list(WRITERS)[count % len(WRITERS)]
        rows = max(1000, int(min(file_size, size - total) / per_row[fmt]))
        path = root / f"part-{count:05d}.{fmt}"
        WRITERS[fmt](make_table(rows, seed=1000 + count, start=count * 10_000_000), path)
        total += path.stat().st_size
        count += 1
    marker.write_text(json.dumps({"files": count, "bytes": total}))
    return count, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, default=parse_size("50MB"))
    parser.add_argument("--file-size", type=parse_size, default=parse_size("25MB"))
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/piwarden-bench"))
    args = parser.parse_args(argv)
    root = args.workdir / f"scan_incremental_{args.size}_{args.file_size}"
    t = time.perf_counter()
    files, size = build(root, args.size, args.file_size)
    print(f"directory: {files} files (CSV, JSONL, Parquet), {size / 1e9:.3f} GB (ready in {time.perf_counter() - t:.1f}s)")
    with tempfile.TemporaryDirectory() as tmp:
        inventory = f"sqlite:///{Path(tmp) / 'inventory.db'}"
        t = time.perf_counter()
        first = scan([str(root)], ScanOptions(), inventory, jobs=args.jobs)
        first_s = time.perf_counter() - t
        assert not first.errors and first.scanned == files, (first.errors, first.scanned)
        again = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            rescan = scan([str(root)], ScanOptions(), inventory, jobs=args.jobs)
            again.append(time.perf_counter() - t)
            assert rescan.unchanged == files and rescan.scanned == 0
    rescan_s = statistics.median(again)
    ratio = rescan_s / first_s
    print(f"first scan (--jobs {args.jobs}): {first_s:.1f}s ({size / 1e6 / first_s:.1f} MB/s)")
    print(f"rescan, unchanged: {rescan_s:.3f}s median of {args.repeats}")
    print(f"ratio: rescan / first = {ratio:.4f} ({100 * ratio:.2f}%; target < 5%: {'met' if ratio < 0.05 else 'NOT met'})")
    print(json.dumps({"bench": "scan_incremental", "files": files, "bytes": size, "jobs": args.jobs,
                      "first_seconds": round(first_s, 2), "rescan_seconds": round(rescan_s, 4),
                      "ratio": round(ratio, 5), "met": ratio < 0.05, "python": sys.version.split()[0],
                      "polars": pl.__version__}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
