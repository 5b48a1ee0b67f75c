"""Approvals of single reveals: a field the policy answers ``needs_approval`` shown in clear once, after a checker.

The requester asks to see one field of one record (``request``: the policy must say
``needs_approval`` for it, or the requester be held to approval-only); another account holding
``vault:approve`` decides (``decide``, the maker-checker rule of ``checker.py``, shared with
bulk exports); an approval serves the requester's next read of that field (``Vault.view`` asks
``granted`` and spends it with ``use``, an update conditioned on it being unused) within
``ttl_s`` of the decision, and only that one. The request and the decision are access events
(``reveal`` with result ``pending_approval``, then ``allowed``/``denied`` by the checker, naming
the approval in ``ticket`` so the trail links up); the read that uses it is the ordinary
``reveal`` event, with the approval's id as its reason in the view's decision.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import insert, select, update

from piwarden.db import writing
from piwarden.db.base import table_of
from piwarden.db.vault import VaultRevealApproval
from piwarden.vault.checker import check_maker, settle
from piwarden.vault.evidence import now_us
from piwarden.vault.service import BadRequest, Caller, NotFound, Refused, Vault

APPROVALS = table_of(VaultRevealApproval)
TTL_S = 3600


@dataclass(frozen=True)
class Approval:
    """A single-reveal request as stored: ids, names and times, never a value."""

    id: str
    requester: str
    record_id: str
    field: str
    type: str
    subject: str
    reason: str
    status: str  # pending | approved | refused | used
    checker: str | None
    created_us: int
    decided_us: int | None
    expires_us: int | None
    used_us: int | None

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _approval(r: Any) -> Approval:
    return Approval(r.id, r.requester, r.record_id, r.field, r.type, r.subject, r.reason, r.status, r.checker,
                    r.created_us, r.decided_us, r.expires_us, r.used_us)


class Approvals:
    """Requests, decisions and the use of single reveals over one vault (``vault.approvals`` is this)."""

    def __init__(self, vault: Vault, ttl_s: int = TTL_S) -> None:
        self.vault, self.ttl_s = vault, ttl_s
        vault.approvals = self

    def get(self, approval_id: str) -> Approval:
        with self.vault.engine.connect() as conn:
            row = conn.execute(select(APPROVALS).where(APPROVALS.c.id == approval_id)).first()
        if row is None:
            raise NotFound("no such approval", "-")
        return _approval(row)

    def list(self, status: str | None = None, limit: int = 100) -> list[Approval]:
        q = select(APPROVALS).order_by(APPROVALS.c.created_us.desc()).limit(limit)
        if status is not None:
            q = q.where(APPROVALS.c.status == status)
        with self.vault.engine.connect() as conn:
            return [_approval(r) for r in conn.execute(q).all()]

    def request(self, caller: Caller, record_id: str, field: str, reason: str = "") -> tuple[Approval, str]:
        """Ask to see ``field`` of the record in clear once; (the pending request, its event id)."""
        v = self.vault
        record = v.load(caller, record_id, "reveal")
        rtype = v.record_type(record.type)
        if field not in rtype.fields:
            raise BadRequest(f"record type {rtype.name} has no such field (GET /vault/types lists them)")
        d = v.policy.decide(v.ask(caller, rtype, rtype.fields[field], record.owner, "reveal", record.subject))
        held = v.guards is not None and v.guards.held(caller.actor)
        if d.effect == "deny":
            ev = v._event(caller, action="reveal", resource=record.type, subjects=[record.subject],
                          records=[record.id], masked_fields=[], result="denied")
            raise Refused(f"the policy withholds field {field}: no approval can reveal it", v.evidence.record(ev))
        if d.effect != "needs_approval" and not (held and d.effect == "reveal"):
            raise BadRequest(f"field {field} needs no approval for this caller (the policy: {d.effect})")
        a = Approval(f"va-{uuid.uuid4().hex[:16]}", caller.actor, record.id, field, record.type, record.subject,
                     reason[:500], "pending", None, now_us(), None, None, None)
        ev = v._event(replace(caller, ticket=caller.ticket or a.id), action="reveal", resource=record.type,
                      subjects=[record.subject], records=[record.id], masked_fields=[field],
                      result="pending_approval")
        with writing(v.store.writer) as conn:
            conn.execute(insert(APPROVALS).values(**a.__dict__))
        return a, v.evidence.record(ev)

    def decide(self, checker: Caller, approval_id: str, approve: bool, reason: str = "") -> tuple[Approval, str]:
        """A checker's decision (never the requester's own); (the approval, the decision's event id)."""
        a = self.get(approval_id)
        v = self.vault
        check_maker(a.requester, checker.actor, "a reveal request")
        if a.status != "pending":
            raise BadRequest(f"approval {approval_id} is {a.status}, not pending")
        settle(v.store.writer, APPROVALS, approval_id, "approved" if approve else "refused", checker.actor,
               f"approval {approval_id}", expires_us=now_us() + self.ttl_s * 1_000_000 if approve else None)
        ev = v._event(replace(checker, ticket=checker.ticket or approval_id), action="reveal", resource=a.type,
                      subjects=[a.subject], records=[a.record_id], masked_fields=[a.field],
                      result="allowed" if approve else "denied")
        return self.get(approval_id), v.evidence.record(ev)

    # -- SingleReveals (Vault.view) -----------------------------------------------------------
    def granted(self, actor: str, record_id: str, field: str) -> str | None:
        with self.vault.engine.connect() as conn:
            return conn.execute(select(APPROVALS.c.id).where(
                APPROVALS.c.requester == actor, APPROVALS.c.record_id == record_id, APPROVALS.c.field == field,
                APPROVALS.c.status == "approved", APPROVALS.c.expires_us > now_us())
                .order_by(APPROVALS.c.decided_us).limit(1)).scalar()

    def use(self, approval_id: str) -> bool:
        with writing(self.vault.store.writer) as conn:
            return bool(conn.execute(update(APPROVALS).where(APPROVALS.c.id == approval_id,
                                                             APPROVALS.c.status == "approved",
                                                             APPROVALS.c.expires_us > now_us())
                                     .values(status="used", used_us=now_us())).rowcount)
