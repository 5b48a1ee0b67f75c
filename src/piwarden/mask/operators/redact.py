"""``redact``: remove the value (suppression): ``手机13812345678`` -> ``手机``."""

from __future__ import annotations

from piwarden.mask.operators.base import Operator


class Redact(Operator):
    """The empty string."""

    name = "redact"

    def mask(self, value: str, entity: str, subject: str | None = None) -> str:
        return ""
