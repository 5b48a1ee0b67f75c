"""Masking structured records: a field -> entity type mapping says what each field holds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from piwarden import entities
from piwarden.mask.errors import MaskError
from piwarden.mask.policy import Ruleset
from piwarden.mask.text import OnError


def mask_record(record: Mapping[str, Any], fields: Mapping[str, str], rules: Ruleset, *,
                subject: str | None = None, on_error: OnError = "replace") -> dict[str, Any]:
    """A copy of ``record`` with each field named in ``fields`` masked as its type.

    Fields not named are copied unchanged; None and empty strings stay; other values are masked as text.
    A value the operator cannot handle becomes ``<TYPE>`` (or raises, naming the field).
    """
    out = dict(record)
    for name, entity in fields.items():
        value = record.get(name)
        if value is None or value == "":  # nothing to hide
            continue
        entity = entities.canonical(entity)
        try:
            out[name] = rules.operator(entity).mask(str(value), entity, subject)
        except MaskError:
            if on_error == "raise":
                raise MaskError(f"field {name!r} ({entity}) could not be masked") from None
            out[name] = f"<{entity}>"
    return out
