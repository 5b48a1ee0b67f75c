"""The HTTP ingest and proof API against a real uvicorn server on a free port (httpx client)."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from piwarden.audit.hasher import hash_leaf
from piwarden.audit.log import open_log
from piwarden.audit.note import NoteSigner
from piwarden.audit.proof import verify_consistency, verify_inclusion
from piwarden.events import canonical_json, parse_event
from piwarden.server import create_app

from .conftest import make_event

SIGNER = NoteSigner.generate("test.example/audit")
TOKEN = "s3cret-token"
PI = "13812345678"  # a phone number: must never come back in an error


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """uvicorn in a thread, stopped at the end."""

    def __init__(self, app: object) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    access_log=False))  # type: ignore[arg-type]
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> httpx.Client:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        return self.client

    def __exit__(self, *exc: object) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(20)


@pytest.fixture
def served(db_url: str) -> Iterator[tuple[httpx.Client, str]]:
    app = create_app(db_url, token=TOKEN, signer=SIGNER)
    with Server(app) as client:
        yield client, db_url


AUTH = {"Authorization": f"Bearer {TOKEN}"}


def b64d(items: list[str]) -> list[bytes]:
    return [base64.b64decode(x) for x in items]


def test_single_event_is_durable_and_provable(served: tuple[httpx.Client, str]) -> None:
    client, url = served
    for i in range(3):
        r = client.post("/audit/events", json=make_event(i), headers=AUTH)
        assert r.status_code == 200, r.text
        assert r.json() == {"index": i, "size": i + 1}
    with open_log(url) as other:  # acknowledged means committed: another connection sees it
        assert other.size() == 3
    head = client.get("/audit/head").json()
    assert head["size"] == 3 and head["checkpoint"] is None
    p = client.get("/audit/proof/inclusion", params={"index": 1}).json()
    leaf = hash_leaf(canonical_json(parse_event(make_event(1))))
    assert base64.b64decode(p["leaf_hash"]) == leaf
    verify_inclusion(1, 3, leaf, b64d(p["proof"]), base64.b64decode(head["root"]))


def test_jsonl_batch_keeps_good_lines_and_reports_bad_ones_without_values(
        served: tuple[httpx.Client, str]) -> None:
    client, _ = served
    lines = [json.dumps(make_event(i)) for i in range(6)]
    lines[1] = json.dumps(make_event(1, ts=PI))
    lines[3] = '{"phone": "' + PI + '", not json'
    body = ("\n".join(lines) + "\n\n").encode()
    r = client.post("/audit/events", content=body, headers={**AUTH, "Content-Type": "application/x-ndjson"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["accepted"], got["rejected"], got["first_index"], got["size"]) == (4, 2, 0, 4)
    assert [e["line"] for e in got["errors"]] == [2, 4]
    assert got["errors"][0]["problems"][0]["field"] == "ts"
    assert PI not in r.text
    # A line already logged, through ?format=jsonl: a duplicate, appended nowhere (200: a retry
    # succeeds); a new one goes on at 4; then a batch with nothing good: 422, nothing kept.
    r = client.post("/audit/events?format=jsonl", content=lines[0].encode(), headers=AUTH)
    assert r.status_code == 200 and (r.json()["accepted"], r.json()["duplicates"], r.json()["size"]) == (0, 1, None)
    r = client.post("/audit/events?format=jsonl", content=json.dumps(make_event(6)).encode(), headers=AUTH)
    assert r.json()["first_index"] == 4
    r = client.post("/audit/events?format=jsonl", content=lines[1].encode(), headers=AUTH)
    assert r.status_code == 422 and r.json()["accepted"] == 0 and PI not in r.text
    assert client.get("/audit/head").json()["size"] == 5


def test_invalid_single_event_is_refused_without_echo(served: tuple[httpx.Client, str]) -> None:
    client, _ = served
    r = client.post("/audit/events", json=make_event(0, actor=12, ts=PI), headers=AUTH)
    assert r.status_code == 422
    assert {p["field"] for p in r.json()["problems"]} >= {"actor", "ts"} and PI not in r.text
    r = client.post("/audit/events", content=b'{"x": "' + PI.encode() + b'"', headers=AUTH)
    assert r.status_code == 422 and PI not in r.text
    assert client.get("/audit/head").json()["size"] == 0


def test_writes_need_the_token_reads_do_not(served: tuple[httpx.Client, str]) -> None:
    client, _ = served
    assert client.post("/audit/events", json=make_event(0)).status_code == 401
    assert client.post("/audit/events", json=make_event(0),
                       headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.post("/audit/checkpoint").status_code == 401
    assert client.get("/audit/head").json()["size"] == 0
    assert client.get("/audit/checkpoint").status_code == 404


def test_checkpoints_and_consistency_proofs(served: tuple[httpx.Client, str]) -> None:
    client, _ = served
    body = "".join(json.dumps(make_event(i)) + "\n" for i in range(7)).encode()
    assert client.post("/audit/events?format=jsonl", content=body, headers=AUTH).json()["accepted"] == 7
    r = client.post("/audit/checkpoint", headers=AUTH)
    assert r.status_code == 200 and r.text.splitlines()[1] == "7"
    old_root = base64.b64decode(r.text.splitlines()[2])
    assert client.get("/audit/checkpoint").text == r.text
    assert client.get("/audit/head").json()["checkpoint"] == r.text
    body = "".join(json.dumps(make_event(i)) + "\n" for i in range(7, 20)).encode()
    client.post("/audit/events?format=jsonl", content=body, headers=AUTH)
    p = client.get("/audit/proof/consistency", params={"old": 7}).json()
    assert p["size"] == 20 and base64.b64decode(p["old_root"]) == old_root
    verify_consistency(7, 20, b64d(p["proof"]), old_root, base64.b64decode(p["root"]))
    p = client.get("/audit/proof/consistency", params={"old": 3, "size": 9}).json()
    verify_consistency(3, 9, b64d(p["proof"]), base64.b64decode(p["old_root"]), base64.b64decode(p["root"]))
    assert client.get("/audit/proof/inclusion", params={"index": 20}).status_code == 400
    assert client.get("/audit/proof/inclusion", params={"index": "x"}).status_code == 400
    assert client.get("/audit/proof/consistency", params={"old": 3, "size": 99}).status_code == 400


def test_concurrent_posts_share_commits(served: tuple[httpx.Client, str]) -> None:
    client, url = served
    got: list[int] = []
    lock = threading.Lock()

    def post(t: int) -> None:
        with httpx.Client(base_url=str(client.base_url), timeout=30) as c:
            for k in range(10):
                index = c.post("/audit/events", json=make_event(t * 10 + k), headers=AUTH).json()["index"]
                with lock:
                    got.append(index)

    pool = [threading.Thread(target=post, args=(t,)) for t in range(6)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    assert sorted(got) == list(range(60))
    with open_log(url) as other:
        assert other.size() == 60


def test_serve_command_runs_uvicorn(tmp_path: Path) -> None:
    """`piwarden audit serve` in a subprocess: reads the token from the environment."""
    port = free_port()
    env = {**os.environ, "PIWARDEN_HOME": str(tmp_path / "home"), "PIWARDEN_AUDIT_TOKEN": TOKEN}
    code = ("import typer; from piwarden.cli.audit import app; root = typer.Typer(); "
            "root.add_typer(app, name='audit'); root()")
    proc = subprocess.Popen([sys.executable, "-c", code, "audit", "serve", "--port", str(port), "--db",
                             f"sqlite:///{tmp_path / 'a.db'}"], env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/audit/head", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"serve did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
                time.sleep(0.1)
        assert r.json()["size"] == 0
        base = f"http://127.0.0.1:{port}/audit/events"
        assert httpx.post(base, json=make_event(0)).status_code == 401
        assert httpx.post(base, json=make_event(0), headers=AUTH).json() == {"index": 0, "size": 1}
        r = httpx.post(f"http://127.0.0.1:{port}/audit/checkpoint", headers=AUTH)
        assert r.status_code == 200 and r.text.splitlines()[1] == "1"
    finally:
        proc.terminate()
        proc.wait(20)


def test_router_mounts_in_another_app(tmp_path: Path) -> None:
    """The service app mounted under a prefix of another app: errors still answer as JSON."""
    from fastapi import FastAPI

    log = open_log(f"sqlite:///{tmp_path / 'a.db'}")
    app = FastAPI()
    app.mount("/v1", create_app(log=log, token=TOKEN, plugins=False))
    try:
        with Server(app) as client:
            assert client.post("/v1/audit/events", json=make_event(0)).json()["error"].startswith("a valid bearer")
            assert client.post("/v1/audit/events", json=make_event(0), headers=AUTH).json()["index"] == 0
            assert client.post("/v1/audit/checkpoint", headers=AUTH).status_code == 501
            assert client.get("/v1/audit/proof/inclusion").json() == {"error": "query parameter index is required"}
    finally:
        log.close()


def test_gbk_utf16_and_named_charsets_read_as_import_reads_them(served: tuple[httpx.Client, str]) -> None:
    """Bodies from Chinese systems and Windows tools: sniffed like files, or decoded by the charset named."""
    client, url = served
    events = [make_event(i, resource="订单") for i in range(5)]  # a non-ASCII value so the encoding matters
    batch = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events[:2])
    ndjson = {**AUTH, "Content-Type": "application/x-ndjson"}
    r = client.post("/audit/events", content=batch.encode("gbk"), headers=ndjson)
    assert r.status_code == 200 and r.json()["accepted"] == 2, r.text
    r = client.post("/audit/events", content=json.dumps(events[2], ensure_ascii=False).encode("utf-16"),
                    headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 200 and r.json()["index"] == 2, r.text
    r = client.post("/audit/events", content=b"\xef\xbb\xbf" + json.dumps(events[3], ensure_ascii=False).encode(),
                    headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 200 and r.json()["index"] == 3, r.text
    r = client.post("/audit/events", content=json.dumps(events[4], ensure_ascii=False).encode("gb18030"),
                    headers={**AUTH, "Content-Type": "application/json; charset=GB18030"})
    assert r.status_code == 200 and r.json()["index"] == 4, r.text
    r = client.post("/audit/events", content=b'{"id": "e-9", "note": "\x81"}',  # a lone lead byte: not GB18030
                    headers={**AUTH, "Content-Type": "application/json; charset=gb18030"})
    assert r.status_code == 400 and "not gb18030 text at byte 24" in r.json()["error"], r.text
    r = client.post("/audit/events", content=bytes(range(256)) * 4, headers=ndjson)
    assert r.status_code == 400 and "binary" in r.json()["error"], r.text
    r = client.post("/audit/events", content=b"{}", headers={**AUTH, "Content-Type": "application/json; charset=x-no"})
    assert r.status_code == 400 and "unknown encoding" in r.json()["error"]
    assert client.get("/audit/head").json()["size"] == 5
    from piwarden.audit.log import open_log

    with open_log(url) as log:  # stored as UTF-8, the same bytes whatever they were sent in
        assert [json.loads(e.body or b"")["resource"] for e in log.events(0, 5)] == ["订单"] * 5
