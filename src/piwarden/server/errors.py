"""Error answers: always ``{"error": ...}`` JSON, naming fields, lines and limits, never values.

A submitted value may be personal data, so no error body carries one: FastAPI's own 422 body
echoes the offending ``input``, and is replaced here by a message built from the parameter's
name and the kind of failure only.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from piwarden.audit.store_base import AuditStoreError

# Where a failing request part sits, as FastAPI's ``loc[0]`` names it, in the words of a message.
_PLACES = {"query": "query parameter", "path": "path parameter", "header": "header", "cookie": "cookie",
           "body": "body field"}
_INTEGER = frozenset({"int_parsing", "int_type", "int_from_float", "int_parsing_size"})


class ApiError(Exception):
    """A refusal: answered with ``status`` and ``{"error": error, **extra}``."""

    def __init__(self, status: int, error: str, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(error)
        self.status, self.headers = status, headers
        self.body: dict[str, Any] = {"error": error, **extra}


def _problem(err: Any) -> str:
    """One validation failure in words: the part's name and what is wrong with it, never its value."""
    place, *rest = (*err.get("loc", ()),) or ("request",)
    name = ".".join(str(p) for p in rest)
    where = f"{_PLACES.get(str(place), str(place))} {name}".strip()
    kind, ctx = str(err.get("type", "")), err.get("ctx") or {}
    if kind == "missing":
        return f"{where} is required"
    if kind in _INTEGER:
        return f"{where} must be an integer"
    if kind == "greater_than_equal":  # ctx holds the declared bound, not the input
        return f"{where} must not be negative" if ctx.get("ge") == 0 else f"{where} must be at least {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"{where} must be at most {ctx.get('le')}"
    if kind == "literal_error":
        return f"{where} must be {ctx.get('expected')}"
    if kind == "extra_forbidden":
        return f"{where} is not a field this route takes"
    if kind in ("json_invalid", "model_attributes_type", "dict_type"):
        return f"{where} must be a JSON object"
    return f"{where} is invalid ({kind})"


def error_response(exc: ApiError | AuditStoreError) -> JSONResponse:
    """The answer to a refusal or to a failing audit store (also sent by ``server.hot``)."""
    if isinstance(exc, ApiError):
        return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)
    # AuditStoreError messages name the kind of failure only, never data or credentials.
    return JSONResponse({"error": str(exc)}, status_code=503)


async def _refused(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def _invalid(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    in_body = any(str((e.get("loc") or ("",))[0]) == "body" for e in errors)
    # 400 for parameters (as piwarden always answered them), 422 for a body that is not what the route takes.
    return JSONResponse({"error": "; ".join(_problem(e) for e in errors) or "invalid request"},
                        status_code=422 if in_body else 400)


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    error = exc.detail if isinstance(exc.detail, str) else "request refused"
    return JSONResponse({"error": error}, status_code=exc.status_code, headers=exc.headers)


async def _store_failed(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AuditStoreError)
    return error_response(exc)


async def _crashed(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": "internal error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every failure of ``app`` (plugin routes included) in the one error format."""
    app.add_exception_handler(ApiError, _refused)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(AuditStoreError, _store_failed)
    app.add_exception_handler(Exception, _crashed)
