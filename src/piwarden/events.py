"""The access event (v1): one JSON object per access to personal data.

Every view, reveal, search, export, print, change and deletion produces one; the audit log
stores them as its leaves (docs/formats/access-event.md is the specification).

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

``check_event`` is the bulk path (``audit import``, the HTTP ingest): the same checks written
out by hand for the common case, about four times faster than the model, and the model itself
(hence its exact errors) for anything the hand-written checks do not accept
(``tests/audit/test_check_event.py`` holds the two to the same answers).

``parse_lean`` is the detectors' path (``forensics watch`` and ``anomalies``): the same fields checked the same
way, decoded by msgspec straight into a :class:`LeanEvent` without the keys this version does not know, in a
third of the model's time; anything it does not accept goes to ``parse_event``, whose answer (the event, or its
exact error) it returns (``tests/audit/test_check_event.py`` holds the two to the same answers).

>>> e = parse_event(b'{"id":"e-1","ts":"2026-03-01T21:47:10+08:00","actor":"cs-0042",'
...     b'"party":"platform.cs","role":"customer_service","action":"view","resource":"order",'
...     b'"subjects":["c-1"],"fields":["name"]}')
>>> canonical_json(e)[:40]
b'{"action":"view","actor":"cs-0042","coun'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Annotated, Any, Literal, TypeAlias, cast

import msgspec
import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

VERSION = 1
Action = Literal["view", "reveal", "search", "export", "print", "create", "update", "delete", "download",
                 "login"]
Result = Literal["allowed", "denied", "pending_approval"]
_AGGREGATE_ACTIONS = frozenset({"search", "export"})
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


#: The usual form of ``ts``, a time ``parse_ts`` accepts: ASCII digits, a calendar day that exists (leap years), hours
#: and offsets in range. msgspec checks the lean reader's ``ts`` by it in C; the model asks ``parse_ts`` only for the
#: rest of RFC 3339 ("t", "z", other digits) and for the errors (a datetime per event took a third of the time it takes
#: to validate one).
_PLAIN_TIME = (
    r"^(?:(?!0000)[0-9]{4}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
    r"|(?:0[13578]|1[02])-31)"
    r"|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)"  # leap days
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])\Z")
_PLAIN = re.compile(_PLAIN_TIME)


def _check_ts(ts: str) -> None:
    """``ts`` is an RFC 3339 time with an offset (the model's check; the lean reader's is msgspec's, by the same
    pattern)."""
    if _PLAIN.match(ts) is None:
        parse_ts(ts)  # raises the error, or accepts what the plain form leaves out (a "t", a "z", non-ASCII digits)


def _is_aggregate(action: str, query: dict[str, Any] | None) -> bool:
    """A ``search`` or ``export`` that returned aggregates only (``query.by = "aggregate"``): no subjects, ``count``
    records summed up (one answer for both representations)."""
    return action in _AGGREGATE_ACTIONS and query is not None and query.get("by") == "aggregate"


def _check_subjects(e: AccessEvent | LeanEvent) -> None:
    if not e.subjects and e.action != "login" and not _is_aggregate(e.action, e.query):
        raise ValueError("subjects may be empty only for action 'login' and for aggregate searches and exports "
                         "(query.by = 'aggregate')")


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
        _check_ts(ts)
        return ts

    @model_validator(mode="after")
    def _subjects_unless_login(self) -> AccessEvent:
        _check_subjects(self)
        return self

    @property
    def aggregate(self) -> bool:
        """A ``search`` or ``export`` that returned aggregates only (``query.by = "aggregate"``): no subjects,
        ``count`` records summed up."""
        return _is_aggregate(self.action, self.query)

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
    try:  # model_validate(data), without its Python frame (every event of a watcher goes through here)
        return AccessEvent.__pydantic_validator__.validate_python(data)
    except ValidationError as exc:
        raise EventError(record, _problems(exc)) from None


_NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
_PlainTime = Annotated[str, msgspec.Meta(pattern=_PLAIN_TIME)]


class LeanEvent(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """An access event as the detectors read it: :class:`AccessEvent`'s fields, checked alike, without the keys this
    version does not know. Not tracked by the garbage collector (it holds no cycle): a watcher's reordering buffer
    keeps thousands alive, which the collector would otherwise walk."""

    v: Literal[1] = 1
    id: _NonEmpty
    ts: _PlainTime
    actor: _NonEmpty
    party: _NonEmpty
    role: _NonEmpty
    action: Action
    resource: _NonEmpty
    subjects: list[str]
    records: list[str] | None = None
    fields: list[str]
    masked_fields: list[str] | None = None
    count: Annotated[int, msgspec.Meta(ge=0)] | None = None
    purpose: str | None = None
    ticket: str | None = None
    channel: str | None = None
    query: dict[str, Any] | None = None
    client: dict[str, Any] | None = None
    result: Result = "allowed"
    export_id: str | None = None

    #: msgspec calls it with the event, as it would call a method (one Python frame fewer per event)
    __post_init__ = _check_subjects  # type: ignore[misc]


#: An access event in either representation (what the detectors take).
Event: TypeAlias = AccessEvent | LeanEvent


def _finite(text: str) -> float:
    """A JSON float as orjson reads it: one beyond a double's range (``1e400``) is refused, not infinity."""
    value = float(text)
    if math.isinf(value):
        raise ValueError("number out of range")
    return value


