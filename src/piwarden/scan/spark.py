"""``--engine spark``: classify Parquet datasets on Apache Spark, with Arrow and pandas UDFs.

A *dataset* is a Parquet file or a directory whose readable files are all Parquet (flat, or
Hive-partitioned ``key=value/`` folders). Other targets (databases, mixed directories) keep
the local engine. For each dataset:

1. the driver reads only the Parquet footers (row counts), picks files at random (seeded)
   until about three times ``--sample`` rows are covered, and Spark reads just those: no
   full scan of a large dataset;
2. a Bernoulli sample of those rows, cut to ``--sample``, is turned into cell texts on the
   executors (``mapInArrow``: the same Python values as the local engine's pyarrow reader);
3. the texts are grouped by column and a grouped-aggregate pandas UDF runs the local
   engine's :meth:`Classifier.column <piwarden.scan.classify.Classifier.column>` on each
   column's sample, columns in parallel; only the finding (masked examples, counts) returns.

The driver stores the findings as the local engine does (:mod:`piwarden.scan.inventory`).
pyspark is imported only here, and only when a dataset is scanned. The session runs offline
(no packages fetched, no UI), logs errors only, with a temporary warehouse and scratch dir.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from piwarden.scan.classify import Classifier, ColumnFinding, cell_text
from piwarden.scan.inventory import AssetScan
from piwarden.scan.sources import FILE, Asset, SourceError
from piwarden.scan.sources import files as file_source

DATASET = "dataset"  # kind of a directory of Parquet files scanned as one table
DEFAULT_MASTER = "local[*]"
_SEED = 5
_OVERREAD = 3  # files are picked until they hold this many times the sample

_LOG4J = """\
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = stderr
appender.stderr.filter.threshold.type = ThresholdFilter
appender.stderr.filter.threshold.level = error
appender.stderr.type = Console
appender.stderr.name = stderr
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex{short}
"""


def _parquet_files(root: Path) -> list[Path]:
    return [root] if root.is_file() else [Path(a.locator) for a in file_source.discover(str(root))]


def is_dataset(target: str) -> bool:
    """A Parquet file, or a directory holding Parquet files and no other readable file."""
    path = Path(target).expanduser()
    if path.is_file():
        return file_source.file_format(path) == "parquet"
    if not path.is_dir():
        return False
    found = file_source.discover(str(path))
    return bool(found) and all(a.format == "parquet" for a in found)


def dataset(target: str) -> Asset:
    """The asset of a dataset: a file keeps the local engine's key, a directory is one asset."""
    path = Path(target).expanduser().resolve()
    if path.is_file():
        return file_source.discover(str(path))[0]
    return Asset(str(path.parent), path.name, DATASET, "parquet", str(path))


