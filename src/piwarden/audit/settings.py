"""Audit-log settings: the ``audit`` section of ``piwarden.settings`` (``PIWARDEN__AUDIT__<FIELD>``).

``AuditSettings`` stays for code written against earlier releases: built with keyword
arguments, it takes every field it is not given from the effective settings (environment,
``piwarden.toml``), as it did when it read the environment itself.

>>> AuditSettings(witness_timeout_s=3).witness_timeout_s
3.0
"""

from __future__ import annotations

from typing import Any

from pydantic import model_validator

from piwarden.settings import AuditSection, get_settings

__all__ = ["AuditSection", "AuditSettings"]


class AuditSettings(AuditSection):
    """The audit section on its own; unset fields come from ``get_settings().audit``."""

    @model_validator(mode="before")
    @classmethod
    def _effective(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {**get_settings().audit.model_dump(exclude_unset=True), **data}
        return data
