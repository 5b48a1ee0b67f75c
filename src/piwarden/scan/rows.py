"""Classifying every row of a database table (``--all-rows``): streamed, split across processes.

Any source that ``streams`` is read this way (:meth:`Source.plan <piwarden.scan.sources.base.Source.plan>`
and :meth:`Source.open <piwarden.scan.sources.base.Source.open>`); the built-in one is SQL.

A sample answers "what does this column hold" in seconds; an audit sometimes needs every row.
Holding a 10M-row table in memory to classify it is not an option, so:

1. the table is cut into key ranges (its single integer primary key, ``min..max`` in equal
   spans; a table without one is one range, read through a server-side cursor);
2. each range is read ``chunk_rows`` rows at a time (:meth:`RowReader.chunks
   <piwarden.scan.sources.base.RowReader.chunks>`; for SQL keyset pagination) and every value classified; a chunk leaves
   only a :class:`~piwarden.scan.classify.ColumnTally` per column (counts per signature, the
   first few values of each type) and the 16-byte BLAKE2b digests of its values, appended to
   spill files on disk;
3. ranges run on ``jobs`` processes; their tallies are merged in key order, so the decision
   (:meth:`Classifier.finding <piwarden.scan.classify.Classifier.finding>`, the code that
   decides a sample) sees the same counts, the same first examples and the same order of first
   appearance as if it had every value in one list;
4. distinct counts (the column's, and the identifying column's subjects) come from the spill
   files, bucketed by digest so that each bucket is counted in memory on its own;
5. a column that turns out to be free text is read once more, alone, through the Analyzer.

Memory stays bounded by the chunk size, the bucket size and the matcher's cache, whatever the
table's size. Digests are 128 bits: a collision among a billion values has a chance of about
1 in 10^20, so the distinct counts are those of the values themselves.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from functools import partial
from pathlib import Path

import numpy as np

from piwarden.pools import new_pool, stop
from piwarden.scan.classify import Classifier, ColumnTally, cell_text
from piwarden.scan.inventory import AssetScan
from piwarden.scan.sources.base import Asset, RowPlan, RowReader
from piwarden.scan.sources.registry import sources
from piwarden.scan.values import Signature

DEFAULT_CHUNK = 10_000
MAX_RANGE_ROWS = 50_000  # rows per range: progress moves at least this often, and ranges balance
BUCKET_ROWS = 2_000_000  # digests counted in memory at once (32 MB)
_DIGEST = 16
_SPILL_BUFFER = 8 << 20  # bytes of digests a process holds before appending them to disk

RowsCallback = Callable[[Asset, int, int], None]  # (table, rows done, rows in the table)


def signature_key(sig: Signature) -> str:
    """A signature's name in spill file names: the same in every process."""
    return hashlib.blake2b(repr(sig).encode(), digest_size=8).hexdigest()


class Spill:
    """Digests of the values of one table, by (column, signature, bucket), appended by any process."""

    def __init__(self, directory: Path, buckets: int) -> None:
        self.directory, self.buckets = directory, buckets
        self._parts: dict[tuple[int, str, int], list[bytes]] = {}
        self._held = 0

    def add(self, column: int, by_signature: dict[Signature, list[str]]) -> None:
        for sig, texts in by_signature.items():
            key = signature_key(sig)
            digests = b"".join(hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=_DIGEST).digest()
                               for t in texts)
            if self.buckets == 1:
                self._hold((column, key, 0), digests)
                continue
            rows = np.frombuffer(digests, dtype=np.uint8).reshape(-1, _DIGEST)
            bucket = rows[:, 0] % self.buckets
            for b in np.unique(bucket):
                self._hold((column, key, int(b)), rows[bucket == b].tobytes())
        if self._held >= _SPILL_BUFFER:
            self.flush()

    def _hold(self, where: tuple[int, str, int], data: bytes) -> None:
        self._parts.setdefault(where, []).append(data)
        self._held += len(data)

    def flush(self) -> None:
        pid = os.getpid()  # one file per process: appends never interleave
        for (column, key, bucket), parts in self._parts.items():
            with open(self.directory / f"{column}-{key}-{bucket}-{pid}.bin", "ab") as f:
                f.write(b"".join(parts))
        self._parts.clear()
        self._held = 0

    def distinct(self, column: int, sig: Signature) -> tuple[int, int]:
        """``(distinct values, values seen once)`` among the column's values of signature ``sig``."""
        key = signature_key(sig)
        d = f1 = 0
        for bucket in range(self.buckets):
            files = sorted(self.directory.glob(f"{column}-{key}-{bucket}-*.bin"))
            if not files:
                continue
            data = np.concatenate([np.fromfile(f, dtype="<u8") for f in files]).reshape(-1, 2)
            data = data[np.lexsort((data[:, 1], data[:, 0]))]
            new = np.ones(len(data), dtype=bool)
            new[1:] = (data[1:] != data[:-1]).any(axis=1)
            starts = np.flatnonzero(new)
            counts = np.diff(np.append(starts, len(data)))
            d += len(starts)
            f1 += int((counts == 1).sum())
        return d, f1


