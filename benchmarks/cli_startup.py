"""Start-up of the ``piwarden`` command: wall medians of N runs, next to ``python -c pass`` (issue 21 point 4).

    nice -n 15 .venv/bin/python benchmarks/cli_startup.py [N]      # N runs of each (default 15)

Measures, round-robin so that the machine's load falls on each alike:

- ``python -c pass``: the anchor (the interpreter alone);
- ``piwarden --help`` and ``piwarden forensics documents check --help``;
- ``piwarden forensics documents check IMAGE --subject s --account a`` up to the moment the
  command's own function is entered: the command's callback is swapped for one that exits at
  once, so what is timed is the start-up (imports, the root callback's settings, parsing),
  not the check.

Each run gets an empty ``PIWARDEN_HOME``. Prints the median in ms and its ratio to the anchor;
the target is <= 300 ms for each command.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Swaps `forensics documents check`'s callback before the CLI builds its commands: typer reads
# the signature through __wrapped__, so parsing is unchanged; os._exit skips the teardown.
ENTERED = """
import functools, os, sys
import piwarden.cli.documents as d
for info in d.app.registered_commands:
    if info.callback is d.check:
        info.callback = functools.wraps(d.check)(lambda **kw: os._exit(0))
from piwarden.cli import main
sys.argv[0] = "piwarden"
main()
"""


def commands(home: Path) -> dict[str, list[str]]:
    """Label -> argv of each measured command."""
    script = Path(sys.executable).with_name("piwarden")
    cli = [str(script)] if script.exists() else [sys.executable, "-m", "piwarden.cli"]
    image = home / "submitted.png"
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "piwarden --help": [*cli, "--help"],
        "piwarden forensics documents check --help": [*cli, "forensics", "documents", "check", "--help"],
        "forensics documents check IMAGE (to the command)": [
            sys.executable, "-c", ENTERED, "forensics", "documents", "check", str(image), "--subject", "s",
            "--account", "a"],
    }


def run_once(argv: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one run; it must exit 0."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{argv[1:4]} exited {done.returncode}: {done.stderr[-400:]}")
    return took


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    with tempfile.TemporaryDirectory(prefix="cli-startup-") as tmp:
        home = Path(tmp)
        env = os.environ | {"PIWARDEN_HOME": str(home), "COLUMNS": "100"}
        todo = commands(home)
        for argv in todo.values():  # warm the page cache and the bytecode caches
            run_once(argv, env)
        times: dict[str, list[float]] = {label: [] for label in todo}
        for _ in range(runs):
            for label, argv in todo.items():
                times[label].append(run_once(argv, env))
    anchor = statistics.median(times["python -c pass"])
    print(f"{runs} runs each, load average {os.getloadavg()[0]:.2f}")
    for label, values in times.items():
        median = statistics.median(values)
        print(f"{label:<50} median {median * 1000:7.1f} ms  (min {min(values) * 1000:6.1f})  "
              f"x{median / anchor:5.1f} the anchor")


if __name__ == "__main__":
    main()
