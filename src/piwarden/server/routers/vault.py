"""The vault's routes: sessions, record types, records (create, read, change, search) and erasure.

Every route declares one vault scope (``vault_auth.vault_guard``); every answer that follows a
decision names its access event, which is in the audit log before the answer is sent.
Operations are blocking (database, cryptography): the routes are ``def`` and run in worker
threads. The router's lifespan opens the vault over the app's audit log and keeps draining
the outbox a crashed call may have left (``piwarden.vault.evidence``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, FastAPI, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from piwarden.audit.store_base import AuditStoreError
from piwarden.events import EventError
from piwarden.server.errors import ApiError
from piwarden.server.routers.vault_auth import (
    AdminCaller,
    ApproveCaller,
    EraseCaller,
    ExportCaller,
    ReadCaller,
    RuntimeDep,
    SessionCaller,
    TicketsCaller,
    VaultCaller,
    WriteCaller,
)
from piwarden.server.schemas.common import error_responses
from piwarden.server.schemas.vault import (
    AlertOut,
    CreateRecord,
    Done,
    Erased,
    ExportDecision,
    ExportOut,
    ExportRequest,
    FieldInfo,
    HoldOut,
    HoldRequest,
    LoginRequest,
    Me,
    OidcLoginRequest,
    RecordAnswer,
    RecordView,
    Refusal,
    Search,
    SearchAnswer,
    Session,
    TicketOut,
    TicketRequest,
    TypeInfo,
    UpdateRecord,
    Written,
)
from piwarden.server.scopes import Scope, requires
from piwarden.settings import get_settings
from piwarden.vault import BadRequest, NotFound, OverQuota, Refused, VaultRuntime, View, open_vault
from piwarden.vault.crypto import DecryptError
from piwarden.vault.evidence import event
from piwarden.vault.exports import Exports
from piwarden.vault.keystore import VaultKeyError
from piwarden.vault.oidc import OidcError
from piwarden.vault.store import SubjectShredded, VersionConflict

T = TypeVar("T")
_log_drain_every_s = 5.0


@asynccontextmanager
async def vault_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the vault over the audit log the app opened; drain left-over outbox rows now and then."""
    settings = get_settings()
    rt = await run_in_threadpool(lambda: open_vault(settings, db=app.state.config.db, log=app.state.audit_log))
    app.state.vault = rt
    every = max(0.2, min(_log_drain_every_s, settings.vault.outbox_lease_s / 4))

    async def drain_forever() -> None:
        while True:
            with contextlib.suppress(Exception):  # a failing drain is retried next round; it never stops the app
                await run_in_threadpool(rt.vault.recover)
            await asyncio.sleep(every)

    task = asyncio.create_task(drain_forever())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        app.state.vault = None
        await run_in_threadpool(rt.close)


router = APIRouter(prefix="/vault", tags=["vault"], lifespan=vault_lifespan)

REFUSED: dict[int | str, dict[str, Any]] = {403: {"model": Refusal, "description": "The policy refused (the refusal "
                                                                                   "is logged: see event_id)."}}
OVER_QUOTA: dict[int | str, dict[str, Any]] = {429: {"model": Refusal, "description": "A quota refused the call (the "
                                                     "attempt is logged and an alert raised): see event_id and the "
                                                     "Retry-After header."}}
RECORD_ID_PATTERN = r"^r-[0-9a-f]{32}$"
TYPE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
REVEAL_PATTERN = r"^(\*|[a-z][a-z0-9_]{0,63}(,[a-z][a-z0-9_]{0,63}){0,63})$"
RecordId = Annotated[str, Path(pattern=RECORD_ID_PATTERN, description="Record id (r-...).")]
TypeName = Annotated[str, Path(pattern=TYPE_PATTERN, description="Record type, e.g. customer.")]
SubjectId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$", description="Data subject id.")]
Reveal = Annotated[str | None, Query(pattern=REVEAL_PATTERN,
                                     description="Fields wanted in clear, comma-separated ('*': all); the policy "
                                                 "decides. Field names only: values never go in a URL.")]


