"""Scanning SQL databases: SQLite, PostgreSQL and MariaDB seeded with the same synthetic customers.

Each backend gets a small table (read whole) and a larger one read through its sampling path
(TABLESAMPLE on PostgreSQL, primary-key windows elsewhere). Column types must be right for at
least 95% of the seeded columns; no raw value may reach the inventory; a rescan skips
unchanged tables and rescans a changed one.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from scan_seed import (
    EXPECTED,
    FREE_TEXT,
    Seeded,
    accuracy,
    create_table,
    customers,
    dump_inventory,
    found_types,
    leaked,
)
from sqlalchemy import create_engine, text

from piwarden.scan.runner import ScanOptions, scan

SMALL, BIG, SAMPLE = 150, 1500, 200


@cache
def small() -> Seeded:
    return customers(SMALL, seed=3)


@cache
def big() -> Seeded:
    return customers(BIG, seed=4)


def check_backend(url: str, names: tuple[str, str], db_url: str, options: ScanOptions) -> None:
    summary = scan([url], options, db_url)
    assert summary.errors == []
    got = {n: found_types(summary.inventory, n) for n in names}
    score = [accuracy(got[n]) for n in names]
    total = sum(s for s, _ in score) / len(score)
    assert total >= 0.95, [m for _, misses in score for m in misses]
    small_row = next(a for a in summary.inventory if a["asset"] == names[0])
    big_row = next(a for a in summary.inventory if a["asset"] == names[1])
    assert small_row["rows"] == SMALL and small_row["sampled"] == SMALL
    assert big_row["rows"] == BIG and 0 < big_row["sampled"] <= SAMPLE  # sampled, not read whole
    assert big_row["grade"] == 3 and big_row["subjects"] and big_row["subjects"] > SAMPLE
    for col in small_row["columns"]:  # type: ignore[union-attr]
        assert col["free_text"] == (col["name"] in FREE_TEXT)
    assert not leaked(small().raw | big().raw, dump_inventory(db_url))
    again = scan([url], options, db_url)
    assert (again.scanned, again.unchanged) == (0, len(again.inventory))


def test_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    engine = create_engine(f"sqlite:///{path}")
    create_table(engine, "customers", small())
    create_table(engine, "customers_big", big())
    engine.dispose()
    check_backend(f"sqlite:///{path}", ("customers", "customers_big"), f"sqlite:///{tmp_path / 'inv.db'}",
                  ScanOptions(sample=SAMPLE))


def test_postgresql(pg_schema: tuple[str, str, object], tmp_path: Path) -> None:
    url, schema, engine = pg_schema
    create_table(engine, "customers", small(), schema=schema)  # type: ignore[arg-type]
    create_table(engine, "customers_big", big(), schema=schema)  # type: ignore[arg-type]
    with engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(text(f'ANALYZE "{schema}".customers_big'))
    names = (f"{schema}.customers", f"{schema}.customers_big")
    check_backend(url, names, f"sqlite:///{tmp_path / 'inv.db'}", ScanOptions(sample=SAMPLE, tables=(f"{schema}.*",)))


def test_mariadb(mysql_prefix: tuple[str, str, object], tmp_path: Path) -> None:
    url, prefix, engine = mysql_prefix
    create_table(engine, prefix + "customers", small())  # type: ignore[arg-type]
    create_table(engine, prefix + "customers_big", big())  # type: ignore[arg-type]
    names = (f"test.{prefix}customers", f"test.{prefix}customers_big")
    check_backend(url, names, f"sqlite:///{tmp_path / 'inv.db'}", ScanOptions(sample=SAMPLE, tables=(prefix + "*",)))


def test_changed_table_is_rescanned(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    engine = create_engine(f"sqlite:///{path}")
    table = create_table(engine, "customers", small())
    create_table(engine, "orders", customers(40, seed=9))
    db_url = f"sqlite:///{tmp_path / 'inv.db'}"
    first = scan([f"sqlite:///{path}"], ScanOptions(), db_url)
    assert first.scanned == 2
    with engine.begin() as conn:
        conn.execute(table.insert(), [dict(zip(EXPECTED, customers(1, seed=99).rows[0], strict=True)) | {"id": 999}])
    engine.dispose()
    second = scan([f"sqlite:///{path}"], ScanOptions(), db_url)
    assert (second.scanned, second.unchanged) == (1, 1)
    row = next(a for a in second.inventory if a["asset"] == "customers")
    assert row["rows"] == SMALL + 1 and row["run_id"] == second.run_id
    full = scan([f"sqlite:///{path}"], ScanOptions(full=True), db_url)
    assert full.scanned == 2


@pytest.mark.parametrize("pattern, expected", [("orders", ["orders"]), ("cust*", ["customers"]),
                                               ("main.x", [])])
def test_table_subset(tmp_path: Path, pattern: str, expected: list[str]) -> None:
    path = tmp_path / "shop.db"
    engine = create_engine(f"sqlite:///{path}")
    create_table(engine, "customers", customers(20, seed=1))
    create_table(engine, "orders", customers(20, seed=2))
    engine.dispose()
    summary = scan([f"sqlite:///{path}"], ScanOptions(tables=(pattern,)), f"sqlite:///{tmp_path / 'inv.db'}")
    assert [a["asset"] for a in summary.inventory] == expected
