"""The impact-assessment draft: drafted from the data map, honest about what a person must answer, sealed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import yaml
from typer.testing import CliRunner

from piwarden.cli import app
from piwarden.evidence import verify_pack
from piwarden.evidence.pipia import draft, load_activity

runner = CliRunner()
DATAMAP = {
    "v": 1,
    "fields": {"name": "PERSON", "phone": "PHONE", "address": "ADDRESS", "id_number": "CN_RESIDENT_ID",
               "goods": "GOODS", "health_notes": "HEALTH"},
    "parties": [{"id": "platform.backend", "kind": "platform", "receives": ["name", "phone", "address", "goods"]},
                {"id": "logistics:SF", "kind": "logistics", "channel": "waybill",
                 "receives": ["name", "phone", "address", "goods"]},
                {"id": "merchant:M1", "kind": "merchant", "receives": ["name", "address", "goods", "id_number"],
                 "masked": ["phone"]}],
    "processing": [{"id": "fulfilment", "purpose": "deliver orders", "legal_basis": "contract",
                    "fields": ["name", "phone", "address", "goods"], "recipients": ["merchant:M1", "logistics:SF"],
                    "retention_days": 365},
                   {"id": "claims", "purpose": "settle claims", "fields": ["name", "health_notes"],
                    "recipients": ["platform.backend"]}],
}


def _map(tmp_path: Path) -> Path:
    p = tmp_path / "datamap.yaml"
    p.write_text(yaml.safe_dump(DATAMAP, allow_unicode=True), "utf-8")
    return p


def test_draft_names_triggers_findings_and_questions(tmp_path: Path) -> None:
    dm, act = load_activity(_map(tmp_path), "fulfilment")
    doc = draft(dm, act, [], [], today=date(2026, 12, 6))
    assert doc["keep_until"] == "2029-12-06"
    assert [r["en"] for r in doc["required_because"]] == ["Art. 55(3): personal information is provided to other "
                                                          "processors"]
    sf = next(r for r in doc["recipients"] if r["party"] == "logistics:SF")
    assert sf["offline"] and sf["clear"] == ["address", "goods", "name", "phone"]
    merchant = next(r for r in doc["recipients"] if r["party"] == "merchant:M1")
    assert merchant["masked"] == ["phone"] and merchant["beyond_activity"] == ["id_number"]
    text = " ".join(f["en"] for f in doc["findings"])
    assert "privacy waybills" in text and "id_number" in text
    assert not any("No retention period" in q["en"] for q in doc["open_questions"])
    claims = draft(*load_activity(_map(tmp_path), "claims"), [], [], today=date(2028, 2, 29))
    assert claims["keep_until"] == "2031-02-28"
    assert any("sensitive" in r["en"] for r in claims["required_because"])
    assert any("HEALTH" in f["en"] for f in claims["findings"])
    assert any("No retention period" in q["en"] for q in claims["open_questions"])


def test_cli_seals_a_draft_that_verifies(tmp_path: Path) -> None:
    out = tmp_path / "pipia"
    result = runner.invoke(app, ["evidence", "pipia", "fulfilment", "--datamap", str(_map(tmp_path)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "open questions" in result.stdout
    assert verify_pack(out).ok
    doc = json.loads((out / "pack.json").read_text("utf-8"))
    assert doc["kind"] == "pipia" and doc["art51"]
    assert "个人信息保护影响评估报告（草稿）" in (out / "report.html").read_text("utf-8")
    (out / "pack.json").write_text((out / "pack.json").read_text("utf-8").replace("deliver", "deLiver"), "utf-8")
    assert "pack.json" in " ".join(verify_pack(out).failures)
    missing = runner.invoke(app, ["evidence", "pipia", "marketing", "--datamap", str(_map(tmp_path)), "-o",
                                  str(tmp_path / "x")])
    assert missing.exit_code == 2 and "no processing activity 'marketing'" in missing.output
