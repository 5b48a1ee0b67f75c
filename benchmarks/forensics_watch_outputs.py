"""The anomaly detector's outputs on some event files, for a byte-for-byte comparison of two revisions.

Usage: PYTHONHASHSEED=0 python benchmarks/forensics_watch_outputs.py --out DIR LABEL=FILE [LABEL=FILE ...]

For a change that should alter no output (a faster ``forensics watch``), run it once with the code before
(``PYTHONPATH=/tmp/before/src``, e.g. from ``git archive``) and once with the code after, into two
directories, and ``cmp`` the files. Per input it writes five files:

- ``LABEL.anomalies.jsonl``: ``piwarden forensics anomalies --events FILE`` (the ranking);
- ``LABEL.stream.jsonl``: the same with ``--stream`` (alerts as they fire);
- ``LABEL.watch.alerts.jsonl``: the path ``forensics watch`` runs (``Watcher.step``): each line parsed, put in
  hour order (one hour) and fed to the detector ``watch`` builds (one alert per actor and day, lazy hourly
  scoring, idle actors evicted) with its ``HeapFreeze``, before the next line is read, in the file's order;
  at the end the buffer is flushed and every actor scored on its day so far (``Watcher.flush``); every alert;
- ``LABEL.watch.ranking.jsonl``: that detector's ranking after it;
- ``LABEL.eager.jsonl``: the default detector (every actor scored each hour it acted) fed in the file's order
  (not sorted): every alert, then the ranking.

The last three carry every field of each alert, scores and raw scores at full precision (``repr``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path
from typing import Any

import orjson


def _full(alert: Any) -> dict[str, Any]:
    return {**alert.to_json(), "score_repr": repr(alert.score), "raw_repr": repr(alert.raw), "codes": alert.codes,
            "raised_at": alert.raised_at}


def _cli(args: list[str], out: Path) -> None:
    from typer.testing import CliRunner

    from piwarden.cli import app

    res = CliRunner().invoke(app, args)
    if res.exit_code != 0:
        raise SystemExit(f"piwarden {' '.join(args)}: exit {res.exit_code}\n{res.output}")
    out.write_bytes(res.stdout_bytes)


def _watch(path: Path, out: Path, ranking: Path) -> None:
    from piwarden import events as _events

    parse_event = getattr(_events, "parse_lean", _events.parse_event)  # what `forensics watch` reads with
    from piwarden.forensics.anomalies import Detector
    from piwarden.forensics.anomalies.heap import HeapFreeze
    from piwarden.forensics.anomalies.order import HourOrder

    det = Detector(daily=True, lazy=True, idle_days=56, max_actors=100_000)
    order = HourOrder(det.local, 1)
    heap = HeapFreeze()
    lines = []
    with path.open("rb") as f:
        for line in f:
            if not line.strip():
                continue
            for e in order.push(parse_event(line)):
                lines += [orjson.dumps(_full(a)) for a in det.observe(e)]
            if det.day != heap.day:
                heap(det.day)
    for e in order.flush():
        lines += [orjson.dumps(_full(a)) for a in det.observe(e)]
    lines += [orjson.dumps(_full(a)) for a in det.score_now()]
    heap.release()
    out.write_bytes(b"".join(x + b"\n" for x in lines))
    ranking.write_bytes(b"".join(orjson.dumps(_full(a)) + b"\n" for a in det.results()))


def _eager(path: Path, out: Path) -> None:
    from piwarden import events as _events

    parse_event = getattr(_events, "parse_lean", _events.parse_event)  # what `forensics watch` reads with
    from piwarden.forensics.anomalies import Detector, stream_alerts

    det = Detector()
    with path.open("rb") as f:
        events = [parse_event(line) for line in f if line.strip()]
    lines = [orjson.dumps(_full(a)) for a in stream_alerts(events, det)]
    lines += [orjson.dumps(_full(a)) for a in det.results()]
    out.write_bytes(b"".join(x + b"\n" for x in lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("inputs", nargs="+", help="LABEL=FILE")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for item in args.inputs:
        label, _, name = item.partition("=")
        path = Path(name)
        with contextlib.redirect_stderr(io.StringIO()):
            _cli(["forensics", "anomalies", "--events", str(path), "--no-progress"], args.out / f"{label}.anomalies.jsonl")
            _cli(["forensics", "anomalies", "--events", str(path), "--stream", "--no-progress"],
                 args.out / f"{label}.stream.jsonl")
        _watch(path, args.out / f"{label}.watch.alerts.jsonl", args.out / f"{label}.watch.ranking.jsonl")
        _eager(path, args.out / f"{label}.eager.jsonl")
        print(label, "done", file=sys.stderr)


if __name__ == "__main__":
    main()
