"""Running a scan: targets to assets, assets to findings (on ``jobs`` processes), into the inventory.

Each target is read by the source that claims it (:mod:`piwarden.scan.sources.registry`);
the runner knows sources only through their protocol (:class:`~piwarden.scan.sources.base.Source`).

Incremental by default: an asset whose fingerprint matches the inventory's is skipped (a file
whose size and modification time match is not even opened; one whose time changed but not its
size is hashed, and skipped when the hash matches; a table whose row count and end-rows hash
match is skipped). Skipped assets keep their stored findings, so every report covers every target.

With ``all_rows`` every row of every asset of a streaming source (database tables) is
classified (:mod:`piwarden.scan.rows`: streamed in chunks, each table's key ranges on the
``jobs`` processes); other assets (files) are sampled.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain

from piwarden.pools import process_pool
from piwarden.scan import inventory
from piwarden.scan.classify import Classifier, ColumnFinding
from piwarden.scan.inventory import AssetScan
from piwarden.scan.rows import DEFAULT_CHUNK, RowsCallback, TableScanner
from piwarden.scan.sources.base import (
    Asset,
    Document,
    Fingerprint,
    Scope,
    Source,
    SourceError,
    TableSample,
    target_label,
)
from piwarden.scan.sources.documents import looks_like_id_card
from piwarden.scan.sources.registry import sources

DEFAULT_SAMPLE = 1000


@dataclass(frozen=True, slots=True)
class ScanOptions:
    sample: int = DEFAULT_SAMPLE
    full: bool = False  # rescan everything, ignoring the inventory's fingerprints
    tables: tuple[str, ...] = ()  # table names or schema.table patterns; empty means all
    engine: str = "local"  # or "spark": Parquet datasets on Spark (piwarden.scan.spark)
    spark_master: str = "local[*]"
    all_rows: bool = False  # classify every row of every asset of a streaming source (tables) instead of a sample
    chunk_rows: int = DEFAULT_CHUNK  # rows read and classified at a time with all_rows


def discover(targets: list[str], options: ScanOptions, exclude_tables: set[str] | None = None) -> list[Asset]:
    """Every asset of every target, in target order, each target read by the source that claims it."""
    registry = sources()
    return _discover([(t, registry.claiming(t, options.engine)) for t in targets],
                     Scope(options.tables, frozenset(exclude_tables or ())))


def _discover(claimed: list[tuple[str, Source]], scope: Scope) -> list[Asset]:
    assets: list[Asset] = []
    for target, source in claimed:
        assets += source.discover(target, scope)
    return list({a.key: a for a in assets}.values())


def _previous(prev: dict[str, object] | None, options: ScanOptions) -> Fingerprint | None:
    return None if prev is None or options.full else Fingerprint.stored(prev)


def scan_asset(classifier: Classifier, asset: Asset, options: ScanOptions,
               prev: dict[str, object] | None) -> AssetScan:
    """Scan one asset, or report it unchanged; errors are returned, named, never raised."""
    out = AssetScan(asset.store, asset.name, asset.kind, asset.format)
    with _recorded(asset, out):
        source = sources().get(asset.source)
        previous = _previous(prev, options)
        fingerprint = source.fingerprint(asset, previous)
        out.size_bytes, out.mtime_ns = fingerprint.size_bytes, fingerprint.mtime_ns
        out.content_hash, out.rows = fingerprint.content_hash, fingerprint.rows
        if previous is not None and fingerprint.matches(previous):
            out.unchanged = True
        else:
            _classify(classifier, source.sample(asset, options.sample, fingerprint), out)
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


def _classify(classifier: Classifier, sample: TableSample | Document, out: AssetScan) -> None:
    """Columns of a table sample, or one finding for a document's lines."""
    if isinstance(sample, TableSample):
        out.rows, out.sampled = sample.rows, sample.sampled
        out.columns = [classifier.column(name, values, sample.rows) for name, values in sample.columns.items()]
        return
    lines = list(sample.lines)
    finding = classifier.text(lines)
    out.rows = out.sampled = len(lines)
    if sample.image and looks_like_id_card(lines, "CN_RESIDENT_ID" in finding.types):
        finding.types = {"ID_CARD_IMAGE": 1, **finding.types}
    out.columns = [finding]


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
        registry = sources()
        tables = [(a, p) for a, p in items if registry.get(a.source).streams]
        yield from _each([(a, p) for a, p in items if not registry.get(a.source).streams], options, jobs)
        yield from _every_row(tables, options, jobs, on_rows)
        return
    yield from _each(items, options, jobs)


def _every_row(tables: list[tuple[Asset, dict[str, object] | None]], options: ScanOptions, jobs: int,
               on_rows: RowsCallback | None) -> Iterator[AssetScan]:
    """Each table (asset of a streaming source) read whole, one after the other, split across the ``jobs`` processes."""
    if not tables:
        return
    with TableScanner(jobs, options.chunk_rows, on_rows) as scanner:
        for asset, prev in tables:
            out = AssetScan(asset.store, asset.name, asset.kind, asset.format)
            with _recorded(asset, out):
                # unchanged, and every row classified last time too: the stored findings stand
                previous = _previous(prev, options)
                if previous is not None and prev is not None and prev.get("sampled") == previous.rows:
                    out.unchanged = sources().get(asset.source).fingerprint(asset, previous).matches(previous)
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
    with process_pool(jobs, _init_worker, (options,)) as pool:
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
    if options.engine == "spark":  # imported only here: pyspark stays out of every other scan
        try:
            import pyspark  # noqa: F401

            from piwarden.scan import spark
        except ImportError as exc:
            raise SourceError(f"--engine spark needs pyspark and pandas (pip install 'pyspark>=3.5' pandas): "
                              f"{exc.name} is missing") from None
    registry = sources()
    claimed = [(t, registry.claiming(t, options.engine)) for t in targets]  # before anything is written
    engine = inventory.open_inventory(url)
    own = set(inventory.TABLES)
    scope = Scope(options.tables, frozenset(own) if any(redact_url(t) == redact_url(url) for t in targets)
                  else frozenset())
    local = _discover([(t, s) for t, s in claimed if s.engine == "local"], scope)
    local_keys = {a.key for a in local}
    on_spark = [a for t, s in claimed if s.engine != "local" for a in s.discover(t, scope)]
    datasets = [d for d in dict.fromkeys(on_spark) if d.key not in local_keys]
    assets = local + datasets
    if on_discovered is not None:
        on_discovered(len(assets))
    run_id = inventory.start_run(engine, [target_label(t) for t in targets],
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
