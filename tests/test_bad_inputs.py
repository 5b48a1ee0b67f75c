"""The bad-input matrix (issue 16): every command that reads a file, writes one or takes a database URL x
the inputs real platforms produce (the commands left out, and why, are listed under COMMANDS).

Each cell runs the real CLI in process and checks: no traceback, an exit status from the
documented table (docs/cli.md), a message naming the problem, no personal value in any
message, and nothing under the final output name (nor a temporary file) when the command
did not finish. Interruption and re-runs are tests/test_interrupt.py.
"""

from __future__ import annotations

import codecs
import contextlib
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
    content: Callable[[], str | bytes] | None  # a good input (None: the command reads no file)
    suffix: str
    args: Callable[[Path, Path, Path], list[str]]  # (input, output, work folder) -> arguments
    output: bool = True  # writes a file (or a folder) named by an argument
    jsonl: bool = True  # line-oriented JSON input: an invalid line is skipped, the rest done
    db: bool = False  # takes --db
    text: bool = True  # the input is text (not an image): the encodings and the long line apply
    setup: Callable[[Path], None] | None = None  # prepares the work folder (a log, a bundle, images)
    codes: dict[str, set[int]] | None = None  # exit statuses that differ from ALLOWED, and why (see each)
    makes_folder: bool = False  # the output is a folder created with its parents, like mkdir -p


