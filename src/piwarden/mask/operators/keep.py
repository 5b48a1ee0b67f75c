"""``keep``: leave the value in clear. Policies use it for roles allowed to see a type."""

from __future__ import annotations

from piwarden.mask.operators.base import Operator


class Keep(Operator):
    """The value unchanged."""

    name = "keep"

    def mask(self, value: str, entity: str, subject: str | None = None) -> str:
        return value

    def unmask(self, masked: str, entity: str, subject: str | None = None) -> str:
        return masked
