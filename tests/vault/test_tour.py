"""``piwarden vault demo`` (the second half of ``make run``): the tour runs end to end and reports the insiders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_the_tour_stops_both_insiders_and_proves_the_refusals(tmp_path: Path) -> None:
    env = {**os.environ, "PIWARDEN_HOME": str(tmp_path / "home"), "COLUMNS": "160"}
    env.pop("PIWARDEN__DATABASE__URL", None)
    env.pop("PIWARDEN__VAULT__POLICY", None)
    run = subprocess.run([sys.executable, "-m", "piwarden.cli", "vault", "demo", "--customers", "20", "--rounds", "2"],
                         capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    out = run.stdout
    assert f"vault tour in {tmp_path / 'home' / 'vault-demo'}" in out
    assert "cs-0117 (customer_service) exceeded quota cs-ticketless-lookups" in out
    assert "m2-ops (merchant_operator) exceeded quota merchant-read-rate" in out
    assert "held to approval-only: " in out and "refusals proved included under root" in out
    assert "Traceback" not in run.stderr
    # the values stayed synthetic and out of the report; a second run replaces the first tour's home
    again = subprocess.run([sys.executable, "-m", "piwarden.cli", "vault", "demo", "--customers", "10", "--rounds",
                            "1"], capture_output=True, text=True, env=env, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    stranger = tmp_path / "mine"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("x", "utf-8")
    refused = subprocess.run([sys.executable, "-m", "piwarden.cli", "vault", "demo", "--dir", str(stranger)],
                             capture_output=True, text=True, env=env, timeout=120)
    assert refused.returncode == 2 and "not empty and not a previous demo's folder" in refused.stderr
    assert (stranger / "notes.txt").exists()
