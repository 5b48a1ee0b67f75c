"""What a waybill holds before masking: the parties, the parcel, and the numbers that name it.

Input comes from order systems as JSON; a pydantic model checks its shape. Pydantic's own
messages quote the input, which here is personal data, so :func:`parse_waybill` reports
only field names and reasons, and names the waybill by its position and number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

WAYBILL_NO = r"^[A-Za-z0-9-]{4,40}$"


class WaybillError(ValueError):
    """A waybill that cannot be read, masked or printed (the message names no personal data)."""


class Party(BaseModel):
    """A sender or a recipient, in clear: masked before anything is drawn."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=64)
    phone: str = Field(min_length=3, max_length=32)
    address: str = Field(min_length=1, max_length=200)
    id_number: str | None = Field(None, max_length=32, description="ID for real-name delivery (实名寄递): "
                                                                   "recorded by the carrier, never printed.")


class Waybill(BaseModel):
    """One parcel's waybill (运单). ``order_id`` binds the virtual number; default: the waybill number."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    waybill_no: str = Field(pattern=WAYBILL_NO)
    order_id: str | None = Field(None, min_length=1, max_length=64)
    carrier: str = Field("", max_length=24)
    sender: Party
    recipient: Party
    goods: str = Field("", max_length=100)
    pieces: int = Field(1, ge=1, le=999)
    weight_kg: float | None = Field(None, gt=0, le=10_000)
    note: str = Field("", max_length=100)

    @property
    def binding(self) -> str:
        """What the virtual number is derived from: the order, else the waybill."""
        return self.order_id or self.waybill_no


def describe(index: int, data: object) -> str:
    """``waybill 3`` or ``waybill 3 (SF1234567890)``: the number only when it has a waybill number's shape."""
    no = data.get("waybill_no") if isinstance(data, Mapping) else None
    return f"waybill {index} ({no})" if isinstance(no, str) and re.fullmatch(WAYBILL_NO, no) else f"waybill {index}"


def parse_waybill(data: Any, index: int = 1) -> Waybill:
    """A :class:`Waybill` from decoded JSON; errors name fields and reasons, never values."""
    if not isinstance(data, Mapping):
        raise WaybillError(f"{describe(index, data)}: a waybill is a JSON object")
    try:
        return Waybill.model_validate(dict(data))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'waybill'}: {e['msg']}" for e in exc.errors())
        raise WaybillError(f"{describe(index, data)}: {problems}") from None
