"""Table masking: cells/s per core for each operator, next to a plain string operation and Presidio.

Usage: python benchmarks/mask_table.py [--rows 5000000] [--keyed-rows 200000] [--presidio-cells 20000]
       [--repeats 3]

One synthetic table of ``--rows`` rows and six PI columns (name, phone, resident ID, bank card,
e-mail, address; nearly every value distinct) is built with numpy, then masked column by column:

- ``floor-polars``: ``s.str.slice(0, 3) + "****" + s.str.slice(-4)`` on every column, the
  cheapest masking-like string operation polars can do; ``floor-pandas`` the same in pandas;
- piwarden's shape operators (keep, partial, redact, replace) over all rows;
- the keyed operators (hash, token, fpe, and generalize / date_shift on a birth-date column)
  over ``--keyed-rows`` rows: each is a cryptographic or parsing call per distinct value;
- Presidio's anonymizer (``AnonymizerEngine.anonymize`` with one whole-cell result per value,
  operators mask / redact / replace / hash / encrypt) over ``--presidio-cells`` cells, in
  .venv-presidio (``make presidio-env``); skipped with a note when that environment is absent.

Polars runs on one thread (POLARS_MAX_THREADS=1) so every figure is per core. Prints medians
over ``--repeats`` and the ratio of partial masking to the polars floor (target: within 3x),
then one JSON line.
"""

from __future__ import annotations

import os

os.environ["POLARS_MAX_THREADS"] = "1"  # per-core figures: before polars is imported

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from piwarden.mask import KeyRing, get_operator
from piwarden.mask.vector import mask_series
from scan_common import GIVEN, PLACES, ROADS, SEGMENTS, SURNAMES, WEIGHTS, digits, pick  # same dir

REPO = Path(__file__).resolve().parents[1]
COLUMNS = {"name": "PERSON", "phone": "PHONE", "id_no": "CN_RESIDENT_ID", "card": "BANK_CARD", "email": "EMAIL",
           "address": "ADDRESS"}
COMPOUND = ["欧阳", "司马", "诸葛", "上官", "慕容"]


