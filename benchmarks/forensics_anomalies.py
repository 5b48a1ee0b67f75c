"""Abnormal-access detection on the synthetic platform: ranks, AUC, streaming delay, throughput.

Usage: python benchmarks/forensics_anomalies.py [--seeds 9101,9102,9103] [--days 28]
       [--throughput-events 1000000] [--workdir DIR]

Seeds 9101-9103 are held out: the detector and the simulator were developed on other seeds
(1-5, 11, 12) and never tuned on these. Per seed, on the default platform (~360 actors,
28 days, six injected incidents):

- the rank of each injected insider among all actors (target: top 5%, i.e. rank <= ceil(0.05 n));
- ROC AUC of the actor scores, insiders against everyone else (target >= 0.97);
- streaming delay: working days (Mon-Fri, numpy.busday_count) from the incident's first
  abnormal access to the first alert on that actor (target <= 2);
- false alerts: other actors that crossed the alert threshold.

Throughput: writes a file of about N events (``piwarden forensics simulate --no-validate``
on a larger platform) and times ``piwarden forensics anomalies`` on it in a child process
(JSON parsing included), with the child's peak RSS; the same on a quarter of the events
shows that memory does not grow with the number of events. Prints a report and a JSON line.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from piwarden.demo.platform import PlatformConfig, Simulation
from piwarden.events import parse_event
from piwarden.forensics.anomalies import ALERT_THRESHOLD, Detector, stream_alerts


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    gt = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(gt / (len(pos) * len(neg)))


def evaluate(seed: int, days: int, incident_tickets: str | None = None) -> dict:
    sim = Simulation(PlatformConfig(seed=seed, days=days))
    det = Detector(**({"incident_tickets": incident_tickets} if incident_tickets else {}))
    started = time.perf_counter()
    fired = {a.actor: a for a in stream_alerts((parse_event(e) for e in sim.events()), det)}
    seconds = time.perf_counter() - started
    results = det.results()
    truth = sim.ground_truth()
    insiders = {i["actor"]: i for i in truth["incidents"]}
    order = [r.actor for r in results]
    scores = np.array([r.score for r in results])
    label = np.array([a in insiders for a in order])
    rows = []
    for actor, inc in insiders.items():
        alert = fired.get(actor)
        delay = int(np.busday_count(inc["first_ts"][:10], alert.raised_at[:10])) if alert else None
        rows.append({"kind": inc["kind"], "actor": actor, "rank": order.index(actor) + 1,
                     "score": round(results[order.index(actor)].score, 4), "delay_working_days": delay})
    return {"seed": seed, "events": truth["events"], "actors": len(order), "cutoff": math.ceil(0.05 * len(order)),
            "auc": round(auc(scores[label], scores[~label]), 4), "insiders": rows,
            "false_alerts": sorted(a for a in fired if a not in insiders), "seconds": round(seconds, 1)}


# runs the CLI in a child and reports that child's own peak RSS (KiB on Linux)
_MEASURED = """
import resource, sys
from piwarden.cli import app
try:
    app(sys.argv[1:])
except SystemExit:
    pass
print("maxrss_kib=%d" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def throughput(n_events: int, workdir: Path) -> list[dict]:
    out = []
    piwarden = [str(Path(sys.executable).parent / "piwarden")]
    for target in (n_events // 4, n_events):
        days = 140 * target // 1_000_000 or 1
        sim_dir = workdir / f"sim-{target}"
        subprocess.run([*piwarden, "forensics", "simulate", "--seed", "77", "--days", str(days), "--scale", "2",
                        "--no-validate", "--no-records", "--out", str(sim_dir)], check=True)
        events = sim_dir / "events.jsonl"
        n = sum(1 for _ in events.open("rb"))
        started = time.perf_counter()
        child = subprocess.run([sys.executable, "-c", _MEASURED, "forensics", "anomalies", "--events", str(events),
                                "--out", str(workdir / "alerts.jsonl"), "--no-progress"],
                               check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        rss_kib = int(child.stderr.strip().splitlines()[-1].split("=")[1])
        out.append({"events": n, "bytes": events.stat().st_size, "seconds": round(seconds, 1),
                    "events_per_s": round(n / seconds), "peak_rss_mib": round(rss_kib / 1024, 1)})
        events.unlink()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="9101,9102,9103")
    ap.add_argument("--days", type=int, default=28)
    ap.add_argument("--throughput-events", type=int, default=1_000_000, help="0 to skip")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--incident-tickets", help="the platform's incident tickets, declared (a regular expression)")
    args = ap.parse_args()
    report = {"threshold": ALERT_THRESHOLD, "seeds": [evaluate(int(s), args.days, args.incident_tickets)
                                                         for s in args.seeds.split(",")]}
    for s in report["seeds"]:
        print(f"seed {s['seed']}: {s['events']} events, {s['actors']} actors (top 5% = rank <= {s['cutoff']}), "
              f"AUC {s['auc']}, false alerts {len(s['false_alerts'])}, {s['seconds']} s")
        for r in s["insiders"]:
            print(f"  {r['kind']:17s} {r['actor']:11s} rank {r['rank']:3d}  score {r['score']:.3f}  "
                  f"streaming delay {r['delay_working_days']} working days")
    if args.throughput_events:
        with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
            report["throughput"] = throughput(args.throughput_events, Path(tmp))
        for t in report["throughput"]:
            print(f"throughput: {t['events']} events ({t['bytes'] / 1e6:.0f} MB) in {t['seconds']} s = "
                  f"{t['events_per_s']} events/s, peak RSS {t['peak_rss_mib']} MiB")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
