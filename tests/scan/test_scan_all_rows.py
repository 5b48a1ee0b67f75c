"""Every row of a table (``--all-rows``): streamed in chunks, split in key ranges across processes,
with the fast value matcher, and still the findings of one in-memory pass over every value.

The seeded table has gaps in its keys, repeated values across chunks (so distinct counts and
subjects depend on merging), a free-text column (read a second time) and a 90%-NULL column.
"""

from __future__ import annotations

import json
import tracemalloc
from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scan_seed import Seeded, create_table, customers, dump_inventory, leaked
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from piwarden.cli import app
from piwarden.scan import rows
from piwarden.scan.classify import Classifier
from piwarden.scan.inventory import AssetScan
from piwarden.scan.runner import ScanOptions, scan
from piwarden.scan.sources import Asset
from piwarden.scan.sources import sql as sql_source
from piwarden.scan.values import ValueMatcher

ROWS, CHUNK = 900, 70


@cache
def seeded() -> Seeded:
    """``ROWS`` customers keyed 3, 6, 9, ..., the first 150 repeated at the end under new keys."""
    data = customers(ROWS - 150, seed=21)
    body = data.rows + data.rows[:150]
    return Seeded(data.columns, [(3 * (i + 1), *r[1:]) for i, r in enumerate(body)], data.raw)


@cache
def classifier() -> Classifier:
    return Classifier()


def table(tmp_path: Path, name: str = "customers") -> Asset:
    engine = create_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    create_table(engine, name, seeded())
    engine.dispose()
    return next(a for a in sql_source.discover(f"sqlite:///{tmp_path / 'shop.db'}") if a.name == name)


def in_memory(asset: Asset) -> list[dict[str, object]]:
    """The reference: every row read at once, each column classified as a sample is."""
    sample, count, _ = sql_source.read_table(asset, 10**9)
    assert sample.sampled == count
    return [classifier().column(name, values, count).to_dict() for name, values in sample.columns.items()]


def streamed(asset: Asset, jobs: int, chunk: int = CHUNK) -> list[dict[str, object]]:
    out = AssetScan(asset.store, asset.name, asset.kind, asset.format)
    seen: list[int] = []
    with rows.TableScanner(jobs, chunk, on_rows=lambda a, done, total: seen.append(done)) as scanner:
        scanner._classifier = classifier()
        scanner.scan(asset, out)
    assert out.rows == out.sampled == ROWS and seen[-1] == ROWS
    return [c.to_dict() for c in out.columns]


def test_streamed_scan_equals_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rows, "BUCKET_ROWS", 200)  # several digest buckets per column
    asset = table(tmp_path)
    reference = in_memory(asset)
    assert streamed(asset, jobs=1) == reference
    remark = next(c for c in reference if c["column"] == "remark")
    sfzh = next(c for c in reference if c["column"] == "sfzh")
    assert remark["free_text"] and sfzh["distinct"] == ROWS - 150 and sfzh["subjects"] == ROWS - 150


def test_range_split_jobs_equal_one_job(tmp_path: Path) -> None:
    asset = table(tmp_path)
    plan = sql_source.plan_rows(asset)
    parts = rows.ranges(plan, 2, CHUNK)
    assert len(parts) > 4 and parts[0][0] == plan.lo and parts[-1][1] == plan.hi
    assert all(a[1] + 1 == b[0] for a, b in pairwise(parts))  # no gap, no overlap
    assert streamed(asset, jobs=2) == streamed(asset, jobs=1)


