"""``Vault``: every call decided by the policy and written to the audit log before it answers.

The operations (``create``, ``update``, ``get``, ``search``, ``erase``) take the ``Caller``
(account, role, tenant, party, purpose, ticket: from the authenticated request, never from the
query string), decide each field with the policy, and return the answer with the id of its
access event, which is durable in the audit log by then (``evidence.py``). A refusal is
evidence too: ``Refused`` carries its event id.

Read answers carry values in clear only for the fields the caller asked to reveal and the
policy lets it reveal; every other field it may see is masked (``piwarden.mask``, by grade),
fields it may not see are withheld, and reveals that need an approval are masked and listed
as pending.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from sqlalchemy.engine import Engine

from piwarden.audit.log import AuditLog
from piwarden.audit.store_base import EncodedEvent
from piwarden.events import AccessEvent
from piwarden.mask import KeyRing, MaskError, Operator, default_policy, get_operator
from piwarden.vault.evidence import Evidence, event
from piwarden.vault.policy import Ask, Decision, Policy
from piwarden.vault.quotas import Exceeded, Guards, Usage
from piwarden.vault.record_types import FieldSpec, RecordType
from piwarden.vault.stepup import STEP_UP_GRADE
from piwarden.vault.store import (
    RECORDS,
    RecordNotFound,
    RecordStore,
    StoredRecord,
    Value,
    VersionConflict,
    new_record_id,
)
from piwarden.vault.tickets import Tickets

ALL = "*"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asks and why: from the authenticated account and the request's headers."""

    actor: str
    party: str
    role: str
    tenant: str
    purpose: str | None = None
    ticket: str | None = None
    client_ip: str | None = None
    at: datetime | None = None  # decisions at this time (tests, policy test); None: now
    stepped_up: bool = True  # showed a valid TOTP code (staff sessions are built with False until they do)


class Refused(PermissionError):
    """The policy refused (or needs an approval): the reason and the id of the event that records it."""

    def __init__(self, reason: str, event_id: str, result: Literal["denied", "pending_approval"] = "denied") -> None:
        super().__init__(reason)
        self.reason, self.event_id, self.result = reason, event_id, result


class OverQuota(Refused):
    """A quota refused the call: the actor did too much in a window (an alert was raised)."""

    def __init__(self, reason: str, event_id: str, retry_after_s: int) -> None:
        super().__init__(reason, event_id)
        self.retry_after_s = retry_after_s


class NotFound(LookupError):
    """No such record (the attempt is still logged): carries the event id."""

    def __init__(self, what: str, event_id: str) -> None:
        super().__init__(what)
        self.event_id = event_id


class BadRequest(ValueError):
    """A request that names unknown types or fields or gives unusable values (names them, never values)."""


@dataclass
class View:
    """What one caller may see of one record."""

    id: str
    type: str
    owner: str
    subject: str
    version: int
    values: dict[str, str | None] = field(default_factory=dict)
    clear: list[str] = field(default_factory=list)
    masked: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)
    pending_approval: list[str] = field(default_factory=list)
    step_up: list[str] = field(default_factory=list)  # L4 fields granted but shown masked: no TOTP code given
    tokens: dict[str, str] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """Views and the id of the access event recording them."""

    views: list[View]
    event_id: str


@dataclass(frozen=True)
class Written:
    record_id: str
    version: int
    event_id: str


@dataclass(frozen=True)
class Erased:
    subject: str
    records: list[str]
    event_id: str


