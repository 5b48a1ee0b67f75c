"""Business tickets the vault knows: a ticket names the data subjects it is about, so a rule can ask for one
that names the very subject being read (``ticket: bound``).

In the insurance case agents typed any ticket number, or reused one, to look up whomever they
liked. A ticketing system (a service holding ``vault:tickets``) registers each ticket as it is
opened (``PUT /vault/tickets/{id}``: its subjects, and optionally the purpose it serves, the
account it is assigned to and when it expires) and closes it when done. A rule with
``ticket: bound`` then matches only a request whose ticket is registered, open, unexpired, names
the record's subject, serves the request's purpose (if it says one) and is assigned to the
caller (if it says one). Look-ups are cached for a second per process.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import orjson
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from piwarden.db import writing
from piwarden.db.base import table_of
from piwarden.db.vault import VaultTicket
from piwarden.vault.evidence import now_us

TICKETS = table_of(VaultTicket)
MAX_SUBJECTS = 1000


@dataclass(frozen=True)
class Ticket:
    id: str
    subjects: frozenset[str]
    purpose: str | None
    assignee: str | None
    opened_us: int
    expires_us: int | None
    closed_us: int | None

    def binds(self, subject: str, actor: str, purpose: str | None, now: int) -> bool:
        """Whether this ticket justifies ``actor`` reading ``subject`` for ``purpose`` now."""
        return (self.closed_us is None and (self.expires_us is None or now < self.expires_us)
                and subject in self.subjects and (self.purpose is None or self.purpose == purpose)
                and (self.assignee is None or self.assignee == actor))


class Tickets:
    """The registry of tickets in the piwarden database."""

    def __init__(self, writer: Engine, reader: Engine | None = None, cache_s: float = 1.0) -> None:
        self.writer, self.reader, self.cache_s = writer, reader or writer, cache_s
        self._cache: dict[str, tuple[float, Ticket | None]] = {}
        self._lock = threading.Lock()

    def put(self, ticket_id: str, subjects: list[str], *, purpose: str | None = None, assignee: str | None = None,
            expires_in_s: int | None = None) -> Ticket:
        """Register or replace an open ticket."""
        t = now_us()
        values = {"subjects": orjson.dumps(sorted(set(subjects))).decode(), "purpose": purpose, "assignee": assignee,
                  "opened_us": t, "expires_us": t + expires_in_s * 1_000_000 if expires_in_s else None,
                  "closed_us": None}
        with writing(self.writer) as conn:
            if not conn.execute(update(TICKETS).where(TICKETS.c.id == ticket_id).values(**values)).rowcount:
                conn.execute(insert(TICKETS).values(id=ticket_id, **values))
        self._forget(ticket_id)
        found = self.get(ticket_id)
        assert found is not None
        return found

    def close(self, ticket_id: str) -> bool:
        with writing(self.writer) as conn:
            done = bool(conn.execute(update(TICKETS).where(TICKETS.c.id == ticket_id, TICKETS.c.closed_us.is_(None))
                                     .values(closed_us=now_us())).rowcount)
        self._forget(ticket_id)
        return done

    def _forget(self, ticket_id: str) -> None:
        with self._lock:
            self._cache.pop(ticket_id, None)

    def get(self, ticket_id: str) -> Ticket | None:
        hit = self._cache.get(ticket_id)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        with self.reader.connect() as conn:
            r = conn.execute(select(TICKETS).where(TICKETS.c.id == ticket_id)).first()
        found = None if r is None else Ticket(r.id, frozenset(orjson.loads(r.subjects)), r.purpose, r.assignee,
                                               r.opened_us, r.expires_us, r.closed_us)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[ticket_id] = (time.monotonic() + self.cache_s, found)
        return found

    def binds(self, ticket_id: str | None, subject: str, actor: str, purpose: str | None) -> bool:
        if not ticket_id:
            return False
        found = self.get(ticket_id)
        return found is not None and found.binds(subject, actor, purpose, now_us())