def _run_ok(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, f"setup {args[:3]}: {result.output[-800:]}"


def _log(work: Path) -> str:
    """A SQLite audit log holding the three events, in the work folder (its URL)."""
    url = f"sqlite:///{work / 'audit.db'}"
    if not (work / "audit.db").exists():
        (work / "events-setup.jsonl").write_text(_events(), "utf-8")
        _run_ok(["audit", "import", str(work / "events-setup.jsonl"), "--db", url])
    return url


def _bundle(work: Path) -> None:
    """The log exported as a bundle (work/bundle) and published to a directory witness (work/witness)."""
    url = _log(work)
    _run_ok(["audit", "export", str(work / "bundle"), "--db", url])
    _run_ok(["audit", "witness", "publish", "--dir", str(work / "witness"), "--db", url])


def _vkey(work: Path) -> str:
    from piwarden.audit.bundle import FILES

    return (work / "bundle" / FILES["key"]).read_text("ascii").strip()


def _witness_file(work: Path) -> Path:
    from piwarden.audit.witness import WITNESS_FILE

    return work / "witness" / WITNESS_FILE


def _png(seed: int) -> bytes:
    import io
    import random

    from PIL import Image

    rng = random.Random(seed)
    image = Image.new("RGB", (240, 150), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    for _ in range(40):
        x, y = rng.randrange(220), rng.randrange(130)
        image.paste((rng.randrange(256), rng.randrange(256), rng.randrange(256)), (x, y, x + 20, y + 20))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _images(work: Path) -> None:
    (work / "img").mkdir(exist_ok=True)
    for i in range(2):
        (work / "img" / f"d{i}.png").write_bytes(_png(i))


def _package_text(module: str, name: str) -> Callable[[], str]:
    from importlib import resources

    return lambda: resources.files(module).joinpath(name).read_text("utf-8")


def _vault_key() -> None:
    """The vault's key in the home (as `vault demo` or the first `serve` would make it)."""
    from piwarden.settings import load_settings
    from piwarden.vault.keystore import load_kek_ring

    load_kek_ring(load_settings(), create=True)


def _datamap(processing: bool = False) -> str:
    """A small data map (a Chinese party name, so the encodings matter); with a processing activity for pipia."""
    text = ("v: 1\nfields: {name: PERSON, phone: PHONE}\nparties:\n  - id: merchant:M1\n    kind: 商户\n"
            "    receives: [name]\n    masked: [phone]\n")
    if processing:
        text += "processing:\n  - id: fulfilment\n    purpose: 发货\n    fields: [name, phone]\n" \
                "    recipients: [merchant:M1]\n    retention_days: 90\n"
    return text


def _evidence_pack(work: Path) -> None:
    """The subject c-000001's evidence pack of the work folder's log (work/pack), for `evidence verify`."""
    if not (work / "pack").exists():
        _run_ok(["evidence", "subject", "c-000001", "--db", _log(work), "-o", str(work / "pack"), "--no-pdf"])


def _incident(work: Path) -> None:
    """An incident opened in the work folder's database; its id in work/incident-id."""
    if (work / "incident-id").exists():
        return
    (work / "subjects.txt").write_text("c-000001\n", "utf-8")
    result = runner.invoke(app, ["incident", "open", "--title", "t", "--subjects", str(work / "subjects.txt"),
                                 "--db", _log(work)])
    assert result.exit_code == 0, result.output[-800:]
    (work / "incident-id").write_text(result.stdout.split()[1].rstrip(":"), "utf-8")


def _event_line() -> str:
    return _events().splitlines()[0]


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
    # audit: one event from a file (or standard input), the bundle's --key, a witness's file, and the
    # commands that only take --db or write a folder
    Command("audit append", _event_line, ".json",
            lambda i, o, w: ["audit", "append", str(i), "--db", f"sqlite:///{w / 'audit.db'}"], output=False,
            jsonl=False, db=True, codes={"empty": {2}, "long-line": {0, 2}}),
    Command("audit export", None, "", lambda i, o, w: ["audit", "export", str(o), "--db", _log(w)], db=True),
    Command("audit verify", lambda: "", ".vkey",  # the input: the pinned --key file (content set by setup)
            lambda i, o, w: ["audit", "verify", str(w / "bundle"), "--key", str(i)], output=False, jsonl=False,
            setup=_bundle, codes={"empty": {1, 2}, "long-line": {1, 2}}),  # no key in the file: verification fails
    Command("audit witness check-file", lambda: "", ".jsonl",  # the input: the witness's file (set by setup)
            lambda i, o, w: ["audit", "witness", "check-file", str(i), "--key", _vkey(w)], output=False,
            setup=_bundle, codes={"invalid-line": {1}, "long-line": {1}, "empty": {0, 1}}),  # a bad file fails
    Command("audit witness publish", None, "",
            lambda i, o, w: ["audit", "witness", "publish", "--dir", str(o), "--db", _log(w)], db=True,
            makes_folder=True),
    Command("audit head", None, "", lambda i, o, w: ["audit", "head", "--db", _log(w)], output=False, db=True),
    Command("audit query", None, "", lambda i, o, w: ["audit", "query", "--actor", "cs-1", "--db", _log(w)],
            output=False, db=True),
    Command("audit prove", None, "", lambda i, o, w: ["audit", "prove", "--index", "0", "--db", _log(w)],
            output=False, db=True),
    Command("audit purge", None, "", lambda i, o, w: ["audit", "purge", "--below-index", "1", "--db", _log(w)],
            output=False, db=True),
    # forensics: the documents' subject map and images, honeytokens, watermarks, feedback, simulate
    Command("documents index", lambda: "file,subject,account\nd0.png,s0,a0\nd1.png,s1,a1\n", ".csv",
            lambda i, o, w: ["forensics", "documents", "index", str(w / "img"), "--subject-map", str(i),
                             "--index", str(o), "--db", f"sqlite:///{w / 'docs.db'}"],
            jsonl=False, db=True, setup=_images, makes_folder=True,
            codes={"empty": {2}, "long-line": {0, 2, 3}}),
    Command("documents check", lambda: _png(7), ".png",
            lambda i, o, w: ["forensics", "documents", "check", str(i), "--subject", "s9", "--account", "a9",
                             "--index", str(w / "idx"), "--db", f"sqlite:///{w / 'docs.db'}"],
            output=False, jsonl=False, db=True, text=False),
    Command("documents stamp", lambda: _png(8), ".png",
            lambda i, o, w: ["forensics", "documents", "stamp", str(i), "--purpose", "仅供认证使用",
                             "--recipient", "r-1", "-o", str(o.with_suffix(".png")), "--index", str(w / "idx"),
                             "--db", f"sqlite:///{w / 'docs.db'}"], jsonl=False, db=True, text=False),
    Command("documents mark", lambda: _png(9), ".png",
            lambda i, o, w: ["forensics", "documents", "mark", str(i), "--index", str(w / "idx"),
                             "--db", f"sqlite:///{w / 'docs.db'}"],
            output=False, jsonl=False, db=True, text=False, codes={"gbk": {0, 1}}),  # no mark found: 1
    Command("honeytokens check", _events, ".jsonl",
            lambda i, o, w: ["forensics", "honeytokens", "check", "--registry", str(w / "reg.json"),
                             "--events", str(i)], output=False,
            setup=lambda w: _run_ok(["forensics", "honeytokens", "plant", "--registry", str(w / "reg.json"),
                                     "--party", "merchant:M1", "--key", "k" * 32])),
    Command("honeytokens plant", None, "",
            lambda i, o, w: ["forensics", "honeytokens", "plant", "--registry", str(o), "--party", "merchant:M1",
                             "--key", "k" * 32]),
    Command("watermarks mark", lambda: f"subject,name,phone\nc-1,{NAME},{PHONE}\n", ".csv",
            lambda i, o, w: ["forensics", "watermarks", "mark", "--in", str(i), "--out", str(o),
                             "--export-id", "x-1", "--party", "merchant:M1", "--registry", str(w / "wm.json"),
                             "--key", "k" * 32], jsonl=False),
    Command("forensics feedback", lambda: '{"entries": []}\n', ".json",
            lambda i, o, w: ["forensics", "feedback", "--file", str(i)], output=False, jsonl=False),
    Command("forensics simulate", None, "",
            lambda i, o, w: ["forensics", "simulate", "--out", str(o), "--days", "1", "--scale", "0.01"],
            makes_folder=True),
    # vault: record types and access policy files, the watermark registry it writes, its database
    Command("vault types", _package_text("piwarden.vault", "record_types.yaml"), ".yaml",
            lambda i, o, w: ["vault", "types", "--file", str(i)], output=False, jsonl=False,
            codes={"empty": {1}, "binary": {1, 2}, "long-line": {1, 2}}),  # a file that is no type list: 1
    Command("vault policy check", _package_text("piwarden.vault", "policy.yaml"), ".yaml",
            lambda i, o, w: ["vault", "policy", "check", str(i)], output=False, jsonl=False,
            codes={"empty": {1}, "binary": {1, 2}, "long-line": {1, 2}}),
    Command("vault exports", None, "",
            lambda i, o, w: ["vault", "exports", "--registry", str(o), "--db", f"sqlite:///{w / 'vault.db'}"],
            db=True, setup=lambda w: _vault_key()),
    Command("vault account list", None, "",
            lambda i, o, w: ["vault", "account", "list", "--db", f"sqlite:///{w / 'vault.db'}"], output=False,
            db=True),
    # evidence and incidents: the data map, a leak sample, the pinned key, the subjects file; packs and letters
    # are folders
    Command("evidence subject", _datamap, ".yaml",
            lambda i, o, w: ["evidence", "subject", "c-000001", "--datamap", str(i), "-o", str(o), "--db", _log(w),
                             "--no-pdf"], jsonl=False, db=True),
    Command("evidence leak", lambda: json.dumps({"name": NAME, "phone": PHONE}, ensure_ascii=False) + "\n", ".jsonl",
            lambda i, o, w: ["evidence", "leak", str(i), "--records", str(_trace_files(w)[1]), "--datamap",
                             str(_trace_files(w)[0]), "-o", str(o), "--db", _log(w), "--no-pdf"],
            db=True, codes={"invalid-line": {2}}),  # a leak sample with a broken line is refused whole, as by trace
    Command("evidence pipia", lambda: _datamap(processing=True), ".yaml",
            lambda i, o, w: ["evidence", "pipia", "fulfilment", "--datamap", str(i), "-o", str(o), "--no-pdf",
                             "--db", f"sqlite:///{w / 'p.db'}"], jsonl=False, db=True),
    Command("evidence verify", lambda: "", ".vkey",  # the input: the pinned --key file (content set below)
            lambda i, o, w: ["evidence", "verify", str(w / "pack"), "--key", f"@{i}"], output=False, jsonl=False,
            setup=_evidence_pack, codes={"empty": {2}, "long-line": {1, 2}}),
    Command("evidence incident", None, "",
            lambda i, o, w: ["evidence", "incident", (w / "incident-id").read_text("utf-8"), "-o", str(o),
                             "--db", _log(w), "--no-pdf"], db=True, setup=_incident),
    Command("incident open", lambda: "c-000001\nc-000002\n", ".txt",
            lambda i, o, w: ["incident", "open", "--title", "t", "--subjects", str(i), "--db", _log(w)],
            output=False, jsonl=False, db=True),
    Command("incident notify", None, "",
            lambda i, o, w: ["incident", "notify", (w / "incident-id").read_text("utf-8"), "-o", str(o),
                             "--db", _log(w)], db=True, setup=_incident),
    Command("db current", None, "", lambda i, o, w: ["db", "current", "--db", f"sqlite:///{w / 'p.db'}"],
            output=False, db=True),
    Command("db upgrade", None, "", lambda i, o, w: ["db", "upgrade", "--db", f"sqlite:///{w / 'p.db'}"],
            output=False, db=True),
]
# Commands not in the matrix, and why: `evidence demo` reads no file; `incident list/show/act/report/close` open
# the database as `incident notify` does (one cell stands for them); `ner train` / `ner eval` read a corpus folder and train for minutes
# (tests/ner); `serve` / `audit serve` take their input over HTTP (tests/server, tests/audit/test_http.py);
# `demo`, `vault demo`, `types`, `recognizers`, `config`, `home`, `policy default`, `db history` read no
# file; `vault rotate`, `recover`, `alerts`, `holds`, `hold`, `release`, `account add/disable/totp`, `key
# add/revoke` open the vault database as `vault account list` does (one cell stands for them);
# `audit witness timestamps` reads a TSA certificate (tests/audit/test_witness.py); `mask policy lint` is
# `policy lint`; the other `scan` outputs (--report-html, --csv, --sarif) are written as --json is.

ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "gbk": lambda t: t.encode("gbk"), "gb18030": lambda t: t.encode("gb18030"),
    "utf-16": lambda t: t.encode("utf-16"), "bom": lambda t: codecs.BOM_UTF8 + t.encode(),
}
CASES = ["empty", "binary", *ENCODINGS, "invalid-line", "long-line", "missing-path", "unwritable-output",
         "missing-output-folder", "bad-db-url", "wrong-password"]
