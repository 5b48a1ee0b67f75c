"""Shared fixtures: an isolated PIWARDEN_HOME for every test, and the paths of shared data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def piwarden_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "piwarden-home"
    monkeypatch.setenv("PIWARDEN_HOME", str(home))
    monkeypatch.delenv("PIWARDEN_DB", raising=False)
    return home


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"
