"""``--help`` wraps to the terminal's width (COLUMNS), not at 80 columns."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("columns", [60, 160])
def test_help_follows_the_terminal_width(columns: int) -> None:
    env = os.environ | {"COLUMNS": str(columns), "TERMINAL_WIDTH": ""}
    env.pop("TERMINAL_WIDTH")
    run = subprocess.run([sys.executable, "-m", "piwarden.cli", "detect", "--help"], capture_output=True, text=True,
                         env=env, timeout=120)
    assert run.returncode == 0
    widths = [len(line) for line in run.stdout.splitlines()]
    assert max(widths) <= columns
    assert max(widths) > 80 if columns > 80 else True
    assert "--encoding" in run.stdout
