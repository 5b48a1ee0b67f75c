"""Privacy waybills, live: virtual-number bindings, their resolution by the telephony platform, and rendering.

The order system (``vault:write``) binds a pool number to a waybill's phone for a carrier and
a time; the carrier's accounts render the waybill (``vault:read``), which shows the number,
never the phone; the telephony platform (``vault:telephony``) resolves a dialled number to the
phone while the binding lives. Each call's access event is in the audit log before the answer
(``piwarden.vault.numbers``); the vault router's lifespan opens the vault these routes use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Query

from piwarden.server.errors import ApiError
from piwarden.server.routers.vault import OVER_QUOTA, REFUSED, RecordId, _do, _part, _view
from piwarden.server.routers.vault_auth import ReadCaller, RuntimeDep, TelephonyCaller, WriteCaller
from piwarden.server.schemas.common import error_responses
from piwarden.server.schemas.vault import (
    BindingAnswer,
    BindingOut,
    BindRequest,
    RenderedWaybill,
    Resolved,
    ResolveRequest,
)
from piwarden.vault import VaultRuntime
from piwarden.vault.numbers import Binding, Numbers, PoolExhausted

T = TypeVar("T")
router = APIRouter(prefix="/vault", tags=["vault"])
BindingId = Annotated[str, Path(pattern=r"^vn-[0-9a-f]{32}$", description="Binding id (vn-...).")]
EXHAUSTED: dict[int | str, dict[str, Any]] = {503: {"description": "No pool number is free (all bound or in their "
                                                                   "quiet period; see Retry-After), or the vault or "
                                                                   "its audit log is unavailable."}}


def _numbers(rt: VaultRuntime) -> Numbers:
    return _part(rt.numbers, "virtual-number pool")


def _run(fn: Callable[[], T]) -> T:
    try:
        return _do(fn)
    except PoolExhausted as exc:
        raise ApiError(503, str(exc), headers={"Retry-After": str(exc.retry_after_s)}) from None


def _out(b: Binding) -> BindingOut:
    return BindingOut.model_validate(b.as_json())


@router.post("/numbers", summary="Bind a virtual number", response_model=BindingAnswer, status_code=201,
             responses={**REFUSED, **EXHAUSTED, **error_responses(400, 401, 404, 410, 422)})
def bind_number(who: WriteCaller, rt: RuntimeDep, body: BindRequest) -> BindingAnswer:
    """Bind a free pool number to the record's phone for a party and a time (a live binding of the same record,
    field and party is answered again); logged with the binding, before the answer."""
    b, event_id = _run(lambda: _numbers(rt).bind(who.caller, body.record_id, body.party, body.field, body.ttl_s))
    return BindingAnswer(binding=_out(b), event_id=event_id)


@router.get("/numbers", summary="Virtual-number bindings", response_model=list[BindingOut],
            responses=error_responses(400, 401, 403, 503))
def list_numbers(who: WriteCaller, rt: RuntimeDep,
                 record: Annotated[str | None, Query(pattern=r"^r-[0-9a-f]{32}$", description="Only this record's.")]
                 = None,
                 party: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$",
                                                    description="Only this party's.")] = None,
                 live: Annotated[bool, Query(description="Only bindings that forward now.")] = False,
                 limit: Annotated[int, Query(ge=1, le=1000, description="At most this many, newest first.")] = 100,
                 ) -> list[BindingOut]:
    """Bindings of the records the caller's tenant owns (the platform's callers: all), newest first; no phones."""
    return [_out(b) for b in _numbers(rt).bindings(who.caller, record, party, live, limit)]


@router.get("/numbers/{binding_id}", summary="A binding", response_model=BindingOut,
            responses=error_responses(400, 401, 403, 404, 503))
def get_binding(who: WriteCaller, rt: RuntimeDep, binding_id: BindingId) -> BindingOut:
    """One binding of a record the caller's tenant owns."""
    b = _run(lambda: _numbers(rt).get(binding_id))
    if b.owner != who.caller.tenant and who.caller.tenant != rt.vault.platform_tenant:
        raise ApiError(404, "no such binding")
    return _out(b)


@router.delete("/numbers/{binding_id}", summary="Release a virtual number", response_model=BindingAnswer,
               responses=error_responses(400, 401, 403, 404, 422, 503))
def release_number(who: WriteCaller, rt: RuntimeDep, binding_id: BindingId) -> BindingAnswer:
    """End a binding now: the number stops forwarding and returns to the pool after its quiet period; logged."""
    b, event_id = _run(lambda: _numbers(rt).release(who.caller, binding_id))
    return BindingAnswer(binding=_out(b), event_id=event_id)


@router.post("/numbers/resolve", summary="Resolve a dialled virtual number (telephony)", response_model=Resolved,
             responses={**REFUSED, **error_responses(400, 401, 404, 410, 422, 503)})
def resolve_number(who: TelephonyCaller, rt: RuntimeDep, body: ResolveRequest) -> Resolved:
    """The phone a live binding forwards the dialled number to, for the call-forwarding platform only; every
    resolution, refused ones too, is a `reveal` access event in the audit log before the answer."""
    phone, b, event_id = _run(lambda: _numbers(rt).resolve(who.caller, body.number))
    return Resolved(phone=phone, binding_id=b.id, record_id=b.record_id, field=b.field, party=b.party,
                    expires_us=b.expires_us, event_id=event_id)


@router.get("/waybills/{record_id}", summary="A privacy waybill as the bound party sees it",
            response_model=RenderedWaybill,
            responses={**REFUSED, **OVER_QUOTA, **error_responses(400, 401, 404, 410, 503)})
def render_waybill(who: ReadCaller, rt: RuntimeDep, record_id: RecordId) -> RenderedWaybill:
    """The record as the caller's party prints it: names and addresses masked (or withheld) by the policy, each
    phone bound to the party shown as its virtual number, never a phone in clear; logged as a `print`."""
    r = _run(lambda: _numbers(rt).render(who.caller, record_id))
    return RenderedWaybill(record=_view(r.view), virtual={f: b.number for f, b in r.numbers.items()},
                           bindings=[_out(b) for b in r.numbers.values()], event_id=r.event_id)
