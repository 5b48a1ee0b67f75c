"""A remarks column where 10% of the notes carry a phone (issue 19, point 4): PHONE-bearing free text.

Short notes (备注) are where customer-service staff copy phone numbers; the column is reported
as free text holding PHONE in 10% of its values, graded by it, with masked examples only.
"""

from __future__ import annotations

import random
from pathlib import Path

from scan_seed import dump_inventory, leaked
from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine
from sqlalchemy.engine import Engine

from piwarden.scan.runner import ScanOptions, scan

NOTES = ("客户要求尽快发货", "已联系，明天送达", "包装破损，需补发", "客户不在家，改天送", "备注：周末不收货")
ROWS = 400


def _rows() -> tuple[list[dict[str, object]], set[str]]:
    rng = random.Random(19)
    rows, phones = [], set()
    for i in range(ROWS):
        if i % 10 == 0:
            phone = f"13{rng.randint(800000000, 899999999)}"
            phones.add(phone)
            note = f"来电催单，回拨{phone}"
        else:
            note = rng.choice(NOTES)
        rows.append({"id": i, "beizhu": note})
    return rows, phones


def _seed(engine: Engine, schema: str | None = None) -> set[str]:
    md = MetaData()
    table = Table("orders_notes", md, Column("id", Integer, primary_key=True, autoincrement=False),
                  Column("beizhu", Text), schema=schema)
    md.create_all(engine)
    rows, phones = _rows()
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
    return phones


def _check(summary: object, asset: str, phones: set[str], db_url: str) -> None:
    row = next(a for a in summary.inventory if a["asset"] == asset)  # type: ignore[attr-defined]
    [col] = [c for c in row["columns"] if c["name"] == "beizhu"]
    assert col["free_text"] and col["grade"] == 2 and col["types"].get("PHONE") == ROWS // 10
    assert abs(col["share"] - 0.1) < 0.005  # PHONE in 10% of the notes
    assert not leaked(phones, dump_inventory(db_url))


def test_sqlite_remarks_column_is_phone_bearing_free_text(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    engine = create_engine(f"sqlite:///{path}")
    phones = _seed(engine)
    engine.dispose()
    db_url = f"sqlite:///{tmp_path / 'inv.db'}"
    _check(scan([f"sqlite:///{path}"], ScanOptions(), db_url), "orders_notes", phones, db_url)


def test_postgresql_remarks_column_is_phone_bearing_free_text(pg_schema: tuple[str, str, object],
                                                              tmp_path: Path) -> None:
    url, schema, engine = pg_schema
    phones = _seed(engine, schema)  # type: ignore[arg-type]
    db_url = f"sqlite:///{tmp_path / 'inv.db'}"
    summary = scan([url], ScanOptions(tables=(f"{schema}.*",)), db_url)
    _check(summary, f"{schema}.orders_notes", phones, db_url)
