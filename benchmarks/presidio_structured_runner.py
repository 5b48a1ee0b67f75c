"""Run Presidio's structured analyzer (presidio-structured) on rows of a SQLite table; print JSON.

Runs inside .venv-presidio (``bash benchmarks/presidio_env.sh``) and never imports piwarden:

    .venv-presidio/bin/python benchmarks/presidio_structured_runner.py DB --table customers \
        --rows 1000 --lang zh [--repeats 3]

The first ``--rows`` rows are read into a pandas DataFrame (``pd.read_sql_query``, timed
apart), then ``PandasAnalysisBuilder.generate_analysis(df, language=...)`` analyzes every
cell of them with its default "most_common" strategy: what a user of presidio-structured
does to find which columns hold PI. Engines as in presidio_runner.py: ``zh`` is a blank
Chinese pipeline with the pattern recognizers (and the resident-ID and UnionPay recognizers
a competent user adds), ``en`` the shipped default English configuration. Only the analysis
is timed, after a warm-up on 20 rows; prints ``{"rows", "load_seconds", "seconds",
"mapping": {column: entity}, ...}``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import statistics
import sys
import time
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from presidio_runner import chinese_engine, english_engine, offline_tldextract


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--table", default="customers")
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--lang", choices=("en", "zh"), default="zh")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    for name in ("presidio-analyzer", "presidio-structured"):
        logging.getLogger(name).setLevel(logging.ERROR)

    import pandas as pd
    from presidio_structured import PandasAnalysisBuilder

    offline_tldextract()
    started = time.perf_counter()
    con = sqlite3.connect(args.db)
    df = pd.read_sql_query(f'SELECT * FROM "{args.table}" LIMIT {int(args.rows)}', con)
    con.close()
    load = time.perf_counter() - started
    engine, config = english_engine() if args.lang == "en" else chinese_engine()
    builder = PandasAnalysisBuilder(analyzer=engine)
    builder.generate_analysis(df.head(20), language=args.lang)  # warm-up
    times, mapping = [], {}
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        mapping = builder.generate_analysis(df, language=args.lang).entity_mapping
        times.append(time.perf_counter() - t0)
    json.dump({"rows": len(df), "columns": len(df.columns), "load_seconds": load, "seconds": statistics.median(times),
               "mapping": mapping, "lang": args.lang, "config": config,
               "presidio_structured": version("presidio-structured"),
               "presidio_analyzer": version("presidio-analyzer")}, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
