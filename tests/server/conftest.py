"""Server fixtures: an app over a fresh SQLite audit log, in-process clients, a plugin with routers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pluggy
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from piwarden import hookspecs
from piwarden.audit.note import NoteSigner
from piwarden.hookspecs import hookimpl
from piwarden.server import create_app
from piwarden.server.scopes import Scope, requires

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SIGNER = NoteSigner.generate("test.example/audit")
PI = "13812345678"  # a phone number: must never come back in an answer to a bad request


def event(i: int, **over: Any) -> dict[str, Any]:
    """A valid access event; ``i`` varies its id and subject."""
    e = {"id": f"e-{i:06d}", "ts": "2026-03-01T09:15:02+08:00", "actor": "cs-0001", "party": "platform.cs",
         "role": "customer_service", "action": "view", "resource": "order", "subjects": [f"c-{i}"],
         "fields": ["name", "phone"]}
    e.update(over)
    return e


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'audit.db'}"


@pytest.fixture
def app(db_url: str) -> FastAPI:
    return create_app(db_url, token=TOKEN, signer=SIGNER, plugins=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:  # `with`: runs the lifespan, which opens and closes the log
        yield c


class Greeting(BaseModel):
    """What the test plugin's POST takes."""

    name: str = Field(min_length=2, max_length=8, description="Who to greet.")


def greeting_router() -> APIRouter:
    """A plugin's router, declared as a plugin author would: each route with a scope and a docstring."""
    r = APIRouter(prefix="/hello", tags=["hello"])

    @r.get("", dependencies=[requires(Scope.AUDIT_READ)])
    def hello() -> dict[str, str]:
        """Say hello to anyone."""
        return {"hello": "world"}

    @r.post("", dependencies=[requires(Scope.AUDIT_WRITE)])
    def greet(body: Greeting) -> dict[str, str]:
        """Greet someone (writers only)."""
        return {"hello": body.name}

    @r.get("/crash", dependencies=[requires(Scope.AUDIT_READ)])
    def crash() -> None:
        """Fail with personal data in the exception."""
        raise ValueError(f"cannot handle {PI}")

    return r


def plugin_manager_with(*routers: APIRouter | object) -> pluggy.PluginManager:
    """A plugin manager holding one plugin that contributes ``routers``."""

    class Plugin:
        @hookimpl
        def piwarden_api_routers(self) -> list[Any]:
            return list(routers)

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(Plugin(), name="test-plugin")
    return pm
