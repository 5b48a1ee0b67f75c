"""``partial``: hide the middle of a value, keep enough to recognise it (the hutool display forms).

Type-aware defaults (when neither ``keep_first`` nor ``keep_last`` is given):

============== =========================== ==========================================
type           example                     rule
============== =========================== ==========================================
PERSON         张三丰 -> 张*丰, 欧阳娜娜 -> 欧阳** surname kept (compound surnames: two chars);
                                           three chars keep the last one too
PHONE          138-1234-5678 -> 138-****-5678 mobiles keep the segment and the last 4
CN_RESIDENT_ID 110101********123X          first 6 (region) and last 4
BANK_CARD      6222 **** **** 1234         first 4, hutool grouping, last group kept
EMAIL          z***@example.com            first character of the local part
ADDRESS        浙江省杭州市*********        kept to the city (``address_level``: province, city or
                                           district) as the address parser reads the value
                                           (``detect/address``); the rest starred character for
                                           character; no province or city written: all starred
other          1 first, 1 last (table below)
============== =========================== ==========================================

Separators (spaces, dashes, ``@``, dots) stay where they are. The result never equals the
input: when the kept parts would cover a short value, fewer characters are kept.
"""

from __future__ import annotations

from pydantic import Field

from piwarden.detect import address
from piwarden.detect.address import KeepLevel
from piwarden.mask.operators.base import Operator, Params
from piwarden.mask.shapes import ascii_digit, mobile_prefix, put, slots
from piwarden.mask.surnames import surname_length

# type -> (keep first, keep last) over the significant characters
KEEP: dict[str, tuple[int, int]] = {
    "CN_RESIDENT_ID": (6, 4),
    "PASSPORT": (2, 2),
    "CN_HKMO_PERMIT": (2, 2),
    "CN_TW_PERMIT": (2, 2),
    "CN_MTP": (2, 2),
    "HK_ID": (1, 2),
    "MO_ID": (1, 2),
    "TW_ID": (1, 2),
    "US_SSN": (0, 4),
    "US_ITIN": (0, 4),
    "UK_NHS": (0, 4),
    "DRIVER_LICENSE": (2, 2),
    "CN_LICENSE_PLATE": (2, 1),
    "CN_USCC": (2, 2),
    "IBAN": (4, 4),
    "PAYMENT_ACCOUNT": (1, 2),
    "QQ_ID": (2, 2),
    "WECHAT_ID": (1, 1),
    "IMEI": (8, 2),
    "MAC_ADDRESS": (6, 0),
    "ORDER_ID": (4, 4),
    "WAYBILL_NO": (4, 4),
}
CARD_TYPES = frozenset({"BANK_CARD", "CREDIT_CARD"})


class PartialParams(Params):
    keep_first: int | None = Field(None, ge=0, description="Significant characters kept at the start.")
    keep_last: int | None = Field(None, ge=0, description="Significant characters kept at the end.")
    mask_char: str = Field("*", min_length=1, max_length=1, description="The character that hides.")
    address_level: KeepLevel = Field("city", description="An ADDRESS is kept down to this level: province, "
                                     "city (default) or district; everything below it is hidden.")


class Partial(Operator):
    """Keep the first and last few characters, hide the rest; per-type defaults."""

    name = "partial"
    Params = PartialParams
    params: PartialParams

    def mask(self, value: str, entity: str, subject: str | None = None) -> str:
        p, c = self.params, self.params.mask_char
        if p.keep_first is not None or p.keep_last is not None:
            return keep_ends(value, p.keep_first or 0, p.keep_last or 0, c)
        if entity == "PERSON":
            return _name(value, c)
        if entity == "PHONE":
            return _phone(value, c)
        if entity in CARD_TYPES:
            return _card(value, c)
        if entity == "EMAIL" and "@" in value:
            local, _, domain = value.rpartition("@")
            return keep_ends(local, 1, 0, c) + "@" + domain
        if entity == "ADDRESS":
            return _address(value, c, p.address_level)
        return keep_ends(value, *KEEP.get(entity, (1, 1)), c)


def keep_ends(value: str, first: int, last: int, c: str = "*", positions: list[int] | None = None) -> str:
    """Hide the significant characters between the first ``first`` and the last ``last``."""
    pos = slots(value) if positions is None else positions
    n = len(pos)
    if n == 0:
        return c * len(value)
    while first + last >= n and (first or last):  # keep less rather than show everything
        first, last = (first - 1, last) if first >= last else (first, last - 1)
    hidden = pos[first : n - last]
    return put(value, hidden, c * len(hidden))


def _name(value: str, c: str) -> str:
    pos = slots(value)
    if not pos:
        return c * len(value)
    if all(ord(value[p]) > 0x2E7F for p in pos):  # CJK
        name = "".join(value[p] for p in pos)
        keep = surname_length(name)
        last = 1 if keep == 1 and len(name) >= 3 else 0
        return keep_ends(value, keep, last, c, pos)
    # Latin names: the initial of each word (J*** S****)
    out, start = list(value), True
    for i, ch in enumerate(value):
        if ch.isalnum():
            if not start:
                out[i] = c
            start = False
        else:
            start = True
    masked = "".join(out)
    return masked if masked != value else keep_ends(value, 0, 0, c)


def _phone(value: str, c: str) -> str:
    pos = slots(value, ascii_digit)
    digits = "".join(value[p] for p in pos)
    prefix = mobile_prefix(digits)
    if prefix is not None:
        return keep_ends(value, prefix, 4, c, pos)
    return keep_ends(value, 3 if len(pos) >= 10 else 2, 4 if len(pos) >= 10 else 2, c, pos)


def _card(value: str, c: str) -> str:
    """hutool's bankCard: first 4, the middle starred in groups of four, the last group kept."""
    digits = "".join(value[p] for p in slots(value, ascii_digit))
    n = len(digits)
    if n < 9:
        return keep_ends(value, 0, 0, c)
    end = n % 4 or 4
    middle = n - 4 - end
    groups = " ".join(c * len(range(i, min(i + 4, middle))) for i in range(0, middle, 4))
    return f"{digits[:4]} {groups} {digits[n - end:]}"


def _address(value: str, c: str, level: KeepLevel = "city") -> str:
    """The divisions down to ``level`` as written, one star a character for the rest (separators too).

    What the parser reads as an address but names no province or city (文三路90号) is starred
    whole: a road and number alone are more than a city. A value the parser cannot read at all
    (an English address) keeps its first character.
    """
    parsed = address.parse(value)
    if parsed is None or parsed.start > 0:
        return keep_ends(value, 1, 0, c)
    keep = parsed.keep_end(level)
    while keep >= len(value.rstrip()) and level != "province":  # all of it is kept: back off one level
        level = "city" if level == "district" else "province"
        keep = parsed.keep_end(level)
    if keep >= len(value.rstrip()):
        keep = 0
    return value[:keep] + c * (len(value) - keep)
