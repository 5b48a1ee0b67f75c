"""The log on SQLite and PostgreSQL: appends, proofs from stored nodes, queries, group commit."""

from __future__ import annotations

import threading

import pytest

from piwarden.audit.hasher import hash_leaf
from piwarden.audit.log import AuditLog, open_log
from piwarden.audit.proof import verify_consistency, verify_inclusion
from piwarden.audit.store_base import AuditStoreError, Query
from piwarden.events import EventError, canonical_json, parse_event, parse_ts

from .conftest import make_event
from .rfc6962_reference import mth


def _bodies(log: AuditLog) -> list[bytes]:
    return [e.body or b"" for e in log.events()]


def test_append_assigns_consecutive_indices_and_stores_canonical_bytes(audit_log: AuditLog) -> None:
    assert [audit_log.append(make_event(i)) for i in range(3)] == [0, 1, 2]
    assert audit_log.append_many(make_event(i) for i in range(3, 10)) == list(range(3, 10))
    bodies = _bodies(audit_log)
    assert bodies == [canonical_json(parse_event(make_event(i))) for i in range(10)]
    assert audit_log.size() == 10 and audit_log.root() == mth(bodies)


def test_proofs_from_stored_nodes_verify_at_every_size(audit_log: AuditLog) -> None:
    audit_log.append_many(make_event(i) for i in range(23))
    bodies = _bodies(audit_log)
    for size in (1, 2, 7, 8, 16, 23):
        root = audit_log.root(size)
        assert root == mth(bodies[:size])
        for index in {0, size // 2, size - 1}:
            verify_inclusion(index, size, hash_leaf(bodies[index]), audit_log.inclusion_proof(index, size), root)
        for old in {0, 1, size // 3, size - 1, size}:
            verify_consistency(old, size, audit_log.consistency_proof(old, size), audit_log.root(old), root)


def test_reopen_continues_the_same_tree(db_url: str) -> None:
    with open_log(db_url) as log:
        log.append_many(make_event(i) for i in range(5))
    with open_log(db_url) as log:
        assert log.append(make_event(5)) == 5
        assert log.root() == mth(_bodies(log))


def test_invalid_event_is_rejected_and_nothing_is_stored(audit_log: AuditLog) -> None:
    with pytest.raises(EventError) as info:
        audit_log.append_many([make_event(0), make_event(1, ts="yesterday")])
    assert info.value.record == "event 1" and info.value.fields == ["ts"]
    assert audit_log.size() == 0


def test_failed_batch_rolls_back_everything(audit_log: AuditLog) -> None:
    audit_log.append(make_event(0))
    store = audit_log.store
    real = store._many
    calls = []

    def fail_on_nodes(cur: object, sql: str, rows: list[tuple[object, ...]]) -> None:
        calls.append(sql)
        if "audit_nodes" in sql:
            raise RuntimeError("disk on fire")
        real(cur, sql, rows)

    store._many = fail_on_nodes  # type: ignore[method-assign]
    with pytest.raises(AuditStoreError):
        audit_log.append(make_event(1))
    store._many = real  # type: ignore[method-assign]
    assert audit_log.size() == 1 and len(_bodies(audit_log)) == 1
    assert audit_log.append(make_event(1)) == 1 and audit_log.root() == mth(_bodies(audit_log))


def test_queries_by_subject_actor_action_export_and_time(audit_log: AuditLog) -> None:
    events = [make_event(i) for i in range(60)]
    audit_log.append_many(events)

    def ids(q: Query) -> list[int]:
        return [e.index for e in audit_log.query(q)]

    assert ids(Query(subject="c-3")) == [i for i, e in enumerate(events) if "c-3" in e["subjects"]]
    assert ids(Query(actor="cs-0002")) == [i for i, e in enumerate(events) if e["actor"] == "cs-0002"]
    assert ids(Query(action="export", export_id="x-1")) == [
        i for i, e in enumerate(events) if e.get("export_id") == "x-1"]
    lo, hi = parse_ts("2026-03-05T00:00:00+08:00"), parse_ts("2026-03-09T00:00:00+08:00")
    assert ids(Query(since_us=int(lo.timestamp() * 1e6), until_us=int(hi.timestamp() * 1e6))) == [
        i for i, e in enumerate(events) if lo <= parse_ts(e["ts"]) < hi]
    assert ids(Query(subject="c-3", actor="cs-0001", limit=2)) == [
        i for i, e in enumerate(events) if "c-3" in e["subjects"] and e["actor"] == "cs-0001"][:2]


def test_concurrent_writers_share_commits(audit_log: AuditLog) -> None:
    threads, per = 8, 40
    got: list[int] = []
    lock = threading.Lock()

    def writer(t: int) -> None:
        for k in range(per):
            index = audit_log.append(make_event(t * per + k))
            with lock:
                got.append(index)

    pool = [threading.Thread(target=writer, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    assert sorted(got) == list(range(threads * per))
    assert audit_log.commits < threads * per  # some appends shared a transaction
    assert audit_log.root() == mth(_bodies(audit_log))


def test_two_logs_on_one_database_interleave_safely(db_url: str) -> None:
    a, b = open_log(db_url), open_log(db_url)
    try:
        for i in range(10):
            (a if i % 2 else b).append(make_event(i))
        assert a.size() == b.size() == 10 and a.root() == b.root() == mth(_bodies(a))
    finally:
        a.close()
        b.close()


def test_memory_and_unknown_databases_refused() -> None:
    for url in ("sqlite://", "sqlite:///:memory:", "mysql://u:secret@h/db"):
        with pytest.raises(AuditStoreError) as info:
            open_log(url)
        assert "secret" not in str(info.value)


def test_proof_beyond_the_log_is_refused(audit_log: AuditLog) -> None:
    audit_log.append(make_event(0))
    with pytest.raises(ValueError):
        audit_log.inclusion_proof(0, 2)


def test_signing_heads_while_appending_loses_nothing(audit_log: AuditLog) -> None:
    """Heads are written on the same connection as appends, from another thread (the crash test
    found appends acknowledged inside a transaction that another thread then rolled back)."""
    from piwarden.audit.checkpoint import sign_head
    from piwarden.audit.note import NoteSigner

    signer = NoteSigner.generate("race.test/audit")
    stop = threading.Event()
    errors: list[BaseException] = []

    def signing() -> None:
        while not stop.is_set():
            try:
                sign_head(audit_log, signer)
            except BaseException as exc:
                errors.append(exc)
                return

    def appending(t: int) -> None:
        for k in range(30):
            audit_log.append(make_event(t * 30 + k))

    signer_thread = threading.Thread(target=signing)
    signer_thread.start()
    pool = [threading.Thread(target=appending, args=(t,)) for t in range(4)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    stop.set()
    signer_thread.join()
    assert not errors
    assert audit_log.size() == 120 and audit_log.root() == mth(_bodies(audit_log))
