"""The prefilter's database is compiled once per pattern set and home, then loaded from disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from piwarden.detect import prefilter

pytestmark = pytest.mark.skipif(prefilter.hyperscan is None, reason="Hyperscan ships wheels for x86-64 only")

# builds the default analyzer and prints how many prefilter databases this process compiled
_CHILD = "from piwarden.detect import Analyzer, prefilter; Analyzer(); print(prefilter.compiles)"


def _start(home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PIWARDEN_HOME": str(home)}
    return subprocess.Popen([sys.executable, "-c", _CHILD], env=env, stdout=subprocess.PIPE, text=True)


def _compiled(*procs: subprocess.Popen[str]) -> list[int]:
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    return [int(out) for out in outs]


def test_processes_started_together_in_a_fresh_home_compile_once(tmp_path: Path) -> None:
    assert sorted(_compiled(_start(tmp_path), _start(tmp_path))) == [0, 1]
    assert list((tmp_path / "cache").glob("prefilter-*.hsdb"))
    assert _compiled(_start(tmp_path)) == [0]  # later processes load it


def test_a_damaged_cache_file_is_compiled_anew(tmp_path: Path) -> None:
    assert _compiled(_start(tmp_path)) == [1]
    for cached in (tmp_path / "cache").glob("prefilter-*.hsdb"):
        cached.write_bytes(b"0\nnot a database")
    assert _compiled(_start(tmp_path)) == [1]


def test_an_unwritable_home_still_works(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "cache").write_text("a file where the cache directory would go")
    assert _compiled(_start(home), _start(home)) == [1, 1]