def _do(fn: Callable[[], T]) -> T:
    """Run a vault operation, its failures in the one error format (never a value)."""
    try:
        return fn()
    except OverQuota as exc:
        raise ApiError(429, exc.reason, headers={"Retry-After": str(exc.retry_after_s)}, event_id=exc.event_id,
                       result=exc.result) from None
    except Refused as exc:
        raise ApiError(403, exc.reason, event_id=exc.event_id, result=exc.result) from None
    except NotFound as exc:
        raise ApiError(404, str(exc), event_id=exc.event_id) from None
    except BadRequest as exc:
        raise ApiError(422, str(exc)) from None
    except VersionConflict as exc:
        raise ApiError(409, str(exc)) from None
    except SubjectShredded:
        raise ApiError(410, "the data subject was erased") from None
    except DecryptError as exc:  # names the record and field only
        raise ApiError(500, f"a stored value does not decrypt: {exc}") from None
    except VaultKeyError as exc:
        raise ApiError(503, f"vault keys unavailable: {exc}") from None
    except AuditStoreError:
        raise
    except EventError:  # an identifier that the event format refuses
        raise ApiError(422, "the request cannot be recorded as an access event") from None


P = TypeVar("P")


def _part(part: P | None, what: str) -> P:
    """A part of the vault the route needs (guards, ticket registry, exports), or 503."""
    if part is None:
        raise ApiError(503, f"the vault has no {what}")
    return part


def _json(model: BaseModel, status_code: int = 200) -> Response:
    """``model`` as the answer, serialized once: returned as a model, FastAPI would dump it, validate the
    dump against the response model and encode it again (a fifth of a masked read's time in the server)."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")


def _view(v: View) -> RecordView:
    return RecordView(id=v.id, type=v.type, owner=v.owner, subject=v.subject, version=v.version, values=v.values,
                      clear=v.clear, masked=v.masked, withheld=v.withheld, pending_approval=v.pending_approval, step_up=v.step_up,
                      tokens=v.tokens, rules={f: d.rule for f, d in v.decisions.items()})


@router.post("/sessions", summary="Log in (staff)", response_model=Session, status_code=201,
             dependencies=[requires(Scope.VAULT_LOGIN)], responses=error_responses(400, 401, 503))
def login(body: LoginRequest, rt: RuntimeDep, request: Request) -> Session:
    """Check a staff account's password (argon2id) and open a session; the login is logged either way."""
    found = rt.identities.login(body.account, body.password)
    account = rt.identities.account(body.account) if found is None else found[0]
    client = request.client.host if request.client else None
    if account is not None:
        ev = event(actor=account.id, party=account.party, role=account.roles[0], action="login", resource="session",
                   subjects=[], client_ip=client, result="allowed" if found else "denied")
        rt.vault.evidence.record(ev)
    if found is None:
        raise ApiError(401, "wrong account or password", headers={"WWW-Authenticate": "Bearer"})
    account, token, expires = found
    return Session(token=token, expires_us=expires, account=account.id, roles=list(account.roles), event_id=ev.id)


@router.post("/sessions/oidc", summary="Log in with an OIDC ID token (staff)", response_model=Session,
             status_code=201, dependencies=[requires(Scope.VAULT_LOGIN)], responses=error_responses(400, 401, 404, 503))
def login_oidc(body: OidcLoginRequest, rt: RuntimeDep, request: Request) -> Session:
    """Open a session for the staff account an ID token of the configured identity provider names (signature,
    issuer, audience, expiry checked; each token once); the login is logged when it names an account."""
    if rt.oidc is None:
        raise ApiError(404, "OIDC login is not configured (vault.oidc_issuer)")
    try:
        login = rt.oidc.verify(body.id_token)
    except OidcError as exc:
        raise ApiError(401, f"OIDC login refused: {exc}", headers={"WWW-Authenticate": "Bearer"}) from None
    found = rt.identities.login_oidc(login.account, login.digest, login.expires_us)
    account = rt.identities.account(login.account) if found is None else found[0]
    if account is not None:
        client = request.client.host if request.client else None
        ev = event(actor=account.id, party=account.party, role=account.roles[0], action="login", resource="session",
                   subjects=[], client_ip=client, result="allowed" if found else "denied")
        rt.vault.evidence.record(ev)
    if found is None:
        raise ApiError(401, "OIDC login refused: the token names no enabled staff account, or was used before",
                       headers={"WWW-Authenticate": "Bearer"})
    account, token, expires = found
    return Session(token=token, expires_us=expires, account=account.id, roles=list(account.roles), event_id=ev.id)


