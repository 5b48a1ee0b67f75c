"""The bad-input matrix (issue 16): every command that reads files x the inputs real platforms produce.

Each cell runs the real CLI in process and checks: no traceback, an exit status from the
documented table (docs/cli.md), a message naming the problem, no personal value in any
message, and nothing under the final output name (nor a temporary file) when the command
did not finish. Interruption and re-runs are tests/test_interrupt.py.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from piwarden.cli import app
from piwarden.mask.keys import ENV_KEY, KeyRing

runner = CliRunner()

PHONE, NAME, RID = "13812345678", "张三丰", "330106198803051239"
PI = (PHONE, NAME, RID)
LONG_MB = int(os.environ.get("PIWARDEN_MATRIX_LONG_MB", "50"))  # the acceptance's 50 MB single line
FILLER = "备注：客户要求尽快发货，包装完好，谢谢。Please ship soon. "  # no digits: the detectors' cheap case


def _records() -> str:
    return "".join(json.dumps({"id": f"r{i}", "text": f"客户{NAME}，手机{PHONE}，身份证{RID}。"}, ensure_ascii=False)
                   + "\n" for i in range(3))


def _events() -> str:
    base = {"ts": "2026-03-02T10:00:00+08:00", "actor": "cs-1", "party": "platform.cs", "role": "customer_service",
            "action": "view", "resource": "order", "subjects": ["c-000001"], "fields": ["phone"]}
    return "".join(json.dumps(base | {"id": f"e-{i}", "note": f"{NAME} {PHONE}"}, ensure_ascii=False) + "\n"
                   for i in range(3))


def _waybills() -> str:
    person = {"name": NAME, "phone": PHONE, "address": "北京市朝阳区建国路88号"}
    return "".join(json.dumps({"waybill_no": f"SF100000000{i}", "carrier": "速递", "sender": person,
                               "recipient": person}, ensure_ascii=False) + "\n" for i in range(2))


def _trace_files(work: Path) -> tuple[Path, Path, Path]:
    """The data map, platform records and events `forensics trace` reads besides the leak (valid)."""
    datamap, records, events = work / "map.yaml", work / "records.jsonl", work / "events.jsonl"
    if not datamap.exists():
        datamap.write_text("fields: {name: PERSON, phone: PHONE}\nparties:\n  - id: merchant:M1\n"
                           "    receives: [name, phone]\n", "utf-8")
        records.write_text(json.dumps({"subject": "c-1", "record": "o-1", "resource": "order",
                                       "fields": {"name": NAME, "phone": PHONE}, "recipients": ["merchant:M1"]},
                                      ensure_ascii=False) + "\n", "utf-8")
        events.write_text("", "utf-8")
    return datamap, records, events


@dataclass(frozen=True)
class Command:
    name: str
    content: Callable[[], str]  # a good input, as text
    suffix: str
    args: Callable[[Path, Path, Path], list[str]]  # (input, output, work folder) -> arguments
    output: bool = True  # writes a file named by an argument
    jsonl: bool = True  # line-oriented JSON input: an invalid line is skipped, the rest done
    db: bool = False  # takes --db


COMMANDS = [
    Command("detect", _records, ".jsonl", lambda i, o, w: ["detect", str(i), "-o", str(o)]),
    Command("mask run", _records, ".jsonl", lambda i, o, w: ["mask", "run", str(i), "-o", str(o)]),
    Command("mask table", lambda: f"姓名,手机\n{NAME},{PHONE}\n", ".csv",
            lambda i, o, w: ["mask", "table", str(i), str(o), "--columns", "手机=PHONE,姓名=PERSON"], jsonl=False),
    Command("mask waybill", _waybills, ".jsonl",
            lambda i, o, w: ["mask", "waybill", str(i), "-o", str(o), "--format", "pdf"]),
    Command("audit import", _events, ".jsonl",
            lambda i, o, w: ["audit", "import", str(i), "--db", f"sqlite:///{w / 'audit.db'}"], output=False, db=True),
    Command("forensics anomalies", _events, ".jsonl",
            lambda i, o, w: ["forensics", "anomalies", "--events", str(i), "-o", str(o), "--no-progress"]),
    Command("policy lint", lambda: "name: 策略\nroles:\n  \"*\": {PHONE: partial}\n", ".yaml",
            lambda i, o, w: ["policy", "lint", str(i)], output=False, jsonl=False),
    Command("mask risk", lambda: "age,postcode,gender\n34,310012,F\n35,310013,M\n", ".csv",
            lambda i, o, w: ["mask", "risk", str(i), "--qi", "age,postcode", "--k", "1", "-o", str(o)], jsonl=False),
    Command("forensics trace", lambda: json.dumps({"name": NAME, "phone": PHONE}, ensure_ascii=False) + "\n", ".jsonl",
            lambda i, o, w: ["forensics", "trace", "--leak", str(i), "--datamap", str(_trace_files(w)[0]),
                             "--records", str(_trace_files(w)[1]), "--events", str(_trace_files(w)[2])],
            output=False),
    Command("scan", lambda: f"姓名,手机\n{NAME},{PHONE}\n", ".csv",
            lambda i, o, w: ["scan", str(i), "--db", f"sqlite:///{w / 'inv.db'}", "--json", str(o)], jsonl=False,
            db=True),
]

ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "gbk": lambda t: t.encode("gbk"), "gb18030": lambda t: t.encode("gb18030"),
    "utf-16": lambda t: t.encode("utf-16"), "bom": lambda t: codecs.BOM_UTF8 + t.encode(),
}
CASES = ["empty", "binary", *ENCODINGS, "invalid-line", "long-line", "missing-path", "unwritable-output",
         "missing-output-folder", "bad-db-url"]


def _long_line(command: Command) -> bytes:
    size = LONG_MB * 1_000_000
    filler = (FILLER * (size // len(FILLER.encode()) + 1))[: size // 3]  # CJK is 3 bytes a character
    if command.name == "mask risk":
        return f"age,postcode,gender\n34,310012,{filler}\n".encode()
    if command.name == "mask table" or command.name == "scan":
        return f"姓名,手机,备注\n{NAME},{PHONE},{filler}\n".encode()
    if command.name == "policy lint":
        return f"name: {filler}\n".encode()
    if command.name == "mask waybill":
        return json.dumps({"waybill_no": "SF1", "carrier": filler, "sender": {"name": NAME, "phone": PHONE,
                                                                              "address": "北京"}},
                          ensure_ascii=False).encode() + b"\n"
    if command.name == "forensics trace":
        return json.dumps({"name": NAME, "phone": PHONE, "note": filler}, ensure_ascii=False).encode() + b"\n"
    if command.name in ("audit import", "forensics anomalies"):
        line = json.loads(command.content().splitlines()[0]) | {"note": filler}
        return json.dumps(line, ensure_ascii=False).encode() + b"\n"
    return json.dumps({"id": "long", "text": f"{NAME}{PHONE}{filler}"}, ensure_ascii=False).encode() + b"\n"


def _prepare(command: Command, case: str, work: Path) -> tuple[list[str], Path] | None:
    """The arguments for this cell and the final output path; None where the cell does not apply."""
    src = work / f"in{command.suffix}"
    out = work / ("labels" if command.name == "mask waybill" else f"out{command.suffix if command.suffix != '.yaml' else '.json'}")
    good = command.content()
    if case == "empty":
        src.write_bytes(b"")
    elif case == "binary":
        src.write_bytes(bytes(range(256)) * 64)
    elif case in ENCODINGS:
        src.write_bytes(ENCODINGS[case](good))
    elif case == "invalid-line":
        if not command.jsonl:
            return None
        lines = good.splitlines(keepends=True)
        src.write_text(lines[0] + '{"id": "broken", "text": ' + PHONE + "\n" + "".join(lines[1:]), "utf-8")
    elif case == "long-line":
        src.write_bytes(_long_line(command))
    elif case == "missing-path":
        src = work / f"absent{command.suffix}"
    else:
        src.write_text(good, "utf-8")
    args = command.args(src, out, work)
    if case == "unwritable-output":
        if not command.output:
            return None
        (work / "a-file").write_text("x")
        out = work / "a-file" / out.name
        args = command.args(src, out, work)
    elif case == "missing-output-folder":
        if not command.output or command.name == "mask waybill":  # a label folder is created, like mkdir -p
            return None
        out = work / "no-such-folder" / out.name
        args = command.args(src, out, work)
    elif case == "bad-db-url":
        if not command.db:
            return None
        args = [a if not a.startswith("sqlite:") else "postgresql+psycopg://u:pw-secret@127.0.0.1:1/x" for a in args]
    return args, out


# exit statuses each case may end with (docs/cli.md): 0 done, 1 problems found, 2 input error, 3 partial
ALLOWED = {"empty": {0, 2}, "binary": {2}, "gbk": {0}, "gb18030": {0}, "utf-16": {0}, "bom": {0},
           "invalid-line": {3}, "long-line": {0, 2, 3}, "missing-path": {2}, "unwritable-output": {2},
           "missing-output-folder": {2}, "bad-db-url": {2}}
# words the message must hold (each entry: one of its alternatives)
SAID = {"binary": [("binary",)], "missing-path": [("absent",), ("no such file", "does not exist")],
        "unwritable-output": [("a-file",)], "missing-output-folder": [("no-such-folder",)],
        "bad-db-url": [("127.0.0.1:1",), ("connection refused",)], "invalid-line": [("2",)]}
LINT = {"long-line": {1, 2}, "invalid-line": {1}}  # policy lint: a file that is no policy is a problem found (1)
WHOLE = {"invalid-line": {2}}  # forensics trace: a leak sample with a broken line is refused whole


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch, piwarden_home: Path) -> None:
    monkeypatch.setenv(ENV_KEY, KeyRing.generate().export())


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_cell(tmp_path: Path, command: Command, case: str) -> None:
    prepared = _prepare(command, case, tmp_path)
    if prepared is None:
        pytest.skip(f"{case} does not apply to {command.name}")
    args, out = prepared
    result = runner.invoke(app, args)
    text = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in text, text[-2000:]
    allowed = (LINT.get(case, ALLOWED[case]) if command.name == "policy lint" else
               WHOLE.get(case, ALLOWED[case]) if command.name == "forensics trace" else ALLOWED[case])
    assert result.exit_code in allowed, f"{command.name} / {case}: exit {result.exit_code}\n{text[-1500:]}"
    flat = re.sub(r"[\s│╭╮╰╯─]+", "", text)  # click's error box wraps long paths at the terminal's width
    for words in SAID.get(case, ()):
        assert any(w.replace(" ", "") in flat for w in words), \
            f"{command.name} / {case}: none of {words} said in\n{text[-1500:]}"
    for value in PI:
        assert value not in text.replace(str(tmp_path), ""), f"{command.name} / {case} printed a value"
    if result.exit_code == 2 and command.output:
        assert not out.exists() or (out.is_dir() and not any(out.iterdir())), f"{out} written though nothing was done"
    assert not list(tmp_path.rglob("*.part")), "a temporary output was left behind"
