"""`piwarden forensics simulate | anomalies | feedback` end to end, and no PI in what they print."""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import yaml
from typer.testing import CliRunner

from piwarden.cli import app

runner = CliRunner()


def test_simulate_anomalies_feedback(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    r = runner.invoke(app, ["forensics", "simulate", "--seed", "12", "--days", "12", "--scale", "0.5",
                            "--out", str(out)])
    assert r.exit_code == 0, r.output
    for name in ("events.jsonl", "ground_truth.json", "customers.csv", "orders.csv", "records.jsonl", "datamap.yaml"):
        assert (out / name).is_file(), name
    truth = json.loads((out / "ground_truth.json").read_text())
    datamap = yaml.safe_load((out / "datamap.yaml").read_text())
    assert datamap["v"] == 1 and any(p.get("channel") == "waybill" for p in datamap["parties"])
    record = json.loads((out / "records.jsonl").open().readline())
    assert set(record) == {"subject", "record", "resource", "fields", "recipients"}

    alerts = tmp_path / "alerts.jsonl"
    r = runner.invoke(app, ["forensics", "anomalies", "--events", str(out / "events.jsonl"), "--out", str(alerts),
                            "--no-progress"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in alerts.read_text().splitlines()]
    assert {"actor", "score", "reasons", "first_seen", "events"} <= set(rows[0])
    assert [x["score"] for x in rows] == sorted((x["score"] for x in rows), reverse=True)
    ranks = {x["actor"]: i for i, x in enumerate(rows)}
    for inc in truth["incidents"]:
        assert ranks[inc["actor"]] < math.ceil(0.05 * len(rows)), inc["kind"]

    # nothing printed or written carries a customer's id, name, phone or address
    people = list(csv.DictReader((out / "customers.csv").open(encoding="utf-8")))
    text = alerts.read_text("utf-8") + r.output
    assert not re.search(r"\bc-\d{6}\b", text)
    assert not re.search(r"1\d{10}", text)
    assert not any(p["name"] in text or p["address"] in text for p in people[:2000])

    # dismissing the top actor's reasons lowers its score in the next run
    fb = tmp_path / "feedback.json"
    top = rows[0]["actor"]
    r = runner.invoke(app, ["forensics", "feedback", "--file", str(fb), "--actor", top, "--verdict", "dismiss"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["forensics", "feedback", "--file", str(fb)])
    assert top in r.output
    again = tmp_path / "again.jsonl"
    r = runner.invoke(app, ["forensics", "anomalies", "--events", str(out / "events.jsonl"), "--out", str(again),
                            "--feedback", str(fb), "--no-progress"])
    assert r.exit_code == 0, r.output
    scores = {json.loads(line)["actor"]: json.loads(line)["score"] for line in again.read_text().splitlines()}
    assert scores[top] < rows[0]["score"]

    r = runner.invoke(app, ["forensics", "anomalies", "--events", str(out / "events.jsonl"), "--stream",
                            "--no-progress"])
    assert r.exit_code == 0
    fired = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert {i["actor"] for i in truth["incidents"]} <= {a["actor"] for a in fired}
    assert all("raised_at" in a for a in fired)


def test_bad_lines_are_named_not_shown(tmp_path: Path) -> None:
    f = tmp_path / "events.jsonl"
    good = {"id": "e-1", "ts": "2026-03-02T10:00:00+08:00", "actor": "cs-1", "party": "platform.cs",
            "role": "customer_service", "action": "view", "resource": "order", "subjects": ["c-000001"],
            "fields": ["name"]}
    no_resource = {k: v for k, v in good.items() if k != "resource"} | {"id": "e-3"}  # the whole spec is checked
    f.write_text(json.dumps(good) + "\n" + '{"id": "e-2", "actor": "13812345678"}\n' + "not json 13912345678\n"
                 + json.dumps(no_resource) + "\n")
    r = runner.invoke(app, ["forensics", "anomalies", "--events", str(f), "--no-progress"])
    assert r.exit_code == 3, r.output  # partial: lines skipped
    assert "line 2: " in r.output and "line 3: (json)" in r.output and "line 4: resource: Field required" in r.output
    assert "13812345678" not in r.output and "13912345678" not in r.output
    assert "1 events, 3 skipped" in r.output
    r = runner.invoke(app, ["forensics", "anomalies", "--events", str(f), "--no-progress", "--strict"])
    assert r.exit_code == 3 and "3 skipped" in r.output  # the old flag is accepted (every event is validated now)
    r = runner.invoke(app, ["forensics", "anomalies", "--events", str(f), "--no-progress", "--incident-tickets", "(INC"])
    assert r.exit_code == 2 and "not a regular expression" in r.output
    r = runner.invoke(app, ["forensics", "anomalies", "--events", str(f), "--no-progress", "--incident-tickets", "^INC-"])
    assert r.exit_code == 3, r.output  # declared: the same run
