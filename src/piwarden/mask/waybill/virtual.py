"""The virtual number (隐私号): a number and extension the courier dials instead of the recipient's.

A platform rents a pool of numbers from a carrier; a call to one number with an extension
(``17000000001转1234``, the "AXE" mode) is put through to the real phone that the binding names.
Here the number and extension are derived from the order with a key of the key ring,
``HMAC-SHA256(key, order)``: the same order always gets the same virtual number, another key
gives another, and the extension says nothing about the phone (it never sees it) nor, without
the key, about the order. Where the binding lives (virtual number -> real phone, with expiry
and collision checks among live orders) is the vault's business; this module gives it a
stable, unguessable default.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from piwarden.mask.keys import KeyRing

KEY_NAME = "waybill-virtual-number"  # the "operator" half of the HKDF info
KEY_PURPOSE = "v1"
# a demonstration pool: replace it with the numbers your carrier rents to you
DEMO_POOL = tuple(f"1700000{i:04d}" for i in range(1, 11))


class VirtualNumberPool(BaseModel):
    """The numbers a platform rents, and how many digits its extensions have."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    numbers: tuple[str, ...] = Field(DEMO_POOL, min_length=1, description="Numbers calls are placed to.")
    extension_digits: int = Field(4, ge=3, le=6, description="Digits of the extension (转1234).")

    @field_validator("numbers")
    @classmethod
    def _digits(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not re.fullmatch(r"\d{5,15}", n) for n in value):
            raise ValueError("a pool number is 5 to 15 digits")
        return value


class VirtualNumber(BaseModel):
    """A pool number and an extension."""

    model_config = ConfigDict(frozen=True)

    number: str
    extension: str

    def __str__(self) -> str:
        return f"{self.number}转{self.extension}"


def virtual_number(order: str, keys: KeyRing, pool: VirtualNumberPool | None = None) -> VirtualNumber:
    """The virtual number of ``order`` under ``keys``: stable per order and key, unrelated across keys."""
    pool = pool or VirtualNumberPool()
    mac = hmac.new(keys.derive(KEY_NAME, KEY_PURPOSE), order.encode(), hashlib.sha256).digest()
    number = pool.numbers[int.from_bytes(mac[:8], "big") % len(pool.numbers)]
    extension = int.from_bytes(mac[8:16], "big") % 10**pool.extension_digits
    return VirtualNumber(number=number, extension=f"{extension:0{pool.extension_digits}d}")
