"""Drawing a layout as a PNG with Pillow (grayscale, for thermal printers at 203 or 300 dpi)."""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from piwarden.fonts import FontFace, FontPair, find_cjk_fonts
from piwarden.mask.waybill.layout import Box, Layout, Line, QrCode, Text
from piwarden.mask.waybill.qr import dark_runs, qr_modules

QUIET = 4  # modules of blank margin a QR code needs around it


@lru_cache(maxsize=32)
def _font(face: FontFace, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(face.path), px, index=face.index)


def render_png(page: Layout, *, dpi: int = 300, fonts: FontPair | None = None) -> bytes:
    """The PNG of one waybill at ``dpi`` (the PNG records it, so it prints at the label's size)."""
    fonts = fonts or find_cjk_fonts()
    scale = dpi / 25.4

    def px(mm: float) -> int:
        return round(mm * scale)

    image = Image.new("L", (px(page.width), px(page.height)), 255)
    draw = ImageDraw.Draw(image)
    for c in page.commands:
        if isinstance(c, Text):
            font = _font(fonts.bold if c.bold else fonts.regular, px(c.size))
            draw.text((px(c.x), px(c.y)), c.text, font=font, fill=0, anchor="ls")
        elif isinstance(c, Box):
            draw.rectangle((px(c.x), px(c.y), px(c.x + c.w), px(c.y + c.h)), outline=0, width=max(1, px(c.line)))
        elif isinstance(c, Line):
            draw.line((px(c.x1), px(c.y1), px(c.x2), px(c.y2)), fill=0, width=max(1, px(c.line)))
        elif isinstance(c, QrCode):
            _qr(draw, c, scale)
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(dpi, dpi), optimize=True)
    return out.getvalue()


def _qr(draw: ImageDraw.ImageDraw, c: QrCode, scale: float) -> None:
    modules = qr_modules(c.payload)
    n = len(modules) + 2 * QUIET
    unit = max(1, int(c.size * scale / n))  # whole pixels per module: scanners like sharp edges
    left = round(c.x * scale) + (round(c.size * scale) - unit * n) // 2 + QUIET * unit
    top = round(c.y * scale) + (round(c.size * scale) - unit * n) // 2 + QUIET * unit
    for row, col, length in dark_runs(modules):
        draw.rectangle((left + col * unit, top + row * unit, left + (col + length) * unit - 1,
                        top + (row + 1) * unit - 1), fill=0)
