"""The bulk validation path (``check_event``) answers exactly what the model (``parse_event``) answers.

Events are drawn near the edge of validity: every field of the spec present, absent, null or
of a wrong type, times valid and not (bad dates, offsets, fractions, non-ASCII digits), extra
keys (some named like the model's attributes). For each, either both accept and agree on the
canonical bytes and the stored columns, or both refuse with the same error.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError, field_validator

from piwarden.audit.store_base import EncodedEvent
from piwarden.events import (
    AccessEvent,
    CheckedEvent,
    EventError,
    LeanEvent,
    _problems,
    _ts_micros,
    check_event,
    parse_event,
    parse_lean,
    parse_ts,
    ts_micros,
)

BASE: dict[str, Any] = {"id": "e-1", "ts": "2026-03-01T09:15:02+08:00", "actor": "cs-1", "party": "platform.cs",
                        "role": "customer_service", "action": "view", "resource": "order", "subjects": ["c-1"],
                        "fields": ["name"]}
ODD = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, allow_infinity=False),
                st.text(max_size=4), st.lists(st.text(max_size=3), max_size=2), st.lists(st.integers(-(2**63), 2**63 - 1), max_size=2),
                st.dictionaries(st.text(max_size=3), st.integers(-(2**63), 2**63 - 1), max_size=2))
TIMES = st.one_of(
    st.builds(lambda y, mo, d, h, mi, s, frac, zone: f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}{frac}{zone}",
              st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32), st.integers(0, 24), st.integers(0, 60),
              st.integers(0, 61), st.sampled_from(["", ".5", ".123456", ".1234567891", "."]),
              st.sampled_from(["Z", "z", "+08:00", "-05:30", "+23:59", "+24:00", "-00:60", "", "+0800"])),
    st.sampled_from(["２０２６-03-01T09:15:02+08:00", "2026-03-01t09:15:02Z", "2026-02-29T00:00:00Z",
                     "2024-02-29T23:59:59.999999-23:59", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-23:59",
                     "1969-12-31T23:59:59.999999Z", "2026-03-01 09:15:02+08:00"]),
)
KEYS = ["v", "id", "ts", "actor", "party", "role", "action", "resource", "subjects", "records", "fields",
        "masked_fields", "count", "purpose", "ticket", "channel", "query", "client", "result", "export_id",
        "note", "time", "record_count", "model_dump", "_private"]
GOOD = {"v": st.just(1), "action": st.sampled_from(["view", "login", "export", "delete", "search"]),
        "result": st.sampled_from(["allowed", "denied", "pending_approval"]), "count": st.integers(0, 5),
        "subjects": st.lists(st.sampled_from(["c-1", "c-2", "c-1"]), max_size=3), "ts": TIMES,
        "query": st.dictionaries(st.text(max_size=3), st.integers(0, 9), max_size=2)
        | st.sampled_from([{"by": "aggregate"}, {"by": "phone"}, {"by": 1}])}


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    event = dict(BASE)
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=4)):
        choice = draw(st.integers(0, 3))
        if choice == 0:
            event.pop(key, None)
        elif choice == 1 and key in GOOD:
            event[key] = draw(GOOD[key])
        else:
            event[key] = draw(ODD)
    return event


def answer(fn: Any, data: bytes) -> tuple[str, Any]:
    try:
        return "ok", fn(data)
    except EventError as exc:
        return "error", str(exc)


def slow(data: bytes) -> CheckedEvent:
    return CheckedEvent.of(parse_event(data, "line 7"))


@settings(max_examples=2000, deadline=None)
@given(events())
@example({**BASE, "count": True})
@example({**BASE, "v": True})
@example({**BASE, "subjects": [], "action": "login"})
@example({**BASE, "subjects": []})
@example({**BASE, "subjects": [], "action": "search", "query": {"by": "aggregate"}, "count": 4000})
@example({**BASE, "subjects": [], "action": "view", "query": {"by": "aggregate"}})
@example({**BASE, "subjects": [], "action": "export", "query": None})
@example({**BASE, "id": ""})
@example({**BASE, "ts": "2026-02-30T00:00:00Z"})
@example({**BASE, "result": None})
@example({**BASE, "export_id": None, "ticket": None})
def test_bulk_path_answers_as_the_model(event: dict[str, Any]) -> None:
    data = orjson.dumps(event)
    assert answer(lambda d: check_event(d, "line 7"), data) == answer(slow, data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40) | st.text(max_size=40).map(str.encode))
def test_bulk_path_on_junk(data: bytes) -> None:
    assert answer(lambda d: check_event(d, "line 7"), data) == answer(slow, data)


@settings(max_examples=2000, deadline=None)
@given(TIMES)
def test_event_times_in_microseconds_as_datetime_says(ts: str) -> None:
    try:
        expected: int | None = ts_micros(parse_ts(ts))
    except ValueError:
        expected = None
    assert _ts_micros(ts) == expected


def test_encoded_event_from_json_equals_from_the_model() -> None:
    data = orjson.dumps({**BASE, "subjects": ["c-1", "c-2", "c-1"], "export_id": "x-1", "extra": {"a": [1, 2.5]}})
    assert EncodedEvent.parse(data) == EncodedEvent.of(parse_event(data))
    assert EncodedEvent.parse(data).subjects == ("c-1", "c-2")


@pytest.mark.parametrize("ts", ["2026-03-01T09:15:02.123457+08:00", "1970-01-01T00:00:00.000001Z"])
def test_microseconds_round_as_the_float_timestamp_does(ts: str) -> None:
    assert _ts_micros(ts) == int(parse_ts(ts).timestamp() * 1_000_000)
    assert abs(_ts_micros(ts) - (parse_ts(ts) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1e6) <= 1  # type: ignore[operator]


@settings(max_examples=2000, deadline=None)
@given(TIMES | st.text(max_size=30))
@example("2026-03-01T09:15:02.1234567891+08:00")
@example("2026-03-01T09:15:60+08:00")
@example("2026-03-01T09:60:00Z")
@example("2026-03-01T24:00:00Z")
@example("2026-02-29T09:00:00+08:00")
@example("2026-03-01T09:15:02+24:00")
@example("2026-03-01T09:15:02+08:00\n")
@example("2026-03-01t09:15:02z")
def test_the_model_takes_the_times_parse_ts_takes(ts: str) -> None:
    """The model's check of ``ts`` remembers valid hours (a datetime per event was a third of parsing): it accepts
    and refuses exactly what ``parse_ts`` does, with its message."""
    try:
        parse_ts(ts)
        expected: tuple[str, Any] = ("ok", ts)
    except ValueError as exc:
        expected = ("error", f"line 7: ts: {exc}")
    assert answer(lambda d: parse_event(d, "line 7").ts, orjson.dumps({**BASE, "ts": ts})) == expected


class _DatetimeEachTime(AccessEvent):
    """The model as it was: ``ts`` checked by building a datetime for every event."""

    @field_validator("ts")
    @classmethod
    def _rfc3339(cls, ts: str) -> str:
        parse_ts(ts)
        return ts


def _model_answer(validate: Any, data: bytes) -> tuple[str, Any]:
    try:
        e = validate(orjson.loads(data))
    except ValidationError as exc:
        return "error", str(EventError("line 7", _problems(exc)))
    return "ok", (e.model_dump(), e.model_extra, e.model_fields_set)


@settings(max_examples=1000, deadline=None)
@given(events())
@example({**BASE, "ts": "2026-03-01T09:15:60+08:00"})
@example({**BASE, "ts": "2026-02-29T09:15:02+08:00", "count": -1})
def test_the_model_answers_as_with_a_datetime_per_event(event: dict[str, Any]) -> None:
    """Whole events, valid and not: the model with its remembered hours accepts, refuses and explains as the model
    that built a datetime for every event."""
    data = orjson.dumps(event)
    assert _model_answer(AccessEvent.model_validate, data) == _model_answer(_DatetimeEachTime.model_validate, data)


def _fields(parse: Any, data: bytes | str) -> tuple[str, Any]:
    """A parser's answer in the model's terms: the model's fields (no extras: the lean event drops them)."""
    try:
        e = parse(data, "line 7")
    except EventError as exc:
        return "error", str(exc)
    return "ok", {k: getattr(e, k) for k in AccessEvent.model_fields}


