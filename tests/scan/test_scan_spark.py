"""``--engine spark`` on local Spark: the same Parquet data gets the same column types as locally.

One Spark session (``local[2]``) scans a Parquet file and a directory of Parquet part files
through the CLI; the local engine scans the same files. No raw value may reach the inventory,
the JSON output, or anything Spark or piwarden writes to standard output and error.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from scan_seed import EXPECTED, accuracy, customers, dump_inventory, found_types, leaked
from typer.testing import CliRunner

from piwarden.cli import app
from piwarden.scan import spark
from piwarden.scan.classify import Classifier
from piwarden.scan.runner import ScanOptions, scan

pytestmark = pytest.mark.slow


def _write(root: Path, rows: int = 240) -> set[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = customers(rows, seed=31)
    table = pa.table({c: [r[i] for r in data.rows] for i, c in enumerate(data.columns)})
    pq.write_table(table, root / "customers.parquet", row_group_size=60)
    parts = root / "lake"
    parts.mkdir()
    for i in range(3):
        pq.write_table(table.slice(i * rows // 3, rows // 3), parts / f"part-{i:05d}.parquet")
    (parts / "_SUCCESS").write_bytes(b"")
    for i, region in enumerate(("east", "west")):  # Hive-partitioned: region=east/part-0.parquet
        (root / "hive" / f"region={region}").mkdir(parents=True)
        pq.write_table(table.slice(i * rows // 2, rows // 2), root / "hive" / f"region={region}" / "part-0.parquet")
    return data.raw


def test_spark_and_local_agree(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    if shutil.which("java") is None:
        pytest.skip("no Java runtime for Spark (Debian: openjdk-17-jre-headless)")
    raw = _write(tmp_path)
    single, lake = tmp_path / "customers.parquet", tmp_path / "lake"
    assert spark.is_dataset(str(single)) and spark.is_dataset(str(lake))

    local_db, spark_db = f"sqlite:///{tmp_path / 'local.db'}", f"sqlite:///{tmp_path / 'spark.db'}"
    local = scan([str(single), str(lake)], ScanOptions(sample=500), local_db)
    result = CliRunner().invoke(app, ["scan", str(single), str(lake), str(tmp_path / "hive"), "--engine", "spark",
                                      "--spark-master",
                                      "local[2]", "--sample", "500", "--db", spark_db,
                                      "--json", str(tmp_path / "spark.json")])
    assert result.exit_code == 0, result.output
    assert "3 assets: 3 scanned, 0 unchanged, 0 errors" in result.output
    doc = json.loads((tmp_path / "spark.json").read_text("utf-8"))
    by_asset = {a["asset"]: a for a in doc["assets"]}
    assert by_asset["lake"]["kind"] == "dataset" and by_asset["lake"]["rows"] == 240
    assert by_asset["customers.parquet"]["kind"] == "file" and by_asset["customers.parquet"]["rows"] == 240
    hive = {c["column"]: c["type"] for c in by_asset["hive"]["columns"]}
    assert hive["region"] is None and accuracy({c: hive[c] for c in EXPECTED})[0] >= 0.95  # partition column too

    on_spark = scan([str(single), str(lake)], ScanOptions(sample=500, engine="spark"), spark_db)  # incremental
    assert (on_spark.scanned, on_spark.unchanged) == (0, 2)  # unchanged: no Spark session started at all
    spark_types = found_types(on_spark.inventory, "customers.parquet")
    local_types = found_types(local.inventory, "customers.parquet")
    assert spark_types == local_types
    score, misses = accuracy(spark_types)
    assert score >= 0.95, misses
    lake_types = found_types(on_spark.inventory, "lake")
    for part in ("part-00000.parquet", "part-00001.parquet", "part-00002.parquet"):
        assert accuracy(found_types(local.inventory, part))[0] >= 0.95
    assert accuracy(lake_types)[0] >= 0.95 and set(lake_types) == set(EXPECTED)
    single_row = next(a for a in on_spark.inventory if a["asset"] == "customers.parquet")
    local_row = next(a for a in local.inventory if a["asset"] == "customers.parquet")
    for key in ("kind", "format", "rows", "sampled", "types", "category", "sensitive", "grade", "content_hash"):
        assert single_row[key] == local_row[key], key

    out, err = capfd.readouterr()
    everything = "\n".join([result.output, out, err, dump_inventory(spark_db),
                            (tmp_path / "spark.json").read_text("utf-8")])
    assert not leaked(raw, everything)
    assert " INFO " not in err and " WARN " not in err  # Spark logs errors only


def test_findings_cross_the_wire_intact() -> None:
    finding = Classifier().column("sjhm", ["13812345678", None, "13987654321"], 3)
    assert spark.finding_from_json(spark.finding_to_json(finding)) == finding


def test_spark_engine_leaves_other_targets_local(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing here\n", "utf-8")
    assert not spark.is_dataset(str(tmp_path))
    summary = scan([str(tmp_path)], ScanOptions(engine="spark"), f"sqlite:///{tmp_path / 'inv.db'}")
    assert summary.errors == [] and [a["kind"] for a in summary.inventory] == ["file"]
