"""Export watermarks (issue 18 point 6): marked exports, a leaked sample of them, the export and recipient named."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import orjson
from typer.testing import CliRunner

from piwarden.cli import app
from piwarden.forensics.attribution.leak import normalize
from piwarden.forensics.attribution.match import agree
from piwarden.forensics.attribution.watermarks import Export, Registry, binomial_tail, decode
from piwarden.mask.watermark import mark_row, read_row

KEY = b"watermark-test-key-0123456789abc"
SURNAMES, GIVEN = "王李张刘陈杨黄赵吴周", "伟芳娜秀英敏静丽强磊军洋"


def people(n: int) -> list[dict[str, str]]:
    rng = random.Random(7)
    return [{"subject": f"c-{i:05d}", "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
             "phone": f"13{rng.randrange(10**9):09d}", "address": f"浙江省杭州市西湖区文{i % 9 + 1}路{rng.randrange(1, 999)}号",
             "order_time": f"2026-03-{i % 28 + 1:02d}T10:{i % 60:02d}:00", "amount": f"{rng.randrange(100, 99999) / 100:.2f}",
             "goods": "茶叶礼盒"} for i in range(n)]


def export(rows: list[dict[str, str]], export_id: str) -> list[dict[str, str]]:
    return [mark_row({k: v for k, v in r.items() if k != "subject"}, KEY, export_id, r["subject"]) for r in rows]


def leak_of(marked: list[dict[str, str]], keep: list[int]) -> list[dict[str, str]]:
    """What a leaker posts: a subset of rows, the name column dropped, columns reordered, half the phones masked."""
    out = []
    for j, i in enumerate(keep):
        r = dict(marked[i])
        del r["name"]
        if j % 2:
            digits = r["phone"].replace("-", "")
            r["phone"] = f"{digits[:3]}****{digits[7:]}"
        out.append({k: r[k] for k in ("goods", "amount", "address", "phone", "order_time")})
    return out


def test_marks_keep_the_values_for_readers_and_matching() -> None:
    for p in people(20):
        marked = export([p], "X-1")[0]
        for field in ("phone", "address", "order_time", "amount"):
            assert agree(field, normalize(field, marked[field]), p[field]) == "eq", field
        assert set(read_row(marked)) == {"phone", "address", "order_time", "amount"}


def test_a_leaked_subset_names_its_export_among_exports_of_the_same_people() -> None:
    ps = people(60)
    reg = Registry([Export("X-ops", "platform.ops", "op-0001"), Export("X-partner", "partner:shuzhi"),
                    Export("X-cs", "platform.cs", "cs-0002")])
    marked = {e.export_id: export(ps, e.export_id) for e in reg.exports}
    keep = random.Random(3).sample(range(60), 15)
    rows = dict(enumerate(leak_of(marked["X-partner"], keep), 2))
    found = decode(rows, {line: ps[i]["subject"] for line, i in zip(rows, keep, strict=True)}, reg, KEY)
    assert found[0].export_id == "X-partner" and found[0].found and found[0].p_value < 1e-9
    assert not found[1].found and found[1].agree < 0.8 * found[1].bits
    assert binomial_tail(0, 10) == 1.0 and binomial_tail(10, 10) == 2.0**-10


def test_trace_names_the_export_and_its_recipient(tmp_path: Path) -> None:
    ps = people(40)
    recipients = ["platform.backend", "logistics:SF"]
    with (tmp_path / "records.jsonl").open("wb") as f:
        for i, p in enumerate(ps):
            fields = {k: v for k, v in p.items() if k != "subject"}
            f.write(orjson.dumps({"subject": p["subject"], "record": f"o-{i}", "resource": "order", "fields": fields,
                                  "recipients": recipients}) + b"\n")
    fields = ["name", "phone", "address", "order_time", "amount", "goods"]
    (tmp_path / "datamap.yaml").write_text(json.dumps({"parties": [
        {"id": "platform.backend", "kind": "platform", "receives": fields},
        {"id": "platform.ops", "kind": "platform", "receives": fields},
        {"id": "logistics:SF", "receives": ["name", "phone", "address", "goods"], "channel": "waybill"}]}), "utf-8")
    (tmp_path / "events.jsonl").write_text("", "utf-8")
    Registry([Export("X-ops-7", "platform.ops", "op-0007"), Export("X-other", "platform.ops", "op-0001")]).save(
        tmp_path / "reg.json")
    leaked = leak_of(export(ps, "X-ops-7"), list(range(0, 40, 2)))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(leaked[0]))
    w.writeheader()
    w.writerows(leaked)
    (tmp_path / "leak.csv").write_text(buf.getvalue(), "utf-8")
    args = ["forensics", "trace", "--leak", str(tmp_path / "leak.csv"), "--datamap", str(tmp_path / "datamap.yaml"),
            "--records", str(tmp_path / "records.jsonl"), "--events", str(tmp_path / "events.jsonl"), "--no-progress"]
    r = CliRunner().invoke(app, [*args, "--watermarks", str(tmp_path / "reg.json"), "--watermark-key", KEY.decode(),
                                 "--lang", "en"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["watermarks"][0]["export_id"] == "X-ops-7" and out["watermarks"][0]["found"]
    top = out["candidates"][0]
    assert (top["party"], top["actor"]) == ("platform.ops", "op-0007")
    assert top["evidence"][0].startswith("watermark of export X-ops-7")
    plain = json.loads(CliRunner().invoke(app, args).stdout)
    assert list(plain) == ["candidates"] and plain["candidates"][0]["party"] != "platform.ops"
