"""Reading the shape of a value: its significant characters, its address levels, its date format.

Operators keep separators (spaces, dashes, ``@``) where they are and change only the
significant characters, so ``138-1234-5678`` masks as ``138-****-5678``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

from piwarden.detect.ids.cn import mobile


def slots(value: str, pred: Callable[[str], bool] = str.isalnum) -> list[int]:
    """Positions of the significant characters (by default letters, digits and CJK)."""
    return [i for i, c in enumerate(value) if pred(c)]


def ascii_digit(c: str) -> bool:
    return "0" <= c <= "9"


def put(value: str, positions: list[int], chars: str) -> str:
    """``value`` with ``chars`` written at ``positions``, one each."""
    out = list(value)
    for p, c in zip(positions, chars, strict=True):
        out[p] = c
    return "".join(out)


def mobile_prefix(digits: str) -> int | None:
    """How many leading digits are a country code and network segment, for a mobile; else None.

    ``8613812345678`` -> 5 (86 and 138); ``16101234567`` -> 4 (the 1610 block).
    """
    local = digits[-11:]
    if len(digits) < 11 or not mobile.is_valid(local) or (len(digits) > 11 and digits[:-11] not in ("86", "0086")):
        return None
    seg = 4 if local[:3] not in mobile.SEGMENTS else 3
    return len(digits) - 11 + seg


# province (省, 自治区, or a municipality 市), prefecture (市, 自治州, 盟, 地区), county (区, 县, 市, 旗);
# a bare 州 is not a suffix (杭州市 would stop at 杭州)
ADDRESS_PARTS = {
    "prov": r"(?:北京|天津|上海|重庆)市|[^\d\s省市]{2,7}?(?:省|自治区|特别行政区)",
    "city": r"[^\d\s省市区县]{1,8}?(?:自治州|地区|市|盟)",
    "dist": r"[^\d\s省市区县]{1,8}?(?:新区|区|县|市|旗)",
}
_ADDRESS = re.compile("".join(f"(?P<{name}>{part})?" for name, part in ADDRESS_PARTS.items()))


@dataclass(frozen=True, slots=True)
class AddressLevels:
    """End offsets of the province, city and district prefixes (0 when absent)."""

    province: int
    city: int
    district: int


def address_levels(value: str) -> AddressLevels:
    m = _ADDRESS.match(value)
    assert m is not None  # every group is optional
    prov = m.end("prov") if m.group("prov") else 0
    city = m.end("city") if m.group("city") else 0
    # a district with nothing above it is more likely a 小区 (housing estate) than a county
    dist = m.end("dist") if m.group("dist") and (prov or city) else 0
    return AddressLevels(prov, city, dist)


_DATE = re.compile(r"(\d{4})([-/.年])(\d{1,2})([-/.月])(\d{1,2})(日?)(.*)", re.S)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


@dataclass(frozen=True, slots=True)
class DateShape:
    """A parsed date and how it was written, so a changed date is written the same way."""

    date: datetime.date
    seps: tuple[str, str, str] | None  # None for YYYYMMDD
    padded: bool
    rest: str  # a time of day or anything else after the date, kept as is

    def render(self, date: datetime.date) -> str:
        if self.seps is None:
            return date.strftime("%Y%m%d") + self.rest
        m, d = (f"{date.month:02d}", f"{date.day:02d}") if self.padded else (str(date.month), str(date.day))
        return f"{date.year:04d}{self.seps[0]}{m}{self.seps[1]}{d}{self.seps[2]}{self.rest}"


def parse_date(value: str) -> DateShape | None:
    """``2024-03-05``, ``2024/3/5``, ``2024.03.05``, ``2024年3月5日``, ``20240305`` (+ a time)."""
    value = value.strip()
    if m := _DATE.fullmatch(value):
        y, s1, mo, s2, d, s3, rest = m.groups()
        padded = len(mo) == 2 and len(d) == 2
    elif m := _COMPACT_DATE.fullmatch(value):
        (y, mo, d), rest, padded = m.groups(), "", True
        s1 = s2 = s3 = None
    else:
        return None
    try:
        date = datetime.date(int(y), int(mo), int(d))
    except ValueError:
        return None
    return DateShape(date, None if s1 is None else (s1, s2, s3), padded, rest)  # type: ignore[arg-type]
