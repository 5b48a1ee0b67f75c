"""Scanning a directory with every supported file format, and rescanning it incrementally.

Tabular files (CSV, TSV, JSON, JSONL, Parquet, XLSX) hold the seeded customers; documents
(text, log, DOCX, PDF) hold PI in sentences; a PNG drawn here looks like an ID card and must
come out as ID_CARD_IMAGE through Tesseract OCR.
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
from pathlib import Path

import pytest
from scan_seed import (
    EXPECTED,
    FREE_TEXT,
    Seeded,
    accuracy,
    customers,
    dump_inventory,
    found_types,
    leaked,
    mobile,
    resident_id,
)

from piwarden.scan import report
from piwarden.scan.runner import ScanOptions, ScanSummary, scan

CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
PDF_FONT = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"  # CJK, but no digits
PDF_LATIN = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
TABULAR = ("customers.csv", "customers.tsv", "customers.json", "customers.jsonl", "customers.parquet",
           "customers.xlsx")


def _records(data: Seeded) -> list[dict[str, object]]:
    return [dict(zip(data.columns, r, strict=True)) for r in data.rows]


def write_tabular(root: Path, data: Seeded) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from openpyxl import Workbook

    for name, delim in (("customers.csv", ","), ("customers.tsv", "\t")):
        with (root / name).open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, delimiter=delim)
            w.writerow(data.columns)
            w.writerows(data.rows)
    records = _records(data)
    (root / "customers.json").write_text(json.dumps(records, ensure_ascii=False), "utf-8")
    (root / "customers.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
    table = pa.table({c: [r[i] for r in data.rows] for i, c in enumerate(data.columns)})
    pq.write_table(table, root / "customers.parquet", row_group_size=50)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("customers")
    ws.append(data.columns)
    for r in data.rows:
        ws.append(list(r))
    wb.save(root / "customers.xlsx")


def write_documents(root: Path, raw: set[str]) -> str:
    """Text, log, DOCX, PDF and an ID-card PNG; returns the resident ID drawn on the card."""
    import docx
    from fpdf import FPDF
    from PIL import Image, ImageDraw, ImageFont

    rng = random.Random(21)
    ids = [resident_id(rng) for _ in range(6)]
    phones = [mobile(rng) for _ in range(6)]
    raw.update(ids, phones)
    (root / "notes.txt").write_text(f"客户身份证号{ids[0]}，手机{phones[0]}。\n无关的一行。\n", "utf-8")
    (root / "logs").mkdir()
    (root / "logs" / "app.log").write_text(
        "\n".join(f"2026-01-0{i + 1} INFO login ok user_phone={p}" for i, p in enumerate(phones)), "utf-8")
    doc = docx.Document()
    doc.add_paragraph(f"申请人身份证号码：{ids[1]}，联系电话：{phones[1]}")
    doc.save(root / "application.docx")
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("cjk", fname=PDF_FONT)
    pdf.add_font("latin", fname=PDF_LATIN)
    pdf.set_font("latin", size=12)
    pdf.set_fallback_fonts(["cjk"])
    pdf.cell(text=f"身份证号 {ids[2]} 电话 {phones[2]}")
    pdf.output(str(root / "contract.pdf"))
    font = ImageFont.truetype(CJK_FONT, 36, index=0)
    img = Image.new("RGB", (1000, 560), "white")
    draw = ImageDraw.Draw(img)
    card = ["姓名 王建国", "性别 男  民族 汉", "出生 1990年3月7日", "住址 浙江省杭州市西湖区文三路100号",
            f"公民身份号码 {ids[3]}"]
    for i, line in enumerate(card):
        draw.text((40, 40 + i * 100), line, fill="black", font=font)
    img.save(root / "id_front.png")
    raw.update(["王建国", "浙江省杭州市西湖区文三路100号"])
    return ids[3]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Seeded, ScanSummary]:
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed (Debian: tesseract-ocr tesseract-ocr-chi-sim)")
    base = tmp_path_factory.mktemp("files")
    root = base / "data"
    root.mkdir()
    data = customers(120, seed=5)
    write_tabular(root, data)
    write_documents(root, data.raw)
    db_url = f"sqlite:///{base / 'inv.db'}"
    return root, db_url, data, scan([str(root)], ScanOptions(sample=100), db_url, jobs=2)


def test_every_format_is_classified(scanned: tuple[Path, str, Seeded, ScanSummary]) -> None:
    _, _, _, summary = scanned
    assert summary.errors == []
    assert {a["asset"] for a in summary.inventory} == {*TABULAR, "notes.txt", "logs/app.log", "application.docx",
                                                       "contract.pdf", "id_front.png"}
    scores = [accuracy(found_types(summary.inventory, name)) for name in TABULAR]
    assert sum(s for s, _ in scores) / len(scores) >= 0.95, [m for _, ms in scores for m in ms]
    by_name = {a["asset"]: a for a in summary.inventory}
    for name in TABULAR:
        cols = {c["name"]: c for c in by_name[name]["columns"]}
        assert by_name[name]["rows"] == 120 and by_name[name]["grade"] == 3
        assert all(cols[c]["free_text"] for c in FREE_TEXT)
    for name in ("notes.txt", "application.docx", "contract.pdf"):
        assert {"CN_RESIDENT_ID", "PHONE"} <= set(by_name[name]["types"]), name
    assert by_name["logs/app.log"]["types"] == {"PHONE": 6}
    card = by_name["id_front.png"]
    assert "ID_CARD_IMAGE" in card["types"] and card["grade"] == 4
    assert report.ordered(summary.inventory)[0]["asset"] == "id_front.png"  # most sensitive first


def test_no_raw_value_in_inventory_or_reports(scanned: tuple[Path, str, Seeded, ScanSummary]) -> None:
    _, db_url, data, summary = scanned
    outputs = [dump_inventory(db_url), report.to_json(summary.inventory).decode(), report.to_csv(summary.inventory),
               report.to_html(summary.inventory), report.to_sarif(summary.inventory).decode()]
    assert not leaked(data.raw, "\n".join(outputs))
    examples = [e for a in summary.inventory for c in a["columns"] for e in c["examples"]]
    assert examples and all("*" in e for e in examples)  # masked examples only


def test_incremental_rescan(scanned: tuple[Path, str, Seeded, ScanSummary]) -> None:
    root, db_url, _, first = scanned
    again = scan([str(root)], ScanOptions(sample=100), db_url)
    assert (again.scanned, again.unchanged) == (0, first.assets)
    os.utime(root / "customers.csv", ns=(1, 1))  # touched, same content: the hash says unchanged
    extra = customers(3, seed=77)
    with (root / "customers.tsv").open("a", encoding="utf-8") as fh:
        fh.write("\n".join("\t".join("" if v is None else str(v) for v in r) for r in extra.rows) + "\n")
    third = scan([str(root)], ScanOptions(sample=100), db_url)
    assert (third.scanned, third.unchanged) == (1, first.assets - 1)
    tsv = next(a for a in third.inventory if a["asset"] == "customers.tsv")
    assert tsv["rows"] == 123 and tsv["run_id"] == third.run_id
    csv_row = next(a for a in third.inventory if a["asset"] == "customers.csv")
    assert csv_row["mtime_ns"] == 1 and csv_row["run_id"] == third.run_id


def test_expected_columns_cover_the_seed() -> None:
    assert list(EXPECTED) == customers(1).columns
