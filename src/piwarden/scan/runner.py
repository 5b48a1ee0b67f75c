"""Running a scan: targets to assets, assets to findings (on ``jobs`` processes), into the inventory.

Incremental by default: a file whose size and modification time match the inventory is
skipped without being opened; one whose time changed but not its size is hashed, and
skipped when the hash matches; a table whose row count and end-rows hash match is skipped.
Skipped assets keep their stored findings, so every report covers every target.

With ``all_rows`` every row of every database table is classified (:mod:`piwarden.scan.rows`:
streamed in chunks, each table's key ranges on the ``jobs`` processes); files are sampled.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain

from piwarden.scan import inventory
from piwarden.scan.classify import Classifier, ColumnFinding
from piwarden.scan.inventory import AssetScan
from piwarden.scan.rows import DEFAULT_CHUNK, RowsCallback, TableScanner
from piwarden.scan.sources import FILE, TABLE, Asset, SourceError, is_url
from piwarden.scan.sources import files as file_source
from piwarden.scan.sources import sql as sql_source
from piwarden.scan.sources.documents import looks_like_id_card, read_document

DEFAULT_SAMPLE = 1000


@dataclass(frozen=True, slots=True)
class ScanOptions:
    sample: int = DEFAULT_SAMPLE
    full: bool = False  # rescan everything, ignoring the inventory's fingerprints
    tables: tuple[str, ...] = ()  # table names or schema.table patterns; empty means all
    engine: str = "local"  # or "spark": Parquet datasets on Spark (piwarden.scan.spark)
    spark_master: str = "local[*]"
    all_rows: bool = False  # classify every row of every database table instead of a sample
    chunk_rows: int = DEFAULT_CHUNK  # rows read and classified at a time with all_rows


def discover(targets: list[str], options: ScanOptions, exclude_tables: set[str] | None = None) -> list[Asset]:
    """Every asset of every target, in target order."""
    assets: list[Asset] = []
    for target in targets:
        if is_url(target):
            assets += sql_source.discover(target, list(options.tables) or None, exclude_tables)
        else:
            assets += file_source.discover(target)
    return list({a.key: a for a in assets}.values())


def scan_asset(classifier: Classifier, asset: Asset, options: ScanOptions,
               prev: dict[str, object] | None) -> AssetScan:
    """Scan one asset, or report it unchanged; errors are returned, named, never raised."""
    out = AssetScan(asset.store, asset.name, asset.kind, asset.format)
    with _recorded(asset, out):
        if asset.kind == FILE:
            _scan_file(classifier, asset, options, prev, out)
        else:
            _scan_table(classifier, asset, options, prev, out)
    return out


@contextmanager
def _recorded(asset: Asset, out: AssetScan) -> Iterator[None]:
    """The scan's errors into ``out.error`` (named, never raised) and its time into ``out.seconds``."""
    started = time.perf_counter()
    try:
        yield
    except SourceError as exc:
        out.error = str(exc)
    except Exception as exc:  # a bug must not stop the other assets; the class name is enough
        out.error = f"{asset.name}: scan failed ({type(exc).__name__})"
    out.seconds = time.perf_counter() - started


def _scan_file(classifier: Classifier, asset: Asset, options: ScanOptions, prev: dict[str, object] | None,
               out: AssetScan) -> None:
    try:
        st = os.stat(asset.locator)
    except OSError:
        raise SourceError(f"{asset.name}: cannot stat") from None
    out.size_bytes, out.mtime_ns = st.st_size, st.st_mtime_ns
    if prev is not None and not options.full and prev["size_bytes"] == st.st_size:
        if prev["mtime_ns"] == st.st_mtime_ns:
            out.unchanged = True
            return
        out.content_hash = file_source.file_hash(asset.locator)
        if out.content_hash == prev["content_hash"]:
            out.unchanged = True
            return
    out.content_hash = out.content_hash or file_source.file_hash(asset.locator)
    if asset.format in file_source.TABULAR.values():
        table = file_source.read_table(asset, options.sample)
        out.rows, out.sampled = table.rows, table.sampled
        out.columns = [classifier.column(name, values, table.rows) for name, values in table.columns.items()]
        return
    doc = read_document(asset)
    lines = list(doc.lines)
    finding = classifier.text(lines)
    out.rows = out.sampled = len(lines)
    if doc.image and looks_like_id_card(lines, "CN_RESIDENT_ID" in finding.types):
        finding.types = {"ID_CARD_IMAGE": 1, **finding.types}
    out.columns = [finding]


def _scan_table(classifier: Classifier, asset: Asset, options: ScanOptions, prev: dict[str, object] | None,
                out: AssetScan) -> None:
    if prev is not None and not options.full:
        rows, digest = sql_source.table_fingerprint(asset)
        if rows == prev["rows"] and digest == prev["content_hash"]:
            out.unchanged = True
            return
    table, rows, digest = sql_source.read_table(asset, options.sample)
    out.rows, out.sampled, out.content_hash = rows, table.sampled, digest
    out.columns = [classifier.column(name, values, rows) for name, values in table.columns.items()]


_worker: tuple[Classifier, ScanOptions] | None = None


