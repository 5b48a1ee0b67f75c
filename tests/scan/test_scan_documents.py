"""Document edge cases: DOCX headers, footers and nested tables; scanned and encrypted PDFs."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from scan_seed import leaked, mobile, resident_id

from piwarden.scan.runner import ScanOptions, scan

CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def _types(summary, asset: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return next(a for a in summary.inventory if a["asset"] == asset)["types"]


def test_docx_headers_footers_and_nested_tables(tmp_path: Path) -> None:
    import docx

    rng = random.Random(3)
    phone, rid = mobile(rng), resident_id(rng)
    doc = docx.Document()
    doc.add_paragraph("合同正文，不含个人信息。")
    doc.sections[0].header.paragraphs[0].text = f"客服热线：{phone}"
    outer = doc.add_table(rows=1, cols=1)
    inner = outer.cell(0, 0).add_table(rows=1, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "身份证号码", rid
    doc.save(tmp_path / "contract.docx")
    summary = scan([str(tmp_path)], ScanOptions(), f"sqlite:///{tmp_path / 'inv.db'}")
    assert summary.errors == []
    assert {"PHONE", "CN_RESIDENT_ID"} <= set(_types(summary, "contract.docx"))


def test_scanned_pdf_is_ocrd_and_encrypted_pdf_is_named(tmp_path: Path) -> None:
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed (Debian: tesseract-ocr tesseract-ocr-chi-sim)")
    from fpdf import FPDF
    from PIL import Image, ImageDraw, ImageFont
    from pypdf import PdfWriter

    rid = resident_id(random.Random(8))
    img = Image.new("RGB", (1000, 560), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(CJK_FONT, 36, index=0)
    for i, line in enumerate(["姓名 李秀英", "性别 女  民族 汉", "住址 江苏省南京市鼓楼区中山路1号", f"公民身份号码 {rid}"]):
        draw.text((40, 40 + i * 110), line, fill="black", font=font)
    img.save(tmp_path / "card.png")
    docs = tmp_path / "docs"
    docs.mkdir()
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(tmp_path / "card.png"), x=10, y=10, w=190)  # a scan: no text layer
    pdf.output(str(docs / "scan.pdf"))
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    with (docs / "locked.pdf").open("wb") as fh:
        writer.write(fh)

    summary = scan([str(docs)], ScanOptions(), f"sqlite:///{tmp_path / 'inv.db'}")
    assert summary.errors == ["locked.pdf: encrypted pdf (no empty password)"]
    types = _types(summary, "scan.pdf")
    assert "CN_RESIDENT_ID" in types and "ID_CARD_IMAGE" in types
    assert not leaked({rid, "李秀英"}, repr(summary.inventory))
