"""Maker-checker: the one rule of every approval the vault asks for (bulk exports, single reveals).

A request is made by one account and decided by another holding ``vault:approve``, never its
maker; the decision moves the request out of ``pending`` once, by an update conditioned on it
still being pending, so two checkers deciding at once cannot both win.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, update

from piwarden.db import writing
from piwarden.vault.evidence import now_us
from piwarden.vault.service import BadRequest


def check_maker(maker: str, checker: str, what: str) -> None:
    """Refuse a maker deciding its own request."""
    if maker == checker:
        raise BadRequest(f"the maker of {what} cannot approve it: another checker must")


def settle(writer: Any, table: Table, request_id: str, status: str, checker: str, what: str,
           **extra: object) -> int:
    """Move a pending request to ``status`` (decided by ``checker``, now); the decision time. ``BadRequest`` if it
    was decided meanwhile."""
    t = now_us()
    with writing(writer) as conn:
        done = conn.execute(update(table).where(table.c.id == request_id, table.c.status == "pending")
                            .values(status=status, checker=checker, decided_us=t, **extra)).rowcount
    if not done:
        raise BadRequest(f"{what} was decided meanwhile")
    return t
