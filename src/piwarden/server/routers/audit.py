"""The audit log's routes: ingest events, sign and read checkpoints, head, proofs.

Writes need ``audit:write`` (the bearer token), reads ``audit:read`` (open: hashes, sizes and
signed notes only). Database work runs in worker threads (``def`` routes, or
``run_in_threadpool``), so the event loop keeps streaming other requests' bodies.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from piwarden.audit.checkpoint import InconsistentHead
from piwarden.audit.log import EventIdConflict
from piwarden.audit.note import NoteError
from piwarden.events import EventError
from piwarden.inputs import InputError, utf8_body
from piwarden.server.deps import AuditServiceDep, BodyDep, ReaderDep, WriterDep
from piwarden.server.errors import ApiError
from piwarden.server.schemas.audit import (
    JSONL_TYPES,
    Appended,
    BatchReport,
    ConsistencyProof,
    Head,
    InclusionProof,
    InvalidEvent,
    ingest_body,
)
from piwarden.server.schemas.common import ErrorBody, error_responses
from piwarden.server.scopes import AuditPath
from piwarden.server.services.audit import EmptyBatch, NoSigner, problems

router = APIRouter(tags=["audit"])

MAX_TREE = 2**63 - 1  # sizes and indices are stored as signed 64-bit integers
Index = Annotated[int, Query(ge=0, le=MAX_TREE, description="Leaf index, from 0.")]
Size = Annotated[int | None, Query(ge=0, le=MAX_TREE, description="Tree size to prove against (default: the "
                                                                   "log's size now).")]
Format = Annotated[Literal["jsonl", "ndjson"] | None, Query(
    description="jsonl (or ndjson): read the body as a JSONL batch whatever its content type.")]
TEXT = {"content": {"text/plain": {"schema": {"type": "string"}}},
        "description": "A C2SP signed note: origin, size and root lines, then signatures."}


def _charset(request: Request) -> str | None:
    """The charset parameter of the request's Content-Type, if it names one."""
    for param in request.headers.get("content-type", "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return None


def _is_jsonl(request: Request, fmt: str | None) -> bool:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return fmt is not None or ctype in JSONL_TYPES


@router.post(AuditPath.EVENTS, summary="Append access events", response_model=Appended | BatchReport,
             response_model_exclude_defaults=True,  # duplicate(s) only when there are some: the wire format stays
             response_description="Committed: the event's index, or the batch's report.",
             openapi_extra=ingest_body(),
             responses={422: {"model": InvalidEvent | BatchReport,
                              "description": "Nothing appended: the event, or every line of the batch, is invalid."},
                        409: {"model": ErrorBody, "description": "The event's id is already used by a "
                                                                 "different event: not appended."},
                        **error_responses(400, 401, 413, 503)})
async def append_events(caller: WriterDep, service: AuditServiceDep, data: BodyDep, request: Request,
                        response: Response, format: Format = None) -> Appended | BatchReport:
    """Append one event (a JSON object) or a JSONL batch (by content type or `?format=jsonl`).

    Events are validated as `piwarden audit import` validates them. A single event answers its
    index; a batch appends its good lines as consecutive leaves in one transaction and reports
    bad lines by number and field (200 if any line was appended or already logged, 422 if none).
    Events are unique by id: one already logged is not appended again (`duplicate`, `duplicates`),
    so a retried request appends nothing twice; an id reused for a different event is refused
    (409 for a single event, a rejected line in a batch). An answer with indices is an
    acknowledgement: the events were committed before it was sent.
    """
    try:  # GBK, GB18030, UTF-16 (or a charset the sender names) read as `audit import` reads files
        data = utf8_body(data, _charset(request))
    except InputError as exc:
        raise ApiError(400, str(exc)) from None
    if not _is_jsonl(request, format):
        try:
            return await run_in_threadpool(service.append_event, data)
        except EventError as exc:
            raise ApiError(422, "invalid event", problems=[p.model_dump() for p in problems(exc)]) from None
        except EventIdConflict:
            raise ApiError(409, "event id already used by a different event; not appended") from None
    try:
        report = await run_in_threadpool(service.append_lines, data)
    except EmptyBatch:
        raise ApiError(400, "empty batch") from None
    if not report.accepted and not report.duplicates:
        response.status_code = 422
    return report


@router.post(AuditPath.CHECKPOINT, summary="Sign a checkpoint now", response_class=PlainTextResponse,
             responses={200: TEXT, **error_responses(401, 409, 501, 503)})
def sign_checkpoint(caller: WriterDep, service: AuditServiceDep) -> PlainTextResponse:
    """Sign a checkpoint of the log as it is now and answer it (needs a signing key)."""
    try:
        return PlainTextResponse(service.sign())
    except NoSigner as exc:
        raise ApiError(501, str(exc)) from None
    except (InconsistentHead, NoteError) as exc:
        raise ApiError(409, f"refused: {exc}") from None


@router.get(AuditPath.HEAD, summary="Size, root and latest checkpoint", response_model=Head,
            response_description="The log now.",
            responses=error_responses(503))
def head(caller: ReaderDep, service: AuditServiceDep) -> Head:
    """The log's size and root hash now, and its latest signed checkpoint."""
    return service.head()


@router.get(AuditPath.CHECKPOINT, summary="The latest signed checkpoint", response_class=PlainTextResponse,
            responses={200: TEXT, **error_responses(404, 503)})
def latest_checkpoint(caller: ReaderDep, service: AuditServiceDep) -> PlainTextResponse:
    """The latest signed checkpoint, as a signed note (404 until one is signed)."""
    note = service.latest_checkpoint()
    if note is None:
        raise ApiError(404, "no signed checkpoint yet")
    return PlainTextResponse(note)


@router.get(AuditPath.INCLUSION, summary="Inclusion proof", response_model=InclusionProof,
            response_description="The proof, with the leaf hash and root it links.",
            responses=error_responses(400, 503))
def inclusion_proof(caller: ReaderDep, service: AuditServiceDep, index: Index, size: Size = None) -> InclusionProof:
    """That leaf `index` is in the tree of `size` leaves: its hash, the root and the audit path."""
    try:
        return service.inclusion(index, size)
    except ValueError as exc:  # index or size outside the log: the message carries no event data
        raise ApiError(400, str(exc)) from None


@router.get(AuditPath.CONSISTENCY, summary="Consistency proof", response_model=ConsistencyProof,
            response_description="The proof, with both roots it links.",
            responses=error_responses(400, 503))
def consistency_proof(caller: ReaderDep, service: AuditServiceDep, old: Annotated[int, Query(
        ge=0, le=MAX_TREE, description="The earlier tree size.")], size: Size = None) -> ConsistencyProof:
    """That the tree of `old` leaves is a prefix of the tree of `size` leaves: both roots and the proof."""
    try:
        return service.consistency(old, size)
    except ValueError as exc:  # sizes outside the log: the message carries no event data
        raise ApiError(400, str(exc)) from None
