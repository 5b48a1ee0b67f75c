"""Leak attribution: reading leaks, matching with masks and noise, ranking, actors, CLI, no PI out."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from piwarden.cli import app
from piwarden.demo.leaks import LeakCase, make_cases
from piwarden.demo.platform import PlatformConfig, Simulation
from piwarden.demo.records import customers, write
from piwarden.events import parse_event
from piwarden.forensics.attribution.datamap import DataMap
from piwarden.forensics.attribution.leak import LeakRow, parse_structured, read_leak, sniff
from piwarden.forensics.attribution.match import Record, RecordIndex, agree
from piwarden.forensics.attribution.ranking import attribute, guilt

runner = CliRunner()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("trace")
    sim = Simulation(PlatformConfig(seed=13, days=14, scale=0.25))
    events = list(sim.events())
    with (d / "events.jsonl").open("w") as f:
        for e in events:
            f.write(json.dumps(e, ensure_ascii=False) + "\n")
    write(sim, d)
    people = customers(sim)
    cases = make_cases(sim, people, events, 12)
    return {"dir": d, "events": events, "access_events": [parse_event(e) for e in events], "cases": cases, "people": people, "dm": DataMap.load(d / "datamap.yaml"),
            "index": RecordIndex.load(d / "records.jsonl")}


def _leak(world: dict[str, Any], c: LeakCase) -> Path:
    p = world["dir"] / f"{c.id}{c.suffix}"
    p.write_text(c.content, "utf-8")
    return p


def test_mask_tolerant_agreement() -> None:
    assert agree("phone", "138****5678", "13812345678") == "mask"
    assert agree("phone", "138****5679", "13812345678") == "no"
    assert agree("name", "薛**", "薛某某") == "mask"
    assert agree("address", "浙江省杭州市西湖区", "浙江省杭州市西湖区文三路100号") == "mask"
    assert agree("amount", "23.8", "23.80") == "eq"


def test_formats_are_sniffed_and_parsed() -> None:
    assert sniff("name,phone,address,goods\n薛某某,13812345678,x,y\n") == "csv"
    assert sniff('{"name": "薛某某"}\n') == "jsonl"
    assert sniff("对方知道我的名字和电话。") == "text"
    rows = parse_structured("姓名,手机号\n薛某某,+86 138 1234 5678\n", "csv")
    assert rows[0].values == {"name": ["薛某某"], "phone": ["13812345678"]}


def test_matching_masks_partial_and_noise() -> None:
    idx = RecordIndex([Record("c-1", "o-1", "order", {"name": "薛某某", "phone": "13812345678",
                                                       "address": "浙江省杭州市西湖区文三路100号", "goods": "怪味豆"},
                             ("logistics:SF",)),
                       Record("c-2", "o-2", "order", {"name": "薛某某", "phone": "13900001111",
                                                       "address": "江苏省南京市鼓楼区中山路1号", "goods": "茶叶礼盒"},
                              ("logistics:YTO",))])
    masked = LeakRow(2, {"name": ["薛某某"], "phone": ["138****5678"]})
    assert [m.subject for m in idx.match(masked)] == ["c-1"]
    assert idx.match(masked)[0].fields == {"name": True, "phone": False}
    partial = LeakRow(3, {"name": ["薛某某"], "address": ["江苏省南京市鼓楼区"]})
    assert [m.subject for m in idx.match(partial)] == ["c-2"]
    noise = LeakRow(4, {"name": ["薛某某"], "phone": ["13700000000"], "address": ["北京市朝阳区1号"]})
    assert idx.match(noise) == []  # a common name alone is not a customer
    text = LeakRow(5, {"phone": ["13812345678"]}, text="对方说出我的手机号13812345678，还知道我买了怪味豆。")
    (m,) = idx.match(text)
    assert m.subject == "c-1" and {"phone", "goods"} <= set(m.fields)


def test_guilt_model() -> None:
    assert guilt([]) == 0.0
    assert guilt([(1, False)]) == pytest.approx(0.9)
    assert guilt([(2, False)] * 3) < guilt([(1, False)] * 3)
    assert guilt([(3, True)]) == pytest.approx(1 / 3)


def test_ranking_on_small_seed(world: dict[str, Any]) -> None:
    cases: list[LeakCase] = world["cases"]
    assert {c.kind for c in cases} == {"carrier", "merchant", "insider", "analyst"}
    assert {c.fmt for c in cases} >= {"csv", "jsonl", "text"}
    first = 0
    for c in cases:
        _, rows = read_leak(_leak(world, c))
        ranked, summary = attribute(rows, world["index"], world["dm"], world["access_events"])
        parties = [x.party for x in ranked]
        assert c.party in parties[:3], (c.id, c.kind)
        first += parties[0] == c.party
        if c.actor and parties[0] == c.party:
            assert ranked[0].actor == c.actor, (c.id, c.kind)
        if c.kind == "carrier":
            assert ranked[0].actor is None or parties[0] != c.party
        assert summary["unmatched_rows"] >= c.noise
    assert first >= 0.9 * len(cases)


def test_carrier_evidence_reasons_like_the_court(world: dict[str, Any]) -> None:
    c = next(c for c in world["cases"] if c.kind == "carrier" and c.fmt != "text")
    _, rows = read_leak(_leak(world, c))
    ranked, _ = attribute(rows, world["index"], world["dm"], world["access_events"], lang="both")
    top = ranked[0]
    assert top.party == c.party and top.actor is None
    text = " ".join(top.evidence)
    assert "subset of what" in text and "offline waybill channel" in text and "order-only fields" in text
    assert "均在" in text and "线下" in text  # Chinese alongside English
    assert abs(sum(x.score for x in ranked) - 1) < 0.02


def test_cli_trace_end_to_end_without_raw_pi(world: dict[str, Any]) -> None:
    d = world["dir"]
    people = world["people"]
    for c in [next(c for c in world["cases"] if c.fmt == f) for f in ("csv", "jsonl", "text")]:
        args = ["forensics", "trace", "--leak", str(_leak(world, c)), "--datamap", str(d / "datamap.yaml"),
                "--records", str(d / "records.jsonl"), "--events", str(d / "events.jsonl"), "--no-progress"]
        r = runner.invoke(app, args)
        assert r.exit_code == 0, r.output
        out = json.loads(r.stdout)
        assert list(out) == ["candidates"]
        top = out["candidates"][0]
        assert set(top) == {"party", "actor", "score", "evidence"} and top["party"] == c.party
        assert all(isinstance(e, str) for e in top["evidence"])
        r2 = runner.invoke(app, [*args, "--format", "text", "--lang", "zh"])
        assert r2.exit_code == 0 and r2.stdout.startswith("1. ")
        for text in (r.output, r2.output):
            assert not re.search(r"1\d{10}", text) and not re.search(r"\d{3}\*{4}\d{4}", text)
            assert not any(p["name"] in text or p["address"][:8] in text for p in people if len(p["name"]) > 2)


def test_cli_trace_errors_name_no_values(tmp_path: Path, world: dict[str, Any]) -> None:
    bad = tmp_path / "leak.jsonl"
    bad.write_text('{"name": "薛某某"}\nnot json 13812345678\n', "utf-8")
    d = world["dir"]
    r = runner.invoke(app, ["forensics", "trace", "--leak", str(bad), "--datamap", str(d / "datamap.yaml"),
                            "--records", str(d / "records.jsonl"), "--events", str(d / "events.jsonl")])
    assert r.exit_code == 2 and "line 2" in r.output and "13812345678" not in r.output


def test_leak_cases_are_deterministic(world: dict[str, Any]) -> None:
    sim = Simulation(PlatformConfig(seed=13, days=14, scale=0.25))
    again = make_cases(sim, world["people"], world["events"], 12)
    assert [c.content for c in again] == [c.content for c in world["cases"]]
    people = {p["customer_id"] for p in csv.DictReader((world["dir"] / "customers.csv").open(encoding="utf-8"))}
    assert all(set(c.subjects) <= people for c in again)


@pytest.mark.slow
def test_an_insider_beats_a_carrier_that_lacked_some_of_the_leaked_people(tmp_path: Path) -> None:
    """Seed 31, case 12: a CS agent revealed 12 of 12 leaked people; a carrier had 10 of them.

    A platform desk can open every field, so its field-set fit is what its staff saw of these
    people (here name, phone, address: a perfect fit), not everything the desk could open.
    """
    sim = Simulation(PlatformConfig(seed=31, days=21, scale=0.3))
    events = list(sim.events())
    write(sim, tmp_path)
    case = next(c for c in make_cases(sim, customers(sim), events, 13) if c.id == "leak-31-012")
    assert case.kind == "insider" and case.actor
    path = tmp_path / f"leak{case.suffix}"
    path.write_text(case.content, "utf-8")
    _, rows = read_leak(path)
    ranked, _ = attribute(rows, RecordIndex.load(tmp_path / "records.jsonl"), DataMap.load(tmp_path / "datamap.yaml"),
                          [parse_event(e) for e in events], {}, "en")
    assert (ranked[0].party, ranked[0].actor) == (case.party, case.actor)


def test_graded_coverage_and_the_holder_of_every_row_on_handmade_data() -> None:
    """Issue 18: an agent who revealed name, phone and address of every leaked record is credited with them
    though the logs never showed the goods column (the data map gives it to the desk); a carrier holding
    every row among many loses to it, a merchant holding a third of the rows scores near 0, and the
    backend's batch export is the data map's transfer, not a source."""
    dm = DataMap.from_dict({"parties": [
        {"id": "platform.backend", "kind": "platform", "receives": ["name", "phone", "address", "goods"]},
        {"id": "platform.cs", "kind": "platform", "receives": ["name", "address", "goods"], "masked": ["phone"]},
        {"id": "logistics:SF", "receives": ["name", "phone", "address", "goods"], "channel": "waybill"},
        {"id": "merchant:M1", "receives": ["name", "phone", "address", "goods"]}]})
    people = [(f"c-{i}", f"张{'伟芳娜秀英敏静丽强磊军洋'[i]}", f"1381234{i:04d}", f"浙江省杭州市西湖区文{i}路{i}号") for i in range(12)]
    records = [Record(c, f"o-{i}", "order", {"name": n, "phone": p, "address": a, "goods": "茶叶"},
                      ("platform.backend", "logistics:SF", *(("merchant:M1",) if i % 3 == 0 else ())))
               for i, (c, n, p, a) in enumerate(people)]
    records += [Record(f"c-x{i}", f"o-x{i}", "order", {"name": "李某", "phone": f"1390000{i:04d}"},
                       ("platform.backend", "logistics:SF")) for i in range(200)]
    index = RecordIndex(records)
    leaked = people[:6]
    rows = [LeakRow(i, {"name": [n], "phone": [p], "address": [a], "goods": ["茶叶"]})
            for i, (_, n, p, a) in enumerate(leaked, 2)]
    base = {"party": "platform.cs", "role": "customer_service", "resource": "order", "ts": "2026-03-02T10:00:00+08:00"}
    events = [parse_event({**base, "id": f"e-{i}", "actor": "cs-9", "action": "reveal", "subjects": [c],
                           "records": [f"o-{i}"], "fields": ["name", "phone", "address"]}) for i, (c, *_) in enumerate(leaked)]
    events.append(parse_event({**base, "id": "e-etl", "actor": "svc-etl", "party": "platform.backend", "role": "etl_service",
                               "action": "export", "channel": "batch", "subjects": [c for c, *_ in people],
                               "fields": ["name", "phone", "address", "goods"]}))
    ranked, _ = attribute(rows, index, dm, events, None, "en")
    assert (ranked[0].party, ranked[0].actor) == ("platform.cs", "cs-9") and ranked[0].score > 0.9
    by = {c.party: c for c in ranked}
    assert by["merchant:M1"].score < 0.01 and by["logistics:SF"].score < ranked[0].score
    assert by["platform.backend"].actor is None  # the batch export names nobody
    assert sum(c.score for c in ranked) <= 1.0 + 1e-3


def test_the_disk_index_ranks_as_the_memory_index(world: dict[str, Any], tmp_path: Path) -> None:
    """Records indexed in a SQLite file (``disk``) give the same matches, candidates, evidence and summary as in
    memory, for every leak case; the file is private and gone once the index is closed."""
    memory = world["index"]
    with RecordIndex.load(world["dir"] / "records.jsonl", disk=tmp_path) as disk:
        assert disk.on_disk and not memory.on_disk
        assert (disk.count, disk.held) == (memory.count, memory.held)
        (db,) = tmp_path.glob("piwarden-records-*.db")
        assert db.stat().st_mode & 0o077 == 0
        for c in world["cases"]:
            _, rows = read_leak(_leak(world, c))
            assert [disk.match(r) for r in rows] == [memory.match(r) for r in rows], c.id
            a, sa = attribute(rows, memory, world["dm"], world["access_events"])
            b, sb = attribute(rows, disk, world["dm"], world["access_events"])
            assert [x.to_json() for x in a] == [x.to_json() for x in b] and sa == sb, c.id
        disk.add(Record("c-late", "o-late", "order", {"name": "薛某某", "phone": "13812345678"}, ("logistics:SF",)))
        assert [m.subject for m in disk.match(LeakRow(2, {"name": ["薛某某"], "phone": ["13812345678"]}))] == ["c-late"]
    assert not list(tmp_path.glob("piwarden-records-*"))


def test_the_disk_index_keeps_memory_flat(tmp_path: Path) -> None:
    """Peak memory of indexing 40,000 and 160,000 records on disk differs by little; in memory it grows."""
    import subprocess
    import sys

    def records(n: int) -> Path:
        p = tmp_path / f"records-{n}.jsonl"
        with p.open("w", encoding="utf-8") as f:
            for i in range(n):
                f.write(json.dumps({"subject": f"c-{i}", "record": f"o-{i}", "resource": "order",
                                    "fields": {"name": f"用户{i}", "phone": f"139{i:08d}",
                                               "address": f"浙江省杭州市西湖区文三路{i}号", "goods": "茶叶"},
                                    "recipients": ["platform.backend", "logistics:SF"]}, ensure_ascii=False) + "\n")
        return p

    # VmHWM: this process's peak (ru_maxrss carries a forking parent's peak across exec)
    code = ("import re, sys; from pathlib import Path; from piwarden.forensics.attribution.match import "
            "RecordIndex, LeakRow; import piwarden.forensics.attribution.ranking; "
            "hwm = lambda: int(re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text())[1]); "
            "base = hwm(); "
            "idx = RecordIndex.load(Path(sys.argv[1]), disk=sys.argv[2] == 'disk'); "
            "assert [m.subject for m in idx.match(LeakRow(2, {'phone': ['13900000007'], 'name': ['用户7']}))] == ['c-7']; "
            "print(hwm() - base)")

    def growth(n: int, mode: str) -> int:
        out = subprocess.run([sys.executable, "-c", code, str(records(n)), mode], capture_output=True, text=True,
                             check=True)
        return int(out.stdout.strip())  # KiB

    small, large = growth(40_000, "disk"), growth(160_000, "disk")
    assert large - small < 16 * 1024, (small, large)  # 4x the records: under 16 MiB more
    assert growth(160_000, "memory") - large > 64 * 1024  # what the disk index saves


def test_a_records_index_that_cannot_be_made_on_disk_is_a_records_error(world: dict[str, Any], tmp_path: Path) -> None:
    from piwarden.forensics.attribution.match import RecordsError

    with pytest.raises(RecordsError, match=r"cannot make the records index in .*missing"):
        RecordIndex.load(world["dir"] / "records.jsonl", disk=tmp_path / "missing")
