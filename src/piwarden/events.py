"""The access event (v1): one JSON object per access to personal data.

Every view, reveal, search, export, print, change and deletion produces one; the audit log
stores them as its leaves (``../shared/specs/access-event.md`` is the specification).

What ``canonical_json`` serialises, exactly:

- every key the producer gave, including keys this version does not know (kept verbatim, so
  a newer producer's event survives an older piwarden unchanged);
- plus the three keys with defaults, always materialised: ``v`` (1), ``count``
  (``len(subjects)``) and ``result`` (``"allowed"``), so that two events meaning the same
  thing hash the same whether or not the producer spelled the defaults out;
- optional keys without a default (``records``, ``ticket``, ``export_id``, ...) appear only
  when given: an absent ``ticket`` and ``"ticket": null`` are different statements.

Values are never coerced (``"count": "3"`` is an error, not 3) and ``ts`` keeps the text it
was given: the log records what the producer said. The bytes are UTF-8 JSON with keys sorted
by code point at every depth, no insignificant whitespace and no escaping beyond what JSON
requires, so ``canonical_json(parse_event(canonical_json(e))) == canonical_json(e)``.

Errors name the record and the field, never the value: the value may be PI.

>>> e = parse_event(b'{"id":"e-1","ts":"2026-03-01T21:47:10+08:00","actor":"cs-0042",'
...     b'"party":"platform.cs","role":"customer_service","action":"view","resource":"order",'
...     b'"subjects":["c-1"],"fields":["name"]}')
>>> canonical_json(e)[:40]
b'{"action":"view","actor":"cs-0042","coun'
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

VERSION = 1
Action = Literal["view", "reveal", "search", "export", "print", "create", "update", "delete", "download",
                 "login"]
Result = Literal["allowed", "denied", "pending_approval"]
_DEFAULTED = ("v", "count", "result")
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))\Z")


class EventError(ValueError):
    """An event that does not follow the spec; names record and fields, never values."""

    def __init__(self, record: str, problems: list[tuple[str, str]]) -> None:
        self.record = record
        self.problems = problems  # (field path, what is wrong), value-free
        detail = "; ".join(f"{field}: {msg}" for field, msg in problems)
        super().__init__(f"{record}: {detail}")

    @property
    def fields(self) -> list[str]:
        return [field for field, _ in self.problems]


def parse_ts(text: str) -> datetime:
    """An RFC 3339 time with a mandatory offset (``Z`` or ``±hh:mm``), as an aware datetime."""
    m = _RFC3339.match(text)
    if m is None:
        raise ValueError("must be an RFC 3339 time with offset, e.g. 2026-03-01T09:15:02+08:00")
    g = m.groups()
    micro = int(g[6][:6].ljust(6, "0")) if g[6] else 0
    tz = UTC if g[7] else _offset(g[8], int(g[9]), int(g[10]))
    try:
        return datetime(int(g[0]), int(g[1]), int(g[2]), int(g[3]), int(g[4]), int(g[5]), micro, tzinfo=tz)
    except ValueError:
        raise ValueError("is not a valid calendar date and time") from None


@lru_cache(maxsize=128)
def _offset(sign: str, hours: int, minutes: int) -> timezone:
    """The zone of one UTC offset, made once: every event of a producer carries the same (validation's hot path)."""
    if hours > 23 or minutes > 59:
        raise ValueError("has an offset out of range")
    return timezone((-1 if sign == "-" else 1) * timedelta(hours=hours, minutes=minutes))


class AccessEvent(BaseModel):
    """One access to personal data (access-event v1); unknown keys are kept as given."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    v: int = VERSION
    id: str = Field(min_length=1)
    ts: str
    actor: str = Field(min_length=1)
    party: str = Field(min_length=1)
    role: str = Field(min_length=1)
    action: Action
    resource: str = Field(min_length=1)
    subjects: list[str]
    records: list[str] | None = None
    fields: list[str]
    masked_fields: list[str] | None = None
    count: int | None = Field(default=None, ge=0)
    purpose: str | None = None
    ticket: str | None = None
    channel: str | None = None
    query: dict[str, Any] | None = None
    client: dict[str, Any] | None = None
    result: Result = "allowed"
    export_id: str | None = None

    @field_validator("v")
    @classmethod
    def _known_version(cls, v: int) -> int:
        if v != VERSION:
            raise ValueError(f"unsupported version (this piwarden reads v{VERSION})")
        return v

    @field_validator("ts")
    @classmethod
    def _rfc3339(cls, ts: str) -> str:
        parse_ts(ts)
        return ts

    @model_validator(mode="after")
    def _subjects_unless_login(self) -> AccessEvent:
        if not self.subjects and self.action != "login":
            raise ValueError("subjects may be empty only for action 'login'")
        return self

    @property
    def time(self) -> datetime:
        """``ts`` as an aware datetime."""
        return parse_ts(self.ts)

    @property
    def record_count(self) -> int:
        """``count``, defaulting to the number of subjects."""
        return len(self.subjects) if self.count is None else self.count

    def canonical_dict(self) -> dict[str, Any]:
        """The keys ``canonical_json`` writes: given keys, extras, and the three defaults."""
        out = self.model_dump(exclude_unset=True)
        out.update(self.model_extra or {})
        out["v"], out["count"], out["result"] = self.v, self.record_count, self.result
        return out


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    """Field paths and messages from pydantic, without the offending input."""
    out = []
    for err in exc.errors(include_input=False, include_url=False, include_context=False):
        loc = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in err["loc"]).replace(".[", "[")
        msg = err["msg"].removeprefix("Value error, ")
        out.append((loc or "(event)", msg))
    return out


def parse_event(data: bytes | str | dict[str, Any], record: str = "event") -> AccessEvent:
    """Validate one event (JSON text or a decoded object); ``record`` names it in errors."""
    if isinstance(data, bytes | str):
        try:
            data = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise EventError(record, [("(json)", f"not valid JSON (at character {exc.pos})")]) from None
    if not isinstance(data, dict):
        raise EventError(record, [("(json)", "must be a JSON object")])
    try:
        return AccessEvent.model_validate(data)
    except ValidationError as exc:
        raise EventError(record, _problems(exc)) from None


def canonical_json(event: AccessEvent | dict[str, Any]) -> bytes:
    """The event's leaf bytes: UTF-8, keys sorted at every depth, no insignificant whitespace."""
    if not isinstance(event, AccessEvent):
        event = parse_event(event)
    try:
        return orjson.dumps(event.canonical_dict(), option=orjson.OPT_SORT_KEYS)
    except TypeError:  # e.g. an integer beyond 64 bits inside an extra key
        raise EventError("event", [("(json)", "holds a value JSON cannot carry exactly")]) from None
