"""The README's detect example shows the offsets piwarden prints."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from piwarden.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")


def test_detect_example_offsets() -> None:
    record = re.search(r"echo '(\{\"id\":\"r1\".*?\})' \\\n  \| \.venv/bin/piwarden detect - --classify", README)
    assert record is not None
    shown = [(int(a), int(b), t) for a, b, t in re.findall(r'"start":(\d+),"end":(\d+),"type":"(\w+)"', README)][:2]
    result = CliRunner().invoke(app, ["detect", "-", "--classify"], input=record.group(1) + "\n")
    got = [(e["start"], e["end"], e["type"]) for e in json.loads(result.stdout)["entities"]]
    assert got == shown
