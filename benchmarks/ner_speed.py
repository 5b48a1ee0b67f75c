"""Throughput of the Analyzer with the name/address model, on one core, on Chinese and English text.

    python benchmarks/ner_speed.py [--data-dir ../shared/data] [--limit 2000] [--model PATH]

Pins itself to one core (``os.sched_setaffinity``, one BLAS thread), warms up, then times
three things over the same texts: the model alone (batches of 64), the full Analyzer with the
model one text at a time (what ``detect_vs_presidio.py`` does), and ``analyze_batch`` over
batches of 64. Reports KB/s of UTF-8 input per wall-clock second and per CPU second of the process (the
process is single-threaded, so on a machine shared with other work the second is what one
free core would do).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
try:
    import piwarden  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO / "src"))

from piwarden.detect import Analyzer  # noqa: E402
from piwarden.detect.ner import recognizer as ner  # noqa: E402
from piwarden.detect.ner.data import read_jsonl  # noqa: E402

SETS = ("zh_cluener2020", "zh_bdci2020_privacy", "zh_weibo_ner", "en_presidio_synth_v2")


def timed(fn, texts: list[str], batch: int | None) -> tuple[float, float]:
    """Wall seconds and CPU seconds of this process (on a shared machine the second is the fairer)."""
    t0, c0 = time.perf_counter(), time.process_time()
    if batch is None:
        for t in texts:
            fn([t])
    else:
        for i in range(0, len(texts), batch):
            fn(texts[i:i + batch])
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--limit", type=int, default=2000)
    ap.add_argument("--model", type=Path, default=None)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    rec = ner.NameAddressRecognizer()
    if args.model:
        rec.artifact = args.model
    with_model = Analyzer([rec, *Analyzer().recognizers])
    rules = Analyzer()
    out = {}
    for name in SETS:
        texts = [r["text"] for r in read_jsonl(args.data_dir / f"{name}.jsonl")[:args.limit]]
        kb = sum(len(t.encode("utf-8")) for t in texts) / 1024
        timed(with_model.analyze_batch, texts[:50], None)  # warm-up
        row = {"records": len(texts), "kb": round(kb, 1)}
        for label, fn, batch in (("model_alone_batch64", rec.find, 64), ("rules_only_per_text", rules.analyze_batch, None),
                                 ("analyzer_per_text", with_model.analyze_batch, None),
                                 ("analyzer_batch64", with_model.analyze_batch, 64)):
            wall, cpu = timed(fn, texts, batch)
            row[label + "_kb_s"] = round(kb / wall, 1)
            row[label + "_kb_cpu_s"] = round(kb / cpu, 1)
        out[name] = row
        print(name, json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
