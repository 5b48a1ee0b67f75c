"""Schemathesis over the vault's operations, with real credentials: no server error, every answer as documented,
no submitted value in an error body, and no PI (submitted or stored) in any log line."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import checks as st_checks

from piwarden.server import create_app
from piwarden.settings import clear_settings_cache
from piwarden.vault import Caller

from .conftest import CUSTOMERS

VAULT_PATHS = r"^/(vault/|health|ready)"
schema = schemathesis.openapi.from_dict(create_app(plugins=False).openapi()).include(path_regex=VAULT_PATHS)
STORED = [v for c in CUSTOMERS for v in c.values()]


class Fixture:
    app: FastAPI
    headers: list[dict[str, str]]
    record: str


@pytest.fixture(scope="module")
def vault_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fixture]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    mp = pytest.MonkeyPatch()
    mp.setenv("PIWARDEN_HOME", str(tmp / "home"))
    clear_settings_cache()
    app = create_app(f"sqlite:///{tmp / 'f.db'}", plugins=False)
    try:
        with TestClient(app):
            ids = app.state.vault.identities
            ids.add_account("svc", kind="service", roles=["service", "dpo"], tenant="platform", party="platform.ops",
                            scopes=["vault:read", "vault:write", "vault:erase", "vault:session", "vault:telephony"])
            key = ids.new_api_key("svc")
            vault = app.state.vault.vault
            svc = Caller("svc", "platform.ops", "service", "platform")
            f = Fixture()
            f.app = app
            f.record = vault.create(svc, "customer", "c-1", CUSTOMERS[0]).record_id
            vault.create(svc, "customer", "c-2", CUSTOMERS[1])
            auth = {"Authorization": f"Bearer {key}"}
            f.headers = [auth, {**auth, "X-Piwarden-Purpose": "after_sales", "X-Piwarden-Ticket": "T-1"}, {}]
            yield f
    finally:
        mp.undo()
        clear_settings_cache()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def _submitted(case: Any) -> set[str]:
    values = [*_strings(case.query or {}), *_strings(case.path_parameters or {}), *_strings(case.headers or {})]
    values += list(_strings(case.body)) if not isinstance(case.body, bytes) else []
    return {v for v in values if len(v.strip()) >= 4 and not v.isdigit() and v not in ("null", "true", "false")}


def _echoed(value: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text) is not None


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)
def test_vault_api_holds_its_promises(case: Any, vault_app: Fixture, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for headers in vault_app.headers:
        response = case.call(headers={**(case.headers or {}), **headers}, app=vault_app.app)
        case.validate_response(response, checks=[st_checks.not_a_server_error, st_checks.status_code_conformance,
                                                 st_checks.content_type_conformance,
                                                 st_checks.response_schema_conformance])
        if response.status_code >= 400:
            echoed = [v for v in _submitted(case) if _echoed(v, response.text) and not v.startswith("pwk_")]
            assert not echoed, f"{case.method} {case.path} answered {response.status_code} repeating input"
            assert not [v for v in STORED if v in response.text]
    logged = caplog.text
    assert not [v for v in STORED if v in logged]
    assert not [v for v in _submitted(case) if _echoed(v, logged) and len(v) >= 6]
