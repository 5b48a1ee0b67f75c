"""Record changes share the flush of their access event when the audit log shares their write-ahead log.

A change is acknowledged only after its event's append, whose flush (fsync of the same SQLite WAL,
or the PostgreSQL server's WAL up to its commit) makes the change durable too; so the change's own
commit need not wait for a flush. Where the log lives elsewhere, every commit keeps its own flush.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event, text

from piwarden.audit.log import open_log
from piwarden.settings import load_settings
from piwarden.vault import Caller, open_vault

from .conftest import CUSTOMERS, pg_scratch

SERVICE = Caller("svc", "platform.ops", "service", "platform")


def _setting(engine: object, sql: str) -> str:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return str(conn.execute(text(sql)).scalar())


def test_sqlite_same_file_record_writes_skip_their_own_fsync(tmp_path: Path) -> None:
    rt = open_vault(load_settings(home=tmp_path / "home"), db=f"sqlite:///{tmp_path / 'v.db'}")
    try:
        store = rt.vault.store
        assert store.logged is not None
        assert _setting(store.logged, "PRAGMA synchronous") == "1"  # NORMAL
        assert _setting(store.writer, "PRAGMA synchronous") == "2"  # FULL: holds, tickets, quotas ...
        commits: list[str] = []
        event.listen(store.logged, "commit", lambda conn: commits.append("record"))
        # a create runs on the logged engine's sqlite3 connection itself (test_create_fast.py): its checkout
        event.listen(store.logged, "checkout", lambda *_: commits.append("checkout"))
        written = rt.vault.create(SERVICE, "customer", "c-0", CUSTOMERS[0])
        assert commits == ["checkout"]
        rt.vault.update(SERVICE, written.record_id, {"phone": "13911112222"})
        assert commits == ["checkout", "checkout", "record"]
    finally:
        rt.close()


def test_sqlite_log_in_another_file_keeps_every_flush(tmp_path: Path) -> None:
    log = open_log(f"sqlite:///{tmp_path / 'audit.db'}")
    rt = open_vault(load_settings(home=tmp_path / "home"), db=f"sqlite:///{tmp_path / 'v.db'}", log=log)
    try:
        assert rt.vault.store.logged is None
        rt.vault.create(SERVICE, "customer", "c-0", CUSTOMERS[0])
    finally:
        rt.close()
        log.close()


def test_postgresql_same_server_commits_asynchronously(tmp_path: Path) -> None:
    url = pg_scratch("logged")
    rt = open_vault(load_settings(home=tmp_path / "home"), db=url)
    try:
        store = rt.vault.store
        assert store.logged is not None
        assert _setting(store.logged, "SHOW synchronous_commit") == "off"
        assert _setting(store.engine, "SHOW synchronous_commit") == "on"
        written = rt.vault.create(SERVICE, "customer", "c-0", CUSTOMERS[0])
        assert rt.vault.get(SERVICE, written.record_id).views[0].id == written.record_id
    finally:
        rt.close()


def test_postgresql_with_the_log_elsewhere_keeps_every_flush(tmp_path: Path) -> None:
    log = open_log(f"sqlite:///{tmp_path / 'audit.db'}")
    rt = open_vault(load_settings(home=tmp_path / "home"), db=pg_scratch("logged2"), log=log)
    try:
        assert rt.vault.store.logged is None
    finally:
        rt.close()
        log.close()


def test_concurrent_first_records_of_one_subject_share_its_key(tmp_path: Path) -> None:
    """New subject keys are group-committed: racing creators of the same subject all end up with the one kept."""
    from concurrent.futures import ThreadPoolExecutor

    rt = open_vault(load_settings(home=tmp_path / "home"), db=f"sqlite:///{tmp_path / 'v.db'}")
    try:
        keys = rt.vault.store.keys
        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(lambda n: keys.subject_key(f"s-{n % 3}", create=True), range(24)))
        assert all(k is not None for k in got)
        assert {n % 3: got[n] for n in range(24)} == {n: keys.subject_key(f"s-{n}") for n in range(3)}
        assert len({got[n] for n in range(24)}) == 3
        with ThreadPoolExecutor(8) as pool:
            ids = list(pool.map(lambda n: rt.vault.create(SERVICE, "customer", "c-new", CUSTOMERS[n % 2]).record_id,
                                range(16)))
        assert all(rt.vault.get(SERVICE, i).views[0].subject == "c-new" for i in ids)
    finally:
        rt.close()
