"""The command runs as its console script and as ``python -m piwarden.cli`` (plugins' tests and
subprocess callers use the latter)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "piwarden.cli", "types"], capture_output=True, text=True,
                          timeout=120, env={"PIWARDEN_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "CN_RESIDENT_ID" in done.stdout
    assert not (tmp_path / "home").exists()  # listing types writes nothing
