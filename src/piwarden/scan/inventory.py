"""The PI inventory: per store, table or file, and column, what PI is there and how much.

Stored in the piwarden database (SQLite in ``PIWARDEN_HOME`` by default, any SQLAlchemy URL
with ``--db``) in three tables of its own (models in ``piwarden.db.inventory``):

- ``scan_runs``: one row per ``piwarden scan``: targets (passwords hidden), counts, time;
- ``scan_assets``: one row per file or table, unique by (store, asset): its fingerprint for
  incremental scans (size, mtime and BLAKE2b hash of a file; row count and end-rows hash of
  a table), the types found with their counts, top category, sensitivity, grade, estimated
  data subjects, and when it was scanned;
- ``scan_columns``: one row per column (a document has one, ``(text)``): type, confidence,
  share, counts, category, grade, and masked examples.

No raw value is ever written: examples go through the ``partial`` masking operator first, and
fingerprints are hashes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine

from piwarden import entities
from piwarden.db import DatabaseError, inserted_id, open_engine
from piwarden.db.base import table_of
from piwarden.db.inventory import ScanAsset, ScanColumn, ScanRun
from piwarden.db.models import VERSION_TABLE
from piwarden.scan.classify import IDENTIFYING, ColumnFinding

# Core tables of the models: the hot paths below are Core statements.
scan_runs = table_of(ScanRun)
scan_assets = table_of(ScanAsset)
scan_columns = table_of(ScanColumn)

# The tables a scan of the piwarden database itself leaves out: the inventory it is writing, and
# alembic's revision stamp (the other parts' tables are scanned like any others, as before).
TABLES = (scan_runs.name, scan_assets.name, scan_columns.name, VERSION_TABLE)


class InventoryError(RuntimeError):
    """The inventory database could not be opened or written; the message hides credentials."""


@dataclass(slots=True)
class AssetScan:
    """The result of scanning one asset (or finding it unchanged)."""

    store: str
    asset: str
    kind: str
    format: str
    columns: list[ColumnFinding] = field(default_factory=list)
    size_bytes: int | None = None
    mtime_ns: int | None = None
    content_hash: str | None = None
    rows: int | None = None
    sampled: int = 0
    seconds: float = 0.0
    error: str | None = None
    unchanged: bool = False

    def types(self) -> dict[str, int]:
        """PI types found, with counts (sampled values, or spans in documents)."""
        counts: Counter[str] = Counter()
        for col in self.columns:
            for t in col.found:
                counts[t] += col.types.get(t, 0) or (1 if t == col.entity else 0)
        return dict(counts.most_common())

    def grade(self) -> int:
        return max((c.grade for c in self.columns), default=0)

    def subjects(self) -> int | None:
        """People in the asset: the estimate of its most identifying column."""
        ranked = [c for c in self.columns if c.subjects is not None]
        rank = {t: i for i, t in enumerate(IDENTIFYING)}
        for col in sorted(ranked, key=lambda c: rank.get(c.entity or "", len(rank))):
            return col.subjects
        return None


def open_inventory(url: str | None = None) -> Engine:
    """The piwarden database at ``url`` (default: the home's), schema at the head revision."""
    try:
        return open_engine(url)
    except DatabaseError as exc:
        raise InventoryError(str(exc)) from None


def start_run(engine: Engine, targets: list[str], options: dict[str, object]) -> int:
    with engine.begin() as conn:
        result = conn.execute(scan_runs.insert().values(
            started_at=datetime.now(UTC), targets=targets, options=options, assets=0, scanned=0, unchanged=0,
            errors=0))
        return inserted_id(result)


def finish_run(engine: Engine, run_id: int, assets: int, scanned: int, unchanged: int, errors: int,
               seconds: float) -> None:
    with engine.begin() as conn:
        conn.execute(update(scan_runs).where(scan_runs.c.id == run_id).values(
            finished_at=datetime.now(UTC), assets=assets, scanned=scanned, unchanged=unchanged, errors=errors,
            seconds=seconds))


def previous(engine: Engine, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, object]]:
    """The stored fingerprints of these assets, for the incremental check."""
    stores = {s for s, _ in keys}
    wanted = set(keys)
    out = {}
    with engine.connect() as conn:
        for store in stores:
            rows = conn.execute(select(scan_assets.c.store, scan_assets.c.asset, scan_assets.c.size_bytes,
                                       scan_assets.c.mtime_ns, scan_assets.c.content_hash, scan_assets.c.rows,
                                       scan_assets.c.sampled, scan_assets.c.error).where(scan_assets.c.store == store))
            for r in rows:
                if (r.store, r.asset) in wanted and r.error is None:
                    out[(r.store, r.asset)] = dict(r._mapping)
    return out