@router.delete("/sessions/current", summary="Log out", response_model=Done, responses=error_responses(400, 401, 403, 503))
def logout(who: SessionCaller, rt: RuntimeDep) -> Done:
    """End the session whose token this request carries (an API key is left as it is)."""
    rt.identities.logout(who.credential)
    return Done(ok=True)


@router.get("/me", summary="Who am I", response_model=Me, responses=error_responses(400, 401, 403, 503))
def me(who: SessionCaller) -> Me:
    """The authenticated account: roles, tenant, party and scopes."""
    a = who.principal.account
    return Me(account=a.id, kind=a.kind, roles=list(a.roles), tenant=a.tenant, party=a.party, scopes=list(a.scopes),
              via=who.principal.via)


@router.get("/types", summary="Record types", response_model=list[TypeInfo], responses=error_responses(400, 401, 403, 503))
def record_types(who: ReadCaller, rt: RuntimeDep) -> list[TypeInfo]:
    """The record types the vault holds and their fields (entity type, grade, look-up, token); no values."""
    return [TypeInfo(name=t.name, description=t.description, fields=[
        FieldInfo(name=f.name, entity=f.entity.name, grade=f.entity.grade.name, sensitive=f.entity.sensitive,
                  lookup=f.lookup, token=f.token, kind=f.kind) for f in t.fields.values()])
        for t in rt.vault.types.values()]


@router.post("/records/{type_name}", summary="Create a record", response_model=Written, status_code=201,
             responses={**REFUSED, **error_responses(400, 401, 410, 422, 503)})
def create_record(who: WriteCaller, rt: RuntimeDep, type_name: TypeName, body: CreateRecord) -> Response:
    """Encrypt and store a new record; answered once the record and its access event are both durable."""
    return created(rt, who, type_name, body)


def created(rt: VaultRuntime, who: VaultCaller, type_name: str, body: CreateRecord) -> Response:
    """``create_record``'s work, also done by the hot path (``piwarden.server.hot``)."""
    w = _do(lambda: rt.vault.create(who.caller, type_name, body.subject, body.fields, owner=body.owner))
    return _json(Written(id=w.record_id, version=w.version, event_id=w.event_id), 201)


@router.get("/records/{record_id}", summary="Read a record", response_model=RecordAnswer,
            responses={**REFUSED, **OVER_QUOTA, **error_responses(400, 401, 404, 503)})
def get_record(who: ReadCaller, rt: RuntimeDep, record_id: RecordId, reveal: Reveal = None) -> Response:
    """One record: fields the caller asked to reveal and the policy allows in clear, others masked or withheld."""
    return read(rt, who, record_id, reveal)


def read(rt: VaultRuntime, who: VaultCaller, record_id: str, reveal: str | None) -> Response:
    """``get_record``'s work, also done by the hot path (``piwarden.server.hot``)."""
    fields = reveal.split(",") if reveal else []
    answer = _do(lambda: rt.vault.get(who.caller, record_id, fields))
    return _json(RecordAnswer(record=_view(answer.views[0]), event_id=answer.event_id))


@router.patch("/records/{record_id}", summary="Change a record", response_model=Written,
              responses={**REFUSED, **error_responses(400, 401, 404, 409, 410, 422, 503)})
