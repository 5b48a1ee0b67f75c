"""Events are unique by id: re-appending appends nothing, a reused id for other content is refused.

On both backends, through the log, the CLI import and the HTTP ingest; group commit hands
each writer its own part of a shared outcome; the migration fills the id table of a log
written before it (duplicates of the old bug included).
"""

from __future__ import annotations

import itertools
import json
import threading
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from piwarden.audit.log import AuditLog, EventIdConflict, open_log
from piwarden.audit.store_base import Appended
from piwarden.cli.audit import app as audit_app
from piwarden.server import create_app

from .conftest import make_event

root = typer.Typer()
root.add_typer(audit_app, name="audit")
runner = CliRunner()
TOKEN = "t" * 32
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(root, ["audit", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_same_events_again_append_nothing(audit_log: AuditLog) -> None:
    assert audit_log.append_many(make_event(i) for i in range(10)) == list(range(10))
    root_before = audit_log.root()
    assert audit_log.append_many(make_event(i) for i in range(5, 15)) == list(range(5, 15))
    assert audit_log.size() == 15
    assert audit_log.append(make_event(3)) == 3 and audit_log.size() == 15
    assert audit_log.root(10) == root_before


def test_an_id_reused_for_other_content_is_refused(audit_log: AuditLog) -> None:
    audit_log.append_many(make_event(i) for i in range(4))
    with pytest.raises(EventIdConflict) as caught:
        audit_log.append(make_event(2, actor="someone-else"))
    assert caught.value.conflicts == {0: 2} and "leaf 2" in str(caught.value) and "someone-else" not in str(caught.value)
    with pytest.raises(EventIdConflict) as caught:
        audit_log.append_many([make_event(4), make_event(1, fields=["phone"]), make_event(5)])
    assert caught.value.conflicts == {1: 1}
    assert audit_log.size() == 6  # the other two were committed


def test_within_one_batch(audit_log: AuditLog) -> None:
    done = audit_log.append_encoded([_enc(make_event(0)), _enc(make_event(0)), _enc(make_event(0, actor="x")),
                                     _enc(make_event(1))])
    assert (done.first, done.new, done.duplicates, done.conflicts) == (0, 2, {1: 0}, {2: 0})
    assert done.indices() == [0, 0, None, 1]


def _enc(event: dict[str, object]) -> object:
    from piwarden.audit.store_base import EncodedEvent

    return EncodedEvent.parse(json.dumps(event))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["new", "dup", "conflict"]), max_size=20), st.data())
def test_parts_of_an_outcome_are_the_outcomes_of_their_batches(kinds: list[str], data: st.DataObject) -> None:
    """Group commit splits one transaction's outcome among its writers: each part must read as if
    its batch had been appended alone at its place."""
    first = 100
    dups = {p: 7 for p, k in enumerate(kinds) if k == "dup"}
    conflicts = {p: 9 for p, k in enumerate(kinds) if k == "conflict"}
    whole = Appended(first, kinds.count("new"), dups, conflicts)
    cuts = sorted(data.draw(st.sets(st.integers(0, len(kinds)), max_size=4)) | {0, len(kinds)})
    indices: list[int | None] = []
    for a, b in itertools.pairwise(cuts):
        indices += whole.part(a, b).indices()
    assert indices == whole.indices()


def test_concurrent_writers_of_overlapping_events(audit_log: AuditLog) -> None:
    """Eight threads append overlapping ranges of the same 200 events: each appears once."""
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for k in range(0, 200, 10):
                got = audit_log.append_many(make_event(i) for i in range((k + 7 * t) % 200, (k + 7 * t) % 200 + 10))
                assert len(got) == 10
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    ids = [json.loads(e.body or b"{}")["id"] for e in audit_log.events()]
    assert len(ids) == len(set(ids)) == audit_log.size()


