"""``piwarden audit`` through Typer's in-process runner, mounted in a throwaway app."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from piwarden.audit.hasher import hash_leaf
from piwarden.audit.proof import verify_consistency, verify_inclusion
from piwarden.cli.audit import app as audit_app
from piwarden.events import canonical_json, parse_event

from .conftest import make_event

root = typer.Typer()
root.add_typer(audit_app, name="audit")
runner = CliRunner()


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(root, ["audit", *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def test_append_from_argument_and_stdin_use_the_home_database(piwarden_home: Path) -> None:
    assert run("append", json.dumps(make_event(0))) == (0, "0\n", "")
    code, out, _ = run("append", input=json.dumps(make_event(1)))
    assert (code, out) == (0, "1\n")
    assert (piwarden_home / "piwarden.db").exists()


def test_append_rejects_bad_event_without_echo(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    code, _, errout = run("append", json.dumps(make_event(0, ts="13812345678")), "--db", db)
    assert code == 2 and "ts" in errout and "13812345678" not in errout


def test_import_reports_bad_lines_and_keeps_good_ones(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    lines = [json.dumps(make_event(i)) for i in range(6)]
    lines[2] = json.dumps(make_event(2, action="peek"))
    lines[4] = "{not json"
    src = tmp_path / "events.jsonl"
    src.write_text("\n".join(lines) + "\n")
    code, _, errout = run("import", str(src), "--db", db, "--progress")
    assert code == 3  # partial: some lines refused
    assert "line 3: action" in errout and "line 5: (json)" in errout and "imported 4 events, rejected 2" in errout
    code, out, _ = run("query", "--db", db, "--actor", make_event(5)["actor"])
    assert [json.loads(x)["event"]["id"] for x in out.splitlines()] == ["e-000005"]


def test_head_prove_export_verify_round_trip(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    src = tmp_path / "events.jsonl"
    src.write_text("".join(json.dumps(make_event(i)) + "\n" for i in range(10)))
    assert run("import", str(src), "--db", db)[0] == 0
    code, note, _ = run("head", "--db", db)
    assert code == 0 and note.splitlines()[1] == "10"

    code, out, _ = run("prove", "--index", "3", "--db", db)
    p = json.loads(out)
    leaf = hash_leaf(canonical_json(parse_event(make_event(3))))
    verify_inclusion(3, 10, leaf, [base64.b64decode(h) for h in p["proof"]], base64.b64decode(p["root"]))
    code, out, _ = run("prove", "--old", "4", "--db", db)
    p = json.loads(out)
    verify_consistency(4, 10, [base64.b64decode(h) for h in p["proof"]], base64.b64decode(p["old_root"]),
                       base64.b64decode(p["root"]))
    assert run("prove", "--db", db)[0] != 0

    assert run("export", str(tmp_path / "bundle"), "--db", db)[0] == 0
    vkey = (tmp_path / "bundle" / "key.vkey").read_text().strip()
    code, out, _ = run("verify", str(tmp_path / "bundle"), "--key", vkey)
    assert code == 0 and out.startswith("OK: 10 events")
    events = tmp_path / "bundle" / "events.jsonl"
    events.write_bytes(events.read_bytes().replace(b"e-000007", b"e-000070"))
    code, out, _ = run("verify", str(tmp_path / "bundle"), "--key", vkey)
    assert code == 1 and "first bad index: 7" in out


def test_query_filters_and_proofs(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    src = tmp_path / "events.jsonl"
    src.write_text("".join(json.dumps(make_event(i)) + "\n" for i in range(30)))
    run("import", str(src), "--db", db)
    code, out, _ = run("query", "--db", db, "--subject", "c-3", "--since", "2026-03-04T00:00:00+08:00",
                       "--until", "2026-03-20T00:00:00Z", "--proofs")
    rows = [json.loads(x) for x in out.splitlines()]
    assert code == 0 and rows and all("c-3" in r["event"]["subjects"] for r in rows)
    assert all(len(r["proof"]) in (4, 5) for r in rows)
    assert run("query", "--db", db, "--since", "yesterday")[0] == 2


def test_purge_command(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    for i in range(6):
        assert run("append", json.dumps(make_event(i)), "--db", db)[0] == 0
    code, out, _ = run("purge", "--before", "2026-03-04T00:00:00+08:00", "--db", db)
    assert code == 0 and out.startswith("purged 3 event bodies"), out
    code, out, _ = run("query", "--since", "2026-03-01T00:00:00+08:00", "--db", db)
    assert [json.loads(x)["event"] is None for x in out.splitlines()] == [True] * 3 + [False] * 3
    assert run("purge", "--db", db)[0] == 2


def test_witness_publish_and_verify_with_the_witness_file(tmp_path: Path, monkeypatch: object) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    for i in range(4):
        run("append", json.dumps(make_event(i)), "--db", db)
    code, out, err = run("witness", "publish", "--dir", str(tmp_path / "w"), "--db", db)
    assert code == 0 and "directory witness: appended" in out, err
    witness_file = tmp_path / "w" / "checkpoints.jsonl"
    assert run("export", str(tmp_path / "b"), "--db", db)[0] == 0
    vkey = (tmp_path / "b" / "key.vkey").read_text().strip()
    assert run("witness", "check-file", str(witness_file), "--key", vkey)[:2] == (
        0, "OK: 1 checkpoints, each extending the one before\n")
    code, out, _ = run("verify", str(tmp_path / "b"), "--key", vkey, "--witness-file", str(witness_file))
    assert code == 0 and out.startswith("OK: 4 events")
    assert run("witness", "publish", "--db", db)[0] == 2  # nothing configured


def test_witness_timestamps_command(tmp_path: Path) -> None:
    from .tsa_server import LocalTSA, running_tsa

    db = f"sqlite:///{tmp_path / 'a.db'}"
    run("append", json.dumps(make_event(0)), "--db", db)
    tsa = LocalTSA()
    (tmp_path / "tsa.pem").write_bytes(tsa.cert_pem)
    with running_tsa(tsa) as url:
        code, out, err = run("witness", "publish", "--tsa-url", url, "--tsa-cert", str(tmp_path / "tsa.pem"),
                             "--db", db)
    assert code == 0 and "timestamp: " in out, err
    code, out, _ = run("witness", "timestamps", "--tsa-cert", str(tmp_path / "tsa.pem"), "--db", db)
    assert code == 0 and json.loads(out)["ok"] is True and json.loads(out)["size"] == 1


def test_append_reads_gbk_and_utf16_from_a_file_or_standard_input(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    event = json.dumps(make_event(0, resource="订单"), ensure_ascii=False)
    (tmp_path / "e.json").write_bytes(event.encode("gbk"))
    assert run("append", str(tmp_path / "e.json"), "--db", db)[:2] == (0, "0\n")
    result = runner.invoke(root, ["audit", "append", "--db", db],
                           input=json.dumps(make_event(1, resource="订单"), ensure_ascii=False).encode("utf-16"))
    assert (result.exit_code, result.stdout) == (0, "1\n"), result.output
    code, _, errout = run("append", str(tmp_path / "absent.json"), "--db", db)
    assert code == 2 and "absent.json: no such file" in errout
