"""Shared fixtures: an isolated PIWARDEN_HOME (and fresh settings) for every test, and the paths of shared data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from piwarden.settings import clear_settings_cache

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def piwarden_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh home per test; settings cached by an earlier test are forgotten (they are also keyed
    on the environment, so a test's own ``monkeypatch.setenv`` is seen)."""
    home = tmp_path / "piwarden-home"
    monkeypatch.setenv("PIWARDEN_HOME", str(home))
    for name in ("PIWARDEN__HOME", "PIWARDEN_DB", "PIWARDEN__DATABASE__URL"):
        monkeypatch.delenv(name, raising=False)
    clear_settings_cache()
    yield home
    clear_settings_cache()


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"
