"""Peak memory and speed of ``piwarden detect`` on a large JSONL file (issue 2: < 300 MB at 200 MB).

    python benchmarks/detect_memory.py [--size-mb 200] [--jobs 1 2] [--seed 7] [--base-records 3000]
                                       [--dense-every 1] [--workdir DIR] [--keep] [--names] [--out benchmarks/out]

The input is ``--size-mb`` MiB of JSON Lines made from ``--base-records`` records of the
synthetic generator (:mod:`piwarden.demo.textgen`), cycled with fresh ids until the size is
reached. For each ``--jobs`` value, ``piwarden detect FILE -o OUT --progress --jobs N`` runs as
a subprocess while a sampler thread walks ``/proc`` every 50 ms and sums the resident set
(RSS) of the whole process tree, so the worker processes of ``--jobs 2`` count. It also sums
the proportional set size (PSS, shared pages split between the processes that share them),
and the kernel's own ``ru_maxrss`` of the largest single process comes from ``wait4``.

A run passes when the output has one line per input record, in input order, and progress
lines appeared on standard error. Prints a table and writes ``<out>/detect_memory.json``.
Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
try:
    import piwarden  # noqa: F401
except ImportError:  # running from a checkout without an install
    sys.path.insert(0, str(REPO / "src"))

MiB = 1024 * 1024
MB = 1_000_000
SAMPLE_SECONDS = 0.05
LIMIT_BYTES = 300 * MB  # the bound, in decimal megabytes (the stricter reading)
_PAGE = os.sysconf("SC_PAGE_SIZE")
_NO_DIGITS = str.maketrans("", "", "0123456789")


# --- input -----------------------------------------------------------------------------------

def make_input(path: Path, size_mb: float, *, seed: int = 7, base_records: int = 3000,
               dense_every: int = 1) -> tuple[int, int]:
    """Write at least ``size_mb`` MiB of JSONL to ``path``; returns (records, bytes).

    Every ``dense_every``-th record is a generated record as it is; the others lose their ASCII
    digits, which leaves the same text without most of its PI and about 15 times cheaper to
    scan (the quick test uses this to stream many records in little time).
    """
    import orjson

    from piwarden.demo.textgen import generate

    dense, light = [], []
    for r in generate(base_records, seed):
        dense.append(orjson.dumps({"text": r["text"], "genre": r["genre"]})[1:])
        light.append(orjson.dumps({"text": r["text"].translate(_NO_DIGITS), "genre": r["genre"]})[1:])
    target = int(size_mb * MiB)
    written = records = 0
    with path.open("wb", buffering=MiB) as fh:
        while written < target:
            for i in range(len(dense)):  # '{"id":"mem-000000001",' + '"text":...}'
                body = dense[i] if records % dense_every == 0 else light[i]
                line = b'{"id":"mem-%09d",' % records + body + b"\n"
                fh.write(line)
                written += len(line)
                records += 1
                if written >= target:
                    break
    return records, written


# --- process-tree sampling -----------------------------------------------------------------------

def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:  # the process ended while we looked
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants, from /proc."""
    children = _children_map()
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """Samples the summed RSS and PSS of a process tree until ``stop``."""

    def __init__(self, root: int, interval: float = SAMPLE_SECONDS) -> None:
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.peak_rss = self.peak_pss = self.peak_processes = self.samples = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            pids = process_tree(self.root)
            self.peak_rss = max(self.peak_rss, sum(map(_rss, pids)))
            self.peak_pss = max(self.peak_pss, sum(map(_pss, pids)))
            self.peak_processes = max(self.peak_processes, len(pids))
            self.samples += 1
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()


# --- one run ------------------------------------------------------------------------------------

@dataclass
class Run:
    jobs: int
    input_bytes: int
    input_records: int
    output_records: int
    output_in_order: bool
    progress_lines: int
    exit_code: int
    seconds: float
    mb_per_s: float
    peak_tree_rss_mb: float
    peak_tree_pss_mb: float
    max_process_rss_mb: float  # the kernel's ru_maxrss: the largest single process of the tree
    peak_processes: int
    samples: int

    @property
    def ok(self) -> bool:
        return (self.exit_code == 0 and self.output_records == self.input_records and self.output_in_order
                and self.progress_lines > 0)

    @property
    def under_limit(self) -> bool:
        return self.peak_tree_rss_mb * MB < LIMIT_BYTES


