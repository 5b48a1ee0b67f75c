"""`forensics watch`'s streaming path: events/s of CPU and memory from 250k to 2M events, and alert delay.

Usage: python benchmarks/forensics_watch.py [--events 2000000] [--seed 77] [--scale 2] [--days 35]
       [--churn 0.2] [--marks 250000,1000000,2000000] [--workdir DIR] [--profile FILE] [--no-freeze]

The input is piwarden's simulated platform (``piwarden forensics simulate --seed 77 --scale 2
--days 35``: 253,594 events, 717 actors, its injected insiders), replayed as many times as it
takes to reach ``--events``, each replay shifted 35 days later (event ids and tickets made unique
per replay), and in each replay a ``--churn`` share of the actors under new names (leavers and new
hires: the old names go idle and must be evicted, or memory would grow with every replay).

One child process runs the watch path on it as ``Watcher.step`` does, with the detector ``forensics
watch`` builds (one alert per actor and day, idle actors forgotten after 56 days, at most 100,000
actors) and its ``HeapFreeze`` (``--no-freeze``: without): each JSON line -> ``parse_lean`` (``parse_event`` in code before it) ->
``HourOrder`` -> ``Detector.observe`` before the next line is read. The lines come in batches of
10,000 (JSON text made outside the clock); each batch's CPU seconds (``time.process_time``) are
counted for the whole path, and again for the same lines parsed alone (their events dropped at
once): the detector's share is the difference. (Until December 2026 each batch was parsed from
decoded objects into a list of 10,000 events and then detected, which made every event live long
enough for the collector's full passes to count it, an overhead the watcher does not pay.) At each
mark it prints events so far, events/s of CPU for the detector (ordering included), for parsing and
for both, the resident set now (``/proc/self/statm``) and the peak so far (``ru_maxrss``), the size
of the detector's state as a checkpoint pickles it (``--state``; outside the clock: what the detector
holds, apart from the allocator's free space), and the actors in memory.

Alert delay (first replay only, where the insiders act for the first time): for each injected
insider, the hours from its first abnormal access to its first alert (the event time of the
scoring that raised it), and whether it came on the same local day.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson


def _simulate(workdir: Path, seed: int, scale: float, days: int) -> Path:
    out = workdir / f"sim-{seed}-{scale}-{days}"
    if not (out / "events.jsonl").exists():
        subprocess.run([str(Path(sys.executable).parent / "piwarden"), "forensics", "simulate", "--out", str(out),
                        "--seed", str(seed), "--scale", str(scale), "--days", str(days), "--no-validate",
                        "--no-records"], check=True)
    return out


def replays(path: Path, total: int, days: int, churn: float) -> Iterator[tuple[int, dict[str, Any]]]:
    """(replay number, event object) until ``total`` events: each replay ``days`` later, renamed where needed.
    The file is read line by line, so that the input costs no memory."""
    n, k = 0, 0
    while True:
        shift: dict[str, str] = {}
        for line in path.open("rb"):
            if n >= total:
                return
            e = orjson.loads(line)
            if k:
                d = e["ts"][:10]
                s = shift.get(d)
                if s is None:
                    s = shift[d] = (date.fromisoformat(d) + timedelta(days=k * days)).isoformat()
                e["ts"] = s + e["ts"][10:]
                e["id"] = f"{e['id']}~{k}"
                if e.get("ticket"):
                    e["ticket"] = f"{e['ticket']}~{k}"
                if churn and zlib.crc32(e["actor"].encode()) % 1000 < churn * 1000:
                    e["actor"] = f"{e['actor']}~{k}"
            yield k, e
            n += 1
        k += 1


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child(args: argparse.Namespace) -> None:
    if args.sources:
        from piwarden import native

        native.use_sources("piwarden.forensics.anomalies")
    from piwarden import events as _events

    parse_event = getattr(_events, "parse_lean", _events.parse_event)  # what `forensics watch` reads with
    from piwarden.forensics.anomalies import Detector
    from piwarden.forensics.anomalies.order import HourOrder

    try:
        from piwarden.forensics.anomalies.heap import HeapFreeze
    except ImportError:  # the code before it (a baseline run from ``git archive``)
        HeapFreeze = None
    sim = Path(args.sim)
    truth = json.loads((sim / "ground_truth.json").read_text())
    first = {i["actor"]: i["first_ts"] for i in truth["incidents"]}
    declared = {"incident_tickets": args.incident_tickets} if args.incident_tickets else {}  # the code before: none
    det = Detector(daily=True, lazy=not args.eager, idle_days=56, max_actors=100_000, **declared)
    order = HourOrder(det.local, 1)
    heap = HeapFreeze() if HeapFreeze is not None and not args.no_freeze else None
    marks = sorted(int(m) for m in args.marks.split(","))
    parse_s = total_s = 0.0
    n = 0
    alerted: dict[str, str] = {}
    batch: list[tuple[int, bytes]] = []
    src = replays(sim / "events.jsonl", args.events, args.days, args.churn)
    prof = None
    if args.profile:
        import cProfile

        prof = cProfile.Profile()

    def run(lines: list[tuple[int, bytes]]) -> None:
        """As ``Watcher.step``: each line parsed, put in order and scored before the next is read. Then the
        same lines parsed alone (their events dropped at once), for the parsing's share."""
        nonlocal parse_s, total_s
        if prof is not None:
            prof.enable()
        t0 = time.process_time()
        for k, line in lines:
            for e in order.push(parse_event(line)):
                for a in det.observe(e):
                    if k == 0 and a.actor in first and a.actor not in alerted:
                        alerted[a.actor] = a.raised_at
            if heap is not None and det.day != heap.day:
                heap(det.day)
        t1 = time.process_time()
        if prof is not None:
            prof.disable()
        for _, line in lines:
            parse_event(line)
        t2 = time.process_time()
        total_s += t1 - t0
        parse_s += t2 - t1

    for k, obj in src:
        batch.append((k, orjson.dumps(obj)))
        if len(batch) == 10_000:
            run(batch)
            n += len(batch)
            batch = []
            if marks and n >= marks[0]:
                marks.pop(0)
                _report(n, parse_s, total_s, det, args.state)
    if batch:
        run(batch)
        n += len(batch)
    for e in order.flush():
        det.observe(e)
    det.finish()
    if heap is not None:
        heap.release()
    if marks:
        _report(n, parse_s, total_s, det, args.state)
    delays = {}
    for actor, ts in first.items():
        got = alerted.get(actor)
        if got is None:
            delays[actor] = None
            continue
        hours = (datetime.fromisoformat(got) - datetime.fromisoformat(ts)).total_seconds() / 3600
        delays[actor] = {"hours": round(hours, 1), "same_day": got[:10] == ts[:10]}
    import piwarden.forensics.anomalies as anomalies

    print(json.dumps({"delays": delays, "compiled": getattr(anomalies, "NATIVE", False)}))
    if prof is not None:
        prof.dump_stats(args.profile)