def _listing(files: list[Path], root: Path) -> tuple[int, int, str]:
    """Total size, newest mtime, and a hash of every file's path, size and mtime."""
    h = hashlib.blake2b(digest_size=20)
    size = newest = 0
    for f in files:
        st = f.stat()
        size, newest = size + st.st_size, max(newest, st.st_mtime_ns)
        h.update(f"{f.relative_to(root).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return size, newest, h.hexdigest()


def _unchanged(asset: Asset, prev: dict[str, object] | None, full: bool, out: AssetScan) -> bool:
    """Fill the fingerprint; a file as in the local engine, a directory by its listing."""
    root = Path(asset.locator)
    if asset.kind == FILE:
        st = root.stat()
        out.size_bytes, out.mtime_ns = st.st_size, st.st_mtime_ns
        if prev is not None and not full and prev["size_bytes"] == st.st_size:
            if prev["mtime_ns"] == st.st_mtime_ns:
                return True
            out.content_hash = file_source.file_hash(asset.locator)
            if out.content_hash == prev["content_hash"]:
                return True
        out.content_hash = out.content_hash or file_source.file_hash(asset.locator)
        return False
    out.size_bytes, out.mtime_ns, out.content_hash = _listing(_parquet_files(root), root)
    return prev is not None and not full and prev["content_hash"] == out.content_hash


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


class SparkEngine:
    """One Spark session for a scan run; ``with`` stops it and removes its scratch space."""

    def __init__(self, master: str = DEFAULT_MASTER, app_name: str = "piwarden-scan") -> None:
        self.master, self.app_name = master, app_name
        self.session: Any = None
        self._tmp: str | None = None

    def __enter__(self) -> SparkEngine:
        return self

    def start(self) -> Any:
        """The session, started on first use: a rescan that finds nothing changed never pays for it."""
        if self.session is not None:
            return self.session
        import warnings

        warnings.filterwarnings("ignore", category=FutureWarning, module=r"pyspark(\.|$)")
        self._tmp = tempfile.mkdtemp(prefix="piwarden-spark-")
        log4j = Path(self._tmp) / "log4j2.properties"
        log4j.write_text(_LOG4J, "utf-8")
        java_opts = f"-Dlog4j2.configurationFile={log4j.as_uri()} -Dlog4j.configurationFile={log4j.as_uri()}"
        if self.master.startswith("local"):
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        from pyspark.sql import SparkSession

        conf = {
            "spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
            "spark.sql.warehouse.dir": str(Path(self._tmp) / "warehouse"), "spark.local.dir": self._tmp,
            "spark.jars.ivy": str(Path(self._tmp) / "ivy"), "spark.driver.extraJavaOptions": java_opts,
            "spark.executor.extraJavaOptions": java_opts, "spark.sql.session.timeZone": "UTC",
            "spark.sql.execution.arrow.pyspark.enabled": "true", "spark.sql.shuffle.partitions": "16",
            "spark.executorEnv.PYTHONWARNINGS": "ignore::FutureWarning",
            "spark.executorEnv.PYSPARK_PYTHON": os.environ["PYSPARK_PYTHON"],
        }
        builder = SparkSession.builder.master(self.master).appName(self.app_name)
        for key, value in conf.items():
            builder = builder.config(key, value)
        try:
            self.session = builder.getOrCreate()
        except Exception as exc:
            self._cleanup()
            raise SourceError(f"spark master {self.master}: cannot start a session ({type(exc).__name__})") from None
        self.session.sparkContext.setLogLevel("ERROR")
        return self.session

    def __exit__(self, *exc: object) -> None:
        if self.session is not None:
            self.session.stop()
            self.session = None
        self._cleanup()

    def _cleanup(self) -> None:
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def scan(self, asset: Asset, sample: int, prev: dict[str, object] | None = None,
             full: bool = False) -> AssetScan:
        """Scan one dataset (or find it unchanged); errors are returned, named, never raised."""
        started = time.perf_counter()
        out = AssetScan(asset.store, asset.name, asset.kind, asset.format)
        try:
            if not _unchanged(asset, prev, full, out):
                self._classify(asset, sample, out)
            else:
                out.unchanged = True
        except SourceError as exc:
            out.error = str(exc)
        except Exception as exc:  # Spark's messages may quote data: keep only the class name
            out.error = f"{asset.name}: spark scan failed ({type(exc).__name__})"
        out.seconds = time.perf_counter() - started
        return out

    def _classify(self, asset: Asset, sample: int, out: AssetScan) -> None:
        root = Path(asset.locator)
        files = _parquet_files(root)
        if not files:
            raise SourceError(f"{asset.name}: no Parquet files")
        chosen, covered, total = _pick(files, sample)
        reader = self.start().read
        if asset.kind == DATASET:
            reader = reader.option("basePath", str(root))
        df = reader.parquet(*(str(f) for f in chosen))
        names = list(df.columns)
        if covered > sample:
            df = df.sample(withReplacement=False, fraction=min(1.0, 1.2 * sample / covered), seed=_SEED).limit(sample)
        findings = classify_frame(df, names, total)
        out.rows = total
        out.sampled = max((f.sampled for f in findings), default=0)
        out.columns = findings


def classify_frame(df: Any, names: list[str], total_rows: int) -> list[ColumnFinding]:
    """Classify every column of a (sampled) Spark DataFrame; findings in column order."""
    from pyspark.sql.functions import pandas_udf

    # about one column per partition (range, not hash: hashing 12 ids into 12 buckets collides), so
    # that free cores pick up the next column while a slow one (phones: libphonenumber) runs
    texts = df.mapInArrow(_to_texts, "c int, v string").repartitionByRange(max(1, min(len(names), 256)), "c")

    @pandas_udf("string")  # type: ignore[call-overload,misc]
    def classify(c: pd.Series, v: pd.Series) -> str:  # grouped aggregate: one column's sample in, one finding out
        return _classify_column(names[int(c.iloc[0])], v, total_rows)

    rows = texts.groupBy("c").agg(classify("c", "v").alias("f")).collect()
    found = {int(r["c"]): finding_from_json(r["f"]) for r in rows}
    missing = [i for i in range(len(names)) if i not in found]
    if missing:  # no sampled row at all (an empty dataset): the names alone
        classifier = Classifier()
        for i in missing:
            found[i] = classifier.column(names[i], [], total_rows)
    return [found[i] for i in range(len(names))]


def _to_texts(batches: Iterator[Any]) -> Iterator[Any]:
    """Executor side: each Arrow batch into ``(column index, cell text)`` rows, NULLs kept."""
    import pyarrow as pa

    for batch in batches:
        for i, column in enumerate(batch.columns):
            values = [cell_text(v) for v in column.to_pylist()]
            yield pa.RecordBatch.from_arrays([pa.array([i] * len(values), pa.int32()), pa.array(values, pa.string())],
                                             names=["c", "v"])


_classifier: Classifier | None = None


def _classify_column(name: str, values: pd.Series, total_rows: int) -> str:
    """Executor side: the local engine's classification of one column, as JSON."""
    global _classifier
    if _classifier is None:  # once per Python worker (Spark reuses workers)
        _classifier = Classifier()
    cells = [None if pd.isna(v) else v for v in values.tolist()]
    return finding_to_json(_classifier.column(name, cells, total_rows))


def finding_to_json(finding: ColumnFinding) -> str:
    return orjson.dumps(dataclasses.asdict(finding)).decode()


def finding_from_json(text: str) -> ColumnFinding:
    return ColumnFinding(**orjson.loads(text))


def run(assets: list[Asset], sample: int, prev: dict[tuple[str, str], dict[str, object]], full: bool = False,
        master: str = DEFAULT_MASTER) -> Iterator[AssetScan]:
    """Scan datasets one after the other on one session, started only when one has changed."""
    if not assets:
        return
    with SparkEngine(master) as engine:
        for asset in assets:
            yield engine.scan(asset, sample, prev.get(asset.key), full)
