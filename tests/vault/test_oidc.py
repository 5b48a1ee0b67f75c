"""OIDC login: an ID token of the company's identity provider opens a vault session for the staff account it
names; signature, issuer, audience, expiry, account and one use are checked, every check failing on its own."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient

from piwarden.client import VaultApiError, VaultClient
from piwarden.server import create_app
from piwarden.settings import clear_settings_cache

from .conftest import add_people, timeless_policy

ISSUER, AUDIENCE = "https://login.example.com/realms/staff", "piwarden-vault"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks(*keys: Any) -> dict[str, Any]:
    out = []
    for kid, k in keys:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(k.public_key()) if isinstance(k, rsa.RSAPrivateKey)
                         else jwt.algorithms.ECAlgorithm.to_jwk(k.public_key()))
        out.append({**jwk, "kid": kid, "use": "sig"})
    return {"keys": out}


def token(key: Any = KEY, kid: str = "k1", alg: str = "RS256", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u-7781", "preferred_username": "cs-0042", "iat": now,
            "exp": now + 300, **claims}
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm=alg, headers={"kid": kid})


def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keys: str | None) -> Iterator[tuple[Any, Any]]:
    tmp_path.mkdir(exist_ok=True)
    db = f"sqlite:///{tmp_path / 'piwarden.db'}"
    monkeypatch.setenv("PIWARDEN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PIWARDEN__DATABASE__URL", db)
    monkeypatch.setenv("PIWARDEN__VAULT__POLICY", str(timeless_policy(tmp_path)))
    for name, value in (("ISSUER", ISSUER), ("AUDIENCE", AUDIENCE), ("JWKS", keys)):
        if keys is None:
            monkeypatch.delenv(f"PIWARDEN__VAULT__OIDC_{name}", raising=False)
        else:
            monkeypatch.setenv(f"PIWARDEN__VAULT__OIDC_{name}", value)
    clear_settings_cache()
    app = create_app(db, plugins=False)
    with TestClient(app) as http:
        add_people(app.state.vault)
        yield app, http
    clear_settings_cache()


@pytest.fixture
def oidc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    keys = tmp_path / "jwks.json"
    keys.write_text(json.dumps(jwks(("k1", KEY), ("k2", ec.generate_private_key(ec.SECP256R1())))), "utf-8")
    yield from vault(tmp_path, monkeypatch, str(keys))


def test_an_id_token_opens_one_session_for_the_account_it_names(oidc: tuple[Any, Any]) -> None:
    app, http = oidc
    c = VaultClient("http://testserver", http=http)
    t = token()
    s = c.login_oidc(t)
    assert s.account == "cs-0042" and s.roles == ["customer_service"] and s.token.startswith("pws_")
    assert c.me().account == "cs-0042"  # the session works; roles and scopes are piwarden's
    with pytest.raises(VaultApiError) as caught:  # the same token again: a replay
        VaultClient("http://testserver", http=http).login_oidc(t)
    assert caught.value.status == 401 and "used before" in str(caught.value)
    logins = [json.loads(e.body) for e in app.state.audit_log.events() if e.body]
    logins = [(e["actor"], e["result"]) for e in logins if e["action"] == "login"]
    assert logins == [("cs-0042", "allowed"), ("cs-0042", "denied")]


def test_every_check_refuses_on_its_own(oidc: tuple[Any, Any]) -> None:
    _, http = oidc
    cases = [
        (token(iss="https://evil.example.com"), "another issuer"),
        (token(aud="another-client"), "another client"),
        (token(exp=int(time.time()) - 120), "expired"),
        (token(iat=None), "lacks the claim iat"),
        (token(preferred_username=None), "lacks the claim preferred_username"),
        (token(key=OTHER), "signature does not verify"),
        (token(kid="k9"), "no key"),
        (token(alg="HS256", key="k" * 32), "algorithm not allowed"),
        ("not.a.jwt", "not a JWT"),
        (token(preferred_username="svc-platform"), "no enabled staff account"),  # a service account
        (token(preferred_username="nobody-here"), "no enabled staff account"),
    ]
    for t, says in cases:
        r = http.post("/vault/sessions/oidc", json={"id_token": t})
        assert r.status_code == 401 and says in r.json()["error"], (says, r.text)
        assert t not in r.text and "u-7781" not in r.text
    assert http.post("/vault/sessions/oidc", json={"id_token": token()}).status_code == 201  # the control


def test_disabled_account_and_unconfigured_vault(oidc: tuple[Any, Any], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    app, http = oidc
    app.state.vault.identities.set_disabled("cs-0042", True)
    assert http.post("/vault/sessions/oidc", json={"id_token": token()}).status_code == 401
    for _, plain in vault(tmp_path / "plain", monkeypatch, None):
        r = plain.post("/vault/sessions/oidc", json={"id_token": token()})
        assert r.status_code == 404 and "not configured" in r.json()["error"]


class Keys(http.server.BaseHTTPRequestHandler):
    body = b""
    hits: ClassVar[list[int]] = [0]

    def do_GET(self) -> None:
        self.hits[0] += 1
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


def test_keys_fetched_from_the_providers_jwks_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Keys.body = json.dumps(jwks(("k1", KEY))).encode()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        for _, http_ in vault(tmp_path, monkeypatch, f"http://127.0.0.1:{srv.server_port}/certs"):
            for account in ("cs-0042", "analyst-1"):
                s = VaultClient("http://testserver", http=http_).login_oidc(token(preferred_username=account))
                assert s.account == account
            assert Keys.hits[0] == 1  # cached
            r = http_.post("/vault/sessions/oidc", json={"id_token": token(key=OTHER)})
            assert r.status_code == 401
    finally:
        srv.shutdown()
