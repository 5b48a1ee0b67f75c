"""The anchor of benchmarks/vault_load.py: a bare FastAPI app reading and writing the same rows, nothing else.

No authentication, no policy, no decryption, no masking, no audit event: a read selects the
record's field rows from ``vault_fields`` and returns their sizes; a write inserts one row.
Run by the benchmark under uvicorn with ``BENCH_DB`` set to the vault's database URL.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Column, LargeBinary, MetaData, String, Table, create_engine, insert, select

URL = os.environ["BENCH_DB"].replace("postgresql://", "postgresql+psycopg://")
engine = create_engine(URL, pool_size=16)
meta = MetaData()
fields = Table("vault_fields", meta, Column("record_id", String(64)), Column("field", String(64)),
               Column("sealed", LargeBinary), extend_existing=True)
writes = Table("bench_writes", meta, Column("id", String(64), primary_key=True), Column("body", LargeBinary))
meta.create_all(engine, tables=[writes])
app = FastAPI()


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/bare/{record_id}")
def read(record_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        rows = conn.execute(select(fields.c.field, fields.c.sealed).where(fields.c.record_id == record_id)).all()
    return {"id": record_id, "values": {f: len(v) for f, v in rows}}


@app.post("/bare")
def write(body: dict[str, Any]) -> dict[str, str]:
    rid = uuid.uuid4().hex
    with engine.begin() as conn:
        conn.execute(insert(writes).values(id=rid, body=repr(body).encode()))
    return {"id": rid}
