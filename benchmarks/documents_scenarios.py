"""Reused identity documents on the independent generator (``scenarios/documents``): recall and false matches.

    /work/main/.venv/bin/python scenarios/documents/generate.py --seed 1 --stored 60 --queries 120 \
        --out /tmp/docs-s1
    .venv/bin/python benchmarks/documents_scenarios.py /tmp/docs-s1

Indexes ``stored/`` with ``DocumentStore`` (inputs: image, doc_id, subject, account, as the
generator's README allows; the template is NOT given), checks every query with its uploader's
subject and account, and scores against ``truth.jsonl``:

- recall: a ``copy`` or ``same_subject`` query whose source document is among the matches;
- wrong names: matches naming a stored document other than the source (on any query);
- false matches: ``never_stored`` queries with any match (all documents of the same templates);
- by edit type and by number of edits, and by template, so the failures can be located.

``--stages`` counts and times (CPU, all threads) the keypoint matchings, tile comparisons and full
verifications of each check (wrapped in place, so it also runs against an older checkout through
``PYTHONPATH``), and the wall time of the key fields' OCR (Tesseract runs in a child process).

``--results FILE`` writes each check's JSON output, one line per query, so two versions can be
compared result by result (``cmp``).

``--cold`` opens the index afresh for every check (a new ``DocumentStore``: no candidate's features,
layout or prepared tiles in memory), as a ``check`` in a new process finds it, start-up aside; the
opening itself (registry, templates) is timed apart.

``--calibrate`` also verifies every candidate of each never-stored query and fits the normal tail of
their best scores (the quantiles 0.50-0.99), as ``piwarden.forensics.documents.calibration`` holds it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import tempfile
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from statistics import NormalDist
from typing import Any

import cv2
import numpy as np

from piwarden.forensics.documents import calibration as C
from piwarden.forensics.documents import verify as V
from piwarden.forensics.documents.check import DocumentStore


def best_score(store: DocumentStore, path: Path) -> float:
    """The highest agreement among every candidate verified for ``path`` (0 without candidates; the screen
    of ``DocumentStore.matches`` is not applied: every candidate counts)."""
    fp = store.fingerprint(path)
    best = 0.0
    for row in store.registry.get(store.candidates(fp)):
        feats = store._features(row)
        if feats is not None:
            best = max(best, V.verify(fp.features, feats, layout=store._layout(row, feats)).agreement)
    return best


STAGES = {"keypoint matchings": None, "tile comparisons": "agreement", "full verifications": "verify",
          "screens": "screen"}


def _timed(acc: dict[str, list[float]], label: str, fn: Callable[..., Any],
           clock: Callable[[], float] = time.process_time) -> Callable[..., Any]:
    def call(*a: Any, **k: Any) -> Any:
        c = clock()
        try:
            return fn(*a, **k)
        finally:
            acc[label][0] += 1
            acc[label][1] += clock() - c
    return call


@contextmanager
def stages(acc: dict[str, list[float]]) -> Iterator[None]:
    """Count and time the costly steps of a check while inside (``acc``: label -> [calls, CPU seconds])."""
    saved = {name: getattr(V, name) for name in STAGES.values() if name and hasattr(V, name)}
    matcher = cv2.BFMatcher
    try:   # key fields read by OCR: wall time, Tesseract runs in a child process (an older checkout has none)
        fields: Any = importlib.import_module("piwarden.forensics.documents.fields")
        read, compare = fields.read, fields.compare
        fields.read = _timed(acc, "OCR of stored documents", read, time.perf_counter)
        fields.compare = _timed(acc, "OCR of submissions", compare, time.perf_counter)
    except ImportError:
        fields = None

    class Matcher:
        def __init__(self, *a: Any) -> None:
            self.knnMatch = _timed(acc, "keypoint matchings", matcher(*a).knnMatch)

    cv2.BFMatcher = Matcher   # type: ignore[misc,assignment]
    for label, name in STAGES.items():
        if name in saved:
            setattr(V, name, _timed(acc, label, saved[name]))
    try:
        yield
    finally:
        cv2.BFMatcher = matcher   # type: ignore[misc]
        for name, fn in saved.items():
            setattr(V, name, fn)
        if fields is not None:
            fields.read, fields.compare = read, compare


def run(root: Path, similarity_only: bool, calibrate: bool = False, timed: bool = False,
        results: Path | None = None, cold: bool = False) -> dict[str, object]:
    stored = [json.loads(line) for line in (root / "stored.jsonl").read_text().splitlines() if line.strip()]
    truth = [json.loads(line) for line in (root / "truth.jsonl").read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        store = DocumentStore(Path(tmp) / "store", f"sqlite:///{tmp}/registry.db")
        t = time.perf_counter()
        store.add((root / s["path"], s["doc_id"], s["subject"], s["account"]) for s in stored)
        index_s = time.perf_counter() - t
        pos = defaultdict(lambda: [0, 0])         # key -> [found, total]
        neg = defaultdict(lambda: [0, 0])         # key -> [false match, total]
        wrong, wrong_on_pos, ambiguous, lat, cpu, never, opened = 0, 0, 0, [], [], [], []
        acc: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        out = results.open("w") if results is not None else None
        for q in truth:
            if cold:
                store.close()
                o = time.perf_counter()
                store = DocumentStore(Path(tmp) / "store", f"sqlite:///{tmp}/registry.db")
                opened.append(time.perf_counter() - o)
            t0, c0 = time.perf_counter(), time.process_time()
            with stages(acc) if timed else nullcontext():
                res = store.check(root / q["query"], q["subject"], q["account"])
            lat.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            if out is not None:   # every check's output, to compare two versions line by line
                out.write(json.dumps({"query": q["query"], "result": res.to_json()}, sort_keys=True) + "\n")
            named = [m.row.doc_id for m in res.matches]
            ambiguous += res.ambiguous
            edits = [e["type"] for e in q["edits"]]
            keys = ["all", f"template:{q['template']}", f"edits:{len(edits)}", *(f"edit:{e}" for e in edits)]
            if q["source_doc"] is None:
                if calibrate:
                    never.append(best_score(store, root / q["query"]))
                for k in keys:
                    neg[k][0] += bool(named)
                    neg[k][1] += 1
                wrong += len(named)
            else:
                for k in keys:
                    pos[k][0] += q["source_doc"] in named
                    pos[k][1] += 1
                others = [d for d in named if d != q["source_doc"]]
                wrong += len(others)
                wrong_on_pos += bool(others)
        store.close()
        if out is not None:
            out.close()
    return {"stored": len(stored), "index_s": index_s, "pos": dict(pos), "neg": dict(neg), "wrong": wrong,
            "wrong_on_pos": wrong_on_pos, "ambiguous": ambiguous, "check_ms": 1000 * statistics.median(lat),
            "check_cpu_ms": 1000 * statistics.median(cpu),
            "open_ms": 1000 * statistics.median(opened) if opened else None,
            "never": never, "stages": {k: (n / len(truth), 1000 * t / len(truth)) for k, (n, t) in acc.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", type=Path, help="a directory written by scenarios/documents/generate.py")
    ap.add_argument("--calibrate", action="store_true", help="fit the false-match tail on the never-stored queries")
    ap.add_argument("--stages", action="store_true", help="count and time the costly steps of each check")
    ap.add_argument("--cold", action="store_true", help="open the index afresh for every check (empty caches)")
    ap.add_argument("--results", type=Path, help="write each check's JSON output here (one line per query)")
    args = ap.parse_args()
    modes = [False]
    results, caught = {}, {}
    for m in modes:
        with warnings.catch_warnings(record=True) as seen:   # a numpy warning is a bug (issue 21, point 5)
            warnings.simplefilter("always")
            results["similarity only" if m else "current"] = run(args.dir, m, args.calibrate, args.stages, args.results,
                                                                       args.cold)
        caught["similarity only" if m else "current"] = len(seen)
    for name, r in results.items():
        pos, neg = r["pos"], r["neg"]
        assert isinstance(pos, dict) and isinstance(neg, dict)
        print(f"== {name}: {r['stored']} stored (indexed in {r['index_s']:.1f} s), check median {r['check_ms']:.0f} ms "
              f"wall, {r['check_cpu_ms']:.0f} ms CPU (all threads)"
              + (f"; opening the index (--cold) median {r['open_ms']:.0f} ms wall" if r["open_ms"] is not None else ""))
        f, n = pos["all"]
        nf, nn = neg.get("all", [0, 0])
        print(f"recall {f}/{n} = {f / n:.3f}; false matches on never-stored {nf}/{nn} = {nf / max(nn, 1):.3f}; "
              f"wrong documents named {r['wrong']} (on {r['wrong_on_pos']} true matches); "
              f"ambiguous {r['ambiguous']}; warnings {caught[name]}")
        for label, (calls, ms) in r["stages"].items():   # type: ignore[attr-defined]
            print(f"  per check: {label:20s} {calls:5.2f} calls, {ms:6.1f} ms {'wall' if 'OCR' in label else 'CPU'}")
        never = r["never"]
        assert isinstance(never, list)
        if never:
            q = np.arange(0.5, 0.995, 0.01)
            sd, mu = np.polyfit([NormalDist().inv_cdf(p) for p in q], np.quantile(never, q), 1)
            print(f"calibration on {len(never)} never-stored checks: best score max {max(never):.3f}, normal tail "
                  f"MU {mu:.3f} SD {sd:.3f} (in use: MU {C.MU} SD {C.SD}, threshold {C.threshold():.3f})")
        for k in sorted(set(pos) | set(neg)):
            if k == "all":
                continue
            p, q = pos.get(k, [0, 0]), neg.get(k, [0, 0])
            print(f"  {k:30s} recall {p[0]:3d}/{p[1]:<3d}  false {q[0]:3d}/{q[1]:<3d}")


if __name__ == "__main__":
    main()
