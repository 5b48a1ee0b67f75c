"""The log on SQLite and PostgreSQL: appends, proofs from stored nodes, queries, group commit."""

from __future__ import annotations

import threading

import pytest

from piwarden.audit.hasher import hash_leaf
from piwarden.audit.log import AuditLog, open_log
from piwarden.audit.proof import verify_consistency, verify_inclusion
from piwarden.audit.store_base import BLOCK_BITS, NODE_MIN_LEVEL, AuditStoreError, Query
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


def test_failed_batch_rolls_back_everything(audit_log: AuditLog, monkeypatch: pytest.MonkeyPatch) -> None:
    # PostgreSQL: table by table, as imports append (small batches are one statement: test_pg_one_statement.py)
    monkeypatch.setattr("piwarden.audit.store_pg.ONE_STATEMENT_BATCH", 0)
    width = 1 << NODE_MIN_LEVEL  # the append of leaf width - 1 completes the first stored node
    audit_log.append_many(make_event(i) for i in range(width - 1))
    store = audit_log.store
    real = store._insert
    tables = []

    def fail_on_nodes(cur: object, table: str, columns: object, rows: list[tuple[object, ...]]) -> None:
        tables.append(table)
        if table == "audit_nodes":
            raise RuntimeError("disk on fire")
        real(cur, table, columns, rows)  # type: ignore[arg-type]

    store._insert = fail_on_nodes  # type: ignore[method-assign]
    with pytest.raises(AuditStoreError):
        audit_log.append(make_event(width - 1))
    store._insert = real  # type: ignore[method-assign]
    assert tables == ["audit_events", "audit_event_ids", "audit_event_subjects", "audit_postings", "audit_nodes"]
    assert audit_log.size() == width - 1 and len(_bodies(audit_log)) == width - 1
    assert audit_log.append(make_event(width - 1)) == width - 1 and audit_log.root() == mth(_bodies(audit_log))


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


def test_time_windows_and_actions_across_blocks_with_out_of_order_times(audit_log: AuditLog) -> None:
    """Time windows use per-block time ranges, routine actions no index: both must stay exact
    when times are not in index order (imports of other systems' logs)."""
    n = (1 << BLOCK_BITS) * 2 + 100
    events = [make_event(i, ts=f"2026-03-{1 + (i * 7) % 28:02d}T{i % 24:02d}:15:02Z",
                         action=("view", "search", "print", "delete")[i % 4]) for i in range(n)]
    for k in range(0, n, 700):
        audit_log.append_many(events[k:k + 700])
    us = [int(parse_ts(e["ts"]).timestamp() * 1e6) for e in events]

    def ids(q: Query) -> list[int]:
        return [e.index for e in audit_log.query(q)]

    for lo_day, hi_day in ((3, 4), (1, 29), (27, 28), (10, 17)):
        lo = int(parse_ts(f"2026-03-{lo_day:02d}T00:00:00Z").timestamp() * 1e6)
        hi = int(parse_ts(f"2026-03-{hi_day:02d}T00:00:00Z").timestamp() * 1e6)
        want = [i for i in range(n) if lo <= us[i] < hi]
        assert ids(Query(since_us=lo, until_us=hi, limit=n)) == want
        assert ids(Query(since_us=lo, limit=n)) == [i for i in range(n) if lo <= us[i]]
        for action in ("view", "print"):
            assert ids(Query(action=action, since_us=lo, until_us=hi, limit=n)) == [
                i for i in want if events[i]["action"] == action]
    assert ids(Query(action="delete", limit=n)) == [i for i in range(n) if events[i]["action"] == "delete"]
    assert ids(Query(action="search", limit=5)) == [i for i in range(n) if events[i]["action"] == "search"][:5]
    far = int(parse_ts("2027-01-01T00:00:00Z").timestamp() * 1e6)
    assert ids(Query(since_us=far)) == []


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


def _adopt(db_url: str) -> None:
    """Turned into a database made before migrations: SQLite is adopted when opened; PostgreSQL is
    refused until ``piwarden db upgrade`` adopts it."""
    from piwarden.db import upgrade

    from .conftest import pre_migration

    pre_migration(db_url)
    if db_url.startswith("postgresql"):
        with pytest.raises(AuditStoreError, match="piwarden db upgrade"):
            open_log(db_url)
        upgrade(db_url)