def _report(n: int, parse_s: float, total_s: float, det: Any, state: bool) -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"events": n, "detect_events_per_cpu_s": round(n / (total_s - parse_s)),
                      "parse_detect_events_per_cpu_s": round(n / total_s), "parse_events_per_cpu_s": round(n / parse_s),
                      "rss_mib": round(_rss_mib(), 1),
                      "state_mib": round(len(pickle.dumps(det, 5)) / 2**20, 2) if state else None,
                      "peak_rss_mib": round(peak, 1), "actors": len(det.actors), "evicted": det.evicted}), flush=True)


def insiders(dirs: list[Path], incident_tickets: str | None = None) -> None:
    """The watch detector over ``scenarios/insiders`` outputs: per insider, hours from its first abnormal access
    to its first alert, and the other actors alerted (development seeds only while developing)."""
    from piwarden import events as _events

    parse_event = getattr(_events, "parse_lean", _events.parse_event)  # what `forensics watch` reads with
    from piwarden.forensics.anomalies import Detector
    from piwarden.forensics.anomalies.order import HourOrder

    for d in dirs:
        truth = json.loads((d / "truth.json").read_text())
        first = {i["actor"]: i["first_abnormal_ts"] for i in truth["insiders"]}
        declared = {"incident_tickets": incident_tickets} if incident_tickets else {}
        det = Detector(daily=True, lazy=True, idle_days=56, max_actors=100_000, **declared)
        order = HourOrder(det.local, 1)
        alerts: dict[str, list[str]] = {}

        def take(found: list[Any], alerts: dict[str, list[str]] = alerts) -> None:
            for a in found:
                alerts.setdefault(a.actor, []).append(a.raised_at)

        with (d / "events.jsonl").open("rb") as f:
            for line in f:
                for e in order.push(parse_event(line)):
                    take(det.observe(e))
        for e in order.flush():
            take(det.observe(e))
        take(det.finish())
        rows = []
        for actor, ts in sorted(first.items()):
            got = alerts.get(actor)
            if not got:
                rows.append(f"{actor} never")
                continue
            hours = (datetime.fromisoformat(got[0]) - datetime.fromisoformat(ts)).total_seconds() / 3600
            rows.append(f"{actor} {hours:.0f} h{' (same day)' if got[0][:10] == ts[:10] else ''}")
        others = sorted(a for a in alerts if a not in first)
        print(f"{d.name}: insiders alerted {sum(1 for a in first if a in alerts)}/{len(first)}; first alert after "
              f"the first abnormal access: {', '.join(rows)}; other actors alerted: {len(others)} "
              f"({', '.join(others[:8])}); alerts {sum(len(v) for v in alerts.values())}")


