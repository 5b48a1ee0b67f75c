"""``generalize``: replace a value by a coarser one that many people share.

===============  ===================  ===================================================
type             levels               example
===============  ===================  ===================================================
DATE_OF_BIRTH    ``year`` (default),  1990-03-07 -> ``1990``; ``age_band`` -> ``30-39``
                 ``age_band``         (age on ``as_of``, default today; ``band_years`` wide)
DATETIME         ``year``, ``month``  2024-03-07 10:00 -> ``2024`` / ``2024-03``
ADDRESS          ``city`` (default),  浙江省杭州市西湖区文三路90号 -> ``浙江省杭州市``
                 ``province``         -> ``浙江省`` (a municipality: ``北京市``)
GPS_COORDINATE   ``grid``             39.904211,116.407395 -> ``39.90,116.40`` (south-west
                                      corner of a ``grid_degrees`` cell)
AMOUNT           ``band``             ¥1,234.50 -> ``1000-10000`` (``amount_bands``)
===============  ===================  ===================================================
"""

from __future__ import annotations

import datetime
import itertools
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import Field

from piwarden.detect import address
from piwarden.mask.errors import MaskError
from piwarden.mask.operators.base import Operator, Params
from piwarden.mask.shapes import parse_date

Level = Literal["auto", "year", "month", "age_band", "city", "province", "grid", "band"]
DEFAULT_LEVEL = {"DATE_OF_BIRTH": "year", "DATETIME": "year", "ADDRESS": "city", "GPS_COORDINATE": "grid",
                 "AMOUNT": "band"}
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


class GeneralizeParams(Params):
    level: Level = Field("auto", description="How coarse; 'auto' picks the type's default.")
    band_years: int = Field(10, ge=1, le=100, description="Width of an age band in years.")
    as_of: datetime.date | None = Field(None, description="Date ages are computed on (default: today).")
    grid_degrees: float = Field(0.01, gt=0, le=10, description="Side of a GPS grid cell in degrees.")
    amount_bands: list[float] = Field([0, 100, 1000, 10000, 100000],
                                      description="Ascending band edges for amounts.")


class Generalize(Operator):
    """Dates to years or age bands, addresses to city or province, GPS to a cell, amounts to a band."""

    name = "generalize"
    Params = GeneralizeParams
    params: GeneralizeParams
    types = frozenset(DEFAULT_LEVEL)

    def mask(self, value: str, entity: str, subject: str | None = None) -> str:
        level = self.params.level if self.params.level != "auto" else DEFAULT_LEVEL.get(entity)
        if entity in ("DATE_OF_BIRTH", "DATETIME") and level in ("year", "month", "age_band"):
            return self._date(value, entity, level)
        if entity == "ADDRESS" and level in ("city", "province"):
            return self._address(value, level)
        if entity == "GPS_COORDINATE" and level == "grid":
            return self._grid(value)
        if entity == "AMOUNT" and level == "band":
            return self._band(value)
        raise MaskError(f"operator generalize has no level {level} for {entity}")

    def _date(self, value: str, entity: str, level: str) -> str:
        shape = parse_date(value)
        if shape is None:
            raise MaskError(f"operator generalize: the {entity} value is not a date it can read")
        born = shape.date
        if level == "year":
            return f"{born.year:04d}"
        if level == "month":
            return f"{born.year:04d}-{born.month:02d}"
        today = self.params.as_of or datetime.date.today()
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        low = max(age, 0) // self.params.band_years * self.params.band_years
        return f"{low}-{low + self.params.band_years - 1}"

    def _address(self, value: str, level: str) -> str:
        """The province and city as written, as the address parser reads them (``partial`` keeps the same)."""
        parsed = address.parse(value)
        keep = 0 if parsed is None or parsed.start else parsed.keep_end("province" if level == "province" else "city")
        if level == "province" and not keep and parsed is not None and not parsed.start:
            keep = parsed.keep_end("city")  # a city with no province written: the city is the coarsest there is
        if not keep:
            raise MaskError("operator generalize: no province or city found in the ADDRESS value")
        return value[:keep]

    def _grid(self, value: str) -> str:
        numbers = _NUMBER.findall(value)
        if len(numbers) != 2:
            raise MaskError("operator generalize: the GPS_COORDINATE value is not a latitude, longitude pair")
        g = self.params.grid_degrees
        decimals = max(0, -Decimal(str(g)).normalize().as_tuple().exponent)  # type: ignore[operator]
        cells = [math.floor(float(n) / g + 1e-9) * g for n in numbers]
        return ",".join(f"{c:.{decimals}f}" for c in cells)

    def _band(self, value: str) -> str:
        digits = re.sub(r"[,\s，]", "", value)
        found = _NUMBER.search(digits)
        if found is None:
            raise MaskError("operator generalize: no number in the AMOUNT value")
        try:
            amount = Decimal(found.group())
        except InvalidOperation:
            raise MaskError("operator generalize: no number in the AMOUNT value") from None
        edges = sorted(self.params.amount_bands)
        if amount < Decimal(str(edges[0])):
            return f"<{_fmt(edges[0])}"
        for low, high in itertools.pairwise(edges):
            if amount < Decimal(str(high)):
                return f"{_fmt(low)}-{_fmt(high)}"
        return f">={_fmt(edges[-1])}"


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
