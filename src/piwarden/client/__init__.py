"""A typed Python client of the vault API (httpx).

>>> c = VaultClient("http://127.0.0.1:8470", "pwk_...", purpose="after_sales", ticket="T-1")
>>> c.headers()["X-Piwarden-Purpose"]
'after_sales'

Role, purpose and ticket travel as ``X-Piwarden-*`` headers of the authenticated request;
values only ever in request bodies. ``with_context`` gives a client for another purpose or
ticket over the same connection pool. Errors raise ``VaultApiError`` (status, message, and the
refusal's event id).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import httpx

from piwarden.client.models import (
    Erased,
    Me,
    RecordAnswer,
    RecordView,
    SearchAnswer,
    Session,
    VaultApiError,
    Written,
)

__all__ = ["Erased", "Me", "RecordAnswer", "RecordView", "SearchAnswer", "Session", "VaultApiError", "VaultClient",
           "Written"]


@dataclass
class _Context:
    credential: str | None
    role: str | None
    purpose: str | None
    ticket: str | None
    otp: str | None = None  # a TOTP code for the next L4 reveal (step-up); set with with_context(otp=...)


class VaultClient:
    """One caller of the vault API: its credential and, optionally, role, purpose and ticket."""

    def __init__(self, base_url: str, credential: str | None = None, *, role: str | None = None,
                 purpose: str | None = None, ticket: str | None = None, timeout: float = 30.0,
                 http: httpx.Client | None = None, otp: str | None = None) -> None:
        self.http = http or httpx.Client(base_url=base_url, timeout=timeout)
        self.ctx = _Context(credential, role, purpose, ticket, otp)

    def with_context(self, **changes: str | None) -> VaultClient:
        """The same connection with another credential, role, purpose or ticket."""
        other = VaultClient.__new__(VaultClient)
        other.http, other.ctx = self.http, replace(self.ctx, **changes)
        return other

    def headers(self) -> dict[str, str]:
        h = {}
        if self.ctx.credential:
            h["Authorization"] = f"Bearer {self.ctx.credential}"
        for name, value in (("Role", self.ctx.role), ("Purpose", self.ctx.purpose), ("Ticket", self.ctx.ticket),
                            ("OTP", self.ctx.otp)):
            if value:
                h[f"X-Piwarden-{name}"] = value
        return h

    def _call(self, method: str, path: str, *, json: Any = None, params: Mapping[str, str] | None = None) -> Any:
        r = self.http.request(method, path, json=json, params=params, headers=self.headers())
        try:
            body = r.json()
        except ValueError:
            body = {"error": r.text[:200]}
        if r.status_code >= 400:
            raise VaultApiError(r.status_code, str(body.get("error", "")), body.get("event_id"), body.get("result"))
        return body

    # -- sessions ---------------------------------------------------------------------------
    def login(self, account: str, password: str) -> Session:
        """Log in; this client then carries the session token."""
        s = Session(**self._call("POST", "/vault/sessions", json={"account": account, "password": password}))
        self.ctx.credential = s.token
        return s

    def login_oidc(self, id_token: str) -> Session:
        """Log in with an ID token of the company's identity provider (each token once); this client then carries
        the session token."""
        s = Session(**self._call("POST", "/vault/sessions/oidc", json={"id_token": id_token}))
        self.ctx.credential = s.token
        return s

    def logout(self) -> None:
        self._call("DELETE", "/vault/sessions/current")

    def me(self) -> Me:
        return Me(**self._call("GET", "/vault/me"))

    def types(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/vault/types")
        return result

    # -- records ----------------------------------------------------------------------------
    def create(self, type_name: str, subject: str, fields: Mapping[str, str], owner: str | None = None) -> Written:
        body: dict[str, Any] = {"subject": subject, "fields": dict(fields)}
        if owner is not None:
            body["owner"] = owner
        return Written(**self._call("POST", f"/vault/records/{type_name}", json=body))

    def get(self, record_id: str, reveal: Iterable[str] = ()) -> RecordAnswer:
        fields = ",".join(reveal)
        data = self._call("GET", f"/vault/records/{record_id}", params={"reveal": fields} if fields else None)
        return RecordAnswer(RecordView.of(data["record"]), data["event_id"])

    def update(self, record_id: str, fields: Mapping[str, str], expected_version: int | None = None) -> Written:
        body: dict[str, Any] = {"fields": dict(fields)}
        if expected_version is not None:
            body["expected_version"] = expected_version
        return Written(**self._call("PATCH", f"/vault/records/{record_id}", json=body))

    def search(self, type_name: str, by: str, value: str | None = None, *, token: str | None = None,
               reveal: Iterable[str] = (), limit: int = 20) -> SearchAnswer:
        body: dict[str, Any] = {"by": by, "reveal": list(reveal), "limit": limit}
        if value is not None:
            body["value"] = value
        if token is not None:
            body["token"] = token
        data = self._call("POST", f"/vault/records/{type_name}/search", json=body)
        return SearchAnswer([RecordView.of(r) for r in data["records"]], data["event_id"])

    def erase(self, subject: str) -> Erased:
        return Erased(**self._call("DELETE", f"/vault/subjects/{subject}"))

    # -- guards (vault:admin) ---------------------------------------------------------------
    def alerts(self, actor: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """The vault's alerts, newest first, each with its evidence (event ids and leaf indexes)."""
        params = {"limit": str(limit), **({"account": actor} if actor else {})}
        result: list[dict[str, Any]] = self._call("GET", "/vault/alerts", params=params)
        return result

    def holds(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/vault/holds")
        return result

    def hold(self, actor: str, reason: str) -> bool:
        """Hold an account to approval-only; False if it already was."""
        return bool(self._call("PUT", f"/vault/holds/{actor}", json={"reason": reason})["ok"])

    def release(self, actor: str) -> bool:
        """End an account's hold; False if it had none."""
        return bool(self._call("DELETE", f"/vault/holds/{actor}")["ok"])

    # -- tickets (vault:tickets) ------------------------------------------------------------
    def put_ticket(self, ticket_id: str, subjects: Iterable[str], *, purpose: str | None = None,
                   assignee: str | None = None, expires_in_s: int | None = None) -> dict[str, Any]:
        """Register an open ticket naming ``subjects`` (for ``ticket: bound`` rules)."""
        body: dict[str, Any] = {"subjects": list(subjects)}
        for k, v in (("purpose", purpose), ("assignee", assignee), ("expires_in_s", expires_in_s)):
            if v is not None:
                body[k] = v
        result: dict[str, Any] = self._call("PUT", f"/vault/tickets/{ticket_id}", json=body)
        return result

    def close_ticket(self, ticket_id: str) -> bool:
        return bool(self._call("DELETE", f"/vault/tickets/{ticket_id}")["ok"])

    # -- virtual numbers (vault:write, vault:telephony, vault:read) -----------------------------
    def bind_number(self, record_id: str, party: str, *, field: str | None = None,
                    ttl_s: int | None = None) -> dict[str, Any]:
        """Bind a pool number to the record's phone for ``party``: ``{binding, event_id}``."""
        body: dict[str, Any] = {"record_id": record_id, "party": party}
        if field is not None:
            body["field"] = field
        if ttl_s is not None:
            body["ttl_s"] = ttl_s
        result: dict[str, Any] = self._call("POST", "/vault/numbers", json=body)
        return result

    def numbers(self, *, record_id: str | None = None, party: str | None = None, live: bool = False,
                limit: int = 100) -> list[dict[str, Any]]:
        params = {"limit": str(limit), "live": str(live).lower(), **({"record": record_id} if record_id else {}),
                  **({"party": party} if party else {})}
        result: list[dict[str, Any]] = self._call("GET", "/vault/numbers", params=params)
        return result

    def release_number(self, binding_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("DELETE", f"/vault/numbers/{binding_id}")
        return result

    def resolve_number(self, number: str) -> dict[str, Any]:
        """(telephony) The phone a live binding forwards ``number`` to: ``{phone, binding_id, ..., event_id}``."""
        result: dict[str, Any] = self._call("POST", "/vault/numbers/resolve", json={"number": number})
        return result

    def waybill(self, record_id: str) -> dict[str, Any]:
        """The record as this caller's party prints it: ``{record, virtual, bindings, event_id}``."""
        result: dict[str, Any] = self._call("GET", f"/vault/waybills/{record_id}")
        return result

    # -- single reveals (vault:read asks, vault:approve decides) --------------------------------
    def request_reveal(self, record_id: str, field: str, reason: str = "") -> dict[str, Any]:
        """Ask a checker to let this caller see ``field`` in clear once: ``{approval, event_id}``."""
        result: dict[str, Any] = self._call("POST", "/vault/approvals",
                                            json={"record_id": record_id, "field": field, "reason": reason})
        return result

    def approvals(self, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        params = {"limit": str(limit), **({"status": status} if status else {})}
        result: list[dict[str, Any]] = self._call("GET", "/vault/approvals", params=params)
        return result

    def decide_reveal(self, approval_id: str, approve: bool, reason: str = "") -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", f"/vault/approvals/{approval_id}/decision",
                                            json={"approve": approve, "reason": reason})
        return result

    # -- exports (vault:export, vault:approve, vault:admin) -------------------------------------
    def export(self, type_name: str, fields: Iterable[str], *, owner: str | None = None,
               recipient: str | None = None, reason: str = "") -> dict[str, Any]:
        """Ask for a bulk export: its state (``status`` ready, or pending a checker)."""
        body: dict[str, Any] = {"type": type_name, "fields": list(fields), "reason": reason}
        if owner:
            body["owner"] = owner
        if recipient:
            body["recipient"] = recipient
        result: dict[str, Any] = self._call("POST", "/vault/exports", json=body)
        return result

    def decide_export(self, export_id: str, approve: bool, reason: str = "") -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", f"/vault/exports/{export_id}/decision",
                                            json={"approve": approve, "reason": reason})
        return result

    def download_export(self, export_id: str) -> tuple[str, str]:
        """(CSV text, access event id) of a ready export."""
        r = self.http.request("GET", f"/vault/exports/{export_id}/file", headers=self.headers())
        if r.status_code >= 400:
            body = r.json()
            raise VaultApiError(r.status_code, str(body.get("error", "")), body.get("event_id"), body.get("result"))
        return r.text, r.headers["X-Piwarden-Event"]

    def export_registry(self) -> dict[str, Any]:
        """The watermark registry for ``piwarden forensics trace --watermarks`` (vault:admin)."""
        result: dict[str, Any] = self._call("GET", "/vault/exports/registry")
        return result

    # -- service ----------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/health")
        return result

    def ready(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/ready")
        return result

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> VaultClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