def update_record(who: WriteCaller, rt: RuntimeDep, record_id: RecordId, body: UpdateRecord) -> Written:
    """Replace some fields (re-encrypted, blind indexes updated); optionally only at `expected_version`."""
    w = _do(lambda: rt.vault.update(who.caller, record_id, body.fields, body.expected_version))
    return Written(id=w.record_id, version=w.version, event_id=w.event_id)


@router.post("/records/{type_name}/search", summary="Find records by keyed identifier", response_model=SearchAnswer,
             responses={**REFUSED, **OVER_QUOTA, **error_responses(400, 401, 422, 503)})
def search_records(who: ReadCaller, rt: RuntimeDep, type_name: TypeName, body: Search) -> Response:
    """Exact look-up through a blind index (phone, ID number, policy number ...), value or token in the body."""
    answer = _do(lambda: rt.vault.search(who.caller, type_name, body.by, body.value, body.token, body.reveal,
                                         body.limit))
    return _json(SearchAnswer(records=[_view(v) for v in answer.views], event_id=answer.event_id))


@router.delete("/subjects/{subject}", summary="Erase a data subject", response_model=Erased,
               responses={**REFUSED, **error_responses(400, 401, 503)})
def erase_subject(who: EraseCaller, rt: RuntimeDep, subject: SubjectId) -> Erased:
    """Delete the subject's records and destroy its key: every copy of its values, backups too, is unreadable."""
    e = _do(lambda: rt.vault.erase(who.caller, subject))
    return Erased(subject=e.subject, records=e.records, event_id=e.event_id)


ActorId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$", description="An account id.")]


@router.get("/alerts", summary="Alerts", response_model=list[AlertOut], responses=error_responses(400, 401, 403, 503))
def list_alerts(who: AdminCaller, rt: RuntimeDep,
                account: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$",
                                                     description="Only this account's alerts.")] = None,
                limit: Annotated[int, Query(ge=1, le=1000, description="At most this many, newest first.")] = 100,
                ) -> list[AlertOut]:
    """The alerts the vault raised (quotas exceeded), newest first, each with the events that are its evidence."""
    guards = rt.vault.guards
    found = guards.alerts(account, limit) if guards is not None else []
    return [AlertOut.model_validate(a.as_json()) for a in found]


@router.get("/holds", summary="Actors held to approval-only", response_model=list[HoldOut],
            responses=error_responses(400, 401, 403, 503))
def list_holds(who: AdminCaller, rt: RuntimeDep) -> list[HoldOut]:
    """Accounts whose every reveal needs an approval, until someone releases them."""
    guards = rt.vault.guards
    return [HoldOut(actor=a, since_us=s, reason=r, alert_id=al) for a, s, r, al in (guards.holds() if guards else [])]


@router.put("/holds/{actor}", summary="Hold an actor to approval-only", response_model=Done,
            responses=error_responses(400, 401, 403, 422, 503))
def hold_actor(who: AdminCaller, rt: RuntimeDep, actor: ActorId, body: HoldRequest) -> Done:
    """Switch an account to approval-only (every reveal needs an approval); ok is false if it already was."""
    return Done(ok=_part(rt.vault.guards, "guards").hold(actor, body.reason))


@router.delete("/holds/{actor}", summary="Release an actor", response_model=Done,
               responses=error_responses(400, 401, 403, 503))
def release_actor(who: AdminCaller, rt: RuntimeDep, actor: ActorId) -> Done:
    """End an account's hold; ok is false if it had none."""
    return Done(ok=_part(rt.vault.guards, "guards").release(actor))


ExportId = Annotated[str, Path(pattern=r"^vx-[0-9a-f]{16}$", description="Export id (vx-...).")]


def _exports(rt: VaultRuntime) -> Exports:
    return _part(rt.exports, "exports")


@router.get("/exports", summary="Exports", response_model=list[ExportOut], responses=error_responses(400, 401, 403, 503))
def list_exports(who: AdminCaller, rt: RuntimeDep) -> list[ExportOut]:
    """Every bulk export, newest first (ids, recipients, field names, status; no values)."""
    return [ExportOut.model_validate(e.as_json()) for e in _exports(rt).list()]


