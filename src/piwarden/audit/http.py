"""HTTP ingest for the audit log: what the vault service (or any producer) posts its events to.

``router(log, token=None, signer=None)`` is a lean FastAPI ``APIRouter`` to mount in an
existing app; ``create_app(db, ...)`` wraps it in an app of its own (``piwarden audit serve``).
Endpoints (``docs/audit.md`` has the details):

- ``POST /audit/events``: one event as a JSON object (``Content-Type: application/json``), or
  a JSONL batch (``application/x-ndjson``, ``application/jsonl`` or ``text/plain``; or
  ``?format=jsonl``). Validated against the access-event spec like ``audit import``: bad lines
  are reported by line number and field, good lines are appended. A response with indices is
  an acknowledgement: those events are committed (durable) before it is sent.
- ``POST /audit/checkpoint``: sign a checkpoint of the log now (needs a signer).
- ``GET /audit/head``: size, root and the latest signed checkpoint.
- ``GET /audit/checkpoint``: the latest signed checkpoint (signed note, ``text/plain``).
- ``GET /audit/proof/inclusion?index=I[&size=N]``, ``GET /audit/proof/consistency?old=M[&size=N]``.

Writes need ``Authorization: Bearer <token>`` when a token is configured (``serve`` reads it
from ``PIWARDEN_AUDIT_TOKEN``); reads return only hashes, sizes and signed notes, never event
bodies. Error responses name fields and line numbers, never the submitted values: they may be
personal data.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from piwarden.audit.checkpoint import InconsistentHead, sign_head
from piwarden.audit.log import AuditLog, open_log
from piwarden.audit.note import NoteError, NoteSigner
from piwarden.audit.store_base import AuditStoreError, EncodedEvent
from piwarden.events import EventError, parse_event

TOKEN_ENV = "PIWARDEN_AUDIT_TOKEN"
MAX_BODY = 64 * 1024 * 1024  # bytes per request; larger batches: split them
MAX_REPORTED = 1000  # rejected lines listed in one response (the count is always exact)
JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines", "text/plain")


class _Refused(Exception):
    def __init__(self, status: int, error: str, **extra: Any) -> None:
        self.status, self.body = status, {"error": error, **extra}


def _b64(h: bytes) -> str:
    return base64.b64encode(h).decode()


def _problems(exc: EventError) -> list[dict[str, str]]:
    return [{"field": f, "problem": p} for f, p in exc.problems]


def _check_token(request: Request, token: str | None) -> None:
    if token is None:
        return
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
        raise _Refused(401, "a valid bearer token is required to write to the audit log")


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise _Refused(413, f"request body over {MAX_BODY} bytes; send smaller batches")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise _Refused(413, f"request body over {MAX_BODY} bytes; send smaller batches")
        chunks.append(chunk)
    return b"".join(chunks)


def _is_jsonl(request: Request) -> bool:
    if request.query_params.get("format") in ("jsonl", "ndjson"):
        return True
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return ctype in JSONL_TYPES


def _answering(endpoint: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """Turn refusals and database failures into JSON error responses inside the endpoint, so the
    router works mounted in any app (no exception handlers needed)."""

    async def wrapped(request: Request) -> Response:
        try:
            return await endpoint(request)
        except _Refused as exc:
            return JSONResponse(exc.body, status_code=exc.status)
        except AuditStoreError as exc:  # names the kind of failure only, never data or credentials
            return JSONResponse({"error": str(exc)}, status_code=503)

    return wrapped


def router(log: AuditLog, token: str | None = None, signer: NoteSigner | None = None) -> APIRouter:
    """The audit endpoints over ``log``; ``token`` guards the POSTs; ``signer`` signs checkpoints."""
    if token == "":
        raise ValueError("an empty token would let anyone write; give None for no token")
    r = APIRouter(prefix="/audit", tags=["audit"])

    async def append(request: Request) -> Response:
        _check_token(request, token)
        data = await _body(request)
        if not _is_jsonl(request):
            try:
                encoded = EncodedEvent.of(parse_event(data, "event"))
            except EventError as exc:
                raise _Refused(422, "invalid event", problems=_problems(exc)) from None
            first = await run_in_threadpool(log.append_encoded, [encoded])
            return JSONResponse({"index": first, "size": first + 1})
        good: list[EncodedEvent] = []
        rejected: list[dict[str, Any]] = []
        bad = 0
        for number, line in enumerate(data.split(b"\n"), start=1):
            if not line.strip():
                continue
            try:
                good.append(EncodedEvent.of(parse_event(line, f"line {number}")))
            except EventError as exc:
                bad += 1
                if len(rejected) < MAX_REPORTED:
                    rejected.append({"line": number, "problems": _problems(exc)})
        if not good and not bad:
            raise _Refused(400, "empty batch")
        first = await run_in_threadpool(log.append_encoded, good) if good else None
        return JSONResponse({"accepted": len(good), "rejected": bad, "first_index": first,
                             "size": None if first is None else first + len(good), "errors": rejected},
                            status_code=200 if good else 422)

    async def head(_: Request) -> Response:
        def read() -> dict[str, Any]:
            latest = log.store.latest_head()
            frontier = log.store.frontier()
            return {"size": frontier.size, "root": _b64(frontier.root()),
                    "checkpoint": None if latest is None else latest.note}
        return JSONResponse(await run_in_threadpool(read))

    async def checkpoint(_: Request) -> Response:
        latest = await run_in_threadpool(log.store.latest_head)
        if latest is None:
            raise _Refused(404, "no signed checkpoint yet")
        return PlainTextResponse(latest.note)

    async def sign(request: Request) -> Response:
        _check_token(request, token)
        if signer is None:
            raise _Refused(501, "this server has no signing key configured")
        try:
            note = (await run_in_threadpool(sign_head, log, signer)).note
        except (InconsistentHead, NoteError) as exc:
            raise _Refused(409, f"refused: {exc}") from None
        return PlainTextResponse(note)

    def _int(request: Request, name: str, default: int | None = None) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            if default is None:
                raise _Refused(400, f"query parameter {name} is required")
            return default
        try:
            value = int(raw)
        except ValueError:
            raise _Refused(400, f"query parameter {name} must be an integer") from None
        if value < 0:
            raise _Refused(400, f"query parameter {name} must not be negative")
        return value

    async def inclusion(request: Request) -> Response:
        index = _int(request, "index")
        size = _int(request, "size", -1)

        def prove() -> dict[str, Any]:
            n = log.size() if size < 0 else size
            proof = log.inclusion_proof(index, n)  # first: it checks index and size (ValueError)
            return {"index": index, "size": n, "leaf_hash": _b64(log.leaf_hash(index)), "root": _b64(log.root(n)),
                    "proof": [_b64(h) for h in proof]}
        return await _proof(prove)

    async def consistency(request: Request) -> Response:
        old = _int(request, "old")
        size = _int(request, "size", -1)

        def prove() -> dict[str, Any]:
            n = log.size() if size < 0 else size
            proof = log.consistency_proof(old, n)  # first: it checks both sizes (ValueError)
            return {"old": old, "size": n, "old_root": _b64(log.root(old)), "root": _b64(log.root(n)),
                    "proof": [_b64(h) for h in proof]}
        return await _proof(prove)

    async def _proof(prove: Any) -> Response:
        try:
            return JSONResponse(await run_in_threadpool(prove))
        except ValueError as exc:  # sizes or indices out of range: the messages carry no event data
            raise _Refused(400, str(exc)) from None

    for path, endpoint, method in (("/events", append, "POST"), ("/checkpoint", sign, "POST"),
                                   ("/head", head, "GET"), ("/checkpoint", checkpoint, "GET"),
                                   ("/proof/inclusion", inclusion, "GET"),
                                   ("/proof/consistency", consistency, "GET")):
        r.add_api_route(path, _answering(endpoint), methods=[method])
    return r


def create_app(db: str | None = None, token: str | None = None, signer: NoteSigner | None = None,
               log: AuditLog | None = None) -> FastAPI:
    """An app serving ``router`` over the log at ``db`` (opened now, closed when the app shuts
    down), or over an already open ``log`` (left open)."""
    holder: dict[str, AuditLog] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if "owned" in holder:
            holder["owned"].close()

    the_log = log
    if the_log is None:
        the_log = holder["owned"] = open_log(db)
    app = FastAPI(title="piwarden audit log", lifespan=lifespan, openapi_url=None, docs_url=None,
                  redoc_url=None)
    app.include_router(router(the_log, token, signer))
    return app
