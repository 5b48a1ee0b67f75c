"""Virtual numbers of privacy waybills: the courier dials a pool number that forwards to the buyer for a while.

A **binding** ties one pool number (rented from a carrier, ``vault.virtual_numbers``; with
``vault.virtual_extension_digits`` a number and an extension, the carrier's AXE mode) to one
phone field of one record (a waybill's ``receiver_phone``, an order's ``buyer_phone``) for one
party (a carrier, a merchant), until it expires or is released. The telephony platform
resolves a dialled number to the real phone (its own scope, ``vault:telephony``), which is a
``reveal`` of that field in the audit log; couriers and merchants only ever see the number
(``render``: the record as they may see it, nothing in clear, bound phones replaced).

**Numbers are never shared.** ``vault_numbers`` holds one row per number ever bound: its
current binding, the buyer (subject), when the binding ends and when the number is free for
another buyer (the end plus ``vault.virtual_number_quiet_s``, so a late call never reaches a
stranger; the same buyer may have it again at once). A binding claims its number in one
transaction: an insert of a new row (the primary key refuses a second) or an update of an ended
one conditioned on the row as read, so of two concurrent claims exactly one wins and the other
tries the next free number. No pool number left: ``PoolExhausted``, naming counts only.

Every action writes its access event before the answer: binding and release are writes (the
event staged in the binding's own transaction, ``evidence.py``), resolution and rendering are
reads (appended first).
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from piwarden.audit.store_base import EncodedEvent
from piwarden.db import writing
from piwarden.db.base import table_of
from piwarden.db.vault import VaultNumber, VaultNumberBinding
from piwarden.vault.evidence import now_us
from piwarden.vault.record_types import FieldSpec, RecordType
from piwarden.vault.service import BadRequest, Caller, NotFound, Refused, Vault, View
from piwarden.vault.store import RecordNotFound, StoredRecord

NUMBERS, BINDINGS = table_of(VaultNumber), table_of(VaultNumberBinding)
RESOURCE = "virtual_number"  # the access events' resource for bindings
MAX_TTL_S = 30 * 86400
_RANGE = re.compile(r"^(\d{5,15})(?:\.\.(\d{5,15}))?$")
_DIALLED = re.compile(r"^(\d{5,15})(?:[-,#转](\d{1,4}))?$")
_US = 1_000_000


class PoolError(ValueError):
    """A pool declaration piwarden cannot use (names the entry's position, never a phone)."""


class PoolExhausted(RuntimeError):
    """Every pool number is bound or quiet; ``retry_after_s``: when the first one frees."""

    def __init__(self, reason: str, retry_after_s: int) -> None:
        super().__init__(reason)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Pool:
    """The rented numbers: inclusive ranges of same-width numbers, each with ``10**ext_digits`` extensions."""

    ranges: tuple[tuple[int, int, int], ...]  # (first, last, digits)
    ext_digits: int = 0

    @classmethod
    def parse(cls, entries: Sequence[str], ext_digits: int = 0) -> Pool:
        ranges: list[tuple[int, int, int]] = []
        for k, entry in enumerate(entries, 1):
            m = _RANGE.match(entry.strip())
            if m is None:
                raise PoolError(f"vault.virtual_numbers entry {k}: a number of 5 to 15 digits or a range A..B")
            first, last = m.group(1), m.group(2) or m.group(1)
            if len(first) != len(last) or int(last) < int(first):
                raise PoolError(f"vault.virtual_numbers entry {k}: a range's ends have the same width, first <= last")
            ranges.append((int(first), int(last), len(first)))
        if not ranges:
            raise PoolError("vault.virtual_numbers: the pool needs at least one number")
        if not 0 <= ext_digits <= 4:
            raise PoolError("vault.virtual_extension_digits: 0 to 4")
        return cls(tuple(ranges), ext_digits)

    @property
    def extensions(self) -> int:
        return 10 ** self.ext_digits if self.ext_digits else 1

    @property
    def size(self) -> int:
        return sum(last - first + 1 for first, last, _ in self.ranges) * self.extensions

    def at(self, index: int) -> str:
        """The ``index``-th number of the pool (0 <= index < size), with its extension."""
        line, ext = divmod(index, self.extensions)
        for first, last, digits in self.ranges:
            if line <= last - first:
                number = f"{first + line:0{digits}d}"
                return f"{number}-{ext:0{self.ext_digits}d}" if self.ext_digits else number
            line -= last - first + 1
        raise IndexError(index)

    def canonical(self, dialled: str) -> str:
        """A dialled number in the stored form (``17000000001-1234``): spaces dropped, ``,``/``#``/``转`` accepted."""
        m = _DIALLED.match(re.sub(r"\s+", "", dialled))
        if m is None or bool(m.group(2)) != bool(self.ext_digits) or (m.group(2) and len(m.group(2)) != self.ext_digits):
            raise BadRequest("not a virtual number of this pool's form")
        return f"{m.group(1)}-{m.group(2)}" if m.group(2) else m.group(1)


@dataclass(frozen=True)
class Binding:
    """A virtual number bound to a record's phone for a party (ids and times only, never the phone)."""

    id: str
    number: str
    record_id: str
    field: str
    type: str
    owner: str
    subject: str
    party: str
    actor: str
    created_us: int
    expires_us: int
    ended_us: int | None

    def live(self, now: int) -> bool:
        return self.ended_us is None and now < self.expires_us

    @property
    def ends_us(self) -> int:
        return self.ended_us if self.ended_us is not None else self.expires_us

    def as_json(self, now: int | None = None) -> dict[str, Any]:
        return {**self.__dict__, "live": self.live(now_us() if now is None else now)}


def _binding(r: Row[Any]) -> Binding:
    return Binding(r.id, r.number, r.record_id, r.field, r.type, r.owner, r.subject, r.party, r.actor, r.created_us,
                   r.expires_us, r.ended_us)


@dataclass(frozen=True)
class Rendered:
    """A record as a bound party sees it: the view (nothing in clear), the bound phones replaced by their numbers."""

    view: View
    numbers: dict[str, Binding]
    event_id: str


class Numbers:
    """Bindings, resolution and rendering over one vault and one pool."""

    def __init__(self, vault: Vault, pool: Pool, ttl_s: int = 3 * 86400, quiet_s: int = 86400) -> None:
        self.vault, self.pool, self.ttl_s, self.quiet_s = vault, pool, ttl_s, quiet_s

    # -- helpers ----------------------------------------------------------------------------
    @staticmethod
    def _phone_field(rtype: RecordType, name: str | None) -> FieldSpec:
        if name is None:
            found = [f for f in rtype.fields.values() if f.entity.name == "PHONE"]
            if not found:
                raise BadRequest(f"record type {rtype.name} has no phone field")
            return found[0]
        spec = rtype.fields.get(name)
        if spec is None or spec.entity.name != "PHONE":
            raise BadRequest(f"record type {rtype.name}: the field to bind must be a phone field")
        return spec

    def get(self, binding_id: str) -> Binding:
        with self.vault.engine.connect() as conn:
            row = conn.execute(select(BINDINGS).where(BINDINGS.c.id == binding_id)).first()
        if row is None:
            raise NotFound("no such binding", "-")
        return _binding(row)

    def bindings(self, caller: Caller, record_id: str | None = None, party: str | None = None, live: bool = False,
             limit: int = 1000) -> list[Binding]:
        """Bindings newest first: of records the caller's tenant owns (the platform's callers: all)."""
        q = select(BINDINGS).order_by(BINDINGS.c.created_us.desc()).limit(limit)
        if caller.tenant != self.vault.platform_tenant:
            q = q.where(BINDINGS.c.owner == caller.tenant)
        if record_id is not None:
            q = q.where(BINDINGS.c.record_id == record_id)
        if party is not None:
            q = q.where(BINDINGS.c.party == party)
        if live:
            q = q.where(BINDINGS.c.ended_us.is_(None), BINDINGS.c.expires_us > now_us())
        with self.vault.engine.connect() as conn:
            return [_binding(r) for r in conn.execute(q).all()]

    def _may_manage(self, caller: Caller, owner: str) -> bool:
        return owner == caller.tenant or caller.tenant == self.vault.platform_tenant

    # -- binding ----------------------------------------------------------------------------
    def bind(self, caller: Caller, record_id: str, party: str, field: str | None = None,
             ttl_s: int | None = None) -> tuple[Binding, str]:
        """Bind a free pool number to the record's phone field for ``party``; (binding, event id).

        A live binding of the same record, field and party is answered again (a reprinted label
        keeps its number). ``PoolExhausted`` when no number is free.
        """
        v = self.vault
        record = self.vault.load(caller, record_id, "create")
        rtype = v.record_type(record.type)
        spec = self._phone_field(rtype, field)
        ttl = self.ttl_s if ttl_s is None else ttl_s
        if not 0 < ttl <= MAX_TTL_S:
            raise BadRequest(f"ttl_s: 1 to {MAX_TTL_S:,} seconds")
        if not self._may_manage(caller, record.owner):
            ev = v._event(caller, action="create", resource=RESOURCE, subjects=[record.subject], records=[record.id],
                          result="denied")
            raise Refused("only the record's tenant (or the platform) binds its numbers", v.evidence.record(ev))
        if spec.name not in record.values:
            raise BadRequest(f"field {spec.name} of this record is empty")
        now = now_us()
        for b in self.bindings(caller, record_id=record.id, party=party, live=True, limit=10):
            if b.field == spec.name:
                ev = v._event(caller, action="view", resource=RESOURCE, subjects=[record.subject],
                              records=[record.id, b.id], query_by="id")
                return b, v.evidence.record(ev)
        for _ in range(5):
            for number in self._candidates(record.subject, now):
                done = self._claim(caller, number, record, spec.name, party, now, now + ttl * _US)
                if done is not None:
                    return done
            now = now_us()
        raise self._exhausted(record.subject, now)

    def _busy(self, subject: str, now: int) -> list[Row[Any]]:
        with self.vault.engine.connect() as conn:
            return list(conn.execute(select(NUMBERS.c.number, NUMBERS.c.ends_us, NUMBERS.c.busy_until_us).where(
                or_(NUMBERS.c.ends_us > now, and_(NUMBERS.c.busy_until_us > now, NUMBERS.c.subject != subject)))))

    def _candidates(self, subject: str, now: int, tries: int = 64) -> list[str]:
        """Up to ``tries`` free numbers, from a random place in the pool (so workers rarely race for one)."""
        busy = {r.number for r in self._busy(subject, now)}
        size = self.pool.size
        if len(busy) >= size:
            return []
        start, out = secrets.randbelow(size), []
        for k in range(min(size, len(busy) + tries)):
            number = self.pool.at((start + k) % size)
            if number not in busy:
                out.append(number)
                if len(out) >= tries:
                    break
        return out

    def _exhausted(self, subject: str, now: int) -> PoolExhausted:
        busy = self._busy(subject, now)
        frees = [r.busy_until_us for r in busy] or [now + _US]
        return PoolExhausted(f"the virtual-number pool is exhausted: {len(busy):,} of {self.pool.size:,} numbers are "
                             "bound or in their quiet period", max(1, (min(frees) - now) // _US + 1))

    def _claim(self, caller: Caller, number: str, record: StoredRecord, field: str, party: str, now: int,
               expires: int) -> tuple[Binding, str] | None:
        """Take ``number`` for a new binding, in one transaction with the binding and its event; None: lost it."""
        v = self.vault
        b = Binding(f"vn-{uuid.uuid4().hex}", number, record.id, field, record.type, record.owner, record.subject,
                    party, caller.actor, now, expires, None)
        holder = {"binding_id": b.id, "subject": b.subject, "ends_us": expires,
                  "busy_until_us": expires + self.quiet_s * _US}
        ev = v._event(caller, action="create", resource=RESOURCE, subjects=[record.subject],
                      records=[record.id, b.id], masked_fields=[field])
        staged: list[EncodedEvent] = []
        try:
            with writing(v.store.writer) as conn:
                row = conn.execute(select(NUMBERS).where(NUMBERS.c.number == number)).first()
                if row is None:
                    conn.execute(insert(NUMBERS).values(number=number, **holder))
                else:
                    free = row.ends_us <= now and (row.busy_until_us <= now or row.subject == record.subject)
                    if not free or not conn.execute(update(NUMBERS).where(
                            NUMBERS.c.number == number, NUMBERS.c.binding_id == row.binding_id,
                            NUMBERS.c.ends_us == row.ends_us).values(**holder)).rowcount:
                        return None
                conn.execute(insert(BINDINGS).values(**{k: x for k, x in b.__dict__.items()}))
                staged.append(v.evidence.stage(conn, ev))
        except IntegrityError:  # another binding inserted this number first
            return None
        return b, v.evidence.publish(staged[0])

    def release(self, caller: Caller, binding_id: str) -> tuple[Binding, str]:
        """End a binding now (the number then keeps its quiet period); (binding, event id)."""
        v = self.vault
        b = self.get(binding_id)
        if not self._may_manage(caller, b.owner):
            raise NotFound("no such binding", "-")
        now = now_us()
        if not b.live(now):
            raise BadRequest("the binding has already ended")
        ev = v._event(caller, action="delete", resource=RESOURCE, subjects=[b.subject], records=[b.record_id, b.id])
        staged: list[EncodedEvent] = []
        with writing(v.store.writer) as conn:
            if not conn.execute(update(BINDINGS).where(BINDINGS.c.id == b.id, BINDINGS.c.ended_us.is_(None))
                                .values(ended_us=now)).rowcount:
                raise BadRequest("the binding has already ended")
            conn.execute(update(NUMBERS).where(NUMBERS.c.number == b.number, NUMBERS.c.binding_id == b.id)
                         .values(ends_us=now, busy_until_us=now + self.quiet_s * _US))
            staged.append(v.evidence.stage(conn, ev))
        return self.get(b.id), v.evidence.publish(staged[0])

    # -- resolution (the telephony platform) ------------------------------------------------
    def resolve(self, caller: Caller, dialled: str) -> tuple[str, Binding, str]:
        """The real phone a live binding forwards ``dialled`` to; (phone, binding, event id), logged as a reveal."""
        v = self.vault
        number = self.pool.canonical(dialled)
        with v.engine.connect() as conn:
            row = conn.execute(select(BINDINGS).join(NUMBERS, NUMBERS.c.binding_id == BINDINGS.c.id)
                               .where(NUMBERS.c.number == number)).first()
        if row is None:
            ev = v._event(caller, action="reveal", resource=RESOURCE, subjects=[], query_by="virtual_number",
                          result="denied", count=0)
            raise NotFound("no binding holds this number", v.evidence.record(ev))
        b = _binding(row)
        caller = replace(caller, ticket=caller.ticket or b.id)  # the binding is what justifies the call
        if not b.live(now_us()):
            ev = v._event(caller, action="reveal", resource=b.type, subjects=[b.subject], records=[b.record_id],
                          query_by="virtual_number", result="denied", count=0)
            raise Refused("the binding of this number has ended", v.evidence.record(ev))
        try:
            record = v.store.get(b.record_id, v.types)
        except RecordNotFound:
            ev = v._event(caller, action="reveal", resource=b.type, subjects=[b.subject], records=[b.record_id],
                          query_by="virtual_number", result="denied", count=0)
            raise NotFound("the bound record no longer exists", v.evidence.record(ev)) from None
        value = record.values.get(b.field)
        if not isinstance(value, str):
            raise BadRequest("the bound field of this record is empty")
        ev = v._event(caller, action="reveal", resource=b.type, subjects=[b.subject], records=[b.record_id],
                      fields=[b.field], query_by="virtual_number", count=1)
        return value, b, v.evidence.record(ev)

    # -- rendering (couriers, merchants) ----------------------------------------------------
    def render(self, caller: Caller, record_id: str) -> Rendered:
        """The record as the caller's party sees it on a waybill: nothing in clear (masked or withheld by the
        policy), no tokens, each phone bound to the party replaced by its virtual number; logged as a print."""
        v = self.vault
        record = self.vault.load(caller, record_id, "print")
        rtype = v.record_type(record.type)
        now = now_us()
        with v.engine.connect() as conn:
            rows = conn.execute(select(BINDINGS).where(BINDINGS.c.record_id == record.id,
                                                       BINDINGS.c.party == caller.party,
                                                       BINDINGS.c.ended_us.is_(None),
                                                       BINDINGS.c.expires_us > now)
                                .order_by(BINDINGS.c.created_us)).all()
        bound = {b.field: b for b in map(_binding, rows)}
        if not bound:
            ev = v._event(caller, action="print", resource=record.type, subjects=[record.subject],
                          records=[record.id], result="denied", count=0)
            raise Refused("no live virtual number binds this record for your party", v.evidence.record(ev))
        held = v._charge(caller, rtype, "view", [], [record], "id")
        view = v.view(caller, record, [], "view", held)
        view.tokens.clear()  # an FF1 token of a phone is phone-shaped: never on a label
        for name, b in bound.items():
            view.values[name] = b.number
            view.masked = [n for n in view.masked if n != name]
            view.withheld = [n for n in view.withheld if n != name]
        first = next(iter(bound.values()))
        ev = v._event(caller, action="print", resource=record.type, subjects=[record.subject], records=[record.id],
                      masked_fields=[n for n in view.masked if n not in bound], count=1, export_id=first.id)
        return Rendered(view, bound, v.evidence.record(ev))