def main() -> None:
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # piped into ``head``: end quietly, as a shell tool does
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=2_000_000)
    ap.add_argument("--seed", type=int, default=77)
    ap.add_argument("--scale", type=float, default=2.0)
    ap.add_argument("--days", type=int, default=35)
    ap.add_argument("--churn", type=float, default=0.2)
    ap.add_argument("--marks", default="250000,1000000,2000000")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/watch-bench"))
    ap.add_argument("--profile", help="cProfile the watch path (parse, order, detect) into this file")
    ap.add_argument("--state", action="store_true", help="also the detector's state as a checkpoint pickles it, at "
                    "each mark (the pickling's own memory then shows in the peak RSS of the later marks)")
    ap.add_argument("--no-freeze", action="store_true", help="leave the garbage collector as it is (no HeapFreeze)")
    ap.add_argument("--eager", action="store_true", help="score every actor that acted at every hour (not lazy)")
    ap.add_argument("--insiders", help="comma-separated scenarios/insiders output folders: alert delays instead")
    ap.add_argument("--incident-tickets", help="the platform's incident tickets, declared (a regular expression, e.g. "
                    "'^INC-': `forensics watch --incident-tickets`); default: not declared")
    ap.add_argument("--sources", action="store_true", help="run the detector's sources, not its compiled modules "
                    "(scripts/build_native.py)")
    ap.add_argument("--sim", help=argparse.SUPPRESS)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    if args.insiders:
        insiders([Path(p) for p in args.insiders.split(",")], args.incident_tickets)
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    sim = _simulate(args.workdir, args.seed, args.scale, args.days)
    cmd = [sys.executable, __file__, "--child", "--sim", str(sim), "--events", str(args.events), "--days",
           str(args.days), "--churn", str(args.churn), "--marks", args.marks]
    if args.profile:
        cmd += ["--profile", args.profile]
    if args.eager:
        cmd.append("--eager")
    if args.no_freeze:
        cmd.append("--no-freeze")
    if args.sources:
        cmd.append("--sources")
    if args.state:
        cmd.append("--state")
    if args.incident_tickets:
        cmd += ["--incident-tickets", args.incident_tickets]
    started = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    print("| events | detector events/s (CPU) | parse events/s (CPU) | parse + detector events/s (CPU) | RSS | peak RSS "
          "| detector's state (checkpoint) | actors in memory (evicted so far) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows[:-1]:
        print(f"| {r['events']:,} | {r['detect_events_per_cpu_s']:,} | {r['parse_events_per_cpu_s']:,} | "
              f"{r['parse_detect_events_per_cpu_s']:,} | {r['rss_mib']} MiB | {r['peak_rss_mib']} MiB | "
              f"{str(r['state_mib']) + ' MiB' if r.get('state_mib') else '-'} | {r['actors']} ({r['evicted']}) |")
    delays = rows[-1]["delays"]
    same = sum(1 for d in delays.values() if d and d["same_day"])
    print(f"\nalert delay, first replay: {same}/{len(delays)} insiders alerted on the day of their first abnormal "
          "access; hours: " + ", ".join(f"{a} {d['hours'] if d else 'never'}" for a, d in sorted(delays.items())))
    print(f"detector: {'compiled' if rows[-1].get('compiled') else 'sources'}; wall {time.perf_counter() - started:.0f} s")
    print(json.dumps({"rows": rows[:-1], "delays": delays}))


if __name__ == "__main__":
    main()
