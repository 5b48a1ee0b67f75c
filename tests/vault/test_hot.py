"""The hot path (``piwarden.server.hot``) answers exactly as the FastAPI routes do.

The same requests go to two apps over two fresh vaults, one with the hot path and one without;
status, body (ids and event ids replaced by their order of appearance) and the headers a client
acts on must be equal. Plain requests must be served by the hot path, the rest fall through.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from piwarden.server import create_app
from piwarden.server.hot import HotRoutes
from piwarden.settings import clear_settings_cache

from .conftest import CUSTOMERS, PASSWORD, add_people, timeless_policy

_ID = re.compile(r"\b[a-z]{1,3}-[0-9a-f]{16,32}\b|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


@contextmanager
def vault_app(root: Path, hot: bool, monkeypatch: pytest.MonkeyPatch, quotas: list[dict[str, Any]] | None = None,
              ) -> Iterator[tuple[TestClient, dict[str, str]]]:
    root.mkdir()
    db = f"sqlite:///{root / 'piwarden.db'}"
    monkeypatch.setenv("PIWARDEN_HOME", str(root / "home"))
    monkeypatch.setenv("PIWARDEN__DATABASE__URL", db)
    monkeypatch.setenv("PIWARDEN__VAULT__POLICY", str(timeless_policy(root, quotas)))
    clear_settings_cache()
    app = create_app(db, plugins=False, hot=hot)
    with TestClient(app) as http:
        keys = add_people(app.state.vault)
        r = http.post("/vault/sessions", json={"account": "cs-0042", "password": PASSWORD})
        assert r.status_code == 201, r.text
        keys["cs-0042"] = r.json()["token"]
        yield http, keys


def hot_layer(http: TestClient) -> HotRoutes | None:
    layer: Any = http.app.middleware_stack  # type: ignore[attr-defined]
    while layer is not None:
        if isinstance(layer, HotRoutes):
            return layer
        layer = getattr(layer, "app", None)
    return None


def requests(record: str) -> list[tuple[str, str, str | None, dict[str, Any]]]:
    """(method, url, credential's account, httpx keywords): plain ones and every kind of odd one."""
    cs = {"X-Piwarden-Purpose": "after_sales", "X-Piwarden-Ticket": "CS-1001"}
    new = {"subject": "c-9", "fields": CUSTOMERS[1]}
    return [
        ("POST", "/vault/records/customer", "svc-platform", {"json": new}),
        ("POST", "/vault/records/customer", "svc-platform", {"json": {"fields": CUSTOMERS[1]}}),  # no subject
        ("POST", "/vault/records/customer", "svc-platform", {"json": {**new, "extra": 1}}),
        ("POST", "/vault/records/customer", "svc-platform", {"content": b"{not json"}),
        ("POST", "/vault/records/customer", "svc-platform", {"content": json.dumps(new).encode(),
                                                             "headers": {"Content-Type": "text/plain"}}),
        ("POST", "/vault/records/customer", "svc-platform", {"json": {"subject": "c-9", "fields": {"nope": "x"}}}),
        ("POST", "/vault/records/nosuchtype", "svc-platform", {"json": new}),
        ("POST", "/vault/records/Customer", "svc-platform", {"json": new}),
        ("POST", "/vault/records/customer?x=1", "svc-platform", {"json": new}),
        ("POST", "/vault/records/customer", "courier-7", {"json": new}),  # no vault:write
        ("POST", "/vault/records/customer", "svc-m1", {"json": {**new, "owner": "platform"}}),  # another tenant
        ("POST", "/vault/records/customer", None, {"json": new}),
        ("POST", "/vault/records/customer", "unknown", {"json": new}),
        ("GET", f"/vault/records/{record}", "cs-0042", {"headers": cs}),
        ("GET", f"/vault/records/{record}?reveal=*", "cs-0042", {"headers": cs}),
        ("GET", f"/vault/records/{record}?reveal=phone,name", "cs-0042", {"headers": cs}),
        ("GET", f"/vault/records/{record}?reveal=phone%2Cname", "cs-0042", {"headers": cs}),
        ("GET", f"/vault/records/{record}?reveal=id_number", "cs-0042", {"headers": {"X-Piwarden-Purpose": "study"}}),
        ("GET", f"/vault/records/{record}?reveal=nope", "cs-0042", {"headers": cs}),
        ("GET", f"/vault/records/{record}?reveal=Bad!", "cs-0042", {"headers": cs}),
        ("GET", f"/vault/records/{record}?reveal=*&purpose=x", "cs-0042", {"headers": cs}),
        ("GET", f"/vault/records/{record}?purpose=x", "cs-0042", {"headers": cs}),
        ("GET", f"/vault/records/{record}?reveal", "cs-0042", {"headers": cs}),
        ("GET", f"/vault/records/{record}", "cs-0042", {"headers": {**cs, "X-Piwarden-Role": "dpo"}}),
        ("GET", f"/vault/records/{record}", "cs-0042", {"headers": {**cs, "X-Piwarden-Purpose": "bad purpose"}}),
        ("GET", f"/vault/records/{record}", "cs-0042", {"headers": {**cs, "X-Piwarden-OTP": "123456"}}),
        ("GET", f"/vault/records/{record}", "cs-0042", {"headers": [*cs.items(), ("X-Piwarden-Ticket", "CS-2")]}),
        ("GET", f"/vault/records/{record}", "courier-7", {"headers": {"X-Piwarden-Purpose": "delivery"}}),
        ("GET", f"/vault/records/{record}", "svc-platform", {}),
        ("GET", f"/vault/records/{record}", "svc-m1", {}),  # another tenant's record
        ("GET", "/vault/records/r-00000000000000000000000000000000", "svc-platform", {}),
        ("GET", "/vault/records/r-xyz", "svc-platform", {}),
        ("GET", f"/vault/records/{record}", None, {}),
        ("GET", f"/vault/records/{record}", "unknown", {}),
        ("GET", f"/vault/records/{record}", "svc-platform", {"headers": {"Authorization": "Basic abc"}}),
    ]


def answers(http: TestClient, keys: dict[str, str]) -> list[tuple[int, Any, dict[str, str | None]]]:
    created = http.post("/vault/records/customer", json={"subject": "c-1", "fields": CUSTOMERS[0]},
                        headers={"Authorization": f"Bearer {keys['svc-platform']}"})
    assert created.status_code == 201, created.text
    seen: dict[str, str] = {}

    def normal(text: str) -> str:
        try:  # tokens come from each vault's own keys
            body = json.loads(text)
            for view in [body.get("record") or {}, *body.get("records", [])]:
                view["tokens"] = sorted(view.get("tokens", {}))
            text = json.dumps(body, ensure_ascii=False)
        except (ValueError, AttributeError):
            pass
        return _ID.sub(lambda m: seen.setdefault(m[0], f"<id{len(seen)}>"), text)

    out = []
    for method, url, who, kw in requests(created.json()["id"]):
        kw = dict(kw)
        headers = list(kw.pop("headers", {}).items()) if isinstance(kw.get("headers"), dict) else kw.pop("headers", [])
        if who is not None and not any(k.lower() == "authorization" for k, _ in headers):
            headers.append(("Authorization", f"Bearer {keys.get(who, 'pw_unknown_credential')}"))
        r = http.request(method, url, headers=headers, **kw)
        out.append((r.status_code, normal(r.text), {h: r.headers.get(h) for h in
                                                    ("content-type", "www-authenticate", "retry-after")}))
    return out


def test_the_hot_path_answers_as_the_routes_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with vault_app(tmp_path / "hot", True, monkeypatch) as (http, keys):
        hot = answers(http, keys)
        layer = hot_layer(http)
    with vault_app(tmp_path / "cold", False, monkeypatch) as (http, keys):
        cold = answers(http, keys)
        assert hot_layer(http) is None
    assert layer is not None and layer.served >= 10, layer.served  # most plain ones (a new credential's first: not)
    statuses = {s for s, _, _ in hot}
    assert {200, 201, 400, 401, 403, 404, 422} <= statuses  # the cases reach every kind of answer
    for i, (a, b) in enumerate(zip(hot, cold, strict=True)):
        assert a == b, (i, requests("r-x")[i][:2], a, b)


def test_plain_requests_take_the_hot_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with vault_app(tmp_path / "hot", True, monkeypatch) as (http, keys):
        svc = {"Authorization": f"Bearer {keys['svc-platform']}"}
        http.get("/vault/me", headers=svc)  # authenticates the key in this process
        calls: list[str] = []
        from piwarden.server.routers import vault

        for name in ("read", "created"):
            monkeypatch.setattr(vault, name, _spy(getattr(vault, name), name, calls))
        w = http.post("/vault/records/customer", json={"subject": "c-1", "fields": CUSTOMERS[0]}, headers=svc)
        r = http.get(f"/vault/records/{w.json()['id']}", headers=svc)
        assert (w.status_code, r.status_code) == (201, 200)
        # the routes call the module's functions too: the spies see both paths, the layer says which took them
        assert calls == ["created", "read"]
        layer = hot_layer(http)
        assert layer is not None and layer.served == 2
        http.get(f"/vault/records/{w.json()['id']}?reveal=nope!", headers=svc)
        assert layer.served == 2


def _spy(fn: Any, name: str, calls: list[str]) -> Any:
    def spied(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return fn(*args, **kwargs)
    return spied


def test_a_hot_read_answers_only_once_its_event_is_durable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite the hot path reads on the event loop and its event joins the next group commit: the answer
    waits for that commit, carries the logged event's id, and a failed append answers the store's error."""
    import threading

    from piwarden.audit.store_base import AuditStoreError

    with vault_app(tmp_path / "hot", True, monkeypatch) as (http, keys):
        svc = {"Authorization": f"Bearer {keys['svc-platform']}"}
        w = http.post("/vault/records/customer", json={"subject": "c-1", "fields": CUSTOMERS[0]}, headers=svc)
        url = f"/vault/records/{w.json()['id']}"
        http.get(url, headers=svc)  # the credential is known to the process from here on
        log = http.app.state.vault.vault.log  # type: ignore[attr-defined]
        store = log.store
        real = store.append_batch
        gate, entered = threading.Event(), threading.Event()

        def held(items: Any) -> Any:
            entered.set()
            assert gate.wait(10)
            return real(items)

        monkeypatch.setattr(store, "append_batch", held)
        got: list[Any] = []
        t = threading.Thread(target=lambda: got.append(http.get(url, headers=svc)))
        t.start()
        assert entered.wait(10)
        t.join(0.3)
        assert t.is_alive() and not got  # no answer while the event's commit is under way
        size = log.size()
        gate.set()
        t.join(10)
        r = got[0]
        assert r.status_code == 200
        assert log.size() == size + 1
        assert [json.loads(e.body or b"{}")["id"] for e in log.events(size)] == [r.json()["event_id"]]
        layer = hot_layer(http)
        served = layer.served if layer else 0

        def failing(items: Any) -> Any:
            raise AuditStoreError("append to the test store failed: OSError")

        monkeypatch.setattr(store, "append_batch", failing)
        r = http.get(url, headers=svc)
        assert layer is not None and layer.served == served + 1
        assert r.status_code >= 500 and "failed" in r.text and "event_id" not in r.json()


def test_a_hot_read_over_quota_cites_its_refusal_in_the_alert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The refusal of a read past its quota is in the log before the alert reads its evidence there, on the event
    loop as in a thread: the alert cites it, and every allowed read before it."""
    quotas = [{"id": "svc-views", "roles": ["service"], "actions": ["view"], "per_day": 3}]
    with vault_app(tmp_path / "quota", True, monkeypatch, quotas) as (http, keys):
        app: Any = http.app
        svc = {"Authorization": f"Bearer {keys['svc-platform']}"}
        w = http.post("/vault/records/customer", json={"subject": "c-1", "fields": CUSTOMERS[0]}, headers=svc)
        url = f"/vault/records/{w.json()['id']}"
        answers = [http.get(url, headers=svc) for _ in range(4)]
        assert [r.status_code for r in answers] == [200, 200, 200, 429]
        layer = hot_layer(http)
        assert layer is not None and layer.served >= 3  # the reads went the hot way (the first may not)
        (alert,) = app.state.vault.vault.guards.alerts()
        cited = {e["event_id"] for e in alert.detail["evidence"]}
        assert {r.json()["event_id"] for r in answers} <= cited
        assert alert.event_id == answers[3].json()["event_id"]
