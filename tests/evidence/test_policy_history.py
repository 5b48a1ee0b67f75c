"""The policy in force over a period comes from what the vault ran with, not from the file as it reads today."""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from piwarden.db import open_engine
from piwarden.evidence.measures import gather
from piwarden.settings import load_settings
from piwarden.vault.policy import BUNDLED
from piwarden.vault.runtime import open_vault


def test_versions_are_recorded_and_placed_in_the_period(tmp_path: Path) -> None:
    first = tmp_path / "policy-v1.yaml"
    first.write_text(BUNDLED.read_text("utf-8"), "utf-8")
    settings = load_settings(home=tmp_path / "home", vault={"policy": first})
    open_vault(settings).close()
    open_vault(settings).close()  # the same content again: one version, last seen later
    between = time.time_ns() // 1000
    time.sleep(0.01)
    second = yaml.safe_load(first.read_text("utf-8"))
    second["default"] = "deny"
    first.write_text(yaml.safe_dump(second, allow_unicode=True), "utf-8")
    open_vault(settings).close()
    engine = open_engine(settings.db_url)
    try:
        measures = {m.id: m for m in gather(settings, engine, None, [], [], 0, None, until_us=between)}
        history = measures["access_policy"].proof["history"]
        assert len(history) == 2 and [h["in_period"] for h in history] == [True, False]
        assert "2 versions recorded" in measures["access_policy"].detail[-1][0]
        later = {m.id: m for m in gather(settings, engine, None, [], [], 0, None, since_us=between)}
        assert [h["in_period"] for h in later["access_policy"].proof["history"]] == [False, True]
        types = measures["classification"].proof["history"]
        assert len(types) == 1 and types[0]["source"] == "bundled record_types"
        first.write_text(first.read_text("utf-8") + "\n# edited, never run\n", "utf-8")
        edited = {m.id: m for m in gather(settings, engine, None, [], [], 0, None)}
        assert "the file today differs" in edited["access_policy"].detail[-1][0]
    finally:
        engine.dispose()
