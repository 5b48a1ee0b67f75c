"""``date_shift``: move dates by a per-subject offset, the same for all of one subject's dates.

The offset is derived from HMAC-SHA256 under the purpose's key and the subject (a customer
id, or the record id when no subject is named): intervals between one subject's dates are
kept (length of stay, days between orders), calendar dates are not. Never 0 days. Without a
subject every date of the purpose moves by one offset. The date keeps its written form.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac

from pydantic import Field

from piwarden.mask.errors import MaskError
from piwarden.mask.keys import KeyRing
from piwarden.mask.operators.base import Operator, Params
from piwarden.mask.shapes import parse_date


class DateShiftParams(Params):
    max_days: int = Field(180, ge=1, le=3650, description="Offsets fall in [-max_days, max_days], never 0.")


class DateShift(Operator):
    """A date plus the subject's offset."""

    name = "date_shift"
    Params = DateShiftParams
    params: DateShiftParams
    keyed = True
    per_subject = True
    reversible = True
    types = frozenset({"DATE_OF_BIRTH", "DATETIME"})

    def _setup(self, keys: KeyRing | None) -> None:
        assert keys is not None
        self._key = keys.derive(self.name, self.purpose)

    def offset(self, subject: str | None) -> int:
        """Days added for ``subject``: in [-max_days, -1] or [1, max_days]."""
        mac = hmac.new(self._key, (subject or "").encode(), hashlib.sha256).digest()
        k = int.from_bytes(mac[:8], "big") % (2 * self.params.max_days)
        return k - self.params.max_days if k < self.params.max_days else k - self.params.max_days + 1

    def mask(self, value: str, entity: str, subject: str | None = None) -> str:
        return self._shift(value, entity, self.offset(subject))

    def unmask(self, masked: str, entity: str, subject: str | None = None) -> str:
        return self._shift(masked, entity, -self.offset(subject))

    def _shift(self, value: str, entity: str, days: int) -> str:
        shape = parse_date(value)
        if shape is None:
            raise MaskError(f"operator date_shift: the {entity} value is not a date it can read")
        try:
            return shape.render(shape.date + datetime.timedelta(days=days))
        except OverflowError:
            raise MaskError(f"operator date_shift: the {entity} value is out of range") from None
