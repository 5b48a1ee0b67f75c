"""JSON columns (issue 19, point 4): classified by key path, graded by the most sensitive key, masked examples only.

An order's ``ext`` column (TEXT in SQLite, ``jsonb`` in PostgreSQL, which the driver hands over as
dicts) holds the receiver's name and mobile, sometimes an ID number, line items and a remark.
"""

from __future__ import annotations

import json
from pathlib import Path

from faker import Faker
from scan_seed import dump_inventory, leaked
from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine

from piwarden.scan.classify import Classifier
from piwarden.scan.runner import ScanOptions, scan

ROWS = 240


def _docs() -> tuple[list[dict[str, object]], set[str]]:
    fake = Faker("zh_CN")
    fake.seed_instance(21)
    docs, raw = [], set()
    for i in range(ROWS):
        d: dict[str, object] = {"receiver": {"name": fake.name(), "mobile": fake.phone_number()},
                                "items": [{"sku": f"SKU-{i:05d}", "qty": 1 + i % 3}], "channel": "app"}
        raw.add(d["receiver"]["mobile"])  # type: ignore[index]
        if i % 4 == 0:
            d["idcard"] = fake.ssn()
            raw.add(str(d["idcard"]))
        docs.append(d)
    return docs, raw


def _seed(engine: Engine, kind: object, schema: str | None = None) -> set[str]:
    md = MetaData()
    table = Table("orders_ext", md, Column("id", Integer, primary_key=True, autoincrement=False),
                  Column("ext", kind), schema=schema)  # type: ignore[arg-type]
    md.create_all(engine)
    docs, raw = _docs()
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"id": i, "ext": json.dumps(d, ensure_ascii=False) if kind is Text else d}
                                      for i, d in enumerate(docs)])
    return raw


def _check(summary: object, asset: str, raw: set[str], db_url: str) -> None:
    row = next(a for a in summary.inventory if a["asset"] == asset)  # type: ignore[attr-defined]
    [col] = [c for c in row["columns"] if c["name"] == "ext"]
    assert col["basis"] == "json" and not col["free_text"]
    assert col["entity"] == "CN_RESIDENT_ID" and {"PHONE", "PERSON"} <= set(col["also"])
    assert col["grade"] == 3 and abs(col["share"] - 0.25) < 0.01  # an ID number in a quarter of the documents
    assert any(e.startswith("receiver.mobile: ") and "****" in e for e in col["examples"])
    assert not leaked(raw, dump_inventory(db_url))


def test_key_paths_are_classified_and_reported() -> None:
    docs, _ = _docs()
    f = Classifier().column("ext", [json.dumps(d, ensure_ascii=False) for d in docs]).to_dict()
    assert f["keys"] == {"receiver.name": ["PERSON"], "receiver.mobile": ["PHONE"], "idcard": ["CN_RESIDENT_ID"]}
    assert f["shares"]["PHONE"] == 1.0 and f["shares"]["CN_RESIDENT_ID"] == 0.25
    # a column of JSON that does not parse is free text, not JSON
    g = Classifier().column("ext", ['{"note": 回拨13812345678 }'] * 20 + ['{"a": 1}'] * 2).to_dict()
    assert g["basis"] != "json"


def test_sqlite_json_text_column(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    engine = create_engine(f"sqlite:///{path}")
    raw = _seed(engine, Text)
    engine.dispose()
    db_url = f"sqlite:///{tmp_path / 'inv.db'}"
    _check(scan([f"sqlite:///{path}"], ScanOptions(), db_url), "orders_ext", raw, db_url)


def test_postgresql_jsonb_column(pg_schema: tuple[str, str, object], tmp_path: Path) -> None:
    url, schema, engine = pg_schema
    raw = _seed(engine, JSONB, schema)  # type: ignore[arg-type]
    db_url = f"sqlite:///{tmp_path / 'inv.db'}"
    _check(scan([url], ScanOptions(tables=(f"{schema}.*",)), db_url), f"{schema}.orders_ext", raw, db_url)