def _lean(data: bytes | str) -> tuple[str, Any]:
    return _fields(parse_lean, data)


def _model(data: bytes | str) -> tuple[str, Any]:
    return _fields(parse_event, data)


def test_the_lean_event_has_the_models_fields() -> None:
    assert LeanEvent.__struct_fields__ == tuple(AccessEvent.model_fields)


@settings(max_examples=3000, deadline=None)
@given(events())
@example({**BASE, "count": True})
@example({**BASE, "count": 1.0})
@example({**BASE, "count": -1})
@example({**BASE, "v": True})
@example({**BASE, "v": 1.0})
@example({**BASE, "v": 2})
@example({**BASE, "subjects": [], "action": "login"})
@example({**BASE, "subjects": []})
@example({**BASE, "subjects": [], "action": "search", "query": {"by": "aggregate"}, "count": 4000})
@example({**BASE, "subjects": [], "action": "view", "query": {"by": "aggregate"}})
@example({**BASE, "id": ""})
@example({**BASE, "ts": "2026-02-30T00:00:00Z"})
@example({**BASE, "ts": "２０２６-03-01T09:15:02+08:00"})
@example({**BASE, "result": None})
@example({**BASE, "ticket": 5})
@example({**BASE, "model_config": 1, "time": "x", "aggregate": True})
def test_the_lean_path_answers_as_the_model(event: dict[str, Any]) -> None:
    """``parse_lean`` (what ``forensics watch`` and ``anomalies`` read events with) accepts what the model accepts,
    with the same fields, and refuses what it refuses, with its error."""
    data = orjson.dumps(event)
    assert _lean(data) == _model(data)
    assert _lean(data.decode()) == _model(data)


