"""The audit API's request and response bodies (wire format of ``docs/audit.md``, unchanged).

Hashes are standard base64 strings; reads carry hashes, sizes and signed notes only, never an
event body. The request body is an access event (``piwarden.events.AccessEvent``, the one
validator) or a JSONL batch of them: ``ingest_body`` describes both for the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from piwarden.events import AccessEvent

JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines", "text/plain")

# What each access-event key means (docs/formats/access-event.md); a test checks every key has one.
EVENT_FIELDS = {
    "v": "Format version (1).",
    "id": "Unique event id.",
    "ts": "RFC 3339 time with offset, e.g. 2026-03-01T09:15:02+08:00.",
    "actor": "The account that acted: staff id, merchant sub-account, service account.",
    "party": "The data-map party the actor belongs to, e.g. platform.cs, merchant:M0012.",
    "role": "The actor's role when acting, e.g. customer_service, courier, analyst.",
    "action": "What was done.",
    "resource": "Kind of record: customer, order, waybill, policy, ...",
    "subjects": "Ids of the data subjects whose PI was touched (empty only for login).",
    "records": "Ids of the records touched.",
    "fields": "Canonical field names disclosed in clear by this access.",
    "masked_fields": "Fields shown only masked.",
    "count": "Number of records returned (default: the number of subjects).",
    "purpose": "Declared purpose, e.g. after_sales, claims, delivery.",
    "ticket": "The business ticket that justifies the access.",
    "channel": "console, api, batch, print or export.",
    "query": "How the lookup was keyed, e.g. {\"by\": \"phone\"}.",
    "client": "Where from, e.g. {\"ip\": \"10.2.3.4\", \"device\": \"d-77\"}.",
    "result": "allowed, denied or pending_approval.",
    "export_id": "For exports and prints: id of the watermarked artifact.",
}


def event_schema() -> dict[str, Any]:
    """``AccessEvent``'s JSON schema with a description on every key."""
    schema = AccessEvent.model_json_schema()
    for name, prop in schema["properties"].items():
        prop["description"] = EVENT_FIELDS.get(name, "")
    return schema


def ingest_body() -> dict[str, Any]:
    """The ``requestBody`` of ``POST /audit/events``: read raw (streamed), so described here by hand."""
    batch = {"schema": {"type": "string", "description": "JSON Lines: one access event per line; empty lines "
                                                         "are skipped."}}
    return {"requestBody": {
        "required": True,
        "description": "One access event as a JSON object, or a JSONL batch (by content type or ?format=jsonl). "
                       "At most 64 MiB.",
        "content": {"application/json": {"schema": event_schema()}, **{t: batch for t in JSONL_TYPES}},
    }}


class Problem(BaseModel):
    """One thing wrong with an event."""

    field: str = Field(description="The field path, e.g. ts or subjects[0]; (json) for the line as a whole.")
    problem: str = Field(description="What is wrong with it; never the value.")


class Appended(BaseModel):
    """One event acknowledged: committed durably before this answer was sent."""

    index: int = Field(description="The event's leaf index (of the same event already logged, if duplicate).")
    size: int = Field(description="The log's size once the event was appended (index + 1), or now if duplicate.")
    duplicate: bool = Field(False, description="The log already held this event (same id, same content): "
                                                "nothing was appended.")


class InvalidEvent(BaseModel):
    """A single event refused."""

    error: str = Field(description="Always 'invalid event'.")
    problems: list[Problem] = Field(description="Each field that is wrong, and how.")


class RejectedLine(BaseModel):
    """One line of a batch refused."""

    line: int = Field(description="Line number in the batch, from 1 (empty lines counted).")
    problems: list[Problem] = Field(description="Each field that is wrong, and how.")


class BatchReport(BaseModel):
    """A JSONL batch: good lines appended as consecutive leaves in one transaction, bad ones reported."""

    accepted: int = Field(description="Lines appended.")
    duplicates: int = Field(0, description="Lines whose event the log already held (same id, same content): not "
                                           "appended again, so a batch sent twice appends once.")
    rejected: int = Field(description="Lines refused: invalid, or an id already used by a different event (exact, "
                                      "even beyond those listed in errors).")
    first_index: int | None = Field(description="Leaf index of the first appended line; null if none was.")
    size: int | None = Field(description="The log's size after the batch; null if nothing was appended.")
    errors: list[RejectedLine] = Field(description="The refused lines, the first 1,000 of them.")


class Head(BaseModel):
    """The log as it is now."""

    size: int = Field(description="Number of leaves.")
    root: str = Field(description="Root hash of the tree of all leaves, base64.")
    checkpoint: str | None = Field(description="The latest signed checkpoint (a C2SP signed note); null if none.")


class InclusionProof(BaseModel):
    """That leaf ``index`` is in the tree of ``size`` leaves (RFC 6962 audit path)."""

    index: int = Field(description="The leaf index.")
    size: int = Field(description="The tree size the proof is for.")
    leaf_hash: str = Field(description="The leaf's hash, base64.")
    root: str = Field(description="Root hash of the tree of size leaves, base64.")
    proof: list[str] = Field(description="The audit path, leaf to root, base64 hashes.")


class ConsistencyProof(BaseModel):
    """That the tree of ``old`` leaves is a prefix of the tree of ``size`` leaves (RFC 6962)."""

    old: int = Field(description="The earlier tree size.")
    size: int = Field(description="The later tree size.")
    old_root: str = Field(description="Root hash of the tree of old leaves, base64.")
    root: str = Field(description="Root hash of the tree of size leaves, base64.")
    proof: list[str] = Field(description="The consistency proof, base64 hashes.")
