"""``--engine spark``: classify the assets of Spark sources on Apache Spark, with Arrow and pandas UDFs.

The assets are those of the sources whose ``engine`` is ``spark``
(:class:`~piwarden.scan.sources.base.SparkSource`); the built-in one reads Parquet datasets
(:mod:`piwarden.scan.sources.datasets`: a Parquet file or a directory of them). Other targets
(databases, mixed directories) keep the local engine. For each asset:

1. the source hands Spark a DataFrame of about ``--sample`` rows (the Parquet source reads
   only the footers on the driver, then only the files it picked: no full scan of a large
   dataset);
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
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import orjson
import pandas as pd

from piwarden.scan.classify import Classifier, ColumnFinding, cell_text
from piwarden.scan.inventory import AssetScan
from piwarden.scan.sources.base import Asset, Fingerprint, SourceError, SparkSource
from piwarden.scan.sources.datasets import DATASET, dataset, is_dataset
from piwarden.scan.sources.registry import sources

__all__ = ["DATASET", "DEFAULT_MASTER", "SparkEngine", "classify_frame", "dataset", "is_dataset", "run"]

DEFAULT_MASTER = "local[*]"

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
        """Scan one asset (or find it unchanged); errors are returned, named, never raised."""
        started = time.perf_counter()
        out = AssetScan(asset.store, asset.name, asset.kind, asset.format)
        try:
            source = sources().get(asset.source)
            if source.engine != "spark":
                raise SourceError(f"{asset.name}: the {source.name} source is not read on Spark")
            previous = None if prev is None or full else Fingerprint.stored(prev)
            fingerprint = source.fingerprint(asset, previous)
            out.size_bytes, out.mtime_ns, out.content_hash = (fingerprint.size_bytes, fingerprint.mtime_ns,
                                                              fingerprint.content_hash)
            if previous is not None and fingerprint.matches(previous):
                out.unchanged = True
            else:
                self._classify(cast(SparkSource, source), asset, sample, out)
        except SourceError as exc:
            out.error = str(exc)
        except Exception as exc:  # Spark's messages may quote data: keep only the class name
            out.error = f"{asset.name}: spark scan failed ({type(exc).__name__})"
        out.seconds = time.perf_counter() - started
        return out

    def _classify(self, source: SparkSource, asset: Asset, sample: int, out: AssetScan) -> None:
        df, total = source.frame(self.start(), asset, sample)
        findings = classify_frame(df, list(df.columns), total)
        out.rows = total
        out.sampled = max((f.sampled for f in findings), default=0)
        out.columns = findings


def classify_frame(df: Any, names: list[str], total_rows: int) -> list[ColumnFinding]:
    """Classify every column of a (sampled) Spark DataFrame; findings in column order."""
    from pyspark.sql.functions import pandas_udf

    # about one column per partition (range, not hash: hashing 12 ids into 12 buckets collides), so
    # that free cores pick up the next column while a slow one (phones: libphonenumber) runs
    texts = df.mapInArrow(_to_texts, "c int, v string").repartitionByRange(max(1, min(len(names), 256)), "c")

    @pandas_udf("string")  # type: ignore[call-overload]
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
