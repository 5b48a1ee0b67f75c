"""Documents: plain text and logs, DOCX, PDF, and images through Tesseract OCR.

Each reads as lines of text for per-line detection. Images go through Tesseract with the
``chi_sim+eng`` models; Tesseract writes Chinese with a space between characters
(``姓 名 张 三``), which are removed so that detection sees ``姓名张三``. An image whose text
holds a resident ID number next to the words printed on an ID card is itself an
identity-document image (ID_CARD_IMAGE, grade L4): the photo, not only the number, leaked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from piwarden.scan.sources import Asset, Document, SourceError
from piwarden.scan.sources.files import iter_lines

OCR_LANGUAGES = "chi_sim+eng"
ID_CARD_WORDS = ("公民身份号码", "姓名", "性别", "住址", "出生", "民族", "签发机关", "有效期限")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff\uff00-\uffef]) +(?=[\u3400-\u9fff\uff00-\uffef])")
_DIGIT_GAP = re.compile(r"(?<=[0-9]) (?=[0-9Xx])")


def _docx(path: str) -> Iterator[str]:
    import docx

    doc = docx.Document(path)
    for p in doc.paragraphs:
        yield p.text
    for table in doc.tables:
        for row in table.rows:
            yield "  ".join(cell.text for cell in row.cells)


def _pdf(path: str) -> Iterator[str]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    for page in reader.pages:
        yield from (page.extract_text() or "").splitlines()


def ocr_lines(path: str) -> list[str]:
    """The text Tesseract reads in an image, one line per line, CJK spacing removed."""
    import pytesseract
    from PIL import Image

    with Image.open(path) as img:
        text = pytesseract.image_to_string(img.convert("RGB"), lang=OCR_LANGUAGES)
    out = []
    for line in text.splitlines():
        line = _CJK_GAP.sub("", line.strip())
        # "1101 0519 4912 3100 2X": OCR splits long digit runs that were printed in one piece
        if sum(c.isdigit() for c in line) >= 15:
            line = _DIGIT_GAP.sub("", line)
        if line:
            out.append(line)
    return out


def read_document(asset: Asset) -> Document:
    """The lines of a document; images are OCR'd (Tesseract must be installed)."""
    try:
        if asset.format == "text":
            return Document(iter_lines(asset.locator))
        if asset.format == "docx":
            return Document(iter(list(_docx(asset.locator))))
        if asset.format == "pdf":
            return Document(iter(list(_pdf(asset.locator))))
        if asset.format == "image":
            return Document(iter(ocr_lines(asset.locator)), image=True)
    except Exception as exc:  # corrupt file, missing tesseract: name the file and the error class
        raise SourceError(f"{asset.name}: cannot read {asset.format} ({type(exc).__name__})") from None
    raise SourceError(f"{asset.name}: not a document format ({asset.format})")


def id_card_words(lines: list[str]) -> int:
    """How many of the words printed on a PRC ID card the OCR'd text holds."""
    text = "".join(lines)
    return sum(1 for w in ID_CARD_WORDS if w in text)


def looks_like_id_card(lines: list[str], has_id_number: bool) -> bool:
    """Two card words and a resident ID number, or four card words when OCR garbled the number."""
    words = id_card_words(lines)
    return words >= 4 or (words >= 2 and has_id_number)
