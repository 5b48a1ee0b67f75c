"""The interchange formats as JSON Schemas (docs/formats/), and one way to check a document against them.

``access-event``, ``data-map``, ``leak-record`` (one row of a leak sample) and
``detection-record`` (one line of detection input) are shipped as JSON Schema files beside
this module, so that other tools can validate what they send piwarden. The commands check
with them (data maps and leak rows directly; access events and detection records through
their hand-written fast validators, which tests hold to the same answers).

Problems are ``(where, what)``: a JSON path and a description built from the kind of error,
never from the document's values (a validator's own message quotes the value).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

FORMATS = ("access-event", "data-map", "leak-record", "detection-record")


class FormatError(ValueError):
    """A document that does not follow its format; ``problems`` name where and what, never a value."""

    def __init__(self, name: str, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        listed = "; ".join(f"{where}: {what}" for where, what in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"not a valid {name} (docs/formats/{name}.md): {listed}{more}")


@cache
def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of format ``name`` (one of FORMATS)."""
    if name not in FORMATS:
        raise KeyError(f"no format {name!r}; known: {', '.join(FORMATS)}")
    text = resources.files(__package__).joinpath(f"{name}.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator(name: str) -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(schema(name))


def _what(kind: Any) -> str:
    kind_name = type(kind).__name__
    if kind_name == "Required":
        return f"{kind.property} is required" if hasattr(kind, "property") else "a required key is missing"
    if kind_name == "Type":
        types = getattr(kind, "types", None)
        return f"must be {' or '.join(types)}" if types else "has the wrong type"
    return {"Pattern": "does not have the expected form", "Enum": "is not one of the allowed values",
            "AdditionalProperties": "has a key the format does not define", "MinItems": "has too few items",
            "MinLength": "is empty", "AnyOf": "matches none of the allowed forms",
            "OneOfNotValid": "matches none of the allowed forms", "Minimum": "is too small"}.get(
        kind_name, f"fails the {kind_name} rule")


def problems(name: str, document: Any) -> list[tuple[str, str]]:
    """Where and how ``document`` breaks format ``name``; [] when it follows it."""
    found = []
    for error in _validator(name).iter_errors(document):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.instance_path).lstrip(".")
        found.append((path or "(document)", _what(error.kind)))
    return found


def check(name: str, document: Any) -> None:
    """Raise FormatError naming every problem of ``document`` under format ``name``."""
    found = problems(name, document)
    if found:
        raise FormatError(name, found)
