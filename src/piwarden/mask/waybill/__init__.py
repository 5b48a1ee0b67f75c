"""Privacy waybills (隐私面单): labels that let a parcel be delivered without printing who gets it.

A waybill prints the recipient's name and phone masked by policy (张*三, 138****5678), the
address kept to its city, a virtual number to call instead of the phone, and a QR code
that a courier app resolves to the real number only through the vault. See docs/waybill.md.

>>> from piwarden.mask.keys import KeyRing
>>> keys = KeyRing(bytes(32))
>>> w = parse_waybill({"waybill_no": "SF100", "sender": {"name": "李四", "phone": "13912345678",
...     "address": "上海市浦东新区世纪大道1号"}, "recipient": {"name": "张三丰", "phone": "13812345678",
...     "address": "浙江省杭州市西湖区文三路90号"}})
>>> m = WaybillMasker(keys).mask(w)
>>> m.recipient.name, m.recipient.phone, m.recipient.address
('张*丰', '138****5678', '浙江省杭州市*********')
>>> resolve_qr(m.qr_payload, keys, waybill_no="SF100")
'13812345678'

The renderers (``render_png``, ``render_pdf``) load Pillow and fpdf2 on first use.
"""

from typing import Any

from piwarden.fonts import FontFace, FontNotFound, FontPair, find_cjk_fonts
from piwarden.mask.waybill.layout import Layout, layout
from piwarden.mask.waybill.masking import MaskedParty, MaskedWaybill, WaybillMasker
from piwarden.mask.waybill.model import Party, Waybill, WaybillError, parse_waybill
from piwarden.mask.waybill.qr import QrError, qr_payload, resolve_qr
from piwarden.mask.waybill.virtual import VirtualNumber, VirtualNumberPool, virtual_number

__all__ = [
    "FontFace", "FontNotFound", "FontPair", "Layout", "MaskedParty", "MaskedWaybill", "Party", "QrError",
    "VirtualNumber", "VirtualNumberPool", "Waybill", "WaybillError", "WaybillMasker", "find_cjk_fonts", "layout",
    "parse_waybill", "qr_payload", "render_pdf", "render_png", "resolve_qr", "virtual_number",
]


def __getattr__(name: str) -> Any:
    if name == "render_png":
        from piwarden.mask.waybill.png import render_png

        return render_png
    if name == "render_pdf":
        from piwarden.mask.waybill.pdf import render_pdf

        return render_pdf
    raise AttributeError(name)
