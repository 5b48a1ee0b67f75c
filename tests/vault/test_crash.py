"""kill -9 of the server during concurrent writes and reads: no acknowledged write lost, every acknowledged
read and write has its event in the audit log, and every committed record has its create event."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from piwarden.audit.log import open_log
from piwarden.client import VaultApiError, VaultClient
from piwarden.settings import load_settings
from piwarden.vault import open_vault

from .conftest import pg_scratch, server

pytestmark = pytest.mark.slow


def setup_accounts(home: Path, db: str) -> tuple[str, str]:
    rt = open_vault(load_settings(home=home), db=db)
    try:
        ids = rt.identities
        ids.add_account("writer", kind="service", roles=["service"], tenant="platform", party="platform.ops")
        ids.add_account("reader", kind="service", roles=["service"], tenant="platform", party="platform.ops",
                        scopes=["vault:read"])
        return ids.new_api_key("writer"), ids.new_api_key("reader")
    finally:
        rt.close()


def phone(n: int) -> str:
    return f"139{n:08d}"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_9_loses_no_acknowledged_write_or_event(tmp_path: Path, backend: str) -> None:
    home = tmp_path / "home"
    db = f"sqlite:///{tmp_path / 'piwarden.db'}" if backend == "sqlite" else pg_scratch("vaultcrash")
    wkey, rkey = setup_accounts(home, db)
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    acked_writes: dict[str, tuple[str, str]] = {}  # record id -> (phone, event id)
    acked_reads: list[str] = []  # event ids
    lock = threading.Lock()
    stop = threading.Event()
    env = {"PIWARDEN__VAULT__OUTBOX_LEASE_S": "0.5"}
    with server(home, db, env=env, log=tmp_path / "server.log") as (base, proc):
        def write(worker: int) -> None:
            c = VaultClient(base, wkey, timeout=10)
            n = worker * 1_000_000
            while not stop.is_set():
                n += 1
                try:
                    w = c.create("customer", f"c-{n}", {"phone": phone(n), "name": "测试"})
                except (httpx.HTTPError, VaultApiError):
                    continue  # not acknowledged: the server died mid-request
                with lock:
                    acked_writes[w.id] = (phone(n), w.event_id)

        def read() -> None:
            c = VaultClient(base, rkey, timeout=10, purpose="after_sales")
            while not stop.is_set():
                with lock:
                    ids = list(acked_writes)
                if not ids:
                    time.sleep(0.01)
                    continue
                try:
                    a = c.get(random.choice(ids))
                except (httpx.HTTPError, VaultApiError):
                    continue
                with lock:
                    acked_reads.append(a.event_id)

        threads = [threading.Thread(target=write, args=(i,)) for i in range(3)]
        threads += [threading.Thread(target=read) for _ in range(3)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(2.0, 4.0))
        proc.kill()  # SIGKILL: no shutdown, no flush
        proc.wait()
        stop.set()
        for t in threads:
            t.join(30)
    assert len(acked_writes) >= 10 and len(acked_reads) >= 10, f"seed {seed}: too little traffic before the kill"
    print(f"acknowledged: {len(acked_writes)} writes, {len(acked_reads)} reads")
    # restart: the server drains what the crash left in the outbox
    with server(home, db, env=env, log=tmp_path / "server.log") as (base, _):
        deadline = time.monotonic() + 30
        rt = open_vault(load_settings(home=home), db=db, create_keys=False)
        try:
            while rt.vault.evidence.pending() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert rt.vault.evidence.pending() == 0, f"seed {seed}: outbox not drained"
        finally:
            rt.close()
    rt = open_vault(load_settings(home=home), db=db, create_keys=False)
    log = open_log(db)
    try:
        logged: dict[str, dict[str, Any]] = {}
        for e in log.events():
            ev = json.loads(e.body or b"{}")
            assert ev["id"] not in logged, f"seed {seed}: event {ev['id']} logged twice"
            logged[ev["id"]] = ev
        for record_id, (value, event_id) in acked_writes.items():
            stored = rt.vault.store.get(record_id, rt.vault.types)  # raises if lost or undecryptable
            assert stored.values["phone"] == value, f"seed {seed}"
            assert event_id in logged, f"seed {seed}: acknowledged write without its event"
        missing_reads = [e for e in acked_reads if e not in logged]
        assert missing_reads == [], f"seed {seed}: acknowledged reads without events"
        with rt.vault.engine.connect() as conn:
            committed = {r for (r,) in conn.exec_driver_sql("SELECT id FROM vault_records")}
        created = {r for ev in logged.values() if ev["action"] == "create" for r in ev.get("records", [])}
        assert committed == created, f"seed {seed}: records and create events differ"
    finally:
        log.close()
        rt.close()
