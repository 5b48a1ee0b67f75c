"""``audit verify`` names what is missing or changed: the file, the key option, the first missing index."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from piwarden.cli import app

from .conftest import make_event

runner = CliRunner()


def _bundle(tmp_path: Path, n: int = 10) -> tuple[Path, str]:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    src = tmp_path / "events.jsonl"
    src.write_text("".join(json.dumps(make_event(i)) + "\n" for i in range(n)))
    assert runner.invoke(app, ["audit", "import", str(src), "--db", db]).exit_code == 0
    bundle = tmp_path / "bundle"
    assert runner.invoke(app, ["audit", "export", str(bundle), "--db", db]).exit_code == 0
    return bundle, (bundle / "key.vkey").read_text().strip()


def _verify(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["audit", "verify", *args])
    return result.exit_code, result.output


def test_missing_bundle_missing_file_and_wrong_key_are_named(tmp_path: Path, piwarden_home: Path) -> None:
    code, out = _verify(str(tmp_path / "nope"))
    assert code == 2 and "no such bundle" in out and "witness" not in out
    bundle, vkey = _bundle(tmp_path)
    code, out = _verify(str(bundle), "--key", "not-a-key")
    assert code == 1 and "--key is not a verifier key" in out and "witness" not in out
    (bundle / "proofs.json").unlink()
    code, out = _verify(str(bundle), "--key", vkey)
    assert code == 1 and "proofs.json is missing" in out and "FileNotFoundError" not in out
    code, out = _verify(str(bundle), "--key", vkey, "--witness-file", str(tmp_path / "absent.jsonl"))
    assert code == 1 and "witness file" in out and "no such file" in out


def test_a_bundle_cut_at_a_line_boundary_names_the_first_missing_index(tmp_path: Path, piwarden_home: Path) -> None:
    bundle, vkey = _bundle(tmp_path, 10)
    events = bundle / "events.jsonl"
    events.write_text("".join(events.read_text().splitlines(keepends=True)[:6]))
    code, out = _verify(str(bundle), "--key", vkey)
    assert code == 1 and "first bad index: 6" in out and "events 6 to 9 are missing" in out