_LEAN = msgspec.json.Decoder(LeanEvent, float_hook=_finite)


def parse_lean(data: bytes | str, record: str = "event") -> Event:
    """``parse_event``'s answer for one line of JSON, as a :class:`LeanEvent` where the line is an event (about 2 us
    against 6), else the model's event or its error. One difference: a number beyond a double's range in a key this
    version does not know is skipped unread here, where the model's JSON reader refuses the line."""
    try:
        return _LEAN.decode(data)
    except (msgspec.DecodeError, RecursionError):  # a validation error is a decode error
        return parse_event(data, record)


def canonical_json(event: AccessEvent | dict[str, Any]) -> bytes:
    """The event's leaf bytes: UTF-8, keys sorted at every depth, no insignificant whitespace."""
    if not isinstance(event, AccessEvent):
        event = parse_event(event)
    try:
        return orjson.dumps(event.canonical_dict(), option=orjson.OPT_SORT_KEYS)
    except TypeError:  # e.g. an integer beyond 64 bits inside an extra key
        raise EventError("event", [("(json)", "holds a value JSON cannot carry exactly")]) from None


@dataclass(frozen=True, slots=True)
class CheckedEvent:
    """A valid event as the audit log stores it, made without building the model."""

    body: bytes  # canonical_json
    id: str
    actor: str
    action: str
    ts_us: int  # ``ts`` in UTC microseconds since the epoch
    export_id: str | None
    subjects: list[str]

    @classmethod
    def of(cls, event: AccessEvent) -> CheckedEvent:
        return cls(canonical_json(event), event.id, event.actor, event.action, ts_micros(event.time),
                   event.export_id, event.subjects)


def ts_micros(time: datetime) -> int:
    """An aware time in UTC microseconds, as the audit log's time columns hold it."""
    return int(time.timestamp() * 1_000_000)


def check_event(data: bytes | str, record: str = "event") -> CheckedEvent:
    """Validate one event given as JSON text: what ``parse_event`` accepts, with its errors, faster."""
    return CheckedEvent(*checked_fields(data, record))


Checked = tuple[bytes, str, str, str, int, "str | None", list[str]]


def checked_fields(data: bytes | str, record: str = "event") -> Checked:
    """``check_event``'s answer as a plain tuple (body, id, actor, action, ts_us, export_id, subjects),
    for the bulk path that builds its own record from it (no object in between)."""
    fast = _checked(data)
    if fast is not None:
        return fast
    e = CheckedEvent.of(parse_event(data, record))
    return e.body, e.id, e.actor, e.action, e.ts_us, e.export_id, e.subjects


