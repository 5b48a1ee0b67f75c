"""Fixtures of the vault's tests: a vault in a fresh home (SQLite or PostgreSQL), its app, accounts and clients."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient

from piwarden.client import VaultClient
from piwarden.server import create_app
from piwarden.settings import clear_settings_cache
from piwarden.vault.policy import BUNDLED as BUNDLED_POLICY

PG_HOST = os.environ.get("PIWARDEN_TEST_PG_HOST", "127.0.0.1")
PASSWORD = "correct horse battery staple"
# Hours inside every time window of the bundled policy (Asia/Shanghai, a Wednesday).
WORKING = datetime.fromisoformat("2026-03-04T10:30:00+08:00")

# Values that look like PI to piwarden's detector (valid checksums): the storage and log tests look for them.
CUSTOMERS = [
    {"name": "欧阳娜娜", "phone": "13812345678", "email": "nana.ouyang@example.com", "id_number": "11010519491231002X",
     "address": "浙江省杭州市西湖区文三路90号", "birth_date": "1949-12-31"},
    {"name": "李建国", "phone": "13987654321", "email": "li.jianguo@example.cn", "id_number": "440308199901010012",
     "address": "广东省深圳市南山区科技园南路8号", "birth_date": "1999-01-01"},
]


def pg_scratch(suffix: str) -> str:
    """A new empty PostgreSQL database for this worker; skip without a server (fail under CI=true)."""
    name = (f"piwarden_test_{suffix}_" + os.environ.get("PIWARDEN_TEST_DB_TAG", "")
            + os.environ.get("PYTEST_XDIST_WORKER", "main"))
    try:
        import psycopg

        with psycopg.connect(host=PG_HOST, port=5432, user="postgres", dbname="test", connect_timeout=3,
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        reason = f"PostgreSQL not reachable at {PG_HOST}:5432 ({type(exc).__name__})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " and CI=true requires it")
        pytest.skip(reason)
    return f"postgresql+psycopg://postgres@{PG_HOST}:5432/{name}"


@dataclass
class Actors:
    """A running app (in process) and clients for each kind of caller."""

    app: Any
    http: TestClient
    service: VaultClient
    merchant_service: VaultClient
    cs: VaultClient
    courier: VaultClient
    analyst: VaultClient
    dpo: VaultClient

    def client(self, credential: str, **ctx: str | None) -> VaultClient:
        return VaultClient("http://testserver", credential, http=self.http, **ctx)


def add_people(rt: Any) -> dict[str, str]:
    """Accounts of the demo platform; returns a credential per account (API key or session-less password)."""
    ids = rt.identities
    ids.add_account("svc-platform", kind="service", roles=["service"], tenant="platform", party="platform.ops")
    ids.add_account("svc-m1", kind="service", roles=["service"], tenant="M0001", party="merchant:M0001")
    ids.add_account("cs-0042", kind="staff", roles=["customer_service"], tenant="platform", party="platform.cs",
                    password=PASSWORD)
    ids.add_account("courier-7", kind="service", roles=["courier"], tenant="SF", party="logistics:SF",
                    scopes=["vault:read"])
    ids.add_account("analyst-1", kind="staff", roles=["analyst"], tenant="platform", party="platform.bi",
                    password=PASSWORD)
    ids.add_account("dpo-1", kind="staff", roles=["dpo"], tenant="platform", party="platform.dpo",
                    scopes=["vault:read", "vault:erase", "vault:session"], password=PASSWORD)
    return {"svc-platform": ids.new_api_key("svc-platform"), "svc-m1": ids.new_api_key("svc-m1"),
            "courier-7": ids.new_api_key("courier-7")}


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: Any, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'piwarden.db'}" if request.param == "sqlite" else pg_scratch("vault")


def timeless_policy(tmp_path: Path, quotas: list[dict[str, Any]] | None = None) -> Path:
    """The bundled policy without its time windows and quotas (or with ``quotas``): API tests run at any hour and
    as often as they like (windows: test_policy.py; quotas: test_guards.py)."""
    data = yaml.safe_load(BUNDLED_POLICY.read_text("utf-8"))
    data.pop("quotas", None)
    if quotas:
        data["quotas"] = quotas
    for rule in data["rules"]:
        rule.pop("hours", None)
        rule.pop("days", None)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


@pytest.fixture
def actors(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Actors]:
    monkeypatch.setenv("PIWARDEN__DATABASE__URL", db_url)
    monkeypatch.setenv("PIWARDEN__VAULT__POLICY", str(timeless_policy(tmp_path)))
    clear_settings_cache()
    app = create_app(db_url, plugins=False)
    with TestClient(app) as http:
        keys = add_people(app.state.vault)

        def staff(account: str, **ctx: str) -> VaultClient:
            c = VaultClient("http://testserver", http=http, **ctx)
            c.login(account, PASSWORD)
            return c

        yield Actors(app, http, VaultClient("http://testserver", keys["svc-platform"], http=http),
                     VaultClient("http://testserver", keys["svc-m1"], http=http),
                     staff("cs-0042", purpose="after_sales", ticket="CS-1001"),
                     VaultClient("http://testserver", keys["courier-7"], http=http, purpose="delivery"),
                     staff("analyst-1", purpose="study"), staff("dpo-1", purpose="rights_request", ticket="R-1"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(home: Path, db: str, *extra: str, env: dict[str, str] | None = None,
           log: Path | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``piwarden serve`` in a subprocess on a free port; yields (base URL, process) once /ready answers 200."""
    port = free_port()
    environment = {**os.environ, "PIWARDEN_HOME": str(home), **(env or {})}
    environment.pop("PIWARDEN__DATABASE__URL", None)
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "piwarden.cli", "serve", "--port", str(port), "--db", db,
                             *extra], env=environment, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(base + "/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the server did not start (exit {proc.poll()})")
            time.sleep(0.2)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if log:
            out.close()  # type: ignore[union-attr]