WRONG_PASSWORD = "mysql+pymysql://root:pw-secret@127.0.0.1:3306/test"  # the test MariaDB: root has no password


def _long_line(command: Command) -> bytes:
    size = LONG_MB * 1_000_000
    filler = (FILLER * (size // len(FILLER.encode()) + 1))[: size // 3]  # CJK is 3 bytes a character
    if command.name == "mask risk":
        return f"age,postcode,gender\n34,310012,{filler}\n".encode()
    if command.name in ("documents index", "watermarks mark"):
        return (_good(command, Path()) if command.name == "watermarks mark" else "file,subject,account\n").encode() \
            + f"d0.png,{filler},a0\n".encode()
    if command.name in ("audit verify", "vault types", "vault policy check", "evidence verify", "evidence subject",
                        "evidence pipia", "incident open"):
        return filler.encode() + b"\n"
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
    if command.name in ("audit import", "forensics anomalies", "audit append", "honeytokens check",
                        "audit witness check-file"):
        if command.name == "audit witness check-file":
            return json.dumps({"note": filler}).encode() + b"\n"
        line = json.loads(command.content().splitlines()[0]) | {"note": filler}
        return json.dumps(line, ensure_ascii=False).encode() + b"\n"
    return json.dumps({"id": "long", "text": f"{NAME}{PHONE}{filler}"}, ensure_ascii=False).encode() + b"\n"


def _good(command: Command, work: Path) -> str | bytes:
    """A good input for ``command`` (for the verify key and the witness file: made by the setup)."""
    if command.name == "audit verify":
        return _vkey(work) + "\n"
    if command.name == "evidence verify":
        return (work / "pack" / "key.vkey").read_text("ascii")
    if command.name == "audit witness check-file":
        return _witness_file(work).read_text("utf-8")
    assert command.content is not None
    return command.content()


def _not_applicable(command: Command, case: str) -> str | None:
    """Why ``case`` does not apply to ``command``; None when it does."""
    if command.content is None and case in (*ENCODINGS, "empty", "binary", "invalid-line", "long-line",
                                            "missing-path"):
        return "reads no input file"
    if not command.text and case in (*ENCODINGS, "invalid-line", "long-line"):
        return "reads an image, not text"
    if (command.name.startswith(("audit", "incident")) or command.name in ("evidence subject", "evidence leak",
                                                                         "evidence incident")) \
            and case == "wrong-password":
        return ("the audit log lives on SQLite or PostgreSQL, and the test PostgreSQL trusts any password "
                "(tests/test_db_errors.py checks the message on a server that does not)")
    if command.name == "forensics feedback" and case == "missing-path":
        return "the feedback file is created when absent (its --help says so)"
    return None


def _prepare(command: Command, case: str, work: Path) -> tuple[list[str], Path] | None:
    """The arguments for this cell and the final output path; None where the cell does not apply."""
    if _not_applicable(command, case):
        return None
    if command.setup is not None:
        command.setup(work)
    src = work / f"in{command.suffix}"
    if command.makes_folder or command.name in ("audit export", "documents index") or \
            command.name.startswith("evidence") or command.name == "incident notify":
        out = work / "out-folder"
    else:
        out = work / ("labels" if command.name == "mask waybill" else
                      f"out{command.suffix if command.suffix not in ('.yaml', '') else '.json'}")
    good = _good(command, work) if command.content is not None else ""
    if isinstance(good, bytes):  # an image: the good bytes, else the case's bytes below
        src.write_bytes(good)
        good = ""
    if command.content is None:
        pass
    elif case == "empty":
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
    elif good:
        src.write_text(good, "utf-8")
    args = command.args(src, out, work)
    if case == "unwritable-output":
        if not command.output:
            return None
        (work / "a-file").write_text("x")
        out = work / "a-file" / out.name
        args = command.args(src, out, work)
    elif case == "missing-output-folder":
        if not command.output or command.name == "mask waybill" or command.makes_folder:  # created like mkdir -p
            return None
        out = work / "no-such-folder" / out.name
        args = command.args(src, out, work)
    elif case in ("bad-db-url", "wrong-password"):
        if not command.db:
            return None
        url = "postgresql+psycopg://u:pw-secret@127.0.0.1:1/x" if case == "bad-db-url" else WRONG_PASSWORD
        args = [a if not a.startswith("sqlite:") else url for a in args]
    return args, out


# exit statuses each case may end with (docs/cli.md): 0 done, 1 problems found, 2 input error, 3 partial
ALLOWED = {"empty": {0, 2}, "binary": {2}, "gbk": {0}, "gb18030": {0}, "utf-16": {0}, "bom": {0},
           "invalid-line": {3}, "long-line": {0, 2, 3}, "missing-path": {2}, "unwritable-output": {2},
           "missing-output-folder": {2}, "bad-db-url": {2}, "wrong-password": {2}}
# words the message must hold (each entry: one of its alternatives)
SAID = {"binary": [("binary", "not an image")], "missing-path": [("absent",), ("no such file", "does not exist")],
        "unwritable-output": [("a-file",)], "missing-output-folder": [("no-such-folder",)],
        "bad-db-url": [("127.0.0.1:1",), ("connection refused",)], "invalid-line": [("2",)],
        "wrong-password": [("127.0.0.1:3306",), ("user name or password",)]}
LINT = {"long-line": {1, 2}, "invalid-line": {1}}  # policy lint: a file that is no policy is a problem found (1)
WHOLE = {"invalid-line": {2}}  # forensics trace: a leak sample with a broken line is refused whole


def _needs_mariadb() -> None:
    """The wrong-password cells need the test MariaDB (skipped without it, except under CI)."""
    import pymysql

    try:
        pymysql.connect(host="127.0.0.1", port=3306, user="root", connect_timeout=3).close()
    except pymysql.MySQLError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"the test MariaDB is not reachable ({type(exc).__name__})")
    with contextlib.suppress(pymysql.MySQLError), pymysql.connect(host="127.0.0.1", port=3306, user="root",
                                                                  password="pw-secret", connect_timeout=3):
        pytest.skip("this server accepts any password for root")


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch, piwarden_home: Path) -> None:
    monkeypatch.setenv(ENV_KEY, KeyRing.generate().export())


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_cell(tmp_path: Path, command: Command, case: str) -> None:
    prepared = _prepare(command, case, tmp_path)
    if prepared is None:
        why = _not_applicable(command, case) or {
            "invalid-line": "its input is not JSON Lines", "bad-db-url": "it takes no database URL",
            "wrong-password": "it takes no database URL",
            "unwritable-output": "it writes no file", "missing-output-folder": "it writes no file, or makes its "
                                                                              "folder like mkdir -p"}.get(case, "")
        pytest.skip(f"{case} does not apply to {command.name}: {why}")
    args, out = prepared
    if case == "wrong-password":
        _needs_mariadb()
    result = runner.invoke(app, args)
    text = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in text, text[-2000:]
    allowed = (LINT.get(case, ALLOWED[case]) if command.name == "policy lint" else
               WHOLE.get(case, ALLOWED[case]) if command.name == "forensics trace" else
               (command.codes or {}).get(case, ALLOWED[case]))
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
