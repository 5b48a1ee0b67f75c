"""Approvals of single reveals: the requester asks, a checker (``vault:approve``, never the requester) decides,
and the requester's next read of that field within the validity window shows it in clear, once
(``piwarden.vault.approvals``). Each step is an access event in the audit log before the answer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from piwarden.server.routers.vault import REFUSED, _do, _part
from piwarden.server.routers.vault_auth import ApproveCaller, ReadCaller, RuntimeDep
from piwarden.server.schemas.common import error_responses
from piwarden.server.schemas.vault import ApprovalAnswer, ApprovalOut, ExportDecision, RevealRequest
from piwarden.vault import VaultRuntime
from piwarden.vault.approvals import Approval, Approvals

router = APIRouter(prefix="/vault", tags=["vault"])
ApprovalId = Annotated[str, Path(pattern=r"^va-[0-9a-f]{16}$", description="Approval id (va-...).")]


def _approvals(rt: VaultRuntime) -> Approvals:
    return _part(rt.approvals, "approvals")


def _out(a: Approval) -> ApprovalOut:
    return ApprovalOut.model_validate(a.as_json())


@router.post("/approvals", summary="Ask to reveal a field once", response_model=ApprovalAnswer, status_code=201,
             responses={**REFUSED, **error_responses(400, 401, 404, 422, 503)})
def request_reveal(who: ReadCaller, rt: RuntimeDep, body: RevealRequest) -> ApprovalAnswer:
    """Ask a checker to let the caller see one field the policy answers `needs_approval` in clear, once; logged as
    a `pending_approval` reveal."""
    a, event_id = _do(lambda: _approvals(rt).request(who.caller, body.record_id, body.field, body.reason))
    return ApprovalAnswer(approval=_out(a), event_id=event_id)


@router.get("/approvals", summary="Single-reveal requests", response_model=list[ApprovalOut],
            responses=error_responses(400, 401, 403, 503))
def list_approvals(who: ApproveCaller, rt: RuntimeDep,
                   status: Annotated[str | None, Query(pattern=r"^(pending|approved|refused|used)$",
                                                       description="Only requests in this state.")] = None,
                   limit: Annotated[int, Query(ge=1, le=1000, description="At most this many, newest first.")] = 100,
                   ) -> list[ApprovalOut]:
    """Requests to reveal a field once, newest first, for checkers (names and ids, never a value)."""
    return [_out(a) for a in _approvals(rt).list(status, limit)]


@router.post("/approvals/{approval_id}/decision", summary="Approve or refuse a single reveal",
             response_model=ApprovalAnswer, responses=error_responses(400, 401, 403, 404, 422, 503))
def decide_reveal(who: ApproveCaller, rt: RuntimeDep, approval_id: ApprovalId, body: ExportDecision
                  ) -> ApprovalAnswer:
    """A checker's decision (never the requester's own); approved, it serves the requester's next read of the
    field within `vault.reveal_approval_ttl_s`; logged."""
    a, event_id = _do(lambda: _approvals(rt).decide(who.caller, approval_id, body.approve, body.reason))
    return ApprovalAnswer(approval=_out(a), event_id=event_id)
