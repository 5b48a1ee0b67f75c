"""Where everything goes on a 100 x 150 mm thermal label, as drawing commands in millimetres.

The commands are the one description both renderers follow (Pillow for PNG, fpdf2 for PDF),
and what tests read to check what is printed. Text ``y`` is the baseline; ``size`` is the em
height. Widths are estimated (CJK one em, other characters 0.6 em) rather than measured, so
the layout needs no font and comes out the same everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from piwarden.mask.waybill.masking import MaskedParty, MaskedWaybill

WIDTH, HEIGHT, MARGIN = 100.0, 150.0, 4.0
INNER = WIDTH - 2 * MARGIN
_TOKENS = re.compile(r"[A-Za-z0-9*#.+-]+|\s+|.", re.S)
QR_SIZE = 34.0  # with its quiet zone: 4 modules on each side are left blank by the layout


@dataclass(frozen=True, slots=True)
class Text:
    x: float
    y: float
    text: str
    size: float
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    line: float = 0.4


@dataclass(frozen=True, slots=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    line: float = 0.3


@dataclass(frozen=True, slots=True)
class QrCode:
    """A QR code of ``payload`` filling the square at (x, y) of side ``size``, quiet zone included."""

    x: float
    y: float
    size: float
    payload: str


Command = Text | Box | Line | QrCode


@dataclass(frozen=True, slots=True)
class Layout:
    waybill_no: str
    width: float
    height: float
    commands: tuple[Command, ...]

    def texts(self) -> list[str]:
        """The drawn strings, in drawing order."""
        return [c.text for c in self.commands if isinstance(c, Text)]


def text_width(text: str, size: float) -> float:
    """Estimated advance of ``text`` at ``size`` (wide and full-width characters one em, others 0.6)."""
    return size * sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in text)


def wrap(text: str, size: float, width: float, max_lines: int) -> list[str]:
    """``text`` in lines no wider than ``width``, not breaking runs such as ``138****5678``.

    The last line ends in … when text is left over.
    """
    lines, current = [], ""
    for token in _TOKENS.findall(text):
        pieces = [token] if text_width(token, size) <= width else list(token)  # too long: split anywhere
        for piece in pieces:
            if current and text_width(current + piece, size) > width:
                lines.append(current.rstrip())
                current = piece.lstrip()
            else:
                current += piece
    if current.strip():
        lines.append(current.rstrip())
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return lines or [""]


def layout(w: MaskedWaybill) -> Layout:
    """The drawing commands of one masked waybill."""
    out: list[Command] = []
    x0, x1 = MARGIN, WIDTH - MARGIN
    # header: carrier, the privacy mark, the waybill number
    out += [Box(x0, MARGIN, INNER, 20, 0.6), Text(x0 + 2, 12, w.carrier or "快递", 6.0, True),
            Text(x1 - 2 - text_width("隐私面单", 5.0), 12, "隐私面单", 5.0, True),
            Text(x0 + 2, 20.5, f"运单号 {w.waybill_no}", 5.0, True)]
    # the recipient: the largest text, since it is what the courier reads at the door
    top = MARGIN + 20
    out += _party(w.recipient, "收件人", top, 6.0, 4.8, 3)
    vn_y = top + 44
    out += [Line(x0, vn_y - 6, x1, vn_y - 6), Text(x0 + 2, vn_y, "虚拟号", 4.2, True),
            Text(x0 + 18, vn_y, f"{w.virtual.number} 转 {w.virtual.extension}", 5.0, True)]
    out.append(Box(x0, top, INNER, 48, 0.6))
    # the sender
    top += 48
    out += _party(w.sender, "寄件人", top, 4.5, 4.0, 2)
    out.append(Box(x0, top, INNER, 28))
    # the parcel, and the QR code the courier scans to call through the vault
    top += 28
    bottom = HEIGHT - MARGIN
    out.append(Box(x0, top, INNER, bottom - top))
    qx = x1 - QR_SIZE - 1
    out += [QrCode(qx, top + 1, QR_SIZE, w.qr_payload),
            Text(qx + 4, top + QR_SIZE + 5, "扫码联系收件人", 3.6),
            Text(qx + 4, top + QR_SIZE + 9.5, "号码经隐私保护", 3.6)]
    text_w = qx - x0 - 4
    y = top + 7
    weight = f"  重量 {w.weight_kg:g}kg" if w.weight_kg is not None else ""
    for label, value, lines in (("物品", w.goods, 3), ("件数", f"{w.pieces}{weight}", 1), ("备注", w.note, 3)):
        if not value:
            continue
        out.append(Text(x0 + 2, y, label, 3.6, True))
        for part in wrap(value, 3.6, text_w - 10, lines):
            out.append(Text(x0 + 12, y, part, 3.6))
            y += 5
        y += 1
    return Layout(w.waybill_no, WIDTH, HEIGHT, tuple(out))


def _party(p: MaskedParty, label: str, top: float, size: float, addr_size: float, addr_lines: int) -> list[Command]:
    x = MARGIN + 2
    indent = x + text_width(label, size * 0.75) + 3
    y = top + size + 3
    out: list[Command] = [Text(x, y, label, size * 0.75, True), Text(indent, y, f"{p.name}  {p.phone}", size, True)]
    for part in wrap(p.address, addr_size, WIDTH - MARGIN - 2 - indent, addr_lines):
        y += addr_size + 2
        out.append(Text(indent, y, part, addr_size))
    return out
