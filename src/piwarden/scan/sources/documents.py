"""Documents: plain text and logs, DOCX, PDF, and images through Tesseract OCR.

Each reads as lines of text for per-line detection: DOCX paragraphs, tables (nested ones
too), headers and footers; PDF text layers, and Tesseract OCR of the images of pages that
have no text layer (scanned documents); an encrypted PDF is read only when it opens with an
empty password, and is named otherwise. Images go through Tesseract with the
``chi_sim+eng`` models, upright (EXIF orientation) and enlarged when small; Tesseract writes Chinese with a space between characters
(``姓 名 张 三``), which are removed so that detection sees ``姓名张三``. An image whose text
holds a resident ID number next to the words printed on an ID card is itself an
identity-document image (ID_CARD_IMAGE, grade L4): the photo, not only the number, leaked.

The documents source (:class:`DocumentSource`) claims no target of its own: the files
source's walk of a path finds documents and names this source to read them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from piwarden.scan.sources.base import Asset, Document, Fingerprint, Scope, Source, SourceError, TableSample
from piwarden.scan.sources.files import DOCUMENT_SOURCE, discover, file_fingerprint, iter_lines

OCR_LANGUAGES = "chi_sim+eng"
ID_CARD_WORDS = ("公民身份号码", "姓名", "性别", "住址", "出生", "民族", "签发机关", "有效期限")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff\uff00-\uffef]) +(?=[\u3400-\u9fff\uff00-\uffef])")
_DIGIT_GAP = re.compile(r"(?<=[0-9]) (?=[0-9Xx])")


_MIN_OCR_WIDTH = 1000  # Tesseract misreads small print: narrower images are enlarged
_MAX_PDF_IMAGES = 20  # OCR'd images per scanned PDF, so that a 500-page scan stays bounded


def _docx_tables(tables: list[Any]) -> Iterator[str]:
    for table in tables:
        for row in table.rows:
            yield "  ".join(cell.text for cell in row.cells)
            for cell in row.cells:
                yield from _docx_tables(cell.tables)  # a table inside a cell


def _docx(path: str) -> Iterator[str]:
    import docx

    doc = docx.Document(path)
    for p in doc.paragraphs:
        yield p.text
    yield from _docx_tables(doc.tables)
    for section in doc.sections:  # letterheads and footers often carry a phone or an address
        for part in (section.header, section.footer):
            if not part.is_linked_to_previous:
                yield from (p.text for p in part.paragraphs)
                yield from _docx_tables(part.tables)


def _pdf(path: str, name: str) -> tuple[list[str], bool]:
    """The lines of a PDF, and whether it is a scan (no page has a text layer)."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    if reader.is_encrypted and not reader.decrypt(""):
        raise SourceError(f"{name}: encrypted pdf (no empty password)")
    lines: list[str] = []
    ocr_budget, scanned = _MAX_PDF_IMAGES, True
    for page in reader.pages:
        text = page.extract_text() or ""
        if text.strip():
            lines += text.splitlines()
            scanned = False
            continue
        for image in page.images:  # a scanned page: its text is in the picture
            if ocr_budget > 0:
                ocr_budget -= 1
                lines += _ocr(image.image)
    return lines, scanned


def _ocr(img: object) -> list[str]:
    import pytesseract
    from PIL import Image, ImageOps

    assert isinstance(img, Image.Image)
    img = ImageOps.exif_transpose(img).convert("RGB")  # phone photos are stored sideways
    if img.width < _MIN_OCR_WIDTH:
        scale = _MIN_OCR_WIDTH / img.width
        img = img.resize((_MIN_OCR_WIDTH, max(1, round(img.height * scale))), Image.Resampling.LANCZOS)
    return _clean(pytesseract.image_to_string(img, lang=OCR_LANGUAGES))


def ocr_lines(path: str) -> list[str]:
    """The text Tesseract reads in an image, one line per line, CJK spacing removed."""
    from PIL import Image

    with Image.open(path) as img:
        return _ocr(img)


def _clean(text: str) -> list[str]:
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
            lines, scanned = _pdf(asset.locator, asset.name)
            return Document(iter(lines), image=scanned)
        if asset.format == "image":
            return Document(iter(ocr_lines(asset.locator)), image=True)
    except SourceError:
        raise
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


class DocumentSource(Source):
    """Text, DOCX, PDF and images among the files of a scanned path, read as lines."""

    name = DOCUMENT_SOURCE

    def claims(self, target: str) -> bool:
        return False  # the files source claims paths and hands their documents here

    def discover(self, target: str, scope: Scope) -> list[Asset]:
        return [a for a in discover(target) if a.source == self.name]

    def fingerprint(self, asset: Asset, previous: Fingerprint | None) -> Fingerprint:
        return file_fingerprint(asset, previous)

    def sample(self, asset: Asset, rows: int, fingerprint: Fingerprint) -> TableSample | Document:
        return read_document(asset)
