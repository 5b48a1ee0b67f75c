"""Forensics on independently written scenarios (scenarios/insiders): ours beside naive and general detectors.

Usage: python benchmarks/forensics_scenarios.py [--seeds 1,2,3,4,5] [--scale small] [--workdir /tmp/ins-bench]
       [--out report.md] [--skip-trace] [--skip-anomalies]

The generator in ``scenarios/insiders`` was written from the specs alone, without reading the detector
(its README). Seeds 1-5 are for development; 101-103 are held out: run them only to report, never to tune.
Each seed's directory is generated once under ``--workdir`` (``generate.py --seed S --scale SCALE``).

Abnormal access (``piwarden forensics anomalies``: ``rank`` over the events), per seed: AUC of the actor
scores (insiders against every other actor, ties counted half), each insider's rank (a tie counts as the
worst place it shares), how many insiders are in the top 5% (rank <= ceil(0.05 x actors)), beside:

- ``records``: raw count, records disclosed with any field in clear (what the issue calls records seen);
- ``events``: raw count, accesses;
- ``IF raw`` / ``ECOD raw``: IsolationForest (scikit-learn) and ECOD (PyOD) over per-actor raw counts
  (events, records in clear, reveals, accesses without a ticket, accesses 0-6 h, largest export);
- ``IF days`` / ``ECOD days``: the same detectors over our per-actor-day feature vectors (the history the
  detector keeps), an actor scoring its worst day.

Leak attribution (``piwarden forensics trace``: ``attribute``), per leak case: the true party's rank, the
actor named with the first party (compared where the truth names an actor that appears in the events),
beside a naive ranking: parties by how many leaked rows they received (records' recipients, and the parties
of actors whose events touched the row's subject), actors by how many leaked subjects their events touched.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from piwarden.events import AccessEvent, EventError, parse_event
from piwarden.forensics.anomalies import Detector, rank
from piwarden.forensics.attribution.datamap import DataMap
from piwarden.forensics.attribution.leak import read_leak
from piwarden.forensics.attribution.match import RecordIndex
from piwarden.forensics.attribution.ranking import attribute

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "scenarios" / "insiders" / "generate.py"
HELD_OUT = frozenset({101, 102, 103})


def scenario(seed: int, scale: str, work: Path) -> Path:
    d = work / f"{scale}-{seed}"
    if not (d / "truth.json").is_file():
        subprocess.run([sys.executable, str(GENERATOR), "--seed", str(seed), "--scale", scale, "--out", str(d)],
                       check=True, capture_output=True)
    return d


def load_events(path: Path) -> tuple[list[AccessEvent], int]:
    out, bad = [], 0
    with path.open("rb") as f:
        for i, line in enumerate(f, 1):
            try:
                out.append(parse_event(line, f"line {i}"))
            except EventError:
                bad += 1
    return out, bad


# -- ranking metrics -----------------------------------------------------------------------------
def auc(scores: dict[str, float], positives: set[str]) -> float:
    """Mann-Whitney AUC, ties counted half."""
    pos = [scores[a] for a in scores if a in positives]
    neg = np.array([scores[a] for a in scores if a not in positives])
    if not pos or not len(neg):
        return float("nan")
    return float(np.mean([(np.sum(neg < p) + 0.5 * np.sum(neg == p)) / len(neg) for p in pos]))


def ranks(scores: dict[str, float], actors: Sequence[str]) -> list[int]:
    """Each actor's rank, a tie counting as the worst place it shares."""
    vals = np.array(list(scores.values()))
    return [int(np.sum(vals >= scores[a])) for a in actors]


def summary(name: str, scores: dict[str, float], insiders: list[str]) -> dict[str, Any]:
    n = len(scores)
    cut = math.ceil(0.05 * n)
    r = ranks(scores, insiders)
    return {"method": name, "auc": auc(scores, set(insiders)), "ranks": r, "top5": sum(x <= cut for x in r),
            "cutoff": cut}


# -- baselines -----------------------------------------------------------------------------------
RAW = ("events", "records", "reveals", "no_ticket", "night", "export_max")


def raw_counts(events: list[AccessEvent]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(RAW)))
    for e in events:
        v = out[e.actor]
        if e.action == "login":
            continue
        n = e.record_count
        v[0] += 1
        if e.fields:
            v[1] += n
        v[2] += e.action == "reveal"
        v[3] += not e.ticket
        v[4] += int(e.ts[11:13]) < 7
        if e.action in ("export", "print", "download") and e.fields:
            v[5] = max(v[5], n)
    return dict(out)


def isolation_forest(x: np.ndarray) -> np.ndarray:
    from sklearn.ensemble import IsolationForest

    return -IsolationForest(n_estimators=300, random_state=0).fit(x).score_samples(x)


def ecod(x: np.ndarray) -> np.ndarray:
    from pyod.models.ecod import ECOD

    model = ECOD()
    model.fit(x)
    return np.asarray(model.decision_scores_)


