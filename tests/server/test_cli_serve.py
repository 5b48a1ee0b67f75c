"""`piwarden serve` and `piwarden audit serve` as a user runs them: real uvicorn in a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from piwarden.cli import app
from piwarden.cli.serve import service_options

from .conftest import AUTH, TOKEN, event

PLUGIN = textwrap.dedent('''
    from fastapi import APIRouter
    from piwarden.hookspecs import hookimpl
    from piwarden.server.scopes import Scope, requires

    router = APIRouter()

    @router.get("/hello", dependencies=[requires(Scope.AUDIT_READ)])
    def hello() -> dict[str, str]:
        """Say hello."""
        return {"hello": "world"}

    @hookimpl
    def piwarden_api_routers():
        return [router]
''')
# The command line, with the plugin registered first (as an installed plugin's entry point would be).
MAIN = ("import greet_plugin; from piwarden.plugins import plugin_manager; "
        "plugin_manager().register(greet_plugin); from piwarden.cli import app; app()")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(tmp_path: Path, *command: str) -> Iterator[str]:
    """``piwarden <command> --port P --db ...`` in a subprocess; yields its base URL once it answers."""
    (tmp_path / "greet_plugin.py").write_text(PLUGIN, "utf-8")
    port = free_port()
    env = {**os.environ, "PIWARDEN_HOME": str(tmp_path / "home"), "PIWARDEN_AUDIT_TOKEN": TOKEN,
           "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", MAIN, *command, "--port", str(port), "--db",
                             f"sqlite:///{tmp_path / 'a.db'}"], env=env, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"{command} did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(20)


def test_serve_runs_every_router_and_audit_serve_the_audit_routes(tmp_path: Path) -> None:
    with running(tmp_path, "serve") as base:
        assert httpx.get(f"{base}/hello").json() == {"hello": "world"}
        assert set(httpx.get(f"{base}/openapi.json").json()["paths"]) >= {"/hello", "/audit/events"}
        assert httpx.post(f"{base}/audit/events", json=event(0)).status_code == 401
        assert httpx.post(f"{base}/audit/events", json=event(0), headers=AUTH).json() == {"index": 0, "size": 1}
        assert httpx.get(f"{base}/docs").status_code == 200
    with running(tmp_path, "audit", "serve") as base:
        assert httpx.get(f"{base}/hello").status_code == 404
        assert httpx.get(f"{base}/audit/head").json()["size"] == 1


def test_serve_refuses_a_bad_database_in_words(tmp_path: Path) -> None:
    for command in (["serve"], ["audit", "serve"]):
        result = CliRunner().invoke(app, [*command, "--host", "0.0.0.0", "--db", "nosuchdb://user:pw@host/x"],
                                    env={"PIWARDEN_AUDIT_TOKEN": ""})
        assert result.exit_code == 2, result.output
        assert "PIWARDEN_AUDIT_TOKEN is not set; anyone who reaches 0.0.0.0" in result.output
        assert "error: no audit store for" in result.output and "pw" not in result.output


def test_service_options_read_the_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_TOKEN", "abc")
    options = service_options("0.0.0.0", 9000, "MY_TOKEN")
    assert (options.host, options.port, options.token, options.token_source) == ("0.0.0.0", 9000, "abc", "MY_TOKEN")
    assert "abc" not in repr(options)
    monkeypatch.setenv("MY_TOKEN", "")
    assert service_options("127.0.0.1", 1, "MY_TOKEN").token is None