def save(engine: Engine, run_id: int, scan: AssetScan) -> None:
    """Write a scanned asset (replacing its columns), or mark an unchanged one as seen."""
    now = datetime.now(UTC)
    key = (scan_assets.c.store == scan.store) & (scan_assets.c.asset == scan.asset)
    with engine.begin() as conn:
        existing = conn.execute(select(scan_assets.c.id).where(key)).scalar_one_or_none()
        if scan.unchanged and existing is not None:
            values = {"seen_at": now, "run_id": run_id}
            if scan.mtime_ns is not None:  # touched but not changed: remember the new time
                values["mtime_ns"] = scan.mtime_ns
            conn.execute(update(scan_assets).where(scan_assets.c.id == existing).values(**values))
            return
        types = scan.types()
        top = max(types, key=lambda t: entities.get(t).grade, default=None)
        row = dict(
            store=scan.store[:500], asset=scan.asset[:500], kind=scan.kind, format=scan.format,
            size_bytes=scan.size_bytes, mtime_ns=scan.mtime_ns, content_hash=scan.content_hash, rows=scan.rows,
            sampled=scan.sampled, types=types, category=entities.get(top).category.value if top else None,
            sensitive=any(entities.get(t).sensitive for t in types), grade=scan.grade(), subjects=scan.subjects(),
            seconds=scan.seconds, scanned_at=now, seen_at=now, run_id=run_id,
            error=scan.error[:500] if scan.error else None,
        )
        if existing is None:
            existing = inserted_id(conn.execute(scan_assets.insert().values(**row)))
        else:
            conn.execute(update(scan_assets).where(scan_assets.c.id == existing).values(**row))
            conn.execute(delete(scan_columns).where(scan_columns.c.asset_id == existing))
        if scan.columns:
            conn.execute(scan_columns.insert(), [_column_row(existing, i, c) for i, c in enumerate(scan.columns)])


def _column_row(asset_id: int, position: int, col: ColumnFinding) -> dict[str, object]:
    d = col.to_dict()
    return dict(
        asset_id=asset_id, position=position, name=col.name[:300], entity=col.entity, confidence=d["confidence"],
        share=d["share"], sampled=col.sampled, non_null=col.non_null, distinct=col.distinct,
        free_text=col.free_text, types=col.types, also=col.also, hint=col.hint, basis=col.basis,
        category=d["category"], sensitive=d["sensitive"], grade=col.grade, examples=col.examples,
        subjects=col.subjects,
    )


def load(engine: Engine, keys: list[tuple[str, str]]) -> list[dict[str, object]]:
    """The stored inventory of these assets, with their columns, in the order given."""
    wanted = {k: i for i, k in enumerate(keys)}
    found: list[tuple[int, dict[str, object]]] = []
    with engine.connect() as conn:
        for store in {s for s, _ in keys}:
            for r in conn.execute(select(scan_assets).where(scan_assets.c.store == store)):
                if (r.store, r.asset) in wanted:
                    found.append((wanted[(r.store, r.asset)], dict(r._mapping)))
        ids = [a["id"] for _, a in found]
        columns: dict[int, list[dict[str, object]]] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            query = select(scan_columns).where(scan_columns.c.asset_id.in_(chunk)).order_by(scan_columns.c.position)
            for c in conn.execute(query):
                columns.setdefault(c.asset_id, []).append(dict(c._mapping))
    out = []
    for _, asset in sorted(found, key=lambda p: p[0]):
        asset["columns"] = columns.get(int(asset["id"]), [])  # type: ignore[call-overload]
        out.append(asset)
    return out
