"""The access event model and its canonical JSON."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piwarden.events import AccessEvent, EventError, canonical_json, parse_event, parse_ts

SPEC_EXAMPLE = (
    b'{"v":1,"id":"e-000187","ts":"2026-03-01T21:47:10+08:00","actor":"cs-0042","party":"platform.cs",'
    b'"role":"customer_service","action":"reveal","resource":"policy","subjects":["c-88311"],'
    b'"records":["P-2020-118273"],"fields":["name","phone","address","policy_type","premium","expiry_date"],'
    b'"count":1,"purpose":"after_sales","ticket":null,"channel":"console","query":{"by":"policy_no"},'
    b'"result":"allowed"}'
)
MINIMAL = {"id": "e-1", "ts": "2026-03-01T09:15:02Z", "actor": "cs-1", "party": "platform.cs",
           "role": "customer_service", "action": "view", "resource": "order", "subjects": ["c-1"],
           "fields": ["name"]}


def test_spec_example_round_trips_to_sorted_compact_json() -> None:
    event = parse_event(SPEC_EXAMPLE)
    assert canonical_json(event) == orjson.dumps(orjson.loads(SPEC_EXAMPLE), option=orjson.OPT_SORT_KEYS)


def test_defaults_are_materialised_and_absent_optionals_stay_absent() -> None:
    out = orjson.loads(canonical_json(parse_event(MINIMAL)))
    assert (out["v"], out["count"], out["result"]) == (1, 1, "allowed")
    assert "ticket" not in out and "export_id" not in out


def test_explicit_null_is_kept_distinct_from_absent() -> None:
    assert b'"ticket":null' in canonical_json(parse_event({**MINIMAL, "ticket": None}))


def test_unknown_keys_are_kept_and_sorted_at_every_depth() -> None:
    raw = canonical_json(parse_event({**MINIMAL, "zeta": {"b": 1, "a": [{"d": 2, "c": "中"}]}}))
    assert raw.endswith(b'"zeta":{"a":[{"c":"\xe4\xb8\xad","d":2}],"b":1}}')  # UTF-8, not \u escapes
    assert b" " not in raw


@pytest.mark.parametrize("ts", ["2026-03-01T09:15:02+08:00", "2026-03-01T09:15:02.123456789-05:30",
                                "2026-03-01t09:15:02z"])
def test_rfc3339_with_offset_accepted(ts: str) -> None:
    assert parse_event({**MINIMAL, "ts": ts}).time.utcoffset() is not None


@pytest.mark.parametrize("ts", ["2026-03-01T09:15:02", "2026-03-01 09:15:02Z", "2026-02-30T00:00:00Z",
                                "2026-03-01T09:15:02+24:00", "1709284502", "2026-03-01T09:15Z"])
def test_bad_timestamps_rejected(ts: str) -> None:
    with pytest.raises(EventError) as info:
        parse_event({**MINIMAL, "ts": ts}, record="line 7")
    assert info.value.fields == ["ts"] and info.value.record == "line 7"


def test_the_lean_reader_lets_no_bad_time_through() -> None:
    """The lean reader checks each time by the pattern (its day, hour, minutes, seconds and offset), whatever the
    times before it were (a calendar day that does not exist, an offset out of range)."""
    from piwarden.events import LeanEvent, parse_lean

    def lean(ts: str) -> object:
        return parse_lean(orjson.dumps({**MINIMAL, "ts": ts}), record="line 7")

    assert isinstance(lean("2026-03-01T09:15:02Z"), LeanEvent)
    assert isinstance(lean("2026-03-01T09:59:59.5Z"), LeanEvent)  # the same hour: remembered
    for bad in ("2026-03-01T09:60:00Z", "2026-03-01T09:15:61Z", "2026-03-01T09:15Z", "2026-02-30T09:15:02Z",
                "2026-03-01T09:15:02+24:00", "2026-03-01T24:15:02Z", "2026-03-01T09:15:02"):
        with pytest.raises(EventError) as info:
            lean(bad)
        assert info.value.fields == ["ts"]
    assert isinstance(lean("2026-03-01T09:00:00Z"), LeanEvent)
    assert isinstance(lean("2026-03-01T09:00:00+08:00"), LeanEvent)  # another zone, checked and remembered


@pytest.mark.parametrize(("change", "field"), [
    ({"id": None}, "id"), ({"count": "3"}, "count"), ({"count": -1}, "count"), ({"v": 2}, "v"),
    ({"action": "peek"}, "action"), ({"subjects": ["c-1", 7]}, "subjects[1]"), ({"result": "ok"}, "result"),
    ({"subjects": []}, "(event)"), ({"query": "by phone"}, "query"), ({"v": True}, "v"),
])
def test_errors_name_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(EventError) as info:
        parse_event({**MINIMAL, **change})
    assert field in info.value.fields


def test_missing_required_keys_are_all_named() -> None:
    with pytest.raises(EventError) as info:
        parse_event({"id": "e-1"})
    assert set(info.value.fields) == {"ts", "actor", "party", "role", "action", "resource", "subjects", "fields"}


def test_login_may_have_no_subjects() -> None:
    assert parse_event({**MINIMAL, "action": "login", "subjects": []}).record_count == 0


@pytest.mark.parametrize("action", ["search", "export"])
def test_aggregate_search_or_export_may_have_no_subjects(action: str) -> None:
    """access-event.md: aggregates only (query.by = "aggregate") carry a count but no subjects."""
    e = parse_event({**MINIMAL, "action": action, "subjects": [], "query": {"by": "aggregate"}, "count": 4200})
    assert e.aggregate and e.record_count == 4200


@pytest.mark.parametrize("change", [{"action": "view"}, {"query": {"by": "phone"}}, {"query": None}])
def test_other_events_need_subjects(change: dict[str, Any]) -> None:
    with pytest.raises(EventError, match="subjects"):
        parse_event({**MINIMAL, "action": "search", "subjects": [], "query": {"by": "aggregate"}, **change})


def test_errors_never_echo_values() -> None:
    secret = "13812345678"  # a phone number in the wrong place
    for bad in ({**MINIMAL, "count": secret}, {**MINIMAL, "ts": secret}, {**MINIMAL, "action": secret},
                {**MINIMAL, "subjects": [int(secret)]}):
        with pytest.raises(EventError) as info:
            parse_event(bad)
        assert secret not in str(info.value) and secret not in repr(info.value.problems)
    with pytest.raises(EventError) as info:
        parse_event(b'{"id": "' + secret.encode() + b'", oops}')
    assert secret not in str(info.value)


def test_not_json_and_not_object() -> None:
    for bad in (b"{", b"[]", b'"x"'):
        with pytest.raises(EventError) as info:
            parse_event(bad)
        assert info.value.fields == ["(json)"]


def test_event_is_immutable() -> None:
    event = parse_event(MINIMAL)
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error type is an implementation detail
        event.actor = "someone-else"  # type: ignore[misc]
    assert isinstance(event, AccessEvent)


def test_parse_ts_converts_offsets() -> None:
    assert parse_ts("2026-03-01T08:00:00+08:00") == parse_ts("2026-03-01T00:00:00Z")


json_values = st.recursive(st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.text(max_size=8),
                           lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                           max_leaves=8)


@settings(max_examples=60, deadline=None)
@given(extra=st.dictionaries(st.text(min_size=1, max_size=6).filter(lambda k: k not in AccessEvent.model_fields),
                             json_values, max_size=3),
       subjects=st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=3))
def test_canonical_json_is_idempotent(extra: dict[str, object], subjects: list[str]) -> None:
    raw = canonical_json(parse_event({**MINIMAL, **extra, "subjects": subjects}))
    assert canonical_json(parse_event(raw)) == raw
    assert orjson.loads(raw) == {**orjson.loads(raw)}  # valid JSON


@settings(max_examples=4000, deadline=None)
@given(st.integers(0, 9999), st.integers(0, 19), st.integers(0, 39), st.integers(0, 29), st.integers(0, 69),
       st.integers(0, 69), st.sampled_from(["", ".5", ".123456789", ".1234567890"]),
       st.one_of(st.just("Z"), st.tuples(st.sampled_from("+-"), st.integers(0, 29), st.integers(0, 69))))
def test_the_lean_readers_time_pattern_is_parse_ts_on_the_plain_form(year: int, month: int, day: int, hour: int,
                                                                     minute: int, second: int, fraction: str,
                                                                     zone: str | tuple[str, int, int]) -> None:
    """msgspec checks a lean event's ``ts`` by a pattern (days that exist, leap years, hours and offsets in range):
    on times of the usual form it accepts exactly what ``parse_ts`` accepts (what it refuses goes to the model)."""
    from piwarden.events import _PLAIN_TIME

    offset = zone if isinstance(zone, str) else f"{zone[0]}{zone[1]:02d}:{zone[2]:02d}"
    ts = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{fraction}{offset}"
    try:
        parse_ts(ts)
        valid = True
    except ValueError:
        valid = False
    assert (re.search(_PLAIN_TIME, ts) is not None) == valid


@pytest.mark.parametrize("ts", ["2024-02-29T00:00:00Z", "2000-02-29T23:59:59.999999999-23:59", "0004-02-29T01:00:00Z",
                                "0400-02-29T01:00:00+00:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_leap_days_and_the_calendars_ends_read_lean(ts: str) -> None:
    from piwarden.events import LeanEvent, parse_lean

    assert isinstance(parse_lean(orjson.dumps({**MINIMAL, "ts": ts})), LeanEvent)


@pytest.mark.parametrize("ts", ["2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "0000-02-29T00:00:00Z",
                                "0000-01-01T00:00:00Z", "2026-04-31T00:00:00Z", "2026-03-01T09:15:02Z\n"])
def test_days_that_do_not_exist_are_refused_by_the_lean_reader(ts: str) -> None:
    from piwarden.events import parse_lean

    with pytest.raises(EventError) as info:
        parse_lean(orjson.dumps({**MINIMAL, "ts": ts}), record="line 7")
    assert info.value.fields == ["ts"]
