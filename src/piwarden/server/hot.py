"""The vault's two hottest routes served without FastAPI's routing and dependency solving.

A masked read cost the server about 1.3 ms of CPU, of which FastAPI spent 0.36 ms solving the
guard's dependencies (bearer scheme, runtime, four validated headers) and 0.11 ms matching the
route (measured in-process, docs/benchmarks.md): a third of the request, the same for a write.
``HotRoutes`` answers ``GET /vault/records/{id}`` and ``POST /vault/records/{type}`` itself when
the request is plain: a bearer credential already authenticated by this process, headers and
query that pass the routes' own patterns, a JSON body the route's model accepts. It then builds
the same caller (``vault_auth.vault_caller``) and does the route's own work (``vault.read``,
``vault.created``), so the answer, the decision and the logged event are the route's.

Anything else (a missing or new credential, a bad header, a step-up code, a missing scope, an
unknown query parameter, a body that does not validate) goes on to the FastAPI route untouched,
with the body replayed, and gets its usual answer or error. ``tests/server/test_hot.py`` sends
the same requests with and without this layer and compares the answers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from piwarden.audit.store_base import AuditStoreError
from piwarden.server.errors import ApiError, error_response
from piwarden.server.routers import vault, vault_auth
from piwarden.server.schemas.vault import CreateRecord
from piwarden.server.scopes import Scope
from piwarden.vault.evidence import deferred_events

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Message, Receive, Send], Awaitable[None]]


def _exact(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern.removeprefix("^").removesuffix("$"))


_RECORD = re.compile(r"/vault/records/(" + _exact(vault.RECORD_ID_PATTERN).pattern + ")")
_TYPE = re.compile(r"/vault/records/(" + _exact(vault.TYPE_PATTERN).pattern + ")")
_REVEAL = _exact(vault.REVEAL_PATTERN)
_HEADERS = {b"x-piwarden-role": _exact(vault_auth.ROLE_PATTERN), b"x-piwarden-purpose": _exact(vault_auth.TOKEN_PATTERN),
            b"x-piwarden-ticket": _exact(vault_auth.TOKEN_PATTERN)}
_ROUTE_HEADERS = (*_HEADERS, b"x-piwarden-otp")
_JSON = (b"application/json", b"application/json; charset=utf-8", b"application/json;charset=utf-8")
MAX_HOT_BODY = 1 << 20  # a larger body goes the usual way


class HotRoutes:
    """ASGI middleware: the plain requests of the two hot routes, answered as their routes would."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.served = 0  # requests answered here (tests look)

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            path, method = scope["path"], scope["method"]
            if method == "GET" and (m := _RECORD.fullmatch(path)):
                if await self._read(scope, m[1], send):
                    self.served += 1
                    return
            elif method == "POST" and (m := _TYPE.fullmatch(path)):
                rest = await self._create(scope, receive, m[1], send)
                if rest is None:
                    self.served += 1
                    return
                receive = rest
        await self.app(scope, receive, send)

    async def _read(self, scope: Message, record_id: str, send: Send) -> bool:
        query = scope.get("query_string", b"")
        reveal: str | None = None
        if query:
            name, eq, value = query.decode("latin-1").partition("=")
            reveal = unquote(value)
            if name != "reveal" or not eq or "&" in value or not _REVEAL.fullmatch(reveal):
                return False
        found = _caller(scope, Scope.VAULT_READ)
        if found is None:
            return False
        rt, who = found
        work = lambda: vault.read(rt, who, record_id, reveal)  # noqa: E731
        await (_answer_here if rt.vault.engine.dialect.name == "sqlite" else _answer)(scope, send, work)
        return True

    async def _create(self, scope: Message, receive: Receive, type_name: str, send: Send) -> Receive | None:
        """None once answered; otherwise the ``receive`` the route should read the body from."""
        if scope.get("query_string") or _header(scope, b"content-type") not in _JSON:
            return receive
        found = _caller(scope, Scope.VAULT_WRITE)
        if found is None:
            return receive
        messages, body, whole = await _read_body(receive)
        replay = _replay(messages, receive)
        if not whole:
            return replay
        try:
            parsed = CreateRecord.model_validate(json.loads(body))
        except (ValueError, ValidationError):  # the route's own 422 names the problem
            return replay
        rt, who = found
        await _answer(scope, send, lambda: vault.created(rt, who, type_name, parsed))
        return None


def _header(scope: Message, name: bytes) -> bytes | None:
    """The header's one value; None if absent or repeated."""
    found = None
    for key, value in scope["headers"]:
        if key.lower() == name:
            if found is not None:
                return None
            found = value
    return found


def _caller(scope: Message, needed: Scope) -> tuple[Any, vault_auth.VaultCaller] | None:
    """The vault and the caller, if the request is one the guard would pass without a database call."""
    app = scope.get("app")
    rt = getattr(getattr(app, "state", None), "vault", None)
    if rt is None:
        return None
    seen: dict[bytes, str] = {}
    authorization = None
    for key, raw in scope["headers"]:
        key = key.lower()
        if key in _ROUTE_HEADERS or key == b"authorization":
            if key in seen or (key == b"authorization" and authorization is not None):
                return None  # repeated: the route decides
            if key == b"authorization":
                authorization = raw.decode("latin-1")
                continue
            seen[key] = raw.decode("latin-1")
    if authorization is None or b"x-piwarden-otp" in seen:
        return None
    for key, value in seen.items():
        if not _HEADERS[key].fullmatch(value):
            return None
    kind, _, credential = authorization.partition(" ")
    if kind.lower() != "bearer" or not credential:
        return None
    principal = rt.identities.cached(credential)
    if principal is None:
        return None
    account = principal.account
    role = seen.get(b"x-piwarden-role") or account.roles[0]
    if needed.value not in account.scopes or role not in account.roles:
        return None
    client = scope.get("client")
    return rt, vault_auth.vault_caller(principal, credential, role, seen.get(b"x-piwarden-purpose"),
                                       seen.get(b"x-piwarden-ticket"), client[0] if client else None,
                                       principal.via == "api_key")


async def _read_body(receive: Receive) -> tuple[list[Message], bytes, bool]:
    """The messages read, the body, and whether it is whole and small enough for the hot path."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, b"", False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_HOT_BODY:
            return messages, b"", False
        chunks.append(chunk)
        if not message.get("more_body", False):
            return messages, b"".join(chunks), True


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that gives back the messages already read, then the rest."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


async def _answer(scope: Message, send: Send, work: Callable[[], Response]) -> None:
    """Run the route's work in a worker thread (as FastAPI runs a ``def`` route) and send its answer or error."""
    try:
        response: Response = await run_in_threadpool(work)
    except (ApiError, AuditStoreError) as exc:
        response = error_response(exc)
    await response(scope, _no_receive, send)


async def _answer_here(scope: Message, send: Send, work: Callable[[], Response]) -> None:
    """Do a read's work on the event loop and await its event's durability before answering.

    On SQLite a read's statements are local and short (WAL: a reader never waits for a writer), so
    the work is cheaper here than handed to a worker thread and back; its event joins the audit
    log's next group commit (``evidence.deferred_events``) and the answer, or the error, waits for
    it, as it does in a thread."""
    with deferred_events() as waits:
        try:
            response = work()
        except (ApiError, AuditStoreError) as exc:
            response = error_response(exc)
    failed: AuditStoreError | None = None
    for w in waits:  # every one awaited, so none is left failed and unread
        try:
            await w
        except AuditStoreError as exc:
            failed = failed or exc
    if failed is not None:
        response = error_response(failed)
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
