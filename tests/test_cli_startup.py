"""The command starts quickly: help and a command's start-up import nothing heavy (issue 21 point 4).

No timings here (they flake under load); the imports are what made start-up slow (~1 s), so a
heavy module coming back into these paths is what fails. benchmarks/cli_startup.py measures.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from piwarden.cli import COMMANDS, RootGroup, app

HEAVY = ("numpy", "sqlalchemy", "alembic", "cv2", "PIL", "fastapi", "starlette", "uvicorn", "pandas", "onnxruntime",
         "torch", "jinja2", "cryptography", "httpx", "yaml", "regex")
LIGHT = {"piwarden", "piwarden.cli", "piwarden.cli.common", "piwarden.entities", "piwarden.inputs", "piwarden.outputs"}

# Runs the CLI in a fresh interpreter and writes the modules it had imported, at exit or, with
# the callback swapped, when `forensics documents check` itself would have started its work.
PROBE = """
import functools, json, os, sys
out = sys.argv.pop(1)
def dump(**kw):
    with open(out, "w") as f:
        json.dump(sorted(sys.modules), f)
    os._exit(0)
if sys.argv[1:2] == ["enter"]:
    del sys.argv[1]
    import piwarden.cli.documents as d
    for info in d.app.registered_commands:
        if info.callback is d.check:
            info.callback = functools.wraps(d.check)(dump)
from piwarden.cli import app
try:
    app(sys.argv[1:], prog_name="piwarden")
except SystemExit:
    pass
dump()
"""


def _imported(tmp_path: Path, *args: str) -> set[str]:
    out = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", PROBE, str(out), *args], capture_output=True, text=True, timeout=120,
                          env=os.environ | {"PIWARDEN_HOME": str(tmp_path / "home")}, check=False)
    assert done.returncode == 0, done.stderr
    return set(json.loads(out.read_text("utf-8")))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def test_root_help_imports_no_sub_command(tmp_path: Path) -> None:
    modules = _imported(tmp_path, "--help")
    assert _heavy(modules) == []
    assert sorted(m for m in modules if m.startswith("piwarden")) == sorted(LIGHT)  # not even the settings


@pytest.mark.parametrize("args", [["forensics", "documents", "check", "--help"],
                                  ["enter", "forensics", "documents", "check", "x.png", "--subject", "s",
                                   "--account", "a"]], ids=["help", "start-up"])
def test_documents_check_imports_only_its_path(tmp_path: Path, args: list[str]) -> None:
    modules = _imported(tmp_path, *args)
    assert _heavy(modules) == []
    assert sorted(m for m in modules if m.startswith("piwarden")) == sorted(
        LIGHT | {"piwarden.cli.forensics", "piwarden.cli.documents", "piwarden.home", "piwarden.progress",
                 "piwarden.settings"})


def _first_paragraph(command: object) -> str:
    return inspect.cleandoc(getattr(command, "help", None) or "").split("\n\n")[0]


def test_every_lazy_help_is_the_commands_own() -> None:
    group = get_command(app)
    assert isinstance(group, RootGroup)
    for name, entry in COMMANDS.items():
        command = group.build(name, entry)
        assert (command.name, _first_paragraph(command)) == (name, entry.help)
        assert not (command.short_help or command.hidden or command.deprecated
                    or getattr(command, "rich_help_panel", None)), name


def test_root_help_is_the_same_once_every_command_is_loaded(capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    lazy, loaded = get_command(app), get_command(app)
    assert list(lazy.commands) == list(COMMANDS)  # type: ignore[attr-defined]
    for name in COMMANDS:
        loaded.commands[name]  # type: ignore[attr-defined]  # builds it
    shown = []
    for group in (lazy, loaded):
        assert group.main(["--help"], prog_name="piwarden", standalone_mode=False) == 0
        shown.append(capsys.readouterr().out)
    assert "recognizers" in shown[0]
    assert shown[0] == shown[1]


def test_a_mistyped_command_is_still_suggested() -> None:
    result = CliRunner().invoke(app, ["detec"])
    assert result.exit_code == 2
    assert "detect" in result.output
