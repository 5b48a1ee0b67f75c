"""Unexpected errors print their type only (the message might hold a value); ``--debug`` shows the traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from piwarden.cli import app
from piwarden.cli import detect as detect_cli

runner = CliRunner()


def _boom(*args: object) -> None:
    raise RuntimeError("value 13812345678 inside")


def test_unexpected_error_without_and_with_debug(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "x"}\n', "utf-8")
    monkeypatch.setattr(detect_cli, "check_io", _boom)
    result = runner.invoke(app, ["detect", str(src)])
    assert result.exit_code == 2 and "unexpected RuntimeError" in result.output and "--debug" in result.output
    assert "13812345678" not in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["--debug", "detect", str(src)])
    assert isinstance(result.exception, RuntimeError)  # raised: the traceback is shown


def test_an_os_error_names_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(*args: object) -> None:
        raise PermissionError(13, "Permission denied", str(tmp_path / "out"))

    monkeypatch.setattr(detect_cli, "check_io", denied)
    result = runner.invoke(app, ["detect", "-"], input="")
    assert result.exit_code == 2 and f"{tmp_path / 'out'}: Permission denied" in result.output.replace("\n", "")