def detect_command() -> list[str]:
    script = Path(sys.executable).with_name("piwarden")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from piwarden.cli import app; app()"]


def check_output(path: Path, records: int) -> tuple[int, bool]:
    """(lines, whether ids are mem-000000000, mem-000000001, ... in order)."""
    import orjson

    n, in_order = 0, True
    with path.open("rb") as fh:
        for line in fh:
            if in_order and orjson.loads(line).get("id") != f"mem-{n:09d}":
                in_order = False
            n += 1
    return n, in_order and n == records


def measure(source: Path, output: Path, jobs: int, records: int, names: bool = False) -> Run:
    """Run ``piwarden detect`` once and sample its process tree."""
    cmd = [*detect_command(), "detect", str(source), "-o", str(output), "--progress", "--jobs", str(jobs)]
    if names:
        cmd.append("--names")
    stderr_path = output.with_suffix(".stderr")
    env = {**os.environ, "COLUMNS": "120"}
    with stderr_path.open("wb") as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
    progress = sum(1 for line in stderr_path.read_text("utf-8", "replace").splitlines() if line.startswith("detect:"))
    out_records, in_order = check_output(output, records) if output.exists() else (0, False)
    size = source.stat().st_size
    return Run(jobs, size, records, out_records, in_order, progress, proc.returncode, round(seconds, 2),
               round(size / MB / seconds, 3), round(sampler.peak_rss / MB, 1), round(sampler.peak_pss / MB, 1),
               round(usage.ru_maxrss * 1024 / MB, 1), sampler.peak_processes, sampler.samples)


# --- main --------------------------------------------------------------------------------------

def table(runs: list[Run]) -> str:
    head = ("jobs", "input MB", "records", "seconds", "MB/s", "peak tree RSS MB", "peak tree PSS MB",
            "max process RSS MB", "procs", "output complete", "progress lines")
    rows = [head] + [(str(r.jobs), f"{r.input_bytes / MB:.1f}", str(r.input_records), f"{r.seconds:.1f}",
                      f"{r.mb_per_s:.2f}", f"{r.peak_tree_rss_mb:.1f}", f"{r.peak_tree_pss_mb:.1f}",
                      f"{r.max_process_rss_mb:.1f}", str(r.peak_processes), "yes" if r.ok else "NO",
                      str(r.progress_lines)) for r in runs]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mb", type=float, default=200, help="input size in MiB (default 200)")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="--jobs values to run (default 1 2)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--base-records", type=int, default=3000, help="generated records cycled to fill the input")
    ap.add_argument("--dense-every", type=int, default=1,
                    help="keep every Nth record as generated, strip the digits of the others (default 1: all)")
    ap.add_argument("--workdir", type=Path, help="where the input and outputs go (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the input and outputs")
    ap.add_argument("--names", action="store_true", help="run detect with --names (the trained name/address model)")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out")
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="piwarden-mem-", dir=args.workdir))
    try:
        source = work / "input.jsonl"
        t0 = time.perf_counter()
        records, size = make_input(source, args.size_mb, seed=args.seed, base_records=args.base_records,
                                   dense_every=args.dense_every)
        print(f"input: {size / MB:.1f} MB, {records} records ({time.perf_counter() - t0:.1f} s to write)",
              file=sys.stderr)
        runs = []
        for jobs in args.jobs:
            run = measure(source, work / f"out-jobs{jobs}.jsonl", jobs, records, args.names)
            print(f"jobs {jobs}: {run.seconds:.1f} s, peak tree RSS {run.peak_tree_rss_mb:.1f} MB", file=sys.stderr)
            runs.append(run)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(table(runs))
    result = {
        "command": "python benchmarks/detect_memory.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_at_end": os.getloadavg()},  # other work on the machine slows MB/s
        "size_mib": args.size_mb,
        "dense_every": args.dense_every,
        "limit_mb": LIMIT_BYTES / MB,
        "runs": [{**asdict(r), "ok": r.ok, "under_limit": r.under_limit} for r in runs],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "detect_memory.json").write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    return 0 if all(r.ok and r.under_limit for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
