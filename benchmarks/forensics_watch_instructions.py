"""The watch path over a file of event lines, without clocks: for counting its instructions under callgrind.

Usage:
    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out .venv/bin/python \\
        benchmarks/forensics_watch_instructions.py EVENTS.jsonl
    callgrind_annotate --inclusive=yes /tmp/cg.out | head -60

Each line is read by ``parse_lean``, put in hour order and fed to the detector ``forensics watch`` builds (one alert
per actor and day, lazy hourly scoring, idle actors forgotten after 56 days) with its ``HeapFreeze``, as
``benchmarks/forensics_watch.py``'s child does. Instructions do not depend on the machine's load, where timings on a
shared machine move by 10-20% between runs: two revisions compare by their totals (``PYTHONPATH`` for the other).
"""

from __future__ import annotations

import sys

from piwarden.events import parse_lean
from piwarden.forensics.anomalies import Detector
from piwarden.forensics.anomalies.heap import HeapFreeze
from piwarden.forensics.anomalies.order import HourOrder


def main(path: str) -> None:
    det = Detector(daily=True, lazy=True, idle_days=56, max_actors=100_000)
    order = HourOrder(det.local, 1)
    heap = HeapFreeze()
    with open(path, "rb") as f:
        lines = f.readlines()
    alerts = 0
    for line in lines:
        for e in order.push(parse_lean(line)):
            alerts += len(det.observe(e))
        if det.day != heap.day:
            heap(det.day)
    for e in order.flush():
        alerts += len(det.observe(e))
    alerts += len(det.finish())
    heap.release()
    print(f"{det.n_events} events, {alerts} alerts")


if __name__ == "__main__":
    main(sys.argv[1])
