"""The data map (datamap.md) as leak attribution reads it: who receives which fields, and how.

Attribution asks "who could have known exactly these fields?"; the answer needs, per party,
the fields it receives in clear, those it receives only masked, and whether its channel
leaves access logs at all (``waybill``, ``paper`` and ``offline`` channels do not).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from piwarden.formats import FormatError, check
from piwarden.inputs import InputError, read_text

OFFLINE_CHANNELS = frozenset({"waybill", "paper", "offline"})
MAX_BYTES = 1_000_000  # a data map is pages of YAML: a larger file is a wrong argument, refused unparsed


class DataMapError(ValueError):
    """The data map is missing or malformed; the message names the problem, not values."""


@dataclass(frozen=True)
class Party:
    """One recipient of personal data in the data map."""

    id: str
    kind: str
    receives: frozenset[str]
    masked: frozenset[str] = frozenset()
    channel: str | None = None

    @property
    def offline(self) -> bool:
        """True when the party's channel leaves no access events (paper waybills and the like)."""
        return self.channel in OFFLINE_CHANNELS

    @property
    def holds(self) -> frozenset[str]:
        """Every field the party sees, in clear or masked."""
        return self.receives | self.masked


@dataclass(frozen=True)
class DataMap:
    """Canonical fields (name -> entity type) and the parties that receive them."""

    fields: dict[str, str]
    parties: dict[str, Party]
    processing: tuple[dict[str, Any], ...] = ()  # the records of processing activities, as written

    @classmethod
    def from_dict(cls, data: Any) -> DataMap:
        if not isinstance(data, dict) or not isinstance(data.get("parties"), list):
            raise DataMapError("data map must be a mapping with a 'parties' list")
        fields = data.get("fields") or {}
        if not isinstance(fields, dict):
            raise DataMapError("'fields' must map field names to entity types")
        parties: dict[str, Party] = {}
        for i, p in enumerate(data["parties"]):
            if not isinstance(p, dict) or not isinstance(p.get("id"), str):
                raise DataMapError(f"parties[{i}]: needs an 'id'")
            parties[p["id"]] = Party(p["id"], str(p.get("kind") or p["id"].split(":")[0]),
                                     frozenset(p.get("receives") or ()), frozenset(p.get("masked") or ()),
                                     p.get("channel"))
        processing = tuple(p for p in data.get("processing") or () if isinstance(p, dict))
        return cls({str(k): str(v) for k, v in fields.items()}, parties, processing)

    @classmethod
    def load(cls, path: Path) -> DataMap:
        """Read YAML or JSON (by content: JSON is YAML)."""
        try:
            if path.stat().st_size > MAX_BYTES:
                raise DataMapError(f"data map {path}: too large to be a data map (over {MAX_BYTES // 1_000_000} MB)")
            text = read_text(path)
        except InputError as exc:
            raise DataMapError(f"data map {exc}") from None
        except OSError as exc:
            raise DataMapError(f"cannot read data map ({exc.strerror})") from None
        try:
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError):
            raise DataMapError("data map is not valid YAML or JSON") from None
        try:
            check("data-map", data)  # docs/formats/data-map.md: every problem named by path
        except FormatError as exc:
            raise DataMapError(str(exc)) from None
        return cls.from_dict(data)

    def party(self, pid: str) -> Party:
        """The party by id; an id the map does not list is a party that receives nothing known."""
        return self.parties.get(pid) or Party(pid, pid.split(":")[0].split(".")[0], frozenset())
