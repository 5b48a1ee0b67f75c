"""The app factory: OpenAPI on and complete, a scope on every route, plugin routers, errors, lifespan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fastapi.routing
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from piwarden.audit.log import open_log
from piwarden.server import create_app
from piwarden.server.scopes import DOC_PATHS, SCOPE_KEY, AuditPath, Scope, UndeclaredRoute, requires, route_table

from .conftest import AUTH, PI, TOKEN, event, greeting_router, plugin_manager_with

AUDIT_ROUTES = {("POST", AuditPath.EVENTS, Scope.AUDIT_WRITE), ("POST", AuditPath.CHECKPOINT, Scope.AUDIT_WRITE),
                ("GET", AuditPath.CHECKPOINT, Scope.AUDIT_READ), ("GET", AuditPath.HEAD, Scope.AUDIT_READ),
                ("GET", AuditPath.INCLUSION, Scope.AUDIT_READ), ("GET", AuditPath.CONSISTENCY, Scope.AUDIT_READ)}


def flat_routes(app: FastAPI) -> list[Any]:
    """app.routes with included routers opened up (newer FastAPI keeps them whole)."""
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    return list(flatten(app.routes)) if flatten else list(app.routes)


def test_every_route_has_one_scope_and_is_documented(app: FastAPI) -> None:
    """Walk app.routes: each route is in the OpenAPI document with a scope, a summary and a description."""
    ops = app.openapi()["paths"]
    seen = set()
    for route in flat_routes(app):
        if route.path in DOC_PATHS:
            continue
        for method in route.methods:
            op = ops[route.path][method.lower()]  # KeyError: a route the document leaves out
            assert op[SCOPE_KEY] in {s.value for s in Scope}, (method, route.path)
            assert op["summary"] and op["description"].strip(), (method, route.path)
            seen.add((method, route.path, Scope(op[SCOPE_KEY])))
    audit = {s for s in seen if s[1].startswith("/audit/")}  # the vault's routes: tests/vault
    assert audit == AUDIT_ROUTES
    assert {(e.method, e.path, e.scope) for e in app.state.routes} == seen


def test_openapi_is_served_and_every_schema_field_described(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["info"]["title"] == "piwarden" and "audit:write" in doc["info"]["description"]
    for name, schema in doc["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{field}"
    body = doc["paths"]["/audit/events"]["post"]["requestBody"]["content"]
    assert set(body) >= {"application/json", "application/x-ndjson", "application/jsonl", "text/plain"}
    assert all(p.get("description") for p in body["application/json"]["schema"]["properties"].values())
    for path, item in doc["paths"].items():
        for op in item.values():
            assert all(p.get("description") for p in op.get("parameters", [])), path
            assert "HTTPValidationError" not in str(op["responses"]), path  # its body would echo inputs
    # open scopes take the token as optional, the write scope requires it
    assert {} in doc["paths"]["/audit/head"]["get"]["security"]
    assert doc["paths"]["/audit/events"]["post"]["security"] == [{"token": ["audit:write"]}]
    assert doc["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    assert "swagger" in client.get("/docs").text.lower()


def test_docs_list_every_route_with_its_scope(app: FastAPI) -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "server.md").read_text("utf-8")
    for entry in app.state.routes:
        row = f"| `{entry.method} {entry.path}` | `{entry.scope.value}` |"
        assert row in text, row
    for scope in Scope:
        assert f"`{scope.value}`" in text


def test_plugin_router_is_mounted_and_scoped(db_url: str) -> None:
    app = create_app(db_url, token=TOKEN, pm=plugin_manager_with(greeting_router()))
    assert {(e.method, e.path, e.scope) for e in app.state.routes} >= {("GET", "/hello", Scope.AUDIT_READ),
                                                                        ("POST", "/hello", Scope.AUDIT_WRITE)}
    with TestClient(app) as client:
        assert client.get("/hello").json() == {"hello": "world"}
        assert client.post("/hello", json={"name": "li"}).status_code == 401
        assert client.post("/hello", json={"name": "li"}, headers=AUTH).json() == {"hello": "li"}
        r = client.post("/hello", json={"name": PI}, headers=AUTH)  # too long: FastAPI's 422, without the input
        assert r.status_code == 422 and r.json() == {"error": "body field name is invalid (string_too_long)"}
        assert client.get("/audit/head").json()["size"] == 0  # the built-in routes are there too
        assert "/hello" in client.get("/openapi.json").json()["paths"]


def test_plugins_off_leaves_plugin_routers_out(db_url: str) -> None:
    app = create_app(db_url, pm=plugin_manager_with(greeting_router()), plugins=False)
    paths = {e.path for e in app.state.routes}
    assert paths >= {str(p) for p in AuditPath} and "/hello" not in paths


def _router(**route: Any) -> APIRouter:
    r = APIRouter()
    options = {k: v for k, v in route.items() if k != "doc"}

    def endpoint() -> dict[str, str]:
        return {}

    endpoint.__doc__ = route.get("doc", "Documented.")
    r.add_api_route("/x", endpoint, methods=["GET"], **options)
    return r


@pytest.mark.parametrize(("router", "complaint"), [
    (_router(), "declares no scope"),
    (_router(dependencies=[requires(Scope.AUDIT_READ), requires(Scope.AUDIT_WRITE)]), "declares ['audit:read', "),
    (_router(dependencies=[requires(Scope.AUDIT_READ)], doc=None), "has no description"),
    (_router(dependencies=[requires(Scope.AUDIT_READ)], include_in_schema=False), "not in the OpenAPI document"),
])
def test_a_route_without_exactly_one_scope_or_docs_refuses_the_app(db_url: str, router: APIRouter,
                                                                   complaint: str) -> None:
    with pytest.raises(UndeclaredRoute, match=r"GET /x: " + complaint.replace("[", r"\[")):
        create_app(db_url, pm=plugin_manager_with(router))


def test_a_plugin_giving_something_else_than_a_router_is_refused(db_url: str) -> None:
    with pytest.raises(TypeError, match=r"not a fastapi\.APIRouter"):
        create_app(db_url, pm=plugin_manager_with(object()))


def test_route_table_names_every_problem() -> None:
    schema = {"paths": {"/a": {"get": {"responses": {}, "security": [{"token": ["nope"]}], "description": "d"}}}}
    with pytest.raises(UndeclaredRoute, match="GET /a: declares"):
        route_table(schema, [])


def test_validation_errors_never_echo_the_value(client: TestClient) -> None:
    cases = {f"/audit/proof/inclusion?index={PI}x": "query parameter index must be an integer",
             "/audit/proof/inclusion?index=-1": "query parameter index must not be negative",
             f"/audit/proof/inclusion?index=0&size={PI}{PI}{PI}": "query parameter size must be at most "
                                                                  "9223372036854775807",
             f"/audit/proof/consistency?old=0&size=x{PI}": "query parameter size must be an integer",
             "/audit/proof/consistency": "query parameter old is required"}
    for url, message in cases.items():
        r = client.get(url)
        assert (r.status_code, r.json()) == (400, {"error": message}), url
        assert PI not in r.text
    r = client.post(f"/audit/events?format={PI}", json=event(0), headers=AUTH)
    assert r.status_code == 400 and PI not in r.text and "format must be 'jsonl' or 'ndjson'" in r.text


def test_unknown_route_and_crashes_answer_json_without_data(db_url: str) -> None:
    app = create_app(db_url, pm=plugin_manager_with(greeting_router()))
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/nowhere")
        assert (r.status_code, r.json()) == (404, {"error": "Not Found"})
        assert client.delete("/audit/head").status_code == 405
        r = client.get("/hello/crash")
        assert (r.status_code, r.json()) == (500, {"error": "internal error"}) and PI not in r.text


def test_lifespan_opens_and_closes_the_log(db_url: str) -> None:
    app = create_app(db_url, plugins=False)
    assert app.state.audit_log is None
    with TestClient(app) as client:
        log = app.state.audit_log
        assert client.post("/audit/events", json=event(0)).json() == {"index": 0, "size": 1}  # no token set
    assert app.state.audit_log is None
    with pytest.raises(Exception):  # noqa: B017 - closed: the store refuses, whatever its driver raises
        log.size()


def test_a_given_log_is_left_open(db_url: str) -> None:
    with open_log(db_url) as log:
        with TestClient(create_app(log=log, plugins=False)) as client:
            client.post("/audit/events", json=event(0))
        assert log.size() == 1


def test_without_its_lifespan_the_app_says_the_log_is_not_open(db_url: str) -> None:
    outer = FastAPI()
    outer.mount("/v1", create_app(db_url, plugins=False))  # a mounted app's lifespan is not run
    with TestClient(outer) as client:
        r = client.get("/v1/audit/head")
        assert (r.status_code, r.json()) == (503, {"error": "the audit log is not open"})


def test_empty_token_is_refused(db_url: str) -> None:
    with pytest.raises(ValueError, match="empty token"):
        create_app(db_url, token="")
