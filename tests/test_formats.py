"""The interchange formats' JSON Schemas and the commands' validators give the same answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from piwarden.cli import app
from piwarden.detect.records import Record, parse_line
from piwarden.events import EventError, parse_event
from piwarden.formats import FORMATS, problems, schema

REPO = Path(__file__).resolve().parents[1]
EVENT = {"v": 1, "id": "e-000187", "ts": "2026-03-01T21:47:10+08:00", "actor": "cs-0042", "party": "platform.cs",
         "role": "customer_service", "action": "reveal", "resource": "policy", "subjects": ["c-88311"],
         "records": ["P-2020-118273"], "fields": ["name", "phone"], "count": 1, "purpose": "after_sales",
         "ticket": None, "channel": "console", "query": {"by": "policy_no"}, "result": "allowed"}
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=3), st.just("login"),
                   st.just("view"), st.just("2026-03-01T21:47:10Z"), st.lists(st.text(max_size=2), max_size=2),
                   st.just([]), st.dictionaries(st.text(max_size=2), st.integers(), max_size=1))


def test_every_format_is_documented_and_its_schema_loads() -> None:
    for name in FORMATS:
        assert schema(name)["$schema"].startswith("https://json-schema.org/")
    docs = {p.stem for p in (REPO / "docs" / "formats").glob("*.md")}
    assert {"access-event", "data-map", "leak-sample", "detection-records"} <= docs


def _model_ok(event: dict[str, Any]) -> bool:
    try:
        parse_event(event)
    except EventError:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([*sorted(EVENT), "action", "subjects", "ts", "count"]), VALUES, st.booleans())
def test_access_event_schema_agrees_with_the_model(key: str, value: Any, drop: bool) -> None:
    event = dict(EVENT)
    if drop:
        event.pop(key)
    else:
        event[key] = value
    assert (problems("access-event", event) == []) == _model_ok(event), (key, value, drop)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["id", "text", "other"]), VALUES, max_size=3))
def test_detection_record_schema_agrees_with_the_reader(record: dict[str, Any]) -> None:
    parsed = parse_line(json.dumps(record).encode(), "in.jsonl", 1)
    assert (problems("detection-record", record) == []) == isinstance(parsed, Record), record


def test_trace_names_data_map_and_leak_problems_by_path(tmp_path: Path) -> None:
    datamap = tmp_path / "map.yaml"
    datamap.write_text("parties:\n  - id: merchant:M1\n    receives: name\n", "utf-8")
    leak = tmp_path / "leak.jsonl"
    leak.write_text(json.dumps({"phone": ["13812345678"]}) + "\n", "utf-8")
    records, events = tmp_path / "records.jsonl", tmp_path / "events.jsonl"
    records.write_text("", "utf-8")
    events.write_text("", "utf-8")
    args = ["forensics", "trace", "--leak", str(leak), "--records", str(records), "--events", str(events)]
    result = CliRunner().invoke(app, [*args, "--datamap", str(datamap)])
    assert result.exit_code == 2 and "parties[0].receives: must be array" in result.output
    datamap.write_text("parties:\n  - id: merchant:M1\n    receives: [name, phone]\n", "utf-8")
    result = CliRunner().invoke(app, [*args, "--datamap", str(datamap)])
    assert result.exit_code == 2 and "line 1: not a leak record" in result.output and "phone:" in result.output
    assert "13812345678" not in result.output
