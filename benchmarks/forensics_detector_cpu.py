"""The watch detector alone: CPU microseconds per event on events parsed beforehand, for A/B runs of a detector change.

Usage: PYTHONHASHSEED=0 [PYTHONPATH=/tmp/before/src] python benchmarks/forensics_detector_cpu.py EVENTS.jsonl [--events N]
       [--profile FILE]

``benchmarks/forensics_watch.py`` measures the whole watch path and takes the detector's share as a difference of
two timings, which on a loaded machine moves by tens of percent between runs. This reads the first ``--events``
lines of a file (e.g. the simulator's ``events.jsonl``), parses them outside the clock, and times only what the
watcher does with each event after parsing: ``HourOrder`` -> ``Detector.observe`` with the detector ``forensics
watch`` builds and its ``HeapFreeze``, then ``finish``. One line out: microseconds of CPU per event. Run the code
before and after in turns (``PYTHONPATH`` at a ``git archive`` of the old tree) and compare per-turn ratios.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("events_file", type=Path)
    ap.add_argument("--events", type=int, default=150_000, help="how many lines of the file (default 150,000)")
    ap.add_argument("--profile", help="cProfile the timed part into this file")
    args = ap.parse_args()

    from piwarden import events as _events

    parse_event = getattr(_events, "parse_lean", _events.parse_event)  # what `forensics watch` reads with
    from piwarden.forensics.anomalies import Detector
    from piwarden.forensics.anomalies.heap import HeapFreeze
    from piwarden.forensics.anomalies.order import HourOrder

    with args.events_file.open("rb") as f:
        events = [parse_event(line) for _, line in zip(range(args.events), f, strict=False)]
    det = Detector(daily=True, lazy=True, idle_days=56, max_actors=100_000)
    order = HourOrder(det.local, 1)
    heap = HeapFreeze()
    prof = None
    if args.profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    t0 = time.process_time()
    for ev in events:
        for e in order.push(ev):
            det.observe(e)
        if det.day != heap.day:
            heap(det.day)
    for e in order.flush():
        det.observe(e)
    det.finish()
    t1 = time.process_time()
    if prof is not None:
        prof.disable()
        prof.dump_stats(args.profile)
    heap.release()
    print(f"{(t1 - t0) / len(events) * 1e6:.2f} us/event of CPU for the detector ({len(events):,} events)")


if __name__ == "__main__":
    main()