def _init_worker(options: ScanOptions) -> None:
    global _worker
    _worker = (Classifier(), options)


def _work(item: tuple[Asset, dict[str, object] | None]) -> AssetScan:
    assert _worker is not None
    return scan_asset(_worker[0], item[0], _worker[1], item[1])


def run_scan(assets: list[Asset], options: ScanOptions, prev: dict[tuple[str, str], dict[str, object]],
             jobs: int = 1, on_rows: RowsCallback | None = None) -> Iterator[AssetScan]:
    """Scan results as they finish (in asset order with one job; with ``all_rows``, tables last)."""
    items = [(a, prev.get(a.key)) for a in assets]
    if options.all_rows:
        tables = [(a, p) for a, p in items if a.kind == TABLE]
        yield from _each([(a, p) for a, p in items if a.kind != TABLE], options, jobs)
        yield from _every_row(tables, options, jobs, on_rows)
        return
    yield from _each(items, options, jobs)


def _every_row(tables: list[tuple[Asset, dict[str, object] | None]], options: ScanOptions, jobs: int,
               on_rows: RowsCallback | None) -> Iterator[AssetScan]:
    """Each table read whole, one after the other, each split across the ``jobs`` processes."""
    if not tables:
        return
    with TableScanner(jobs, options.chunk_rows, on_rows) as scanner:
        for asset, prev in tables:
            out = AssetScan(asset.store, asset.name, asset.kind, asset.format)
            with _recorded(asset, out):
                # unchanged, and every row classified last time too: the stored findings stand
                if prev is not None and not options.full and prev.get("sampled") == prev["rows"]:
                    rows, digest = sql_source.table_fingerprint(asset)
                    out.unchanged = rows == prev["rows"] and digest == prev["content_hash"]
                if not out.unchanged:
                    scanner.scan(asset, out)
            yield out


def _each(items: list[tuple[Asset, dict[str, object] | None]], options: ScanOptions,
          jobs: int) -> Iterator[AssetScan]:
    if not items:
        return
    if jobs <= 1 or len(items) <= 1:
        classifier = Classifier()
        for asset, p in items:
            yield scan_asset(classifier, asset, options, p)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(options,)) as pool:
        yield from pool.map(_work, items, chunksize=1)


@dataclass(slots=True)
class ScanSummary:
    run_id: int
    assets: int
    scanned: int
    unchanged: int
    errors: list[str]
    seconds: float
    inventory: list[dict[str, object]]


def scan(targets: list[str], options: ScanOptions, db_url: str | None = None, jobs: int = 1,
         on_asset: Callable[[AssetScan], None] | None = None,
         on_discovered: Callable[[int], None] | None = None, on_rows: RowsCallback | None = None) -> ScanSummary:
    """Scan the targets into the inventory at ``db_url`` and return what it now says about them."""
    from piwarden.home import default_db_url, redact_url

    started = time.perf_counter()
    url = db_url or default_db_url()
    engine = inventory.open_inventory(url)
    own = set(inventory.TABLES)
    datasets: list[Asset] = []
    local_targets = targets
    if options.engine == "spark":  # imported only here: pyspark stays out of every other scan
        try:
            import pyspark  # noqa: F401

            from piwarden.scan import spark
        except ImportError as exc:
            raise SourceError(f"--engine spark needs pyspark and pandas (pip install 'pyspark>=3.5' pandas): "
                              f"{exc.name} is missing") from None

        local_targets = [t for t in targets if is_url(t) or not spark.is_dataset(t)]
        datasets = [spark.dataset(t) for t in targets if t not in local_targets]
    local = discover(local_targets, options, exclude_tables=own if any(redact_url(t) == redact_url(url)
                                                                       for t in targets) else None)
    local_keys = {a.key for a in local}
    datasets = [d for d in dict.fromkeys(datasets) if d.key not in local_keys]
    assets = local + datasets
    if on_discovered is not None:
        on_discovered(len(assets))
    run_id = inventory.start_run(engine, [redact_url(t) if is_url(t) else t for t in targets],
                                 {"sample": options.sample, "full": options.full, "jobs": jobs,
                                  "all_rows": options.all_rows,
                                  "tables": list(options.tables), "engine": options.engine})
    prev = inventory.previous(engine, [a.key for a in assets]) if not options.full else {}
    scanned = unchanged = 0
    errors: list[str] = []
    results = run_scan(local, options, prev, jobs, on_rows)
    if datasets:
        results = chain(results, spark.run(datasets, options.sample, prev, options.full, options.spark_master))
    for result in results:
        inventory.save(engine, run_id, result)
        if result.error:
            errors.append(result.error)
        elif result.unchanged:
            unchanged += 1
        else:
            scanned += 1
        if on_asset is not None:
            on_asset(result)
    seconds = time.perf_counter() - started
    inventory.finish_run(engine, run_id, len(assets), scanned, unchanged, len(errors), seconds)
    rows = inventory.load(engine, [a.key for a in assets])
    engine.dispose()
    return ScanSummary(run_id, len(assets), scanned, unchanged, errors, seconds, rows)


__all__ = ["ColumnFinding", "ScanOptions", "ScanSummary", "discover", "run_scan", "scan", "scan_asset"]
