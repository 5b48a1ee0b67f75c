"""The app's OpenAPI document, said the way the app answers.

FastAPI generates it; ``extend`` post-processes it (FastAPI's documented way: replace
``app.openapi``) so that it tells the truth about this service:

- each operation names its scope (``x-piwarden-scope``), and where the scope needs no token
  the bearer requirement is marked optional (an empty alternative);
- FastAPI's own ``422 HTTPValidationError`` (which would echo inputs) becomes the
  ``ErrorBody`` the error handlers answer: ``400`` for a bad parameter, ``422`` for a bad body;
- error answers are documented as JSON, also on routes that answer text;
- an optional query parameter is just its type (FastAPI spells ``int | None`` as "integer or
  null", and a query string has no null).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from piwarden.server.schemas.common import ErrorBody
from piwarden.server.scopes import SCOPE_KEY, operation_scopes, operations, refusal

_FASTAPI_422 = "#/components/schemas/HTTPValidationError"
_ERROR = {"$ref": "#/components/schemas/ErrorBody"}


def _scopes(op: dict[str, Any]) -> None:
    scopes = operation_scopes(op)
    if len(scopes) == 1:
        op[SCOPE_KEY] = next(iter(scopes))
        if refusal(scopes) is None and {} not in op["security"]:
            op["security"].append({})


def _errors(op: dict[str, Any]) -> None:
    responses = op.get("responses", {})
    generated = responses.get("422", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if generated.get("$ref") != _FASTAPI_422:
        return
    del responses["422"]
    status = "422" if "requestBody" in op else "400"
    responses.setdefault(status, {"description": "The request is invalid: the answer names the part and what is "
                                                 "wrong, never the value.",
                                  "content": {"application/json": {"schema": _ERROR}}})


def _error_media(op: dict[str, Any]) -> None:
    """Errors are JSON even where the route answers text (FastAPI files them under the route's type)."""
    for status, response in op.get("responses", {}).items():
        content = response.get("content", {})
        if status[0] in "45" and "application/json" not in content:
            for media in [m for m, body in content.items() if body.get("schema") == _ERROR]:
                content["application/json"] = content.pop(media)


def _optional_params(op: dict[str, Any]) -> None:
    for param in op.get("parameters", []):
        schema = param.get("schema", {})
        branches = [b for b in schema.get("anyOf", []) if b != {"type": "null"}]
        if not param.get("required") and len(branches) == 1 and len(schema["anyOf"]) == 2:
            del schema["anyOf"]
            schema.update(branches[0])


def shape(schema: dict[str, Any]) -> dict[str, Any]:
    """Apply the changes above to a generated document, in place (idempotent)."""
    for _, _, op in operations(schema):
        _scopes(op)
        _errors(op)
        _error_media(op)
        _optional_params(op)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorBody", ErrorBody.model_json_schema())
    if _FASTAPI_422.rsplit("/", 1)[1] in components and _FASTAPI_422 not in repr(schema["paths"]):
        components.pop("HTTPValidationError")
        components.pop("ValidationError", None)
    return schema


def extend(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and ``/openapi.json``) answer the shaped document."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def shaped() -> dict[str, Any]:
        return shape(generate())

    app.openapi = shaped  # type: ignore[method-assign]
