"""Masking CSV, TSV, JSONL, Parquet and XLSX files, streamed in batches."""

from __future__ import annotations

import csv
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from faker import Faker
from openpyxl import Workbook, load_workbook

from piwarden.mask import MaskError, default_policy, mask_record
from piwarden.mask.files import FileJob, file_format, mask_file

COLUMNS = {"name": "PERSON", "phone": "PHONE", "id_no": "CN_RESIDENT_ID", "addr": "ADDRESS"}
FIELDS = ["order_no", "name", "phone", "id_no", "addr", "zip"]


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    fake = Faker("zh_CN")
    fake.seed_instance(3)
    return [{"order_no": f"{i:08d}", "name": fake.name(), "phone": fake.phone_number(), "id_no": fake.ssn(),
             "addr": fake.address().replace("\n", " "), "zip": "0" + fake.postcode()[1:]} for i in range(150)]


def _job(batch_rows: int = 64) -> FileJob:
    return FileJob(COLUMNS, default_policy().ruleset(), batch_rows=batch_rows)


def _expected(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    rules = default_policy().ruleset()
    return [mask_record(r, COLUMNS, rules) for r in rows]


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    fmt = file_format(path)
    if fmt in ("csv", "tsv"):
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, FIELDS, delimiter="," if fmt == "csv" else "\t")
            w.writeheader()
            w.writerows(rows)
    elif fmt == "jsonl":
        path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    elif fmt == "parquet":
        pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=40)
    else:
        wb = Workbook()
        ws = wb.active
        ws.title = "orders"
        ws.append(FIELDS)
        for r in rows:
            ws.append([r[f] for f in FIELDS])
        wb.create_sheet("notes").append(["note"])
        wb.save(path)


def _read(path: Path) -> list[dict[str, str]]:
    fmt = file_format(path)
    if fmt in ("csv", "tsv"):
        with path.open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f, delimiter="," if fmt == "csv" else "\t"))
    if fmt == "jsonl":
        return [orjson.loads(line) for line in path.read_bytes().splitlines()]
    if fmt == "parquet":
        return pq.read_table(path).to_pylist()
    ws = load_workbook(path, read_only=True)["orders"]
    it = ws.iter_rows(values_only=True)
    header = next(it)
    return [dict(zip(header, r, strict=True)) for r in it]


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet", ".xlsx"])
def test_each_format_masks_named_columns_and_keeps_the_rest(tmp_path: Path, rows: list[dict[str, str]],
                                                            suffix: str) -> None:
    src, dst = tmp_path / f"in{suffix}", tmp_path / f"out{suffix}"
    _write(src, rows)
    seen: list[int] = []
    report = mask_file(src, dst, _job(), progress=seen.append)
    assert report.rows == len(rows)
    assert _read(dst) == _expected(rows)  # leading zeros of order_no and zip kept as text
    assert seen and sum(seen) <= src.stat().st_size
    if suffix in (".csv", ".tsv", ".jsonl"):
        assert sum(seen) == src.stat().st_size
    raw = dst.read_bytes()
    for r in rows:
        assert r["phone"].encode() not in raw and r["id_no"].encode() not in raw
    if suffix == ".xlsx":
        assert load_workbook(dst, read_only=True).sheetnames == ["orders", "notes"]


def test_batch_size_does_not_change_the_output(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    src = tmp_path / "in.csv"
    _write(src, rows)
    mask_file(src, tmp_path / "a.csv", _job(7))
    mask_file(src, tmp_path / "b.csv", _job(100_000))
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_missing_column_is_named_and_nothing_is_written(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    _write(src, rows)
    job = FileJob({"mobile": "PHONE"}, default_policy().ruleset())
    with pytest.raises(MaskError, match="'mobile'"):
        mask_file(src, dst, job)
    assert list(tmp_path.iterdir()) == [src]


def test_bad_jsonl_line_is_reported_by_number_without_its_content(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"phone": "13812345678"}\n\n{"phone": "13912345678"\n', "utf-8")
    with pytest.raises(MaskError, match="line 3") as info:
        mask_file(src, tmp_path / "out.jsonl", _job())
    assert "1391" not in str(info.value)
    assert not (tmp_path / "out.jsonl").exists()


def test_jsonl_keeps_types_of_other_fields_and_absent_fields(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text('{"phone": 13812345678, "n": 1, "tags": ["a"]}\n{"n": 2}\n', "utf-8")
    mask_file(src, dst, _job())
    assert _read(dst) == [{"phone": "138****5678", "n": 1, "tags": ["a"]}, {"n": 2}]


def test_format_errors_are_clear(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("phone\n13812345678\n", "utf-8")
    with pytest.raises(MaskError, match="keeps the format"):
        mask_file(src, tmp_path / "out.parquet", _job())
    with pytest.raises(MaskError, match="overwrite"):
        mask_file(src, src, FileJob({"phone": "PHONE"}, default_policy().ruleset()))
    with pytest.raises(MaskError, match="suffix"):
        file_format(tmp_path / "in.dat")
    (tmp_path / "bad.parquet").write_bytes(b"nope")
    with pytest.raises(MaskError, match="not a readable Parquet"):
        mask_file(tmp_path / "bad.parquet", tmp_path / "o.parquet", _job())


def test_header_only_csv_gives_header_only_output(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("phone,n\n", "utf-8")
    mask_file(src, tmp_path / "out.csv", FileJob({"phone": "PHONE"}, default_policy().ruleset()))
    assert (tmp_path / "out.csv").read_text("utf-8") == "phone,n\n"