class SingleReveals(Protocol):
    """Approved single reveals (``approvals.py``): which approval lets ``actor`` see a field once, and its use."""

    def granted(self, actor: str, record_id: str, field: str) -> str | None: ...

    def use(self, approval_id: str) -> bool: ...


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class Vault:
    """The vault's operations over one record store, key store, policy and audit log; thread-safe."""

    def __init__(self, store: RecordStore, evidence: Evidence, types: Mapping[str, RecordType], policy: Policy,
                 platform_tenant: str = "platform", guards: Guards | None = None, tickets: Tickets | None = None) -> None:
        self.store, self.evidence, self.types, self.policy = store, evidence, dict(types), policy
        self.guards, self.tickets = guards, tickets
        self.platform_tenant = platform_tenant
        self.approvals: SingleReveals | None = None  # set by open_vault
        self._masks = default_policy().ruleset()
        self._tokenizers: dict[tuple[str, str, str], Operator] = {}
        self._lock = threading.Lock()

    @property
    def log(self) -> AuditLog:
        return self.evidence.log

    @property
    def engine(self) -> Engine:
        return self.store.engine

    # -- helpers ----------------------------------------------------------------------------
    def record_type(self, name: str) -> RecordType:
        rtype = self.types.get(name)
        if rtype is None:
            raise BadRequest("unknown record type (GET /vault/types lists them)")
        return rtype

    def ask(self, caller: Caller, rtype: RecordType, spec: FieldSpec, owner: str, action: str,
            subject: str | None = None) -> Ask:
        bound = (subject is not None and self.tickets is not None
                 and self.tickets.binds(caller.ticket, subject, caller.actor, caller.purpose))
        return Ask(role=caller.role, purpose=caller.purpose, ticket=caller.ticket, tenant=caller.tenant, owner=owner,
                   resource=rtype.name, field=spec.name, grade=spec.grade, sensitive=spec.entity.sensitive,
                   action=action, at=caller.at, ticket_bound=bound)

    def _event(self, caller: Caller, **kw: object) -> AccessEvent:
        return event(actor=caller.actor, party=caller.party, role=caller.role, purpose=caller.purpose,
                     ticket=caller.ticket, client_ip=caller.client_ip, **kw)  # type: ignore[arg-type]

    def _values(self, rtype: RecordType, values: Mapping[str, object]) -> dict[str, Value]:
        out: dict[str, Value] = {}
        for name, value in values.items():
            if name not in rtype.fields:
                raise BadRequest(f"record type {rtype.name} has no such field (GET /vault/types lists them)")
            spec = rtype.fields[name]
            if spec.kind == "file":
                if not isinstance(value, (str, bytes)):
                    raise BadRequest(f"field {name}: a file is base64 text")
                try:
                    out[name] = value if isinstance(value, bytes) else base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError):
                    raise BadRequest(f"field {name}: not valid base64") from None
            elif isinstance(value, str):
                if not value or len(value) > 4096:
                    raise BadRequest(f"field {name}: text of 1 to 4,096 characters")
                out[name] = value
            else:
                raise BadRequest(f"field {name}: must be text")
        return out

    def _mask(self, spec: FieldSpec, value: Value, subject: str) -> str:
        if spec.kind == "file" or isinstance(value, bytes):
            return f"<{spec.entity.name}>"
        try:
            return self._masks.operator(spec.entity.name).mask(value, spec.entity.name, subject)
        except MaskError:
            return f"<{spec.entity.name}>"

    def _token(self, rtype: RecordType, spec: FieldSpec, owner: str, value: Value) -> str | None:
        if spec.token is None or isinstance(value, bytes):
            return None
        slot = (owner, rtype.name, spec.name)
        op = self._tokenizers.get(slot)
        if op is None:
            op = get_operator(spec.token)(keys=KeyRing(self.store.keys.token_key(owner)),
                                          purpose=f"vault:{rtype.name}.{spec.name}")
            with self._lock:
                self._tokenizers[slot] = op
        try:
            return op.mask(value, spec.entity.name)
        except MaskError:
            return None

    def detokenize(self, rtype: RecordType, spec: FieldSpec, owner: str, token: str) -> str:
        if spec.token is None:
            raise BadRequest(f"field {spec.name} has no tokens")
        self._token(rtype, spec, owner, "0")  # builds the operator
        op = self._tokenizers[(owner, rtype.name, spec.name)]
        try:
            return op.unmask(token, spec.entity.name)
        except MaskError:
            raise BadRequest(f"not a token of field {spec.name}") from None

    def view(self, caller: Caller, record: StoredRecord, reveal: Iterable[str], action: str,
             held: bool = False) -> View:
        """Decide and build one record's view (no event: the caller logs it); ``held``: every reveal needs approval."""
        rtype = self.record_type(record.type)
        wanted = set(rtype.fields) if ALL in set(reveal) else set(reveal)
        v = View(record.id, record.type, record.owner, record.subject, record.version)
        for name, spec in rtype.fields.items():
            if name not in record.values:
                continue
            value = record.values[name]
            d = self.policy.decide(self.ask(caller, rtype, spec, record.owner, "reveal" if name in wanted else action,
                                            record.subject))
            if held and d.effect == "reveal" and name in wanted:
                d = Decision("needs_approval", d.rule, d.matched, "the actor is held to approval-only (an alert)")
            approval = None
            if d.effect == "needs_approval" and name in wanted and self.approvals is not None:
                approval = self.approvals.granted(caller.actor, record.id, name)
                if approval is not None:
                    d = Decision("reveal", d.rule, d.matched, f"approved once ({approval})")
            v.decisions[name] = d
            if d.effect == "deny":
                v.withheld.append(name)
                v.values[name] = None
                continue
            if name in wanted and d.effect == "reveal" and spec.grade >= STEP_UP_GRADE and not caller.stepped_up:
                v.masked.append(name)
                v.step_up.append(name)
                v.values[name] = self._mask(spec, value, record.subject)
            elif name in wanted and d.effect == "reveal" and (approval is None or self._use(approval)):
                v.clear.append(name)
                v.values[name] = _b64(value) if isinstance(value, bytes) else value
            else:
                v.masked.append(name)
                v.values[name] = self._mask(spec, value, record.subject)
                if name in wanted and d.effect in ("needs_approval", "reveal"):  # reveal: an approval used meanwhile
                    v.pending_approval.append(name)
            token = self._token(rtype, spec, record.owner, value)
            if token is not None:
                v.tokens[name] = token
        return v

    def _use(self, approval_id: str) -> bool:
        """Spend a single-reveal approval (False: another read spent it first)."""
        return self.approvals is not None and self.approvals.use(approval_id)

    # -- guards -----------------------------------------------------------------------------
    def _charge(self, caller: Caller, rtype: RecordType, action: str, reveal: Sequence[str],
                records: Sequence[StoredRecord], query_by: str | None) -> bool:
        """Count the call against the quotas (refused past one: ``OverQuota``); whether the actor is held."""
        if self.guards is None:
            return False
        wanted = list(rtype.fields) if ALL in reveal else reveal
        use = Usage(actor=caller.actor, role=caller.role,
                    actions=frozenset((action, "reveal") if wanted else (action,)), resource=rtype.name,
                    ticket=caller.ticket, grades=frozenset(rtype.fields[n].grade for n in wanted),
                    amount=max(1, len(records)), at=caller.at)
        exceeded: Exceeded | None = self.guards.charge(use)
        if exceeded is not None:
            ev = self._event(caller, action=action, resource=rtype.name, subjects=[r.subject for r in records],
                             records=[r.id for r in records], query_by=query_by, result="denied",
                             count=len(records))
            event_id = self.evidence.record(ev, now=True)  # the alert's evidence is read from the log
            self.guards.raise_alert(use, exceeded, event_id)
            retry = max(1, int((exceeded.window.ends - (caller.at or datetime.now(exceeded.window.ends.tzinfo)))
                               .total_seconds()))
            raise OverQuota(exceeded.reason, event_id, retry)
        return self.guards.held(caller.actor)

    # -- reads ------------------------------------------------------------------------------
    def _read_event(self, caller: Caller, views: Sequence[View], base_action: str, resource: str,
                    query_by: str | None = None) -> AccessEvent:
        clear = {f for v in views for f in v.clear}
        masked = {f for v in views for f in v.masked} - clear
        pending = any(v.pending_approval or v.step_up for v in views)
        denied = bool(views) and all(not v.clear and not v.masked for v in views)
        result = "pending_approval" if pending else "denied" if denied else "allowed"
        return self._event(caller, action="reveal" if clear else base_action, resource=resource,
                           subjects=[v.subject for v in views], records=[v.id for v in views], fields=clear,
                           masked_fields=masked, query_by=query_by, result=result, count=len(views))

    def load(self, caller: Caller, record_id: str, action: str, query_by: str | None = "id") -> StoredRecord:
        """The stored record, decrypted; when there is none, ``NotFound`` carrying the logged refusal (``action``
        on ``record``)."""
        try:
            return self.store.get(record_id, self.types)
        except RecordNotFound:
            ev = self._event(caller, action=action, resource="record", subjects=[], query_by=query_by,
                             result="denied", count=0)
            raise NotFound("no such record", self.evidence.record(ev)) from None

    def get(self, caller: Caller, record_id: str, reveal: Iterable[str] = ()) -> Answer:
        """One record as the caller may see it; the event is in the log when this returns."""
        record = self.load(caller, record_id, "view")
        reveal = list(reveal)
        rtype = self.record_type(record.type)
        self._check_fields(rtype, reveal)
        held = self._charge(caller, rtype, "view", reveal, [record], "id")
        v = self.view(caller, record, reveal, "view", held)
        ev = self._read_event(caller, [v], "view", record.type, "id")
        self.evidence.record(ev)
        if ev.result == "denied":
            raise Refused(f"the policy withholds every field of this {record.type}", ev.id)
        return Answer([v], ev.id)

    def _check_fields(self, rtype: RecordType, names: Iterable[str]) -> None:
        unknown = [n for n in names if n != ALL and n not in rtype.fields]
        if unknown:
            raise BadRequest(f"record type {rtype.name} has no such field (GET /vault/types lists them)")

    def search(self, caller: Caller, type_name: str, by: str, value: str | None = None, token: str | None = None,
               reveal: Iterable[str] = (), limit: int = 20) -> Answer:
        """Records whose look-up field ``by`` equals ``value`` (or the value of ``token``), as the caller may see them."""
        rtype = self.record_type(type_name)
        self._check_fields(rtype, [by])
        spec = rtype.fields[by]
        reveal = list(reveal)
        self._check_fields(rtype, reveal)
        if not spec.lookup:
            raise BadRequest(f"field {by} of {type_name} has no blind index (lookup: true)")
        if (value is None) == (token is None):
            raise BadRequest("give value or token")
        if token is not None:
            value = self.detokenize(rtype, spec, caller.tenant, token)
        assert value is not None
        records = []
        for record_id in self.store.find(rtype, spec, value, limit):
            try:
                records.append(self.store.get(record_id, self.types))
            except RecordNotFound:  # erased meanwhile
                continue
        held = self._charge(caller, rtype, "search", reveal, records, by)
        views = [self.view(caller, record, reveal, "search", held) for record in records]
        allowed = [v for v in views if v.clear or v.masked]
        ev = self._read_event(caller, views, "search", type_name, by)
        self.evidence.record(ev)
        if views and not allowed:
            raise Refused(f"the policy withholds every field of the matching {type_name} records", ev.id)
        return Answer(allowed, ev.id)

    # -- writes -----------------------------------------------------------------------------
    def _decide_write(self, caller: Caller, rtype: RecordType, owner: str, names: Iterable[str], action: str,
                      subjects: list[str], records: list[str]) -> None:
        refusals = []
        for name in names:
            d = self.policy.decide(self.ask(caller, rtype, rtype.fields[name], owner, action))
            if d.effect in ("deny", "needs_approval"):
                refusals.append((name, d))
        if refusals:
            name, d = refusals[0]
            result: Literal["denied", "pending_approval"] = (
                "denied" if any(x.effect == "deny" for _, x in refusals) else "pending_approval")
            ev = self._event(caller, action=action, resource=rtype.name, subjects=subjects, records=records,
                             result=result)
            raise Refused(f"{action} of field {name} refused: {d.reason}", self.evidence.record(ev), result)

    def create(self, caller: Caller, type_name: str, subject: str, values: Mapping[str, object],
               owner: str | None = None) -> Written:
        """Store a new record (owner: the caller's tenant, or any for the platform's own callers)."""
        rtype = self.record_type(type_name)
        owner = owner or caller.tenant
        clean = self._values(rtype, values)
        if not clean:
            raise BadRequest("a record needs at least one field")
        if owner != caller.tenant and caller.tenant != self.platform_tenant:
            ev = self._event(caller, action="create", resource=type_name, subjects=[subject], result="denied")
            raise Refused("only the platform's callers create records for another tenant", self.evidence.record(ev))
        self._decide_write(caller, rtype, owner, clean, "create", [subject], [])
        record_id = new_record_id()
        ev = self._event(caller, action="create", resource=type_name, subjects=[subject], records=[record_id],
                         masked_fields=list(clean))
        staging = self.evidence.staging(ev)
        _, version = self.store.create(rtype, owner, subject, clean, staging, record_id)
        return Written(record_id, version, self.evidence.publish(staging.encoded))

    def update(self, caller: Caller, record_id: str, values: Mapping[str, object],
               expected_version: int | None = None) -> Written:
        """Replace fields; without ``expected_version`` a concurrent change is re-read and the update retried."""
        for _ in range(5):
            try:
                return self._update_once(caller, record_id, values, expected_version)
            except VersionConflict:
                if expected_version is not None:
                    raise
        return self._update_once(caller, record_id, values, expected_version)

    def _update_once(self, caller: Caller, record_id: str, values: Mapping[str, object],
                     expected_version: int | None) -> Written:
        record = self.load(caller, record_id, "update", query_by=None)
        rtype = self.record_type(record.type)
        clean = self._values(rtype, values)
        if not clean:
            raise BadRequest("nothing to update")
        self._decide_write(caller, rtype, record.owner, clean, "update", [record.subject], [record.id])
        ev = self._event(caller, action="update", resource=record.type, subjects=[record.subject],
                         records=[record.id], masked_fields=list(clean))
        staged: list[EncodedEvent] = []
        version = self.store.update(rtype, record, clean, lambda conn: staged.append(self.evidence.stage(conn, ev)),
                                    expected_version)
        return Written(record.id, version, self.evidence.publish(staged[0]))

    def erase(self, caller: Caller, subject: str) -> Erased:
        """Erase a data subject: delete its records, destroy its key (crypto-shredding), log it."""
        with self.engine.connect() as conn:
            rows = conn.execute(RECORDS.select().where(RECORDS.c.subject == subject)).all()
        for row in rows:
            rtype = self.record_type(row.type)
            d = self.policy.decide(Ask(role=caller.role, purpose=caller.purpose, ticket=caller.ticket,
                                       tenant=caller.tenant, owner=row.owner, resource=row.type, field=ALL,
                                       grade=max(s.grade for s in rtype.fields.values()),
                                       sensitive=any(s.entity.sensitive for s in rtype.fields.values()),
                                       action="delete", at=caller.at))
            if d.effect in ("deny", "needs_approval") or (d.effect == "masked" and d.rule is None
                                                          and row.owner != caller.tenant):
                ev = self._event(caller, action="delete", resource="subject", subjects=[subject], result="denied")
                raise Refused(f"erasure refused: {d.reason}", self.evidence.record(ev))
        ev = self._event(caller, action="delete", resource="subject", subjects=[subject],
                         records=[r.id for r in rows], count=len(rows))
        staged: list[EncodedEvent] = []
        gone = self.store.erase_subject(subject, lambda conn: staged.append(self.evidence.stage(conn, ev)))
        return Erased(subject, [g[0] for g in gone], self.evidence.publish(staged[0]))

    # -- upkeep -----------------------------------------------------------------------------
    def recover(self, *, everything: bool = False) -> tuple[int, int]:
        """Finish what a crash left: outbox events into the log, destroyed-subject keys; (events, keys)."""
        return self.evidence.drain(everything=everything), self.store.finish_shreds()