def per_actor(rows: dict[str, list[np.ndarray]], fn: Callable[[np.ndarray], np.ndarray]) -> dict[str, float]:
    """Fit ``fn`` on every row pooled; an actor scores its worst row."""
    names = [a for a, vs in rows.items() for _ in vs]
    x = np.vstack([v for vs in rows.values() for v in vs])
    s = fn(np.log1p(np.maximum(x, 0.0)))
    best: dict[str, float] = {}
    for a, v in zip(names, s, strict=True):
        best[a] = max(best.get(a, -np.inf), float(v))
    return best


def day_vectors(det: Detector) -> dict[str, list[np.ndarray]]:
    """The per-actor-day feature vectors the detector built (its actors' histories, oldest first)."""
    out = {}
    for name, a in det.actors.items():
        st = a.state
        rows = st.past() if st.filled <= len(st.history) else np.roll(st.history, -(st.filled % len(st.history)), 0)
        out[name] = list(rows) or [np.zeros(1)]
    return out


def anomalies(d: Path, events: list[AccessEvent], truth: dict[str, Any]) -> tuple[list[dict[str, Any]], float]:
    insiders = [i["actor"] for i in truth["insiders"]]
    t0 = time.perf_counter()
    det = Detector()
    results = rank(events, det)
    ours = {r.actor: r.raw for r in results}  # the raw score ranks (the calibrated one is a monotone map of it)
    secs = time.perf_counter() - t0
    raw = raw_counts(events)
    for a in ours:
        raw.setdefault(a, np.zeros(len(RAW)))
    days = day_vectors(det)
    width = max(len(v) for vs in days.values() for v in vs)
    days = {a: [v if len(v) == width else np.zeros(width) for v in vs] for a, vs in days.items()}
    rows = [summary("ours", ours, insiders),
            summary("records", {a: float(v[1]) for a, v in raw.items()}, insiders),
            summary("events", {a: float(v[0]) for a, v in raw.items()}, insiders),
            summary("IF raw", per_actor({a: [v] for a, v in raw.items()}, isolation_forest), insiders),
            summary("ECOD raw", per_actor({a: [v] for a, v in raw.items()}, ecod), insiders),
            summary("IF days", per_actor(days, isolation_forest), insiders),
            summary("ECOD days", per_actor(days, ecod), insiders)]
    rows[0]["calibration"] = [(r.score, r.actor in insiders) for r in results]
    return rows, secs


# -- leak attribution ----------------------------------------------------------------------------
def naive_trace(rows: list[Any], index: RecordIndex, by_subject: dict[str, Counter[str]], party_of: dict[str, str]
                ) -> tuple[list[str], str | None]:
    parties: Counter[str] = Counter()
    actors: Counter[str] = Counter()
    for row in rows:
        for m in index.match(row):
            got = {p for r in m.records for p in r.recipients}
            touched = by_subject.get(m.subject, Counter())
            got |= {party_of[a] for a in touched}
            parties.update(got)
            actors.update(touched.keys())
    ranked = [p for p, _ in sorted(parties.items(), key=lambda kv: (-kv[1], kv[0]))]
    actor = min(actors.items(), key=lambda kv: (-kv[1], kv[0]))[0] if actors else None
    return ranked, actor


def trace(d: Path, events: list[AccessEvent], truth: dict[str, Any]) -> tuple[list[dict[str, Any]], float]:
    dm = DataMap.load(d / "datamap.yaml")
    index = RecordIndex.load(d / "records.jsonl")
    logged = {e.actor for e in events}
    party_of = {e.actor: e.party for e in events}
    by_subject: dict[str, Counter[str]] = defaultdict(Counter)
    for e in events:
        if e.result == "allowed" and e.action != "login":
            for s in e.subjects:
                by_subject[s][e.actor] += 1
    out = []
    t0 = time.perf_counter()
    for case in truth["leaks"]:
        _, rows = read_leak(d / case["file"])
        ranked, _ = attribute(rows, index, dm, events, None, "en")
        parties = [c.party for c in ranked]
        guilt = [(c.score, c.party == case["party"]) for c in ranked]
        naive_parties, naive_actor = naive_trace(rows, index, by_subject, party_of)
        actor = case["actor"]
        out.append({"case": case["case"], "cause": case["cause"], "format": case["format"], "party": case["party"],
                    "rank": parties.index(case["party"]) + 1 if case["party"] in parties else None,
                    "named": ranked[0].actor if ranked else None, "actor": actor,
                    "actor_in_logs": actor is not None and actor in logged,
                    "naive_rank": naive_parties.index(case["party"]) + 1 if case["party"] in naive_parties else None,
                    "naive_actor": naive_actor,
                    "top": [(c.party, c.actor, c.score) for c in ranked[:3]], "guilt": guilt})
    return out, time.perf_counter() - t0


# -- report --------------------------------------------------------------------------------------
def _pct(k: int, n: int) -> str:
    return f"{k}/{n} ({k / n:.2f})" if n else "-"


BINS = (0.0, 0.05, 0.2, 0.5, 0.8, 1.0000001)


