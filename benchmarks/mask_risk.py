"""k-anonymity on a large table vs a bare group-by over the same columns.

Usage: python benchmarks/mask_risk.py [--rows 1000000] [--repeats 5] [--k 5]

A synthetic table (age, gender, six-digit postcode, birth date, a diagnosis as the sensitive
column) is measured four ways, each the median CPU time over ``--repeats``:

- ``groupby-polars``: ``df.group_by(qi).len()``, the floor;
- ``groupby-pandas``: ``pdf.groupby(qi).size()``;
- ``assess``: piwarden's k, l-diversity and unique share (one group-by plus the statistics);
- ``anonymize``: generalize and suppress until k holds (several group-by passes).

Polars runs on one thread (POLARS_MAX_THREADS=1). Target: assess within 2x of the polars
group-by. Prints a table of times and ratios, then one JSON line.
"""

from __future__ import annotations

import os

os.environ["POLARS_MAX_THREADS"] = "1"  # per-core figures: before polars is imported

import argparse
import json
import statistics
import time
from collections.abc import Callable

import numpy as np
import polars as pl

from piwarden.mask.risk import anonymize, assess

QI = ["age", "gender", "postcode", "birth"]


def make_table(n: int, seed: int = 11) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    born = (np.datetime64("1940-01-01") + rng.integers(0, 365 * 65, n)).astype("datetime64[D]")
    return pl.DataFrame({
        "age": 2026 - born.astype("datetime64[Y]").astype(int) - 1970,
        "gender": np.array(["F", "M"])[rng.integers(0, 2, n)],
        "postcode": pl.Series(rng.integers(100000, 100000 + 3000, n) * 10).cast(pl.String),
        "birth": pl.Series(born).dt.strftime("%Y-%m-%d"),
        "dx": np.array(["flu", "diabetes", "asthma", "hypertension", "none"])[rng.integers(0, 5, n)],
    })


def timed(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--k", type=int, default=5)
    args = ap.parse_args()
    df = make_table(args.rows)
    pdf = df.to_pandas()
    hier = {"age": "age", "postcode": "postcode", "birth": "date"}
    times = {
        "groupby-polars": timed(lambda: df.group_by(QI).len(), args.repeats),
        "groupby-pandas": timed(lambda: pdf.groupby(QI).size(), args.repeats),
        "assess": timed(lambda: assess(df, QI, k=args.k), args.repeats),
        "assess+l": timed(lambda: assess(df, QI, sensitive="dx", k=args.k), args.repeats),
        "anonymize": timed(lambda: anonymize(df, QI, args.k, hierarchies=hier, sensitive="dx"), 1),
    }
    done = anonymize(df, QI, args.k, hierarchies=hier, sensitive="dx")
    floor = times["groupby-polars"]
    print(f"{args.rows:,} rows, quasi-identifiers {', '.join(QI)}; k={args.k}")
    print(f"{'step':<16}{'CPU s':>10}{'x polars group-by':>20}")
    for name, t in times.items():
        print(f"{name:<16}{t:>10.3f}{t / floor:>20.2f}")
    print(f"before: k={done.before.k}, unique share {done.before.unique_share:.3f}; after: k={done.after.k}, "
          f"levels {done.levels}, suppressed {done.suppressed}, loss {done.generalization_loss:.2f}")
    print(json.dumps({"rows": args.rows, "seconds": times, "assess_vs_groupby": times["assess"] / floor,
                      "anonymize": done.report()}))


if __name__ == "__main__":
    main()