@pytest.mark.parametrize("line", [
    b'{"id":"e-1","ts":"2026-03-01T09:15:02+08:00","actor":"cs-1","party":"p","role":"r","action":"view",'
    b'"resource":"order","subjects":["c-1"],"fields":["name"],"client":{"x":1e400}}',  # beyond a double
    b'{"id":"e-1","ts":"2026-03-01T09:15:02+08:00","actor":"cs-1","party":"p","role":"r","action":"view",'
    b'"resource":"order","subjects":["c-1"],"fields":["name"],"ticket":"\\ud800"}',  # a lone surrogate
    b'{"id":"e-1","ts":"2026-03-01T09:15:02+08:00","actor":"cs-1","party":"p","role":"r","action":"view",'
    b'"resource":"order","subjects":["c-1"],"fields":["name"],"x":NaN}',
    b'{"id":"e-1","ts":"2026-03-01T09:15:02+08:00","actor":"cs-1","party":"p","role":"r","action":"view",'
    b'"resource":"order","subjects":["c-1"],"fields":["name"],"x":' + b"[" * 3000 + b"]" * 3000 + b"}",
    b'{"id":"e-1","actor":"cs-1","actor":"cs-2","ts":"2026-03-01T09:15:02+08:00","party":"p","role":"r",'
    b'"action":"view","resource":"order","subjects":["c-1"],"fields":["name"]}',  # a repeated key: the last
    b'{"id":"e-1","ts":"2026-03-01T09:15:02+08:00","actor":"cs-1","party":"p","role":"r","action":"view",'
    b'"resource":"order","subjects":["c-1"],"fields":["name"],"client":{"big":1180591620717411303424},'
    b'"extra":-1180591620717411303424}',  # integers beyond 64 bits
    b'[1, 2]', b'not json 13812345678', b'', b'{"id": "e-2", "actor": "13812345678"}',
])
def test_the_lean_path_on_odd_json(line: bytes) -> None:
    assert _lean(line) == _model(line)


def test_the_lean_path_skips_unread_keys_the_model_cannot_read() -> None:
    """The one difference, documented: a number beyond a double's range in a key this version does not know."""
    line = orjson.dumps(BASE)[:-1] + b',"note":1e400}'
    assert _model(line)[0] == "error"
    assert _lean(line) == _model(orjson.dumps(BASE))