def reliability(pairs: list[tuple[float, bool]], what: str) -> list[str]:
    """Predicted against observed, by bins of the predicted probability."""
    out = ["", f"Reliability of {what}:", "", "| predicted | n | mean predicted | observed |", "|---|---|---|---|"]
    for lo, hi in itertools.pairwise(BINS):
        got = [(p, y) for p, y in pairs if lo <= p < hi]
        if got:
            out.append(f"| {lo:.2f}-{min(hi, 1.0):.2f} | {len(got)} | {np.mean([p for p, _ in got]):.3f} | "
                       f"{np.mean([y for _, y in got]):.3f} ({sum(y for _, y in got)}) |")
    return out


def report(anom: dict[int, list[dict[str, Any]]], traces: dict[int, list[dict[str, Any]]],
           info: dict[int, dict[str, Any]]) -> str:
    lines: list[str] = []
    if anom:
        lines += ["### Abnormal access", "",
                  "| seed | actors | insiders | method | AUC | insiders in top 5% | insider ranks |", "|---|---|---|---|---|---|---|"]
        for seed, rows in anom.items():
            for r in rows:
                lines.append(f"| {seed} | {info[seed]['actors']} | {len(r['ranks'])} | {r['method']} | {r['auc']:.3f} | "
                             f"{r['top5']}/{len(r['ranks'])} (cut {r['cutoff']}) | {', '.join(map(str, r['ranks']))} |")
        methods = [r["method"] for r in next(iter(anom.values()))]
        lines += ["", "| all seeds | mean AUC | min AUC | insiders in top 5% |", "|---|---|---|---|"]
        for i, m in enumerate(methods):
            aucs = [rows[i]["auc"] for rows in anom.values()]
            k = sum(rows[i]["top5"] for rows in anom.values())
            n = sum(len(rows[i]["ranks"]) for rows in anom.values())
            lines.append(f"| {m} | {np.mean(aucs):.3f} | {min(aucs):.3f} | {_pct(k, n)} |")
        lines += reliability([p for rows in anom.values() for p in rows[0]["calibration"]],
                             "actor scores (probability that the actor is an insider)")
    if traces:
        cases = [c for cs in traces.values() for c in cs]
        with_actor = [c for c in cases if c["actor_in_logs"]]
        lines += ["", "### Leak attribution", "",
                  "| method | party top-1 | party top-3 | actor top-1 (actor in logs) |", "|---|---|---|---|",
                  f"| ours | {_pct(sum(c['rank'] == 1 for c in cases), len(cases))} | "
                  f"{_pct(sum(c['rank'] is not None and c['rank'] <= 3 for c in cases), len(cases))} | "
                  f"{_pct(sum(c['rank'] == 1 and c['named'] == c['actor'] for c in with_actor), len(with_actor))} |",
                  f"| naive (most rows held / most subjects touched) | "
                  f"{_pct(sum(c['naive_rank'] == 1 for c in cases), len(cases))} | "
                  f"{_pct(sum(c['naive_rank'] is not None and c['naive_rank'] <= 3 for c in cases), len(cases))} | "
                  f"{_pct(sum(c['naive_actor'] == c['actor'] for c in with_actor), len(with_actor))} |",
                  *reliability([p for c in cases for p in c["guilt"]], "party guilt (every candidate listed)"),
                  "", "| seed | case | cause | format | party rank (naive) | actor named (truth) |", "|---|---|---|---|---|---|"]
        for seed, cs in traces.items():
            for c in cs:
                named = f"{'ok' if c['named'] == c['actor'] else 'no'}" if c["actor_in_logs"] else "-"
                lines.append(f"| {seed} | {c['case']} | {c['cause']} | {c['format']} | {c['rank']} ({c['naive_rank']}) "
                             f"| {named} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--scale", default="small", choices=["small", "medium"])
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/ins-bench"))
    ap.add_argument("--out", type=Path)
    ap.add_argument("--details", type=Path, help="Per-case details (JSON); development seeds only.")
    ap.add_argument("--skip-trace", action="store_true")
    ap.add_argument("--skip-anomalies", action="store_true")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    anom: dict[int, list[dict[str, Any]]] = {}
    traces: dict[int, list[dict[str, Any]]] = {}
    info: dict[int, dict[str, Any]] = {}
    for seed in seeds:
        d = scenario(seed, args.scale, args.workdir)
        truth = json.loads((d / "truth.json").read_text("utf-8"))
        events, bad = load_events(d / "events.jsonl")
        info[seed] = {"events": len(events), "invalid": bad, "actors": len({e.actor for e in events})}
        msg = f"seed {seed}: {len(events)} events ({bad} invalid), {info[seed]['actors']} actors"
        if not args.skip_anomalies:
            anom[seed], secs = anomalies(d, events, truth)
            msg += f"; anomalies {secs:.1f} s"
        if not args.skip_trace:
            traces[seed], secs = trace(d, events, truth)
            msg += f"; trace {secs:.1f} s"
        print(msg, file=sys.stderr, flush=True)
    text = report(anom, traces, info)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", "utf-8")
    if args.details:
        if HELD_OUT & set(seeds):
            print("--details is for development seeds only: not written", file=sys.stderr)
        else:
            args.details.write_text(json.dumps({"anomalies": anom, "trace": traces}, indent=1, default=str), "utf-8")


if __name__ == "__main__":
    main()
