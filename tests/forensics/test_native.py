"""The detector's compiled modules (``scripts/build_native.py``, ``piwarden.native``): used only while current, and
answering exactly as the sources.

The guard is tested on a package made here, whose "compiled" module is a file that cannot load: imported, it would
fail, so a passing import shows the source was taken. The parity test runs the detector over the shared test
platform twice, compiled in this process and from its sources in another, and compares every alert and the ranking.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from piwarden import native

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


@pytest.fixture(autouse=True)
def _own_import_system(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))  # the guards these tests install go with them


def _package(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "__init__.py").write_text(
        "from pathlib import Path\nfrom piwarden import native\n"
        "NATIVE = native.guard(__name__, Path(__file__).parent, ('hot',))\n")
    (folder / "hot.py").write_text("WHERE = 'source'\n")
    (folder / f"hot{SUFFIX}").write_bytes(b"not a shared object")  # a stale or broken build
    return folder


def _stamp(folder: Path) -> None:
    (folder / native.STAMP).write_text(json.dumps({"modules": {"hot": native.digest(folder / "hot.py")}}))


def test_a_build_without_a_stamp_or_with_another_source_is_not_used(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    folder = _package(tmp_path, "pkg_unstamped")
    assert not importlib.import_module("pkg_unstamped").NATIVE
    assert importlib.import_module("pkg_unstamped.hot").WHERE == "source"

    folder = _package(tmp_path, "pkg_edited")
    _stamp(folder)
    assert native.current(folder, ("hot",))
    (folder / "hot.py").write_text("WHERE = 'source, edited after the build'\n")
    assert not native.current(folder, ("hot",))
    assert importlib.import_module("pkg_edited.hot").WHERE == "source, edited after the build"


def test_a_current_build_is_used_unless_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    folder = _package(tmp_path, "pkg_current")
    _stamp(folder)
    assert importlib.import_module("pkg_current").NATIVE
    with pytest.raises(ImportError):  # the compiled file is taken (and, being junk, fails)
        importlib.import_module("pkg_current.hot")
    sys.modules.pop("pkg_current", None)
    native.use_sources("pkg_current")
    assert not importlib.import_module("pkg_current").NATIVE
    assert importlib.import_module("pkg_current.hot").WHERE == "source"
    assert not native.current(folder, ("hot", "other"))  # a stamp of other modules is not this build's


_RUN = """
import json, sys
if sys.argv[1] == "sources":
    from piwarden import native
    native.use_sources("piwarden.forensics.anomalies")
import piwarden.forensics.anomalies as anomalies
from piwarden.events import parse_lean
from piwarden.forensics.anomalies import Detector, stream_alerts
events = [parse_lean(line) for line in open(sys.argv[2], "rb")]
det = Detector(daily=True, lazy=True, idle_days=56, max_actors=100_000, incident_tickets="^INC-")
alerts = [a.to_json() | {"raw": a.raw} for a in stream_alerts(events, det)]
print(json.dumps({"compiled": anomalies.NATIVE, "alerts": alerts,
                  "ranking": [r.to_json() | {"raw": r.raw} for r in det.results()]}))
"""


def _run(kind: str, events: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _RUN, kind, str(events)], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "0"})
    return json.loads(out.stdout)


def test_the_compiled_detector_answers_as_its_sources(tmp_path: Path) -> None:
    import piwarden.forensics.anomalies as anomalies

    if not anomalies.NATIVE:
        if os.environ.get("CI") == "true":
            pytest.fail("the detector's compiled modules are not built or not current (make setup builds them)")
        pytest.skip("the detector's compiled modules are not built or not current: python scripts/build_native.py")
    from piwarden.demo.platform import PlatformConfig, Simulation

    events = tmp_path / "events.jsonl"
    with events.open("w") as f:
        for e in Simulation(PlatformConfig(seed=3, days=21, scale=0.5)).events():
            f.write(json.dumps(e) + "\n")
    compiled, sources = _run("compiled", events), _run("sources", events)
    assert compiled["compiled"] and not sources["compiled"]
    assert compiled["alerts"] and compiled["ranking"]
    assert compiled["alerts"] == sources["alerts"] and compiled["ranking"] == sources["ranking"]


_HALF = """
import json, pickle, sys
kind, events_path, state, part = sys.argv[1:5]
if kind == "sources":
    from piwarden import native
    native.use_sources("piwarden.forensics.anomalies")
import piwarden.forensics.anomalies as anomalies
from piwarden.events import parse_lean
from piwarden.forensics.anomalies import Detector
from piwarden.forensics.anomalies.order import HourOrder
events = [parse_lean(line) for line in open(events_path, "rb")]
half = len(events) // 2
alerts = []
if part == "first":
    det = Detector(daily=True, lazy=True, idle_days=56, max_actors=100_000)
    order = HourOrder(det.local, 1)
    todo = events[:half]
else:
    with open(state, "rb") as f:
        det, order = pickle.load(f)
    todo = events[half:]
for e in todo:
    for x in order.push(e):
        alerts += [a.to_json() for a in det.observe(x)]
if part == "first":
    with open(state, "wb") as f:
        pickle.dump((det, order), f)
else:
    for x in order.flush():
        alerts += [a.to_json() for a in det.observe(x)]
    alerts += [a.to_json() for a in det.finish()]
print(json.dumps({"compiled": anomalies.NATIVE, "alerts": alerts}))
"""


def test_a_checkpoint_of_either_loads_in_the_other(tmp_path: Path) -> None:
    import piwarden.forensics.anomalies as anomalies

    if not anomalies.NATIVE:
        pytest.skip("the detector's compiled modules are not built or not current: python scripts/build_native.py")
    from piwarden.demo.platform import PlatformConfig, Simulation

    events = tmp_path / "events.jsonl"
    with events.open("w") as f:
        for e in Simulation(PlatformConfig(seed=5, days=21, scale=0.5)).events():
            f.write(json.dumps(e) + "\n")

    def half(kind: str, part: str, state: Path) -> dict:
        out = subprocess.run([sys.executable, "-c", _HALF, kind, str(events), str(state), part], capture_output=True,
                             text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "0"})
        return json.loads(out.stdout)

    runs = {}
    for first, second in (("compiled", "compiled"), ("compiled", "sources"), ("sources", "compiled")):
        state = tmp_path / f"{first}-{second}.pickle"
        a, b = half(first, "first", state), half(second, "second", state)
        assert a["compiled"] == (first == "compiled") and b["compiled"] == (second == "compiled")
        runs[first, second] = a["alerts"] + b["alerts"]
    whole = runs["compiled", "compiled"]
    assert whole and runs["compiled", "sources"] == whole and runs["sources", "compiled"] == whole


def test_the_doctests_of_the_compiled_modules_pass_on_their_sources() -> None:
    """Compiled, a module's doctests cannot be collected (the root conftest skips them): they run here, sources."""
    code = ("import doctest, importlib, sys\nfrom piwarden import native\n"
            "native.use_sources('piwarden.forensics.anomalies')\n"
            "from piwarden.forensics.anomalies import COMPILED, NATIVE\nassert not NATIVE\n"
            "runs = [doctest.testmod(importlib.import_module(f'piwarden.forensics.anomalies.{m}')) for m in COMPILED]\n"
            "print(sum(r.attempted for r in runs), sum(r.failed for r in runs))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    attempted, failed = map(int, out.stdout.split())
    assert attempted >= 2 and failed == 0
