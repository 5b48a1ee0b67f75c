"""Schemathesis against the OpenAPI document, in process: no 500s, answers as documented, no value echoed.

Requests are generated from the document (valid and invalid ones), with and without the
token. Every answer must be one the document lists, with the documented body, and an error
answer must never repeat a submitted string: the API's promise that errors carry no PI.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import checks as st_checks

from piwarden.audit.log import open_log
from piwarden.server import create_app
from piwarden.server.routers.presidio import engine
from piwarden.server.schemas.audit import JSONL_TYPES

from .conftest import AUTH, SIGNER, TOKEN


@schemathesis.serializer(*[t for t in JSONL_TYPES if t != "text/plain"])
def _jsonl(ctx: Any, value: Any) -> bytes:
    """A JSONL body as the document describes it: a string of lines (anything else as one JSON line)."""
    return value.encode() if isinstance(value, str) else json.dumps(value).encode() + b"\n"


# The document is the app's own; requests go, in process, to an app over a fresh log per test.
schema = schemathesis.openapi.from_dict(create_app(plugins=False).openapi())


@pytest.fixture(scope="module", autouse=True)
def _presidio_analyzer_loaded() -> None:
    """/analyze loads its recognizers and names model once per process (seconds): before requests are timed."""
    engine().analyzer()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[FastAPI]:
    with open_log(f"sqlite:///{tmp_path / 'audit.db'}") as log:
        log.append_many([{"id": f"e-{i}", "ts": "2026-03-01T09:15:02+08:00", "actor": "a", "party": "p",
                          "role": "r", "action": "view", "resource": "order", "subjects": ["c-1"],
                          "fields": ["name"]} for i in range(5)])
        yield create_app(log=log, token=TOKEN, signer=SIGNER, plugins=False)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():  # keys are field names, which errors do name
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def _submitted(case: Any) -> set[str]:
    """The strings a request carried that an answer could not contain by chance."""
    values = [*_strings(case.query or {}), *_strings(case.path_parameters or {})]
    values += list(_strings(case.body)) if not isinstance(case.body, bytes) else []
    return {v for v in values if len(v.strip()) >= 3 and not v.isdigit() and v not in ("null", "true", "false")}


def _echoed(value: str, text: str) -> bool:
    """``value`` stands in ``text`` on its own (not inside a longer word such as "parameter")."""
    return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text) is not None


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None,
          derandomize=True)  # the same cases on every run: a failure is a finding, never a flake
def test_api_holds_its_promises(case: Any, api: FastAPI) -> None:
    for headers in (AUTH, {}):
        response = case.call(headers=headers, app=api)
        case.validate_response(response, checks=[st_checks.not_a_server_error, st_checks.status_code_conformance,
                                                 st_checks.content_type_conformance,
                                                 st_checks.response_schema_conformance])
        if response.status_code >= 400:
            echoed = [v for v in _submitted(case) if _echoed(v, response.text)]
            assert not echoed, f"{case.method} {case.path} answered {response.status_code} repeating input"
