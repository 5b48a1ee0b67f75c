"""The audit routes in process (TestClient): ingest formats, limits, tokens, failures; wire format of docs/audit.md."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from piwarden.audit.log import open_log
from piwarden.audit.proof import verify_inclusion
from piwarden.audit.store_base import AUDIT_TABLES
from piwarden.server import create_app
from piwarden.server.services.audit import MAX_REPORTED

from .conftest import AUTH, PI, SIGNER, TOKEN, event


def lines(*events: object) -> bytes:
    return "".join((e if isinstance(e, str) else json.dumps(e)) + "\n" for e in events).encode()


@pytest.mark.parametrize("ctype", ["application/x-ndjson", "application/jsonl", "application/x-jsonlines",
                                   "text/plain", "application/x-ndjson; charset=utf-8", "APPLICATION/JSONL"])
def test_jsonl_content_types(client: TestClient, ctype: str) -> None:
    r = client.post("/audit/events", content=lines(event(0), event(1)), headers={**AUTH, "Content-Type": ctype})
    assert r.json() == {"accepted": 2, "rejected": 0, "first_index": 0, "size": 2, "errors": []}


@pytest.mark.parametrize("fmt", ["jsonl", "ndjson"])
def test_format_parameter_wins_over_content_type(client: TestClient, fmt: str) -> None:
    r = client.post(f"/audit/events?format={fmt}", content=lines(event(0)),
                    headers={**AUTH, "Content-Type": "application/json"})
    assert r.json()["accepted"] == 1


def test_single_event_without_content_type_is_json(client: TestClient) -> None:
    r = client.post("/audit/events", content=json.dumps(event(0)).encode(), headers=AUTH)
    assert r.json() == {"index": 0, "size": 1}


def test_rejected_lines_are_counted_exactly_and_listed_up_to_the_cap(client: TestClient) -> None:
    bad = [event(i, ts=PI) for i in range(MAX_REPORTED + 5)]
    r = client.post("/audit/events?format=jsonl", content=lines(*bad, event(0)), headers=AUTH)
    got = r.json()
    assert r.status_code == 200 and (got["accepted"], got["rejected"]) == (1, MAX_REPORTED + 5)
    assert len(got["errors"]) == MAX_REPORTED and got["errors"][0] == {
        "line": 1, "problems": [{"field": "ts", "problem": got["errors"][0]["problems"][0]["problem"]}]}
    assert PI not in r.text


def test_empty_batches(client: TestClient) -> None:
    for body in (b"", b"\n \n\t\n"):
        r = client.post("/audit/events?format=jsonl", content=body, headers=AUTH)
        assert (r.status_code, r.json()) == (400, {"error": "empty batch"})
    r = client.post("/audit/events", content=b"", headers=AUTH)
    assert r.status_code == 422 and r.json()["error"] == "invalid event"


@pytest.fixture
def small(db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(db_url, token=TOKEN, plugins=False, max_body=1000)) as c:
        yield c


def test_body_limit_declared_and_streamed(small: TestClient) -> None:
    big = lines(*[event(i) for i in range(20)])
    assert len(big) > 1000
    r = small.post("/audit/events?format=jsonl", content=big, headers=AUTH)
    assert (r.status_code, r.json()) == (413, {"error": "request body over 1000 bytes; send smaller batches"})

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while streaming
        for i in range(20):
            yield lines(event(i))

    assert small.post("/audit/events?format=jsonl", content=chunks(), headers=AUTH).status_code == 413
    assert small.get("/audit/head").json()["size"] == 0
    assert small.post("/audit/events?format=jsonl", content=lines(event(0)), headers=AUTH).status_code == 200


def test_the_body_limit_needs_the_token_first(small: TestClient) -> None:
    r = small.post("/audit/events", content=b"x" * 5000)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("header", ["Basic " + TOKEN, "Bearer", "Bearer " + TOKEN + "x", TOKEN, "bearer  " + TOKEN])
def test_tokens(client: TestClient, header: str) -> None:
    r = client.post("/audit/events", json=event(0), headers={"Authorization": header})
    assert r.status_code == (200 if header.lower().startswith("bearer  ") else 401)
    assert client.get("/audit/head", headers={"Authorization": header}).status_code == 200  # reads ignore it


def test_no_token_configured_lets_anyone_write(db_url: str) -> None:
    with TestClient(create_app(db_url, plugins=False)) as client:
        assert client.post("/audit/events", json=event(0)).json() == {"index": 0, "size": 1}


def test_checkpoint_needs_a_signer(db_url: str) -> None:
    with TestClient(create_app(db_url, token=TOKEN, plugins=False)) as client:
        r = client.post("/audit/checkpoint", headers=AUTH)
        assert (r.status_code, r.json()) == (501, {"error": "this server has no signing key configured"})
    with TestClient(create_app(db_url, token=TOKEN, signer=SIGNER, plugins=False)) as client:
        client.post("/audit/events", json=event(0), headers=AUTH)
        r = client.post("/audit/checkpoint", headers=AUTH)
        assert r.headers["content-type"].startswith("text/plain") and r.text.splitlines()[1] == "1"
        assert client.get("/audit/checkpoint").text == r.text


def test_proofs_verify(client: TestClient) -> None:
    client.post("/audit/events?format=jsonl", content=lines(*[event(i) for i in range(5)]), headers=AUTH)
    p = client.get("/audit/proof/inclusion", params={"index": 2, "size": 4}).json()
    assert set(p) == {"index", "size", "leaf_hash", "root", "proof"} and p["size"] == 4
    verify_inclusion(2, 4, base64.b64decode(p["leaf_hash"]), [base64.b64decode(h) for h in p["proof"]],
                     base64.b64decode(p["root"]))
    p = client.get("/audit/proof/consistency", params={"old": 5}).json()
    assert (p["old"], p["size"], p["proof"]) == (5, 5, [])
    r = client.get("/audit/proof/inclusion", params={"index": 5})
    assert r.status_code == 400 and r.json() == {"error": "leaf index must be below the tree size"}


def test_reads_carry_no_event_body(client: TestClient) -> None:
    client.post("/audit/events", json=event(0, actor=PI), headers=AUTH)
    client.post("/audit/checkpoint", headers=AUTH)
    for url in ("/audit/head", "/audit/checkpoint", "/audit/proof/inclusion?index=0",
                "/audit/proof/consistency?old=0"):
        assert PI not in client.get(url).text


def test_a_failing_database_answers_503_naming_the_kind_only(db_url: str) -> None:
    with TestClient(create_app(db_url, token=TOKEN, plugins=False)) as client:
        client.post("/audit/events", json=event(0), headers=AUTH)
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:  # pull the tables from under it
            for table in AUDIT_TABLES:
                conn.execute(f"DROP TABLE IF EXISTS {table}")
        r = client.post("/audit/events", json=event(1, actor=PI), headers=AUTH)
        assert r.status_code == 503 and PI not in r.text and "failed" in r.json()["error"]


def test_acknowledged_means_committed(client: TestClient, db_url: str) -> None:
    assert client.post("/audit/events", json=event(0), headers=AUTH).json() == {"index": 0, "size": 1}
    with open_log(db_url) as other:
        assert other.size() == 1
