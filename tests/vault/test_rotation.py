"""Key rotation under load: a 2-worker server, clients reading and writing, data keys and the KEK rotated:
no request fails and every record still decrypts to what was last written."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from piwarden.client import VaultApiError, VaultClient
from piwarden.settings import load_settings
from piwarden.vault import open_vault

from .conftest import server
from .test_crash import phone, setup_accounts

pytestmark = pytest.mark.slow


def cli(home: Path, db: str, *args: str) -> str:
    run = subprocess.run([sys.executable, "-m", "piwarden.cli", "vault", *args, "--db", db], capture_output=True,
                         text=True, timeout=300, env={**os.environ, "PIWARDEN_HOME": str(home)})
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def test_rotation_while_clients_read_and_write(tmp_path: Path) -> None:
    home, db = tmp_path / "home", f"sqlite:///{tmp_path / 'piwarden.db'}"
    wkey, rkey = setup_accounts(home, db)
    latest: dict[str, str] = {}  # record id -> the phone last acknowledged
    versions: dict[str, int] = {}  # record id -> the version of that acknowledgement
    failures: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    with server(home, db, "--workers", "2", log=tmp_path / "server.log") as (base, _):
        seeded = VaultClient(base, wkey)
        for n in range(30):
            latest[seeded.create("customer", f"c-{n}", {"phone": phone(n), "name": "测试"}).id] = phone(n)

        def write(worker: int) -> None:
            c = VaultClient(base, wkey, timeout=60)
            n = 1000 * (worker + 1)
            while not stop.is_set():
                n += 1
                try:
                    if n % 2:
                        w = c.create("customer", f"c-{n}", {"phone": phone(n)})
                        with lock:
                            latest[w.id] = phone(n)
                    else:
                        with lock:
                            rid = next(iter(latest))
                        w = c.update(rid, {"phone": phone(n)})
                        with lock:  # two writers update the same record: the higher version is the last
                            if w.version > versions.get(rid, 0):
                                versions[rid], latest[rid] = w.version, phone(n)
                except (httpx.HTTPError, VaultApiError) as exc:
                    failures.append(f"write: {exc}")

        def read() -> None:
            c = VaultClient(base, rkey, timeout=60, purpose="after_sales")
            i = 0
            while not stop.is_set():
                with lock:
                    ids = list(latest)
                i += 1
                try:
                    c.get(ids[i % len(ids)])
                    c.search("customer", "phone", phone(i % 30))
                except (httpx.HTTPError, VaultApiError) as exc:
                    failures.append(f"read: {exc}")

        threads = [threading.Thread(target=write, args=(w,)) for w in range(2)]
        threads += [threading.Thread(target=read) for _ in range(2)]
        for t in threads:
            t.start()
        try:
            time.sleep(0.5)
            first = cli(home, db, "rotate")  # new data-key versions, fields re-encrypted, online
            second = cli(home, db, "rotate", "--kek")  # a new KEK version, every key re-wrapped
            third = cli(home, db, "rotate")
            time.sleep(0.5)
        finally:
            stop.set()
            for t in threads:
                t.join(120)
    assert failures == []
    assert "new data-key versions: 1" in first and "fields re-encrypted:" in first
    assert "key-encryption key version 2 added" in second and "re-wrapped" in second
    assert "fields re-encrypted:" in third
    # keys the servers made while the rotation ran may still be under version 1: a last re-wrap retires it
    assert "key-encryption key versions in use: [2]" in cli(home, db, "rotate", "--rewrap")
    rt = open_vault(load_settings(home=home), db=db, create_keys=False)
    try:
        for record_id, value in latest.items():
            assert rt.vault.store.get(record_id, rt.vault.types).values["phone"] == value
        with rt.vault.engine.connect() as conn:
            versions = {v for (v,) in conn.exec_driver_sql("SELECT DISTINCT key_version FROM vault_fields")}
        assert max(versions) == 3  # the last rotation's data keys are in use
    finally:
        rt.close()
