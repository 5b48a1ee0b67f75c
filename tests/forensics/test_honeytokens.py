"""Honeytokens: deterministic canaries, alerts on access and in leaks, attribution by canary, CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from piwarden.cli import app
from piwarden.events import parse_event
from piwarden.forensics.attribution.datamap import DataMap
from piwarden.forensics.attribution.honeytokens import Registry, canary, check_events, check_leak, plant
from piwarden.forensics.attribution.leak import LeakRow
from piwarden.forensics.attribution.match import RecordIndex
from piwarden.forensics.attribution.ranking import attribute

runner = CliRunner()
KEY = b"test-key"


def test_canaries_are_deterministic_per_key_and_party() -> None:
    a, b = canary(KEY, "logistics:SF", 0), canary(KEY, "logistics:SF", 0)
    assert a == b and a.parties == ["logistics:SF"]
    assert canary(KEY, "logistics:SF", 1).subject != a.subject
    assert canary(b"other", "logistics:SF", 0).fields["phone"] != a.fields["phone"]
    assert a.subject.startswith("c-9") and len(a.fields["phone"]) == 11


def test_plant_extends_and_round_trips(tmp_path: Path) -> None:
    reg = plant(KEY, ["logistics:SF", "merchant:M0001"], per_party=2)
    assert len(reg.canaries) == 4
    again = plant(KEY, ["logistics:SF"], per_party=2, existing=reg)
    assert len(again.canaries) == 4  # already planted
    p = tmp_path / "reg.json"
    reg.save(p)
    assert Registry.load(p).exposure() == reg.exposure()
    assert "test-key" not in p.read_text()


def test_access_and_leak_alerts_name_who_could_have_seen() -> None:
    reg = plant(KEY, ["merchant:M0001"], per_party=1)
    c = reg.canaries[0]
    base = {"ts": "2026-03-02T10:00:00+08:00", "party": "platform.cs", "role": "customer_service", "action": "view",
            "resource": "order", "fields": ["name"]}
    events = [parse_event(base | {"id": "e-1", "actor": "cs-0001", "subjects": [c.subject, "c-000001"],
                                  "records": [c.record]}),
              parse_event(base | {"id": "e-2", "actor": "cs-0002", "subjects": ["c-000002"]})]
    (alert,) = check_events(reg, events)
    assert alert["actor"] == "cs-0001" and alert["exposed_to"] == ["merchant:M0001"] and alert["event"] == "e-1"
    leaked = LeakRow(2, {"name": [c.fields["name"]], "phone": [c.fields["phone"][:3] + "****" + c.fields["phone"][7:]]})
    noise = LeakRow(3, {"name": ["张伟"], "phone": ["13900000000"]})
    (hit,) = check_leak(reg, [leaked, noise])
    assert hit["canary"] == c.subject and hit["exposed_to"] == ["merchant:M0001"]
    assert c.fields["phone"] not in json.dumps(hit, ensure_ascii=False)


def test_a_canary_in_a_leak_points_at_its_party() -> None:
    reg = plant(KEY, ["logistics:SF", "logistics:YTO"], per_party=1)
    sf = next(c for c in reg.canaries if c.parties == ["logistics:SF"])
    dm = DataMap.from_dict({"v": 1, "parties": [
        {"id": "logistics:SF", "kind": "logistics", "channel": "waybill",
         "receives": ["name", "phone", "address", "goods", "waybill_no"]},
        {"id": "logistics:YTO", "kind": "logistics", "channel": "waybill",
         "receives": ["name", "phone", "address", "goods", "waybill_no"]}]})
    idx = RecordIndex(reg.records())
    row = LeakRow(2, {k: [sf.fields[k]] for k in ("name", "phone", "address", "goods")})
    ranked, summary = attribute([row], idx, dm, [], reg.exposure(), "en")
    assert ranked[0].party == "logistics:SF" and summary["honeytoken_hits"] == [sf.subject]
    assert any("honeytoken" in e and "exposed only to logistics:SF" in e for e in ranked[0].evidence)


def test_cli_plant_and_check(tmp_path: Path) -> None:
    reg = tmp_path / "reg.json"
    recs = tmp_path / "canaries.jsonl"
    r = runner.invoke(app, ["forensics", "honeytokens", "plant", "--registry", str(reg), "--party", "logistics:SF",
                            "--party", "merchant:M0002", "--per-party", "1", "--records-out", str(recs)],
                      env={"PIWARDEN_HONEYTOKEN_KEY": "k1"})
    assert r.exit_code == 0, r.output
    planted = [json.loads(line) for line in r.stdout.splitlines()]
    assert {p["exposed_to"][0] for p in planted} == {"logistics:SF", "merchant:M0002"}
    assert "phone" not in r.stdout  # ids and parties only
    target = planted[0]["canary"]
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps({"id": "e-9", "ts": "2026-03-02T10:00:00+08:00", "actor": "ops-001",
                                  "party": "platform.ops", "role": "operations", "action": "reveal",
                                  "resource": "customer", "subjects": [target], "fields": ["phone"]}) + "\n")
    fields = json.loads(recs.read_text().splitlines()[1])["fields"]
    leak = tmp_path / "leak.csv"
    leak.write_text(f"name,phone,address\n{fields['name']},{fields['phone']},{fields['address']}\n", "utf-8")
    r = runner.invoke(app, ["forensics", "honeytokens", "check", "--registry", str(reg), "--events", str(events),
                            "--leak", str(leak), "--no-progress"])
    assert r.exit_code == 1, r.output  # alerts found
    alerts = [json.loads(line) for line in r.stdout.splitlines()]
    assert [a["alert"] for a in alerts] == ["honeytoken_access", "honeytoken_leak"]
    assert alerts[0]["actor"] == "ops-001" and alerts[1]["exposed_to"] == ["merchant:M0002"]
    assert fields["phone"] not in r.output and fields["name"] not in r.output
    r = runner.invoke(app, ["forensics", "honeytokens", "plant", "--registry", str(reg), "--party", "x",
                            "--key", "another"])
    assert r.exit_code == 2 and "different key" in r.output