def test_cli_import_twice_appends_once_and_reports_what_was_there(tmp_path: Path, db_url: str) -> None:
    src = tmp_path / "events.jsonl"
    src.write_text("".join(json.dumps(make_event(i)) + "\n" for i in range(30)))
    code, _, errout = run("import", str(src), "--db", db_url)
    assert code == 0 and "imported 30 events, rejected 0 lines, 0 already in the log" in errout
    code, _, errout = run("import", str(src), "--db", db_url)
    assert code == 0 and "imported 0 events, rejected 0 lines, 30 already in the log" in errout
    with open_log(db_url) as log:
        assert log.size() == 30


def test_cli_import_names_the_line_of_a_conflict_without_its_content(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    src = tmp_path / "events.jsonl"
    src.write_text("".join(json.dumps(make_event(i)) + "\n" for i in range(3)))
    assert run("import", str(src), "--db", db)[0] == 0
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps(make_event(3)) + "\n" + json.dumps(make_event(1, actor="c-secret-actor")) + "\n")
    code, out, errout = run("import", str(other), "--db", db)
    assert code == 3  # partial: one line refused
    assert "line 2: id: already used by a different event (leaf 1)" in errout
    assert "c-secret-actor" not in out + errout and "e-000001" not in errout
    assert "imported 1 events, rejected 1 lines" in errout


def test_http_single_event_duplicate_and_conflict(db_url: str) -> None:
    with TestClient(create_app(db_url, token=TOKEN, plugins=False)) as client:
        r = client.post("/audit/events", content=json.dumps(make_event(0)), headers=AUTH)
        assert r.json() == {"index": 0, "size": 1}
        r = client.post("/audit/events", content=json.dumps(make_event(0)), headers=AUTH)
        assert r.status_code == 200 and r.json() == {"index": 0, "size": 1, "duplicate": True}
        r = client.post("/audit/events", content=json.dumps(make_event(0, actor="c-secret")), headers=AUTH)
        assert r.status_code == 409 and "c-secret" not in r.text
        body = "".join(json.dumps(e) + "\n" for e in (make_event(0), make_event(1), make_event(0, actor="z")))
        r = client.post("/audit/events?format=jsonl", content=body, headers=AUTH)
        got = r.json()
        assert r.status_code == 200 and (got["accepted"], got["duplicates"], got["rejected"]) == (1, 1, 1)
        assert got["errors"] == [{"line": 3, "problems": [{"field": "id", "problem": "already used by a different "
                                                                                    "event (leaf 0); not appended"}]}]
        assert client.get("/audit/head").json()["size"] == 2
        bom = b"\xef\xbb\xbf" + (json.dumps(make_event(2)) + "\n").encode()  # a byte-order mark is ignored
        r = client.post("/audit/events?format=jsonl", content=bom, headers=AUTH)
        assert r.status_code == 200 and r.json()["accepted"] == 1


def test_migration_fills_the_ids_of_a_log_written_before_it(tmp_path: Path) -> None:
    """A log at the previous revision, holding an event twice (the re-import bug): the upgrade
    points the id at its first leaf, and a re-import then appends nothing."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from piwarden.db import parse_url
    from piwarden.db.migrate import alembic_config, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    with open_log(url) as log:
        log.append_many(make_event(i) for i in range(5))
    command.downgrade(alembic_config(parse_url(url)), "5b0c3e7f21a4")
    engine = create_engine(url)
    with engine.begin() as conn:  # what the old import did on a second run: the same body at leaf 5
        body, leaf = conn.execute(text("SELECT body, leaf_hash FROM audit_events WHERE idx = 2")).one()
        conn.execute(text("INSERT INTO audit_events (idx, leaf_hash, body, actor, action, ts_us) "
                          "VALUES (5, :h, :b, 'a', 'view', 0)"), {"h": leaf, "b": body})
    engine.dispose()
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT event_id, idx FROM audit_event_ids")).all())
    engine.dispose()
    assert rows == {f"e-{i:06d}": i for i in range(5)}
