"""The incident register: rules checked against the texts they quote, clocks across zones and days, the CLI path."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from piwarden.audit.log import open_log
from piwarden.audit.store_base import Query
from piwarden.cli import app
from piwarden.db import open_engine
from piwarden.db.base import table_of
from piwarden.db.vault import VaultHold
from piwarden.demo.evidence_case import WaybillCase, build
from piwarden.events import parse_ts
from piwarden.evidence import verify_pack
from piwarden.evidence.incidents import IncidentError, Register, Rules, bundled_rules, human_left

runner = CliRunner()


def test_every_clock_is_quoted_from_its_source() -> None:
    rules = bundled_rules().data
    for r in rules["reporting"]["rules"]:
        text = rules["sources"][r["source"]]["text"]
        assert r["quote"] in text and r["quote"].endswith(f"{r['hours']}小时")
    n = rules["notification"]
    assert n["quote"] in rules["sources"][n["source"]]["text"] and "立即" in n["quote"] and n["hours"] == 0
    for s in rules["severity"]:
        if s.get("quoted", True):
            assert s["quote"] in rules["sources"][s["source"]]["text"]
    persons = [s["persons"] for s in rules["severity"]]
    assert persons == sorted(persons, reverse=True)
    assert "1亿人" in next(s["quote"] for s in rules["severity"] if s["level"] == "especially_major")
    assert {r["operator_class"] for r in rules["reporting"]["rules"]} == {"cii", "central_organ", "other"}


@pytest.fixture
def register(tmp_path: Path) -> Register:
    url = f"sqlite:///{tmp_path / 'piwarden.db'}"
    engine = open_engine(url)
    log = open_log(url)
    yield Register(engine, log)
    log.close()
    engine.dispose()


def _open(reg: Register, detected: str, zone: str = "Asia/Shanghai", operator_class: str = "other",
          persons: int = 2_000_000) -> str:
    return reg.open(title="t", source="manual", subjects=["c-1", "c-2"], fields=["name", "phone"],
                    detected=parse_ts(detected), by="sec-01", persons=persons, operator_class=operator_class,
                    zone=zone)


def test_clock_crosses_midnight_in_the_platforms_zone(register: Register) -> None:
    inc = register.get(_open(register, "2026-12-06T23:30:00+08:00"))
    report = inc.clocks(register.rules)[0]
    assert inc.at(report.due) == "2026-12-07T03:30+08:00"  # 4 hours, the next local day
    cii = register.get(_open(register, "2026-12-06T23:30:00+08:00", operator_class="cii"))
    assert cii.at(cii.clocks(register.rules)[0].due) == "2026-12-07T00:30+08:00"
    central = register.get(_open(register, "2026-12-06T22:15:00+08:00", operator_class="central_organ"))
    assert central.at(central.clocks(register.rules)[0].due) == "2026-12-07T00:15+08:00"


def test_the_same_instant_in_any_zone_gives_the_same_deadline(register: Register) -> None:
    a = register.get(_open(register, "2026-12-06T23:30:00+08:00"))
    b = register.get(_open(register, "2026-12-06T15:30:00Z", zone="Europe/Berlin"))
    da, db_ = a.clocks(register.rules)[0].due, b.clocks(register.rules)[0].due
    assert da == db_ and da is not None
    assert a.at(da) == "2026-12-07T03:30+08:00" and b.at(db_) == "2026-12-06T20:30+01:00"


def test_a_clock_over_a_daylight_saving_change_is_four_real_hours(register: Register) -> None:
    # New York leaves daylight saving at 2026-11-01 02:00 local: 00:30 EDT + 4 h is 03:30 EST, not 04:30.
    inc = register.get(_open(register, "2026-11-01T00:30:00-04:00", zone="America/New_York"))
    due = inc.clocks(register.rules)[0].due
    assert due is not None and due - inc.detected == timedelta(hours=4)
    assert inc.at(due) == "2026-11-01T03:30-05:00"


def test_severity_and_what_must_be_reported(register: Register) -> None:
    rules = register.rules
    assert rules.severity_for(150_000_000) == "especially_major"
    assert rules.severity_for(20_000_000) == "major"
    assert rules.severity_for(1_000_000) == "relatively_major"
    assert rules.severity_for(999_999) == "general"
    small = register.get(_open(register, "2026-12-06T10:00:00+08:00", persons=12))
    assert small.severity == "general"
    assert [c.what[0] for c in small.clocks(rules)] == ["notify the people affected and the authority"]


def test_clock_states_and_time_left(register: Register) -> None:
    iid = _open(register, "2026-12-06T10:00:00+08:00")
    inc = register.get(iid)
    report = inc.clocks(register.rules)[0]
    assert report.due is not None
    assert report.status(report.due - timedelta(minutes=1)) == "running"
    assert report.status(report.due + timedelta(minutes=1)) == "overdue"
    assert human_left(timedelta(hours=3, minutes=12)) == "3h 12m left"
    assert human_left(timedelta(days=-1, hours=-1, minutes=-5)) == "overdue by 1d 1h 05m"
    register.step(iid, "reported", "sec-01", {})
    done = register.get(iid).clocks(register.rules)[0]
    assert done.status(datetime.now(UTC)) == "done late"  # reported now, long after 14:00+08:00 that day


def test_bad_requests_are_named(register: Register) -> None:
    with pytest.raises(IncidentError, match="operator class"):
        _open(register, "2026-12-06T10:00:00+08:00", operator_class="bank")
    with pytest.raises(IncidentError, match="time zone"):
        _open(register, "2026-12-06T10:00:00+08:00", zone="Mars/Olympus")
    with pytest.raises(IncidentError, match="no incident"):
        register.get("INC-19990101-001")
    with pytest.raises(IncidentError, match="cannot read"):
        Rules.load(Path("/nonexistent/rules.yaml"))


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> WaybillCase:
    return build(tmp_path_factory.mktemp("incident") / "case")


def test_from_a_leak_case_to_letters_and_the_regulator_draft(case: WaybillCase, tmp_path: Path) -> None:
    home, db = tmp_path / "home", case.db_url
    base = ["--home", str(home)]
    shanghai = ZoneInfo("Asia/Shanghai")  # found an hour ago: the 4-hour clock has 3 hours left whenever this runs
    found = (datetime.now(UTC) - timedelta(hours=1)).astimezone(shanghai).replace(microsecond=0)
    due = (found + timedelta(hours=4)).isoformat(timespec="minutes")
    opened = runner.invoke(app, [*base, "incident", "open", "--title", "waybills on a forum", "--leak", str(case.leak),
                                 "--records", str(case.records), "--detected", found.isoformat(),
                                 "--persons", "1500000", "--db", db])
    assert opened.exit_code == 0, opened.output
    iid = opened.stdout.split()[1].rstrip(":")
    assert f"due {due}" in opened.stdout and "最迟不得超过4小时" in opened.stdout
    acted = runner.invoke(app, [*base, "incident", "act", iid, "--hold", "cs-0117", "--revoke-sessions", "cs-0117",
                                "--db", db])
    assert acted.exit_code == 0, acted.output
    letters = tmp_path / "notices"
    notified = runner.invoke(app, [*base, "incident", "notify", iid, "-o", str(letters), "--operator", "示例平台",
                                   "--db", db])
    assert notified.exit_code == 0, notified.output
    reported = runner.invoke(app, [*base, "incident", "report", iid, "--reference", "CAC-ZJ-1", "--db", db])
    assert reported.exit_code == 0 and "done late" not in reported.stdout  # reported within the 4 hours
    listed = runner.invoke(app, [*base, "incident", "list", "--db", db])
    assert iid in listed.stdout and "relatively major" in listed.stdout
    files = sorted((letters / "letters").iterdir())
    assert case.subject in {f.name.split(".")[0] for f in files} and len(files) >= 10
    text = (letters / "letters" / f"{case.subject}.zh.txt").read_text("utf-8")
    for must in ("第五十七条", "涉及的信息种类", "手机号码", "原因", "可能造成的危害", "补救措施", "账号 cs-0117 查看明文须经审批",
                 "您可以采取的措施", "联系方式"):
        assert must in text, must
    record = next(json.loads(x) for x in case.records.read_text("utf-8").splitlines()
                  if json.loads(x)["subject"] == case.subject)
    for f in files:  # letters name the subject by id only
        body = f.read_text("utf-8")
        assert record["fields"]["name"] not in body and record["fields"]["phone"] not in body
    draft = (letters / "regulator-report.zh.txt").read_text("utf-8")
    assert "示例平台" in draft and "较大" in draft and due in draft and "最迟不得超过4小时" in draft
    # every step is in the audit log, about the affected subjects
    with open_log(db) as log:
        steps = [json.loads(e.body or b"{}") for e in log.query(Query(subject=case.subject, action="update"))]
        created = [json.loads(e.body or b"{}") for e in log.query(Query(subject=case.subject, action="create"))]
    kinds = [s["query"]["step"] for s in steps if s.get("resource") == "incident"]
    assert kinds == ["remedy:hold", "remedy:revoke_sessions", "notified", "reported"]
    assert [c["query"]["step"] for c in created if c.get("resource") == "incident"] == ["opened"]
    engine = open_engine(db)
    with engine.connect() as conn:
        assert conn.execute(select(table_of(VaultHold).c.actor)).scalars().all() == ["cs-0117"]
    engine.dispose()
    shown = runner.invoke(app, [*base, "incident", "show", iid, "--db", db])
    assert "remedy:hold" in shown.stdout and "leaf" in shown.stdout
    closed = runner.invoke(app, [*base, "incident", "close", iid, "--summary", "carrier contract ended", "--db", db])
    assert closed.exit_code == 0
    pack = tmp_path / "incident-pack"
    built = runner.invoke(app, [*base, "evidence", "incident", iid, "-o", str(pack), "--db", db])
    assert built.exit_code == 0, built.output
    report = verify_pack(pack)
    assert report.ok, report.failures
    doc = json.loads((pack / "pack.json").read_text("utf-8"))
    assert [s["kind"] for s in doc["steps"]] == ["opened", "remedy:hold", "remedy:revoke_sessions", "notified",
                                                 "reported", "closed"]
    assert all(s["leaf"] is not None for s in doc["steps"]) and report.events == 6
    assert doc["clocks"][0]["due"] == due and doc["clocks"][0]["status"] == "done"
    assert next(m for m in doc["measures"] if m["id"] == "incident_plan")["in_force"]
    subject_pack = tmp_path / "subject-pack"
    assert runner.invoke(app, [*base, "evidence", "subject", case.subject, "-o", str(subject_pack), "--db", db,
                               "--no-pdf"]).exit_code == 0
    sdoc = json.loads((subject_pack / "pack.json").read_text("utf-8"))
    shown = [t for t in sdoc["timeline"] if t["kind"] == "access" and t["action"] in ("create", "update")
             and t["party"] == "platform.security"]
    assert len(shown) == 6  # the remedies and every other step appear in the subject's own pack
    assert iid not in runner.invoke(app, [*base, "incident", "list", "--db", db]).stdout
    again = runner.invoke(app, [*base, "incident", "close", iid, "--db", db])
    assert again.exit_code == 2 and "already closed" in again.output
