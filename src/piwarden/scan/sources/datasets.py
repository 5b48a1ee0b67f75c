"""Parquet datasets read by Spark (``--engine spark``): a Parquet file, or a directory of them.

A *dataset* is a Parquet file or a directory whose readable files are all Parquet (flat, or
Hive-partitioned ``key=value/`` folders). A file keeps the key, kind and fingerprint the
files source gives it (size, mtime, BLAKE2b), so either engine can rescan what the other
scanned; a directory is one asset of kind ``dataset`` whose fingerprint is the total size,
the newest mtime and a hash of every file's path, size and mtime.

Spark reads only part of a large dataset: the driver reads the Parquet footers (row counts)
and picks files at random (seeded) until about three times the sample is covered; a
Bernoulli sample of their rows is cut to the sample size. pyspark is never imported here:
:meth:`ParquetDatasetSource.frame` is handed a session by :mod:`piwarden.scan.spark`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
from pathlib import Path
from typing import Any

from piwarden.scan.sources.base import FILE, Asset, Document, Fingerprint, Scope, SourceError, SparkSource, TableSample
from piwarden.scan.sources.files import discover, file_fingerprint, file_format

NAME = "spark-parquet"
DATASET = "dataset"  # kind of a directory of Parquet files scanned as one table
_SEED = 5
_OVERREAD = 3  # files are picked until they hold this many times the sample


def parquet_files(root: Path) -> list[Path]:
    return [root] if root.is_file() else [Path(a.locator) for a in discover(str(root))]


def is_dataset(target: str) -> bool:
    """A Parquet file, or a directory holding Parquet files and no other readable file."""
    path = Path(target).expanduser()
    if path.is_file():
        return file_format(path) == "parquet"
    if not path.is_dir():
        return False
    found = discover(str(path))
    return bool(found) and all(a.format == "parquet" for a in found)


def dataset(target: str) -> Asset:
    """The asset of a dataset: a file keeps the local engine's key, a directory is one asset."""
    path = Path(target).expanduser().resolve()
    if path.is_file():
        return dataclasses.replace(discover(str(path))[0], source=NAME)
    return Asset(str(path.parent), path.name, DATASET, "parquet", str(path), source=NAME)


def _listing(files: list[Path], root: Path) -> Fingerprint:
    """Total size, newest mtime, and a hash of every file's path, size and mtime."""
    h = hashlib.blake2b(digest_size=20)
    size = newest = 0
    for f in files:
        st = f.stat()
        size, newest = size + st.st_size, max(newest, st.st_mtime_ns)
        h.update(f"{f.relative_to(root).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return Fingerprint(h.hexdigest(), None, size, newest)


def _pick(files: list[Path], sample: int) -> tuple[list[Path], int, int]:
    """Files covering about ``_OVERREAD * sample`` rows (seeded), their rows, and all rows."""
    import pyarrow.parquet as pq

    counts = {f: pq.ParquetFile(f).metadata.num_rows for f in files}
    total = sum(counts.values())
    order = sorted(files)
    random.Random(_SEED).shuffle(order)
    chosen, rows = [], 0
    for f in order:
        if rows >= _OVERREAD * sample:
            break
        chosen.append(f)
        rows += counts[f]
    return sorted(chosen), rows, total


class ParquetDatasetSource(SparkSource):
    """Parquet files and directories of them, on Spark; every other target stays local."""

    name = NAME

    def claims(self, target: str) -> bool:
        return is_dataset(target)

    def discover(self, target: str, scope: Scope) -> list[Asset]:
        return [dataset(target)]

    def fingerprint(self, asset: Asset, previous: Fingerprint | None) -> Fingerprint:
        if asset.kind == FILE:
            return file_fingerprint(asset, previous)
        root = Path(asset.locator)
        return _listing(parquet_files(root), root)

    def sample(self, asset: Asset, rows: int, fingerprint: Fingerprint) -> TableSample | Document:
        raise SourceError(f"{asset.name}: a Parquet dataset is read on Spark (--engine spark)")

    def frame(self, session: Any, asset: Asset, sample: int) -> tuple[Any, int]:
        root = Path(asset.locator)
        files = parquet_files(root)
        if not files:
            raise SourceError(f"{asset.name}: no Parquet files")
        chosen, covered, total = _pick(files, sample)
        reader = session.read
        if asset.kind == DATASET:
            reader = reader.option("basePath", str(root))
        df = reader.parquet(*(str(f) for f in chosen))
        if covered > sample:
            df = df.sample(withReplacement=False, fraction=min(1.0, 1.2 * sample / covered), seed=_SEED).limit(sample)
        return df, total
