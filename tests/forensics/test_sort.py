"""Order-independent anomaly ranking: any permutation of an event file ranks the same, with a warning.

Two sources concatenated, or a log read backwards, used to lose incidents silently; now the
file is checked, sorted by (event time, id) when out of order (on disk past a bound), and
the command says so.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from piwarden.cli import app
from piwarden.forensics.anomalies.sort import out_of_order, sorted_lines

runner = CliRunner()


@pytest.fixture(scope="module")
def event_lines(platform: tuple[list[dict[str, Any]], dict[str, Any]]) -> list[str]:
    events = platform[0]
    return [json.dumps(e, ensure_ascii=False) + "\n" for e in events]


def _rank(path: Path) -> tuple[list[dict[str, Any]], str]:
    result = runner.invoke(app, ["forensics", "anomalies", "--events", str(path), "--no-progress"])
    assert result.exit_code == 0, result.output
    return [json.loads(x) for x in result.stdout.splitlines()], result.stderr


@pytest.fixture(scope="module")
def baseline(event_lines: list[str], tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    path = tmp_path_factory.mktemp("base") / "events.jsonl"
    path.write_text("".join(event_lines), "utf-8")
    ranking, stderr = _rank(path)
    assert "not in time order" not in stderr
    assert any(r["score"] >= 0.6 for r in ranking)  # incidents to lose
    return ranking


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**32), st.sampled_from(["shuffle", "reverse", "concatenated"]))
def test_any_permutation_ranks_the_same(tmp_path: Path, event_lines: list[str], baseline: list[dict[str, Any]],
                                        seed: int, how: str) -> None:
    rnd = random.Random(seed)  # a seed drawn, not 25,000 draws: the permutation itself is not shrunk
    lines = list(event_lines)
    if how == "shuffle":
        rnd.shuffle(lines)
    elif how == "reverse":
        lines.reverse()
    else:  # two sources, each in order, one after the other
        first, second = [], []
        for line in lines:
            (first if rnd.random() < 0.5 else second).append(line)
        lines = first + second
    path = tmp_path / f"events-{how}.jsonl"
    path.write_text("".join(lines), "utf-8")
    ranking, stderr = _rank(path)
    assert ranking == baseline
    if lines != event_lines:
        assert "not in time order" in stderr and "sorted by event time" in stderr


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 5)), max_size=60), st.integers(1, 9))
def test_external_sort_is_a_sort(keys: list[tuple[int, int]], run: int) -> None:
    lines = [(n, json.dumps({"ts": f"2026-03-02T10:{m:02d}:00+08:00", "id": f"e-{i}"}))
             for n, (m, i) in enumerate(keys, 1)]
    lines.insert(len(lines) // 2, (0, "not json"))
    out = list(sorted_lines(lines, run=run))
    assert out[0] == (0, "not json")
    timed = [json.loads(raw) for _, raw in out[1:]]
    assert [(t["ts"], t["id"]) for t in timed] == sorted((t["ts"], t["id"]) for t in timed)
    assert sorted(n for n, _ in out) == sorted(n for n, _ in lines)
    assert out_of_order([(n, raw) for n, raw in out]) == 0
