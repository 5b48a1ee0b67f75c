"""Every command that reads text reads it the same way: UTF-8 with or without a byte-order mark,
GB18030/GBK and UTF-16 give the same answer as UTF-8 (the input layer, piwarden.inputs)."""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from piwarden.cli import app

runner = CliRunner()

ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "utf-8": lambda t: t.encode(),
    "bom": lambda t: codecs.BOM_UTF8 + t.encode(),
    "gbk": lambda t: t.encode("gbk"),
    "gb18030": lambda t: t.encode("gb18030"),
    "utf-16": lambda t: t.encode("utf-16"),
}

RECORDS = "".join(json.dumps({"id": f"r{i}", "text": f"客户张三，手机1381234567{i}，地址北京市朝阳区"},
                             ensure_ascii=False) + "\n" for i in range(3))
TABLE = "姓名,手机,备注\n张三,13812345678,电话13912345678\n李四,13812345679,无\n"
EVENT = {"ts": "2026-03-02T10:00:00+08:00", "actor": "cs-1", "party": "platform.cs", "role": "customer_service",
         "action": "view", "resource": "order", "subjects": ["c-000001"], "fields": ["姓名"]}
EVENTS = "".join(json.dumps(EVENT | {"id": f"e-{i}", "actor": f"cs-{i % 3}"}, ensure_ascii=False) + "\n"
                 for i in range(6))
POLICY = "name: 中文策略\nroles:\n  \"*\": {PHONE: partial}\n"


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _commands(tmp: Path, kind: str) -> dict[str, tuple[list[str], Path | None]]:
    enc = ENCODINGS[kind]
    (tmp / "in.jsonl").write_bytes(enc(RECORDS))
    (tmp / "in.csv").write_bytes(enc(TABLE))
    (tmp / "events.jsonl").write_bytes(enc(EVENTS))
    (tmp / "policy.yaml").write_bytes(enc(POLICY))
    return {
        "detect": (["detect", str(tmp / "in.jsonl"), "-o", str(tmp / "detect.jsonl")], tmp / "detect.jsonl"),
        "mask run": (["mask", "run", str(tmp / "in.jsonl"), "-o", str(tmp / "masked.jsonl")], tmp / "masked.jsonl"),
        "mask table": (["mask", "table", str(tmp / "in.csv"), str(tmp / "out.csv"), "--columns", "手机=PHONE,备注=TEXT"],
                       tmp / "out.csv"),
        "audit import": (["audit", "import", str(tmp / "events.jsonl"), "--db", f"sqlite:///{tmp / 'a.db'}"], None),
        "forensics anomalies": (["forensics", "anomalies", "--events", str(tmp / "events.jsonl"), "-o",
                                 str(tmp / "alerts.jsonl"), "--no-progress"], tmp / "alerts.jsonl"),
        "policy lint": (["policy", "lint", str(tmp / "policy.yaml")], None),
        "scan": (["scan", str(tmp / "in.csv"), "--db", f"sqlite:///{tmp / 'scan.db'}", "--json",
                  str(tmp / "scan.json")], tmp / "scan.json"),
    }


def _normal(command: str, path: Path | None, stdout: str) -> object:
    text = path.read_text("utf-8") if path is not None else stdout
    if command == "scan":
        inv = json.loads(text)["assets"][0]
        return sorted((c["column"], c["type"]) for c in inv["columns"])
    if command == "audit import":
        return None
    return text


@pytest.mark.parametrize("kind", ["bom", "gbk", "gb18030", "utf-16"])
def test_each_encoding_gives_the_utf8_answer(tmp_path: Path, kind: str, piwarden_home: Path) -> None:
    (tmp_path / "u").mkdir()
    (tmp_path / "k").mkdir()
    expected = _commands(tmp_path / "u", "utf-8")
    given = _commands(tmp_path / "k", kind)
    for command, (args, out) in given.items():
        code, stdout, stderr = _run(*args)
        assert code == 0, f"{command} on {kind}: {stderr}"
        want_args, want_out = expected[command]
        want_code, want_stdout, _ = _run(*want_args)
        assert want_code == 0
        assert _normal(command, out, stdout.replace(str(tmp_path / "k"), "")) == \
            _normal(command, want_out, want_stdout.replace(str(tmp_path / "u"), "")), command


def test_forced_encoding_and_an_undecodable_line_named(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(RECORDS.encode("gb18030"))
    code, _, stderr = _run("detect", str(src), "--encoding", "utf-8")
    assert code == 2 and "in.jsonl:1: not UTF-8 text at byte" in stderr and "13812345670" not in stderr
    code, out, _ = _run("detect", str(src), "--encoding", "gb18030")
    assert code == 0 and len(out.splitlines()) == 3
    code, _, stderr = _run("detect", str(src), "--encoding", "no-such")
    assert code == 2 and "unknown encoding" in stderr


def test_a_large_text_file_is_read_in_pieces_with_offsets(tmp_path: Path) -> None:
    src = tmp_path / "big.txt"
    line = "客户手机13812345678，请回电。\n"
    src.write_text(line * 80_000, "utf-8")  # about 1.7 M characters: two pieces
    code, out, _ = _run("detect", str(src))
    assert code == 0
    rows = [json.loads(x) for x in out.splitlines()]
    assert len(rows) == 2 and rows[0]["id"] == "big.txt:1" and rows[0]["offset"] == 0
    assert rows[1]["offset"] % len(line) == 0 and rows[1]["id"] == f"big.txt:{rows[1]['offset'] // len(line) + 1}"
    assert sum(len(r["entities"]) for r in rows) == 80_000