def test_table_without_integer_key_is_streamed_in_one_range(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    engine = create_engine(f"sqlite:///{path}")
    cols = seeded().columns
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE plain (" + ", ".join(f'"{c}" TEXT' for c in cols) + ")"))
        conn.execute(text(f"INSERT INTO plain VALUES ({', '.join(':' + str(i) for i in range(len(cols)))})"),
                     [{str(i): v for i, v in enumerate(r)} for r in seeded().rows])
    engine.dispose()
    asset = sql_source.discover(f"sqlite:///{path}")[0]
    assert rows.ranges(sql_source.plan_rows(asset), 2, CHUNK) == [(None, None)]
    assert streamed(asset, jobs=2) == in_memory(asset)


def test_all_rows_scan_stores_every_row_and_no_value(tmp_path: Path) -> None:
    asset = table(tmp_path)
    db = f"sqlite:///{tmp_path / 'inv.db'}"
    first = scan([asset.locator], ScanOptions(sample=100), db)  # sampled: not good enough for --all-rows
    assert first.inventory[0]["sampled"] <= 100
    full = scan([asset.locator], ScanOptions(all_rows=True, chunk_rows=CHUNK), db, jobs=2)
    row = full.inventory[0]
    assert (full.scanned, row["rows"], row["sampled"]) == (1, ROWS, ROWS)
    assert not leaked(seeded().raw, dump_inventory(db))
    again = scan([asset.locator], ScanOptions(all_rows=True, chunk_rows=CHUNK), db)
    assert (again.scanned, again.unchanged) == (0, 1)


def test_cli_all_rows(tmp_path: Path) -> None:
    asset = table(tmp_path)
    out = tmp_path / "s.json"
    result = CliRunner().invoke(app, ["scan", asset.locator, "--all-rows", "--chunk-rows", "100", "--db",
                                      f"sqlite:///{tmp_path / 'inv.db'}", "--json", str(out), "--progress"])
    assert result.exit_code == 0, result.output
    assert f"{ROWS:,}/{ROWS:,} rows" in result.output  # progress lines: not a terminal
    doc = json.loads(out.read_text("utf-8"))
    assert doc["run"]["all_rows"] and doc["assets"][0]["sampled"] == ROWS
    assert not leaked(seeded().raw, result.output)


def test_memory_does_not_grow_with_the_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Peak Python memory of a streamed scan hardly grows with the table (unique values everywhere).

    What it holds is bounded by the chunk, the range (the digests a range buffers), the digest
    bucket and the matcher's cache; all four are made small here so that 5x the rows would
    show if anything held values. (No phone numbers: the phone recognizer's own caches hold up
    to 8,192 values, bounded too, but more than this test reads.)
    """
    monkeypatch.setattr(rows, "MAX_RANGE_ROWS", 300)
    monkeypatch.setattr(rows, "BUCKET_ROWS", 300)
    url = f"sqlite:///{tmp_path / 'm.db'}"
    engine = create_engine(url)
    for name, n in (("small", 1_000), ("big", 5_000)):
        with engine.begin() as conn:
            conn.execute(text(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, sfzh TEXT, email TEXT, note TEXT)"))
            conn.execute(text(f"INSERT INTO {name} VALUES (:i, :p, :e, :n)"),
                         [{"i": i, "p": f"110105199001{i:05d}1", "e": f"u{i}@example.com", "n": f"note {i} " * 3}
                          for i in range(n)])
    engine.dispose()
    assets = {a.name: a for a in sql_source.discover(url)}
    peaks: dict[str, int] = {}
    with rows.TableScanner(1, 100, cache_size=300) as scanner:
        # the first run builds what is built once (regexes, the Analyzer) and does not count.
        # tracemalloc counts every thread's allocations, and once in a full run something else in
        # the pytest-xdist worker (probably its messaging thread) added 8 MB to one traced scan:
        # each table's peak is the smaller of two runs
        for i, name in enumerate(("big", "small", "big", "small", "big")):
            out = AssetScan(assets[name].store, name, assets[name].kind, assets[name].format)
            scanner.classifier.matcher._cache.clear()
            tracemalloc.start()
            scanner.scan(assets[name], out)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            if i:
                peaks[name] = min(peaks.get(name, peak), peak)
            assert out.sampled == out.rows
    # holding the 12,000 more values would add about 800 kB
    assert peaks["big"] - peaks["small"] < 300_000, peaks


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789-:/.@ _abcfxXZ年月日省市路号张王李\n")), max_size=30))
def test_fast_matcher_agrees_with_the_engine(value: str) -> None:
    assert list(_fast().types(value).items()) == list(_reference().types(value).items())


def test_fast_matcher_agrees_on_the_seeded_values() -> None:
    values = {str(v) for r in seeded().rows for v in r if v is not None}
    values |= {"00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5e", "fe80::1", "192.168.1.1", "John Smith",
               "123 Main Street, Springfield, IL 62704", "5d41402abc4b2a76b9719d911017c592", "19900101"}
    fast, reference = _fast(), _reference()
    assert [v for v in values if list(fast.types(v).items()) != list(reference.types(v).items())] == []


@cache
def _fast() -> ValueMatcher:
    return ValueMatcher()


@cache
def _reference() -> ValueMatcher:
    return ValueMatcher(fast=False)


def _compare_backend(engine: Engine, url: str, name: str, schema: str | None, label: str,
                     tables: tuple[str, ...]) -> None:
    create_table(engine, name, seeded(), schema=schema)
    asset = next(a for a in sql_source.discover(url, list(tables)) if a.name == label)
    assert streamed(asset, jobs=2) == in_memory(asset)


def test_postgresql(pg_schema: tuple[str, str, Engine]) -> None:
    url, schema, engine = pg_schema
    _compare_backend(engine, url, "all_rows", schema, f"{schema}.all_rows", (f"{schema}.*",))


def test_mariadb(mysql_prefix: tuple[str, str, Engine]) -> None:
    url, prefix, engine = mysql_prefix
    _compare_backend(engine, url, prefix + "all_rows", None, f"test.{prefix}all_rows", (prefix + "*",))
