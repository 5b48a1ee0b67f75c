"""At rest: a dump of the database alone holds no PI; tampering fails to decrypt; erasure reaches backups."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from piwarden.detect import Analyzer
from piwarden.entities import ENTITY_TYPES
from piwarden.hookspecs import hookimpl
from piwarden.plugins import plugin_manager
from piwarden.settings import Settings, load_settings
from piwarden.vault import Caller, VaultRuntime, open_vault
from piwarden.vault.crypto import DecryptError
from piwarden.vault.keystore import KekRing, VaultKeyError

from .conftest import CUSTOMERS, pg_scratch

SERVICE = Caller("svc", "platform.ops", "service", "platform")
POLICY = {"policy_no": "P-2020-118273", "holder_name": "欧阳娜娜", "holder_phone": "13812345678",
          "holder_id_number": "11010519491231002X", "holder_address": "浙江省杭州市西湖区文三路90号",
          "bank_card": "6222020200112233445", "health_notes": "高血压，长期服药"}
VALUES = [v for c in CUSTOMERS for v in c.values()] + list(POLICY.values())


class Kms:
    """A key provider holding the vault key (a KMS stand-in): remove it and the key is gone."""

    def __init__(self) -> None:
        self.ring = KekRing({1: bytes(range(32))}).text()

    def get_key(self, name: str) -> str | None:
        return self.ring if name == "vault" else None

    @hookimpl
    def piwarden_key_provider(self, source: str) -> Kms | None:
        return self if source == "test-kms" else None


@pytest.fixture
def kms() -> Iterator[Kms]:
    provider = Kms()
    plugin_manager().register(provider)
    try:
        yield provider
    finally:
        if plugin_manager().is_registered(provider):
            plugin_manager().unregister(provider)


def fill(settings: Settings, db: str) -> VaultRuntime:
    rt = open_vault(settings, db=db)
    for i, c in enumerate(CUSTOMERS):
        rt.vault.create(SERVICE, "customer", f"c-{i}", c)
    rt.vault.create(SERVICE, "policy", "c-0", POLICY)
    cs = Caller("cs-1", "platform.cs", "customer_service", "platform", purpose="after_sales", ticket="CS-1")
    rt.vault.search(cs, "customer", "phone", "13812345678", reveal=["*"])  # events in the same database
    return rt


HEX = re.compile(r"X'[0-9A-Fa-f]*'|\\x[0-9a-f]+")  # binary columns as SQLite and pg_dump write them


def machine_noise(line: str, start: int, end: int) -> bool:
    """A finding that is provably not PI: digits inside a hex-dumped binary column (ciphertexts, HMACs, wrapped
    keys: random bytes), or a whole microsecond timestamp of today (16 digits that can pass Luhn)."""
    if any(m.start() <= start and end <= m.end() for m in HEX.finditer(line)):
        return True
    found = line[start:end]
    whole = (start == 0 or not line[start - 1].isdigit()) and (end == len(line) or not line[end].isdigit())
    return whole and found.isdigit() and len(found) == 16 and abs(int(found) - time.time() * 1e6) < 86_400e6


def pi_found(dump: str) -> list[tuple[str, str]]:
    """What piwarden's detector finds in a dump, line by line: (type, text) of every PI span that is not
    machine noise (``machine_noise``: the detector reads random ciphertext bytes and timestamps as text)."""
    analyzer = Analyzer()
    found = []
    for line in dump.splitlines():
        for span in analyzer.analyze(line):
            if ENTITY_TYPES[str(span.entity)].is_pi and not machine_noise(line, span.start, span.end):
                found.append((str(span.entity), line[span.start:span.end]))
    return found


def sqlite_dump(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


def test_the_noise_filter_keeps_real_pi() -> None:
    now = str(int(time.time() * 1e6))
    line = f"INSERT INTO t VALUES('13812345678',X'0A13812345678B',{now},'11010519491231002X');"
    assert [f[1] for f in pi_found(line)] == ["13812345678", "11010519491231002X"]


def test_sqlite_dump_without_the_key_provider_holds_no_pi(tmp_path: Path, kms: Kms) -> None:
    settings = load_settings(home=tmp_path / "home", keys={"provider": "test-kms"})
    db = tmp_path / "piwarden.db"
    fill(settings, f"sqlite:///{db}").close()
    plugin_manager().unregister(kms)  # the key provider is removed
    with pytest.raises(VaultKeyError, match="no vault key"):
        open_vault(settings, db=f"sqlite:///{db}", create_keys=False)
    assert not (tmp_path / "home" / "keys" / "vault.key").exists()
    for dump in (sqlite_dump(db), sqlite_dump(tmp_path / "home" / "keys" / "vault-keys.db")):
        assert not [v for v in VALUES if v in dump]
        assert pi_found(dump) == []
    assert "vault_fields" in sqlite_dump(db)


def test_postgresql_dump_holds_no_pi(tmp_path: Path, kms: Kms) -> None:
    url = pg_scratch("vaultdump")
    settings = load_settings(home=tmp_path / "home", keys={"provider": "test-kms"})
    fill(settings, url).close()
    plugin_manager().unregister(kms)
    u = make_url(url)
    if shutil.which("pg_dump") is None:
        pytest.fail("pg_dump is not installed (postgresql-client)")
    run = subprocess.run(["pg_dump", "-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres",
                          u.database or ""], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-500:]
    assert "vault_fields" in run.stdout and "audit_events" in run.stdout
    assert not [v for v in VALUES if v in run.stdout]
    assert pi_found(run.stdout) == []


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[tuple[VaultRuntime, list[str]]]:
    settings = load_settings(home=tmp_path / "home")
    rt = open_vault(settings, db=f"sqlite:///{tmp_path / 'piwarden.db'}")
    ids = [rt.vault.create(SERVICE, "customer", f"c-{i}", c).record_id for i, c in enumerate(CUSTOMERS)]
    yield rt, ids
    rt.close()


def _sql(rt: VaultRuntime, statement: str, **params: object) -> None:
    with rt.vault.store.writer.begin() as conn:
        conn.execute(text(statement), params)


@pytest.mark.parametrize("tamper", [
    "UPDATE vault_fields SET sealed = CAST(substr(sealed, 1, 20) || X'00' || substr(sealed, 22) AS BLOB) "
    "WHERE record_id = :a AND field = 'phone'",  # one ciphertext byte
    "UPDATE vault_fields SET sealed = (SELECT sealed FROM vault_fields WHERE record_id = :b AND field = 'phone') "
    "WHERE record_id = :a AND field = 'phone'",  # another record's value moved here
    "UPDATE vault_fields SET sealed = (SELECT sealed FROM vault_fields WHERE record_id = :a AND field = 'email') "
    "WHERE record_id = :a AND field = 'phone'",  # another field's value moved here
    "UPDATE vault_records SET owner = 'M0001' WHERE id = :a",  # associated data: the owner
    "UPDATE vault_records SET subject = 'c-1' WHERE id = :a",  # associated data: the subject
])
def test_tampered_ciphertext_or_associated_data_fails_without_a_value(vault: tuple[VaultRuntime, list[str]],
                                                                     tamper: str) -> None:
    rt, (a, b) = vault
    _sql(rt, tamper, a=a, b=b)
    with pytest.raises(DecryptError) as caught:
        rt.vault.get(SERVICE, a)
    message = str(caught.value)
    assert a in message and "does not decrypt" in message
    assert not [v for v in VALUES if v in message]
    assert rt.vault.get(SERVICE, b).views[0].values  # the other record still reads


def test_a_changed_key_version_or_wrapped_key_fails(vault: tuple[VaultRuntime, list[str]]) -> None:
    rt, (a, _) = vault
    rt.vault.store.keys.rotate_data_keys()
    _sql(rt, "UPDATE vault_fields SET key_version = 2 WHERE record_id = :a AND field = 'name'", a=a)
    with pytest.raises(DecryptError, match="field name: does not decrypt"):
        rt.vault.get(SERVICE, a)
    keys = rt.vault.store.keys
    with keys.engine.begin() as conn:  # one byte flipped (set to a fixed value, it was that value 1 time in 256)
        wrapped = bytearray(conn.execute(text("SELECT wrapped FROM vault_subject_keys WHERE subject = 'c-1'")).scalar_one())
        wrapped[30] ^= 0xFF
        conn.execute(text("UPDATE vault_subject_keys SET wrapped = :w WHERE subject = 'c-1'"), {"w": bytes(wrapped)})
    with pytest.raises(VaultKeyError, match="a subject key does not unwrap"):
        keys.subject_key("c-1")


def test_erasure_makes_a_backup_unreadable(tmp_path: Path, vault: tuple[VaultRuntime, list[str]]) -> None:
    rt, (a, b) = vault
    backup = tmp_path / "backup.db"
    with sqlite3.connect(tmp_path / "piwarden.db") as src, sqlite3.connect(backup) as dst:
        src.backup(dst)  # a consistent copy: the kind a nightly backup takes
    dpo = Caller("dpo", "platform.dpo", "dpo", "platform", purpose="rights_request", ticket="R-1")
    rt.vault.erase(dpo, "c-0")
    restored = open_vault(load_settings(home=tmp_path / "home"), db=f"sqlite:///{backup}")
    try:
        with pytest.raises(DecryptError, match="the subject's key is destroyed"):
            restored.vault.store.get(a, restored.vault.types)
        assert restored.vault.store.get(b, restored.vault.types).values["phone"] == CUSTOMERS[1]["phone"]
    finally:
        restored.close()


def test_wrong_vault_key_refuses_to_unwrap(tmp_path: Path, vault: tuple[VaultRuntime, list[str]]) -> None:
    rt, (a, _) = vault
    keys = rt.vault.store.keys
    keys.kek = KekRing({1: bytes(32)})
    keys._data.clear()
    with pytest.raises(VaultKeyError, match="wrong vault key"):
        rt.vault.get(SERVICE, a)