def classify_range(classifier: Classifier, asset: Asset, columns: tuple[str, ...], chunk_rows: int,
                   lo: int | None, hi: int | None, spill: Spill, reader: RowReader | None = None) -> list[ColumnTally]:
    """Tallies of the rows keyed ``lo..hi`` (all rows when None), their digests spilled.

    ``reader`` (from the asset's source's ``open``) is reused and left open; without it one is
    opened and closed.
    """
    tallies = [ColumnTally(name) for name in columns]
    own = reader is None
    reader = reader or sources().get(asset.source).open(asset)
    try:
        for start, rows in reader.chunks(asset, chunk_rows, lo, hi):
            for i, name in enumerate(columns):
                tally, by_signature = classifier.count(name, [r[i] for r in rows], start)
                tallies[i].merge(tally)
                spill.add(i, by_signature)
    finally:
        if own:
            reader.close()
    spill.flush()
    return tallies


def _reader_key(asset: Asset) -> tuple[str, str]:
    return asset.source, asset.locator  # one reader per database: its tables share the connections


def ranges(plan: RowPlan, jobs: int, chunk_rows: int) -> list[tuple[int | None, int | None]]:
    """Key ranges of about equal span: enough for every process to stay busy, none too long."""
    if plan.key is None or plan.lo is None or plan.hi is None:
        return [(None, None)]
    per = max(chunk_rows, min(MAX_RANGE_ROWS, plan.rows // max(1, jobs * 4)))
    n = max(1, math.ceil(plan.rows / per))
    span = plan.hi - plan.lo + 1
    bounds = [plan.lo + span * i // n for i in range(n + 1)]
    return [(bounds[i], bounds[i + 1] - 1) for i in range(n) if bounds[i + 1] > bounds[i]]


_worker: Classifier | None = None
_readers: dict[tuple[str, str], RowReader] = {}  # per worker process, one per database: ranges reuse it


def _init_worker(cache_size: int | None) -> None:
    global _worker
    _worker = Classifier()
    if cache_size is not None:
        _worker.matcher.cache_size = cache_size


def _work(asset: Asset, columns: tuple[str, ...], chunk_rows: int, lo: int | None, hi: int | None,
          directory: Path, buckets: int) -> list[ColumnTally]:
    assert _worker is not None
    reader = _readers.get(_reader_key(asset))
    if reader is None:
        reader = _readers[_reader_key(asset)] = sources().get(asset.source).open(asset)
    return classify_range(_worker, asset, columns, chunk_rows, lo, hi, Spill(directory, buckets), reader)


class TableScanner:
    """Every row of tables, one table at a time, its ranges on ``jobs`` processes."""

    def __init__(self, jobs: int = 1, chunk_rows: int = DEFAULT_CHUNK, on_rows: RowsCallback | None = None,
                 spill_dir: str | None = None, cache_size: int | None = None) -> None:
        self.jobs, self.chunk_rows, self.on_rows = jobs, chunk_rows, on_rows
        self.spill_dir, self.cache_size = spill_dir, cache_size
        self._classifier: Classifier | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._readers: dict[tuple[str, str], RowReader] = {}  # in this process (one job)

    @property
    def classifier(self) -> Classifier:
        if self._classifier is None:
            self._classifier = Classifier()
            if self.cache_size is not None:
                self._classifier.matcher.cache_size = self.cache_size
        return self._classifier

    def __enter__(self) -> TableScanner:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if self._pool is not None:
            if kind is None:
                self._pool.shutdown(cancel_futures=True)
            else:  # interrupted or failed: the workers are terminated, not waited for
                stop(self._pool)
            self._pool = None
        for reader in self._readers.values():
            reader.close()
        self._readers.clear()

    def scan(self, asset: Asset, out: AssetScan, plan: RowPlan | None = None) -> None:
        """Fill ``out`` with the findings of every row of ``asset`` (of a source that ``streams``)."""
        plan = plan or sources().get(asset.source).plan(asset)
        out.rows, out.content_hash = plan.rows, plan.digest
        directory = Path(tempfile.mkdtemp(prefix="piwarden-scan-", dir=self.spill_dir))
        try:
            buckets = max(1, min(256, math.ceil(plan.rows / BUCKET_ROWS)))
            tallies = self._tallies(asset, plan, directory, buckets)
            spill = Spill(directory, buckets)
            findings = []
            for i, tally in enumerate(tallies):
                tally.distinct = {sig: spill.distinct(i, sig) for sig in tally.signatures}
                findings.append(self.classifier.finding(tally, plan.rows, partial(self._texts, asset, i)))
            out.sampled = tallies[0].sampled if tallies else 0
            out.columns = findings
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def _tallies(self, asset: Asset, plan: RowPlan, directory: Path, buckets: int) -> list[ColumnTally]:
        parts = ranges(plan, self.jobs, self.chunk_rows)
        merged = [ColumnTally(name) for name in plan.columns]
        waiting: dict[int, list[ColumnTally]] = {}  # ranges done before one that comes earlier
        following = rows_done = 0
        for index, tallies in self._run(asset, plan.columns, parts, directory, buckets):
            waiting[index] = tallies
            rows_done += tallies[0].sampled if tallies else 0
            while following in waiting:  # in key order: first examples and first appearances as in one pass
                for total, part in zip(merged, waiting.pop(following), strict=True):
                    total.merge(part)
                following += 1
            if self.on_rows is not None:
                self.on_rows(asset, rows_done, plan.rows)
        return merged

    def _run(self, asset: Asset, columns: tuple[str, ...], parts: list[tuple[int | None, int | None]],
             directory: Path, buckets: int) -> Iterator[tuple[int, list[ColumnTally]]]:
        if self.jobs <= 1 or len(parts) <= 1:
            # one job keeps its reader for every range; a lone range of a parallel scan opens its own,
            # so that no open connection is forked into the workers of the next table
            reader = self._readers.get(_reader_key(asset)) if self.jobs <= 1 else None
            if reader is None and self.jobs <= 1:
                reader = self._readers[_reader_key(asset)] = sources().get(asset.source).open(asset)
            for index, (lo, hi) in enumerate(parts):
                yield index, classify_range(self.classifier, asset, columns, self.chunk_rows, lo, hi,
                                            Spill(directory, buckets), reader)
            return
        if self._pool is None:
            self._pool = new_pool(self.jobs, _init_worker, (self.cache_size,))
        futures: dict[Future[list[ColumnTally]], int] = {
            self._pool.submit(_work, asset, columns, self.chunk_rows, lo, hi, directory, buckets): index
            for index, (lo, hi) in enumerate(parts)}
        try:
            for future in as_completed(futures):
                yield futures.pop(future), future.result()  # popped: a merged range's tallies can go
        finally:
            for future in futures:
                future.cancel()

    def _texts(self, asset: Asset, column: int) -> Iterator[str]:
        """The column's non-null texts, read once more (free-text columns only)."""
        reader = sources().get(asset.source).open(asset)
        try:
            for _, rows in reader.chunks(asset, self.chunk_rows):
                for row in rows:
                    text = cell_text(row[column])
                    if text is not None:
                        yield text
        finally:
            reader.close()

