"""The one error body every route answers failures with."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    """A refusal or failure: what went wrong, naming fields, lines and limits, never submitted values."""

    error: str = Field(description="What went wrong, in words; never repeats a submitted value.")


def error_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI ``responses`` entries for the error statuses a route can answer."""
    return {status: {"model": ErrorBody, "description": _MEANING.get(status, "Refused.")} for status in statuses}


_MEANING = {
    400: "A query parameter or header is missing, not of its type, or out of range; or the batch is empty.",
    401: "The bearer token is missing or wrong.",
    403: "The credential lacks the route's scope, or the role is not the account's.",
    404: "Nothing to return yet, or no such record.",
    409: "Refused: it would not extend the last signed checkpoint, or the record changed since that version.",
    410: "The data subject was erased.",
    429: "A quota refused the call (the attempt is logged and an alert raised): see event_id and Retry-After.",
    413: "The request body is over the size limit; send smaller batches.",
    501: "This server has no signing key configured.",
    503: "The database failed (the message names the kind of failure only).",
}