_ACTIONS = frozenset(Action.__args__)  # type: ignore[attr-defined]
_RESULTS = frozenset(Result.__args__)  # type: ignore[attr-defined]
_ATTRIBUTES = frozenset(dir(AccessEvent))  # an extra key of these names is left to the model to judge
# How each key is checked once the nine required ones passed: 0 done, 1 optional string, 2 optional
# list of strings, 3 optional object, 4 version, 5 count, 6 result; keys not here are extras.
_KINDS = {"id": 0, "ts": 0, "actor": 0, "party": 0, "role": 0, "action": 0, "resource": 0, "subjects": 0,
          "fields": 0, "purpose": 1, "ticket": 1, "channel": 1, "export_id": 1, "records": 2, "masked_fields": 2,
          "query": 3, "client": 3, "v": 4, "count": 5, "result": 6}
assert set(_KINDS) == set(AccessEvent.model_fields)


def _strings(value: Any) -> bool:
    if type(value) is not list:
        return False
    return all(type(v) is str for v in value)


def _checked(data: bytes | str) -> Checked | None:
    """The event if every check passes; None for anything else (the model then decides and explains)."""
    try:
        d = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if type(d) is not dict:
        return None
    get = d.get
    eid, ts, actor, party, role, action, resource = (get("id"), get("ts"), get("actor"), get("party"), get("role"),
                                                     get("action"), get("resource"))
    if (type(eid) is not str or not eid or type(actor) is not str or not actor or type(party) is not str
            or not party or type(role) is not str or not role or type(resource) is not str or not resource
            or type(ts) is not str or type(action) is not str or action not in _ACTIONS):
        return None
    subjects = cast("list[str]", get("subjects"))  # checked on the next line
    if not _strings(subjects) or not _strings(get("fields")):
        return None
    if not subjects and action != "login":
        query = get("query")
        if action not in _AGGREGATE_ACTIONS or type(query) is not dict or query.get("by") != "aggregate":
            return None
    count, result = None, "allowed"
    for key, value in d.items():
        kind = _KINDS.get(key)
        if kind == 0:
            continue
        if kind is None:
            if key in _ATTRIBUTES:
                return None
        elif kind == 1:
            if value is not None and type(value) is not str:
                return None
        elif kind == 2:
            if value is not None and not _strings(value):
                return None
        elif kind == 3:
            if value is not None and type(value) is not dict:
                return None
        elif kind == 4:
            if type(value) is not int or value != VERSION:
                return None
        elif kind == 5:
            if value is not None and (type(value) is not int or value < 0):
                return None
            count = value
        elif type(value) is not str or value not in _RESULTS:
            return None
        else:
            result = value
    ts_us = _ts_micros(ts)
    if ts_us is None:
        return None
    d["v"], d["count"], d["result"] = VERSION, len(subjects) if count is None else count, result
    try:
        body = orjson.dumps(d, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
    return body, eid, actor, action, ts_us, get("export_id"), subjects


def _ts_micros(ts: str) -> int | None:
    """``ts_micros(parse_ts(ts))``, or None where ``parse_ts`` would raise, without a datetime per event:
    the start of each hour is computed once (events of an import share their hours)."""
    m = _RFC3339.match(ts)
    if m is None:
        return None
    g = m.groups()
    minute, second = int(g[4]), int(g[5])
    if minute > 59 or second > 59:
        return None
    hour = _hour_micros(g[0], g[1], g[2], g[3], g[7], g[8], g[9], g[10])
    if hour is None:
        return None
    total = hour + (minute * 60 + second) * 1_000_000 + (int(g[6][:6].ljust(6, "0")) if g[6] else 0)
    return int(total / 1_000_000 * 1_000_000)  # as datetime.timestamp() (exact microseconds / 10**6) * 10**6


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=4096)
def _hour_micros(year: str, month: str, day: str, hour: str, z: str | None, sign: str | None, oh: str | None,
                 om: str | None) -> int | None:
    """Exact UTC microseconds of the start of an hour in a zone; None if no such time (``parse_ts``'s rules)."""
    try:
        tz = UTC if z else _offset(sign or "+", int(oh or 0), int(om or 0))
        start = datetime(int(year), int(month), int(day), int(hour), tzinfo=tz)
    except ValueError:
        return None
    return (start - _EPOCH) // timedelta(microseconds=1)