def make_table(n: int, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    surname = pick(rng, SURNAMES, n)
    surname = pl.Series(np.where(rng.random(n) < 0.02, pick(rng, COMPOUND, n).to_numpy(), surname.to_numpy()))
    given = pick(rng, GIVEN, n) + pl.Series(np.where(rng.random(n) < 0.7, pick(rng, GIVEN, n).to_numpy(), ""))
    born = (np.datetime64("1950-01-01") + rng.integers(0, 365 * 55, n)).astype("datetime64[D]")
    body = (pl.Series(rng.integers(110000, 659000, n)).cast(pl.String) + pl.Series(born).dt.strftime("%Y%m%d")
            + digits(rng, n, 3))
    id_digits = np.frombuffer(body.str.join("").to_list()[0].encode(), dtype=np.uint8).reshape(n, 17) - 48
    check = np.array(list("10X98765432"))[(id_digits * WEIGHTS).sum(axis=1) % 11]
    card_body = pl.lit("622202") + digits(rng, n, 6) + digits(rng, n, 6)
    card_body = pl.select(card_body).to_series()
    card_digits = np.frombuffer(card_body.str.join("").to_list()[0].encode(), dtype=np.uint8).reshape(n, 18) - 48
    doubled = card_digits[:, ::-1].copy()
    doubled[:, ::2] *= 2
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    luhn = (10 - doubled.sum(axis=1) % 10) % 10
    return pl.DataFrame({
        "name": surname + given,
        "phone": pick(rng, SEGMENTS, n) + digits(rng, n, 8),
        "id_no": body + pl.Series(check),
        "card": card_body + pl.Series(luhn).cast(pl.String),
        "email": pick(rng, list("abcdefghijklmnopqrstuvwxyz"), n) + digits(rng, n, 7) + "@example.com",
        "address": pick(rng, PLACES, n) + pick(rng, ROADS, n) + pl.Series(rng.integers(1, 999, n)).cast(pl.String)
        + "号" + pl.Series(rng.integers(1, 30, n)).cast(pl.String) + "幢" + pl.Series(rng.integers(101, 2999, n))
        .cast(pl.String) + "室",
        "birth": pl.Series(born).dt.strftime("%Y-%m-%d"),
    })


def timed(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return statistics.median(times)


def floor_polars(df: pl.DataFrame) -> None:
    df.select([(pl.col(c).str.slice(0, 3) + "****" + pl.col(c).str.slice(-4)).alias(c) for c in COLUMNS])


def floor_pandas(pdf: object) -> None:
    for c in COLUMNS:
        s = pdf[c]  # type: ignore[index]
        _ = s.str[:3] + "****" + s.str[-4:]


def pandas_floor(df: pl.DataFrame, repeats: int) -> float:
    """Seconds of the pandas floor; the pandas copy of the table is freed on return."""
    pdf = df.select(list(COLUMNS)).to_pandas()
    return timed(lambda: floor_pandas(pdf), repeats)


def mask_all(df: pl.DataFrame, name: str, keys: KeyRing, columns: dict[str, str]) -> None:
    op = get_operator(name)(keys=keys)
    for col, entity in columns.items():
        mask_series(op, df[col], entity)


def presidio(values: dict[str, list[str]]) -> dict[str, float] | None:
    python = REPO / ".venv-presidio" / "bin" / "python"
    if not python.exists():
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(values, f, ensure_ascii=False)
    out = subprocess.run([str(python), str(REPO / "benchmarks" / "presidio_anonymizer_runner.py"), f.name],
                         capture_output=True, text=True, check=True)
    Path(f.name).unlink()
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--keyed-rows", type=int, default=200_000)
    ap.add_argument("--presidio-cells", type=int, default=20_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    t = time.perf_counter()
    df = make_table(args.rows)
    print(f"table: {args.rows:,} rows x {len(COLUMNS)} PI columns, built in {time.perf_counter() - t:.1f} s",
          file=sys.stderr)
    cells = args.rows * len(COLUMNS)
    keys = KeyRing(bytes(range(32)))
    results: dict[str, float] = {}
    results["floor-polars"] = cells / timed(lambda: floor_polars(df), args.repeats)
    results["floor-pandas"] = cells / pandas_floor(df, args.repeats)
    for name in ("keep", "partial", "redact", "replace"):
        results[name] = cells / timed(lambda name=name: mask_all(df, name, keys, COLUMNS), args.repeats)
        print(f"  {name}: {results[name]:,.0f} cells/s", file=sys.stderr)
    small = df.head(args.keyed_rows)
    keyed_cells = args.keyed_rows * len(COLUMNS)
    for name in ("hash", "token"):
        results[name] = keyed_cells / timed(lambda name=name: mask_all(small, name, keys, COLUMNS), 1)
    fpe_cols = {"phone": "PHONE", "id_no": "CN_RESIDENT_ID", "card": "BANK_CARD"}
    results["fpe"] = args.keyed_rows * len(fpe_cols) / timed(lambda: mask_all(small, "fpe", keys, fpe_cols), 1)
    for name in ("generalize", "date_shift"):
        results[name] = args.keyed_rows / timed(
            lambda name=name: mask_all(small, name, keys, {"birth": "DATE_OF_BIRTH"}), 1)
    sample = df.head(args.presidio_cells // len(COLUMNS) + 1)
    anchor = presidio({c: sample[c].to_list() for c in COLUMNS})

    print(f"\n{'operator':<14}{'cells/s/core':>16}{'x floor-polars':>16}{'x floor-pandas':>16}{'Presidio':>14}"
          f"{'piwarden/Presidio':>19}")
    presidio_op = {"partial": "mask", "redact": "redact", "replace": "replace", "hash": "hash", "token": "encrypt"}
    for name, rate in results.items():
        p = anchor.get(presidio_op.get(name, ""), 0.0) if anchor else 0.0
        print(f"{name:<14}{rate:>16,.0f}{rate / results['floor-polars']:>16.2f}{rate / results['floor-pandas']:>16.2f}"
              f"{(f'{p:,.0f}' if p else '-'):>14}{(f'{rate / p:.1f}x' if p else '-'):>19}")
    ratio = results["floor-polars"] / results["partial"]
    print(f"\npartial masking takes {ratio:.2f}x the time of the polars floor (target: <= 3x)")
    if anchor is None:
        print("Presidio: .venv-presidio missing (make presidio-env); anchor not run")
    print(json.dumps({"rows": args.rows, "cells_per_s": results, "presidio_cells_per_s": anchor,
                      "partial_vs_floor": ratio}))


if __name__ == "__main__":
    main()
