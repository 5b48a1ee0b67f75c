"""What the vault API answers, as typed objects (the wire format of ``piwarden.server.schemas.vault``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Session:
    token: str
    expires_us: int
    account: str
    roles: list[str]
    event_id: str


@dataclass(frozen=True)
class Me:
    account: str
    kind: str
    roles: list[str]
    tenant: str
    party: str
    scopes: list[str]
    via: str


@dataclass(frozen=True)
class Written:
    id: str
    version: int
    event_id: str


@dataclass(frozen=True)
class RecordView:
    id: str
    type: str
    owner: str
    subject: str
    version: int
    values: dict[str, str | None]
    clear: list[str]
    masked: list[str]
    withheld: list[str]
    pending_approval: list[str]
    tokens: dict[str, str]
    rules: dict[str, str | None]
    step_up: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, data: dict[str, Any]) -> RecordView:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass(frozen=True)
class RecordAnswer:
    record: RecordView
    event_id: str


@dataclass(frozen=True)
class SearchAnswer:
    records: list[RecordView]
    event_id: str


@dataclass(frozen=True)
class Erased:
    subject: str
    records: list[str]
    event_id: str


class VaultApiError(RuntimeError):
    """An error answer: the status, the server's message (never a value) and, for decisions, the event id."""

    def __init__(self, status: int, error: str, event_id: str | None = None, result: str | None = None) -> None:
        super().__init__(f"{status}: {error}")
        self.status, self.error, self.event_id, self.result = status, error, event_id, result