def test_schema_1_database_is_migrated_on_open(db_url: str) -> None:
    """A database written by schema 1 (event_id column, ts and action indexes, nodes of every
    level, no block ranges, no postings) is adopted by the migrations (on open for SQLite, by
    ``db upgrade`` for PostgreSQL) and keeps its tree, proofs and queries."""
    from piwarden.audit.compact import NodeID
    from piwarden.audit.store_base import SCHEMA_VERSION

    from .tamper import execute

    events = [make_event(i) for i in range(40)]
    with open_log(db_url) as log:
        log.append_many(events)
        root = log.root()
        # Turn it back into what schema 1 wrote.
        execute(log, "ALTER TABLE audit_events ADD COLUMN event_id TEXT NOT NULL DEFAULT ''")
        for ddl in ("DROP TABLE audit_postings", "CREATE INDEX audit_events_event_id ON audit_events (event_id)",
                    "CREATE INDEX audit_events_ts ON audit_events (ts_us)",
                    "CREATE INDEX audit_events_action_ts ON audit_events (action, ts_us)",
                    "DELETE FROM audit_blocks", "UPDATE audit_state SET schema_version = 1"):
            execute(log, ddl)
        low = [NodeID(level, k) for level in (1, 2, 3) for k in range(40 >> level)]
        for n, h in log.store.nodes(low).items():
            execute(log, "INSERT INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)", (n.level, n.index, h))
    _adopt(db_url)
    with open_log(db_url) as log:
        assert log.store._read("SELECT schema_version FROM audit_state")[0][0] == SCHEMA_VERSION
        assert log.store._read("SELECT COUNT(*) FROM audit_nodes WHERE level < ?", (NODE_MIN_LEVEL,))[0][0] == 0
        assert log.root() == log.root(40) == root
        proof = log.inclusion_proof(5, 40)
        verify_inclusion(5, 40, hash_leaf(canonical_json(parse_event(events[5]))), proof, root)
        lo = int(parse_ts("2026-03-05T00:00:00+08:00").timestamp() * 1e6)
        assert [e.index for e in log.query(Query(since_us=lo, limit=100))] == [
            i for i, e in enumerate(events) if parse_ts(e["ts"]).timestamp() * 1e6 >= lo]
        assert log.append(make_event(40)) == 40


def test_schema_2_database_is_migrated_on_open(db_url: str) -> None:
    """A database written by schema 2 ((actor, ts), partial (action, ts) and export-id indexes,
    no postings) is adopted as schema 3: its indexes go, postings are built, every query still
    answers exactly, and a purge after the migration forgets the purged actors."""
    from piwarden.audit.retention import purge
    from piwarden.audit.store_base import SCHEMA_VERSION

    from .tamper import execute

    events = [make_event(i) for i in range(50)]
    with open_log(db_url) as log:
        log.append_many(events)
        root = log.root()
        for ddl in ("DROP TABLE audit_postings", "CREATE INDEX audit_events_actor_ts ON audit_events (actor, ts_us)",
                    "CREATE INDEX audit_events_rare_action_ts ON audit_events (action, ts_us) "
                    "WHERE action <> 'view' AND action <> 'search' AND action <> 'login'",
                    "CREATE INDEX audit_events_export ON audit_events (export_id) WHERE export_id IS NOT NULL",
                    "UPDATE audit_state SET schema_version = 2"):
            execute(log, ddl)
    _adopt(db_url)
    with open_log(db_url) as log:
        assert log.store._read("SELECT schema_version FROM audit_state")[0][0] == SCHEMA_VERSION == 3
        assert log.store._read("SELECT COUNT(*) FROM audit_postings")[0][0] > 0
        assert log.root() == root
        log.append_many(make_event(i) for i in range(50, 60))
        events += [make_event(i) for i in range(50, 60)]

        def ids(q: Query) -> list[int]:
            return [e.index for e in log.query(q)]

        lo, hi = parse_ts("2026-03-03T00:00:00+08:00"), parse_ts("2026-03-20T00:00:00+08:00")
        lo_us, hi_us = int(lo.timestamp() * 1e6), int(hi.timestamp() * 1e6)
        for actor in ("cs-0001", "cs-0004"):
            assert ids(Query(actor=actor)) == [i for i, e in enumerate(events) if e["actor"] == actor]
            assert ids(Query(actor=actor, since_us=lo_us, until_us=hi_us)) == [
                i for i, e in enumerate(events) if e["actor"] == actor and lo <= parse_ts(e["ts"]) < hi]
        assert ids(Query(action="reveal", since_us=lo_us)) == [
            i for i, e in enumerate(events) if e["action"] == "reveal" and lo <= parse_ts(e["ts"])]
        assert ids(Query(export_id="x-2")) == [i for i, e in enumerate(events) if e.get("export_id") == "x-2"]
        purge(log, below_index=30, vacuum=False)
        assert ids(Query(actor="cs-0001")) == [
            i for i, e in enumerate(events) if e["actor"] == "cs-0001" and i >= 30]
        posted = log.store._read("SELECT idx, more FROM audit_postings WHERE kind = 0 AND key = 'cs-0001'")
        assert posted and min(int(i) for i, _ in posted) >= 30
