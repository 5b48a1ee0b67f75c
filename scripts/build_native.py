"""Compile the detectors' hot modules with mypyc, in place (``make setup`` runs this; the sources stay the reference).

Usage: python scripts/build_native.py [--clean]

Writes each compiled module next to its source (``src/piwarden/forensics/anomalies/*.so``, git-ignored) and the
hashes of the sources it was built from (``native.json``); ``piwarden.native.guard`` uses the compiled modules
only while those hashes match, so an edited source is never shadowed by a stale build. ``--clean`` removes the
build. Needs a C compiler and Python's headers; without them the sources run (about 1.3x slower on the watch path).
"""

from __future__ import annotations

import argparse
import importlib.machinery
import json
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = "piwarden.forensics.anomalies"
GROUP = "piwarden_native"  # the shared library of the compiled modules: src/piwarden_native__mypyc*.so


def _compiled() -> tuple[str, ...]:
    sys.path.insert(0, str(SRC))
    from piwarden.forensics.anomalies import COMPILED

    return COMPILED


def clean(folder: Path, modules: tuple[str, ...]) -> None:
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        for m in modules:
            (folder / f"{m}{suffix}").unlink(missing_ok=True)
        (SRC / f"{GROUP}__mypyc{suffix}").unlink(missing_ok=True)
    (folder / "native.json").unlink(missing_ok=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clean", action="store_true", help="remove the compiled modules")
    args = ap.parse_args()
    modules = _compiled()
    folder = SRC.joinpath(*PACKAGE.split("."))
    clean(folder, modules)
    if args.clean:
        return
    from mypyc.build import mypycify
    from setuptools import setup

    from piwarden.native import digest

    started = time.monotonic()
    temp = ROOT / "build" / "native"
    shutil.rmtree(temp, ignore_errors=True)
    cwd = os.getcwd()
    os.chdir(SRC)  # module names from the src layout; the compiled files land beside their sources
    try:
        paths = [str(Path(*PACKAGE.split("."), f"{m}.py")) for m in modules]
        setup(name="piwarden-native", ext_modules=mypycify(paths, opt_level="3", group_name=GROUP,
                                                           target_dir=str(temp / "c")),
              script_args=["--quiet", "build_ext", "--inplace", "--build-temp", str(temp / "o")])
    finally:
        os.chdir(cwd)
    stamp = {"modules": {m: digest(folder / f"{m}.py") for m in modules}, "python": sys.version.split()[0]}
    (folder / "native.json").write_text(json.dumps(stamp, indent=1) + "\n", "utf-8")
    print(f"compiled {len(modules)} modules of {PACKAGE} in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
