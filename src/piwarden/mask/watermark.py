"""Export watermarks: per-recipient marks in the values of an export, invisible to its reader.

An export leaves the platform as a file; when rows of it turn up in a leak, the question is which
export and which recipient. Each row carries a few bits, one per *carrier* field it has, each bit
keyed by a secret, the export id, the row's subject and the field
(``HMAC-SHA256(key, export_id | subject | field)``), and written as a variant of the value that
means the same thing to a reader and to piwarden's leak matching:

- ``address``: a space after the province or city (``浙江省杭州市 西湖区...``) or none; it survives
  an address cut after the district or the street;
- ``phone``: ``138-1234-5678`` or ``13812345678``;
- ``order_time`` (and any ``*_time``): ``T`` or a space between date and time;
- ``amount`` (and ``premium``): with or without a leading ``¥``.

A leaked sample keeps the marks of the rows and columns that survive: rows may be a subset,
columns dropped or reordered, some values masked (their bits are lost or read as noise). The
decoder (``piwarden.forensics.attribution.watermarks``) recomputes each registered export's bits
for the leaked rows' subjects and counts agreement: the true export agrees on nearly every bit,
any other on about half.

>>> key = b"k" * 32
>>> row = {"name": "张伟", "phone": "13812345678", "address": "浙江省杭州市西湖区文三路100号", "amount": "23.80"}
>>> marked = mark_row(row, key, "X-1", "c-1")
>>> read_row(marked) == {f: bit(key, "X-1", "c-1", f) for f in ("phone", "address", "amount")}
True
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable

_PHONE = re.compile(r"^(1\d{2})-?(\d{4})-?(\d{4})$")
_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})")
_PLACE = re.compile(r"^(.{2,}?[省市])")


def bit(key: bytes, export_id: str, subject: str, field: str) -> int:
    """The mark of one field of one subject's row in one export."""
    return hmac.new(key, f"{export_id}\x00{subject}\x00{field}".encode(), hashlib.sha256).digest()[0] & 1


def _phone(value: str, b: int) -> str:
    m = _PHONE.match(value)
    return (f"{m[1]}-{m[2]}-{m[3]}" if b else f"{m[1]}{m[2]}{m[3]}") if m else value


def _read_phone(value: str) -> int | None:
    if _PHONE.match(value):
        return int("-" in value)
    masked = re.match(r"^1\d{2}(-?)[*＊]{4}(-?)\d{4}$", value)  # masked by the leaker, separators kept
    return int(bool(masked[1])) if masked else None


def _address(value: str, b: int) -> str:
    value = value.replace(" ", "", 1) if " " in value else value
    m = _PLACE.match(value)
    return value[:m.end()] + " " + value[m.end():] if b and m and m.end() < len(value) else value


def _read_address(value: str) -> int | None:
    stripped = value.strip()
    if not _PLACE.match(stripped.replace(" ", "")):
        return None
    return int(" " in stripped)


def _time(value: str, b: int) -> str:
    m = _TIME.match(value)
    return value[:10] + (" " if b else "T") + value[11:] if m else value


def _read_time(value: str) -> int | None:
    m = _TIME.match(value)
    return int(value[10] == " ") if m else None


def _amount(value: str, b: int) -> str:
    bare = value.lstrip("¥￥")
    return ("¥" + bare) if b else bare


def _read_amount(value: str) -> int | None:
    bare = value.lstrip("¥￥")
    return int(bare != value) if re.fullmatch(r"\d+(\.\d+)?", bare) else None


Carrier = tuple[Callable[[str, int], str], Callable[[str], int | None]]
CARRIERS: dict[str, Carrier] = {
    "phone": (_phone, _read_phone), "address": (_address, _read_address),
    "order_time": (_time, _read_time), "amount": (_amount, _read_amount), "premium": (_amount, _read_amount),
}


def carrier(field: str) -> Carrier | None:
    return CARRIERS.get(field) or (CARRIERS["order_time"] if field.endswith("_time") else None)


def mark_row(row: dict[str, str], key: bytes, export_id: str, subject: str) -> dict[str, str]:
    """The row as it goes into export ``export_id``: each carrier field written in its keyed variant."""
    out = dict(row)
    for field, value in row.items():
        c = carrier(field)
        if c is not None and isinstance(value, str) and value:
            out[field] = c[0](value, bit(key, export_id, subject, field))
    return out


def read_row(row: dict[str, str]) -> dict[str, int]:
    """The bits a (leaked) row still shows, by field."""
    out: dict[str, int] = {}
    for field, value in row.items():
        c = carrier(field)
        if c is not None and isinstance(value, str) and value:
            b = c[1](value)
            if b is not None:
                out[field] = b
    return out