@router.get("/exports/registry", summary="Watermark registry", responses=error_responses(400, 401, 403, 503))
def export_registry(who: AdminCaller, rt: RuntimeDep) -> dict[str, Any]:
    """The registry `piwarden forensics trace --watermarks` reads: each ready export's id and recipient."""
    return _exports(rt).registry()


@router.post("/exports", summary="Ask for a bulk export", response_model=ExportOut, status_code=201,
             responses={**REFUSED, **error_responses(400, 401, 422, 503)})
def request_export(who: ExportCaller, rt: RuntimeDep, body: ExportRequest) -> ExportOut:
    """Ready at once when light, else pending a checker (maker-checker, graded by rows x sensitivity); logged."""
    info = _do(lambda: _exports(rt).request(who.caller, body.type, body.fields, body.owner, body.recipient,
                                            body.reason))
    return ExportOut.model_validate(info.as_json())


@router.get("/exports/{export_id}", summary="An export", response_model=ExportOut,
            responses=error_responses(400, 401, 403, 404, 503))
def get_export(who: ExportCaller, rt: RuntimeDep, export_id: ExportId) -> ExportOut:
    """One export's state (its maker sees it)."""
    info = _do(lambda: _exports(rt).get(export_id))
    if info.maker != who.caller.actor:
        raise ApiError(404, "no such export")
    return ExportOut.model_validate(info.as_json())


@router.post("/exports/{export_id}/decision", summary="Approve or refuse an export", response_model=ExportOut,
             responses=error_responses(400, 401, 403, 404, 422, 503))
def decide_export(who: ApproveCaller, rt: RuntimeDep, export_id: ExportId, body: ExportDecision) -> ExportOut:
    """A checker's decision on a pending export; the maker cannot decide its own; logged."""
    info = _do(lambda: _exports(rt).decide(who.caller, export_id, body.approve, body.reason))
    return ExportOut.model_validate(info.as_json())


@router.get("/exports/{export_id}/file", summary="Download an export", response_model=None,
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                             "description": "The CSV file (subject column first)."},
                       **REFUSED, **error_responses(400, 401, 404, 422, 503)})
def download_export(who: ExportCaller, rt: RuntimeDep, export_id: ExportId) -> Response:
    """The export's rows as CSV, values in clear carrying the recipient's watermark; the access event is durable
    before the file leaves (its id in the X-Piwarden-Event header)."""
    text, event_id = _do(lambda: _exports(rt).download(who.caller, export_id))
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"X-Piwarden-Event": event_id,
                             "Content-Disposition": f'attachment; filename="{export_id}.csv"'})


TicketId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/#-]{0,127}$", description="Ticket id.")]


def _ticket_out(t: Any) -> TicketOut:
    return TicketOut(id=t.id, subjects=sorted(t.subjects), purpose=t.purpose, assignee=t.assignee,
                     opened_us=t.opened_us, expires_us=t.expires_us, closed_us=t.closed_us)


@router.put("/tickets/{ticket_id}", summary="Register a ticket", response_model=TicketOut,
            responses=error_responses(400, 401, 403, 422, 503))
def put_ticket(who: TicketsCaller, rt: RuntimeDep, ticket_id: TicketId, body: TicketRequest) -> TicketOut:
    """Register (or replace) an open ticket and the subjects it names, for `ticket: bound` rules."""
    tickets = _part(rt.vault.tickets, "ticket registry")
    return _ticket_out(tickets.put(ticket_id, list(body.subjects), purpose=body.purpose, assignee=body.assignee,
                                   expires_in_s=body.expires_in_s))


@router.delete("/tickets/{ticket_id}", summary="Close a ticket", response_model=Done,
               responses=error_responses(400, 401, 403, 503))
def close_ticket(who: TicketsCaller, rt: RuntimeDep, ticket_id: TicketId) -> Done:
    """Close a ticket: it justifies nothing from now on; ok is false if it was not open."""
    return Done(ok=_part(rt.vault.tickets, "ticket registry").close(ticket_id))
