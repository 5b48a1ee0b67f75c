"""Drawing layouts as PDF pages with fpdf2: vector text in an embedded, subset CJK font.

fpdf2 embeds only the glyphs used (a few kilobytes), so the file prints the same on any
machine. The QR code is drawn as filled rectangles, sharp at any printer resolution.
Document metadata names the waybill number and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable

from fpdf import FPDF

from piwarden.fonts import FontPair, find_cjk_fonts
from piwarden.mask.waybill.layout import Box, Layout, Line, QrCode, Text
from piwarden.mask.waybill.qr import dark_runs, qr_modules

PT_PER_MM = 72 / 25.4
QUIET = 4


def render_pdf(pages: Layout | Iterable[Layout], *, fonts: FontPair | None = None) -> bytes:
    """A PDF with one page per waybill."""
    pages = [pages] if isinstance(pages, Layout) else list(pages)
    fonts = fonts or find_cjk_fonts()
    pdf = FPDF(unit="mm", format=(pages[0].width, pages[0].height) if pages else "A6")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_creator("piwarden")
    pdf.set_title("waybill " + ", ".join(p.waybill_no for p in pages))
    pdf.add_font("cjk", "", str(fonts.regular.path), collection_font_number=fonts.regular.index)
    pdf.add_font("cjk", "B", str(fonts.bold.path), collection_font_number=fonts.bold.index)
    for page in pages:
        pdf.add_page(format=(page.width, page.height))
        for c in page.commands:
            if isinstance(c, Text):
                pdf.set_font("cjk", "B" if c.bold else "", c.size * PT_PER_MM)
                pdf.text(c.x, c.y, c.text)
            elif isinstance(c, Box):
                pdf.set_line_width(c.line)
                pdf.rect(c.x, c.y, c.w, c.h)
            elif isinstance(c, Line):
                pdf.set_line_width(c.line)
                pdf.line(c.x1, c.y1, c.x2, c.y2)
            elif isinstance(c, QrCode):
                _qr(pdf, c)
    return bytes(pdf.output())


def _qr(pdf: FPDF, c: QrCode) -> None:
    modules = qr_modules(c.payload)
    unit = c.size / (len(modules) + 2 * QUIET)
    pdf.set_fill_color(0)
    for row, col, length in dark_runs(modules):
        pdf.rect(c.x + (QUIET + col) * unit, c.y + (QUIET + row) * unit, length * unit, unit, style="F")
