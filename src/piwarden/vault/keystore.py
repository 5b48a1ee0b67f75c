"""The vault's keys: key-encryption keys from the one key loader, data and subject keys in the key store.

Hierarchy (docs/vault.md#keys):

- **key-encryption keys (KEK)**: the ``vault`` key of ``piwarden.keys`` (key file
  ``HOME/keys/vault.key``, or a KMS through the ``piwarden_key_provider`` hook), one line per
  version, ``<version>:<base64url of 32 bytes>``; the highest version wraps, every listed one
  unwraps. Never stored in any database.
- **data keys**: one per tenant x field class (the entity type's category) x version, random,
  stored wrapped (AES-256-GCM under the KEK, the key's identity as associated data) in the key
  store. ``rotate_data_keys`` adds a version; new writes use the newest.
- **subject keys**: one per data subject, random, stored wrapped. A field is sealed under
  ``HKDF(data key, salt = subject key)``: destroying the subject key (``destroy_subject``) makes
  every copy of that subject's values unreadable; the key store is a database apart from the
  data (default ``HOME/keys/vault-keys.db``), so a backup of the data holds no key.
- **index and token keys**: data keys of the reserved classes ``_index`` (tenant ``*``: one
  blind-index key per record type and field, derived) and ``_token`` (per tenant), never rotated
  (a new key would change every index digest and token).

Unwrapped data keys are cached in memory (they never change); subject keys are read each time,
so a shred by another process takes effect at once.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, event, func, insert, select, update
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from piwarden.audit.group_commit import GroupCommitter
from piwarden.db import open_engine, writing
from piwarden.db.base import table_of
from piwarden.db.engine import raw_sqlite_transaction, sqlite_file, use_wal
from piwarden.db.prepared import Prepared
from piwarden.db.vault import VaultDataKey, VaultSubjectKey
from piwarden.home import private_dir
from piwarden.keys import VAULT_KEY, KeySourceError, load_key, write_key_file
from piwarden.settings import Settings, get_settings
from piwarden.vault.crypto import KEY_BYTES, DecryptError, derive, open_sealed, seal, wrap_ad

DATA_KEYS = table_of(VaultDataKey)
SUBJECT_KEYS = table_of(VaultSubjectKey)
INDEX_CLASS = "_index"
TOKEN_CLASS = "_token"
ALL_TENANTS = "*"
ACTIVE_TTL_S = 2.0  # how long the newest data-key version is trusted before it is read again


class VaultKeyError(LookupError):
    """A key the vault needs is missing or unusable (never shows key material)."""


def now_us() -> int:
    return time.time_ns() // 1000


@dataclass(frozen=True)
class KekRing:
    """The key-encryption keys by version; ``newest`` wraps, every version unwraps."""

    keys: dict[int, bytes] = field(repr=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise VaultKeyError("the vault key holds no key-encryption key")

    @property
    def newest(self) -> int:
        return max(self.keys)

    def key(self, version: int) -> bytes:
        try:
            return self.keys[version]
        except KeyError:
            raise VaultKeyError(f"key-encryption key version {version} is not in the vault key") from None

    def text(self) -> str:
        """The key file's text form."""
        return "".join(f"{v}:{base64.urlsafe_b64encode(k).decode().rstrip('=')}\n" for v, k in sorted(self.keys.items()))

    def with_new_version(self) -> KekRing:
        return KekRing({**self.keys, self.newest + 1: secrets.token_bytes(KEY_BYTES)})

    def __repr__(self) -> str:
        return f"KekRing(versions={sorted(self.keys)})"


def parse_kek_ring(text: str) -> KekRing:
    """``<version>:<base64url>`` lines (a bare base64url line is version 1); message never shows a key."""
    keys: dict[int, bytes] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        version_text, sep, body = line.partition(":")
        if not sep:
            version_text, body = "1", line
        try:
            version = int(version_text)
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (ValueError, binascii.Error):
            raise VaultKeyError(f"vault key line {number}: not '<version>:<base64url key>'") from None
        if version < 1 or len(raw) != KEY_BYTES or version in keys:
            raise VaultKeyError(f"vault key line {number}: needs a new version >= 1 and a {KEY_BYTES}-byte key")
        keys[version] = raw
    return KekRing(keys)


def _new_ring_text() -> bytes:
    return KekRing({1: secrets.token_bytes(KEY_BYTES)}).text().encode()


def load_kek_ring(settings: Settings | None = None, *, create: bool = True) -> KekRing:
    """The KEK ring from the key loader (file, then key provider), a new key file if ``create``."""
    try:
        key = load_key(VAULT_KEY, settings, create=_new_ring_text if create else None)
    except KeySourceError as exc:
        raise VaultKeyError(f"no vault key: {exc}") from None
    if key is None:
        raise VaultKeyError("no vault key: none in HOME/keys/vault.key and the key provider holds none")
    return parse_kek_ring(key.text())


def add_kek_version(settings: Settings | None = None) -> KekRing:
    """Append a new KEK version to the vault key file (written anew, 0600, renamed into place)."""
    settings = settings or get_settings()
    path = settings.keys_dir / VAULT_KEY.file_name
    ring = load_kek_ring(settings).with_new_version()
    if not path.exists():
        raise VaultKeyError("the vault key does not come from its key file: rotate it in the key provider, then "
                            "run `piwarden vault rotate --rewrap`")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    write_key_file(tmp, ring.text().encode())
    os.replace(tmp, path)
    return ring


def keystore_engine(settings: Settings | None = None) -> Engine:
    """The key store's engine (schema checked or created as for the piwarden database)."""
    settings = settings or get_settings()
    url = settings.vault_keystore_url
    if url == f"sqlite:///{settings.keys_dir / 'vault-keys.db'}":
        private_dir(settings.keys_dir)
    engine = use_wal(open_engine(url))
    if engine.url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _secure_delete)
    return engine


def _secure_delete(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA secure_delete=ON")  # a destroyed key's bytes are overwritten, not freed


class KeyStore:
    """Data keys and subject keys, wrapped under the KEK ring; thread-safe."""

    def __init__(self, engine: Engine, kek: KekRing, reload: Callable[[], KekRing] | None = None) -> None:
        self.engine, self.kek, self._reload = engine, kek, reload
        self._data: dict[tuple[str, str, int], bytes] = {}
        self._active: dict[tuple[str, str], tuple[int, float]] = {}
        self._lock = threading.Lock()
        backend = engine.url.get_backend_name()
        if backend in ("sqlite", "postgresql"):  # a subject made meanwhile by another writer: theirs stays
            module = sqlite_dialect if backend == "sqlite" else postgresql_dialect
            self._insert_subject: Any = module.insert(SUBJECT_KEYS).on_conflict_do_nothing(index_elements=["subject"])
        else:  # MySQL / MariaDB
            self._insert_subject = insert(SUBJECT_KEYS).prefix_with("IGNORE")
        self._sqlite_file = sqlite_file(engine)
        # the same statement for the sqlite3 connection itself (columns in table order: subject, kek_version,
        # wrapped, created_us)
        self._raw_insert_subject = self._insert_subject.compile(dialect=engine.dialect).string
        # new subjects' keys are group-committed: a write burst of new customers shares the key store's fsyncs
        self._new_subjects: GroupCommitter[tuple[str, int, bytes], list[bool]] = GroupCommitter(
            self._insert_subjects, lambda done, start, stop: done[start:stop], max_items=500)
        self._subject_row = Prepared(engine, select(SUBJECT_KEYS.c.kek_version, SUBJECT_KEYS.c.wrapped).where(
            SUBJECT_KEYS.c.subject == bindparam("subject")))

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with writing(self.engine) as conn:
            yield conn

    # -- wrapping ---------------------------------------------------------------------------
    def _wrap(self, key: bytes, ad: bytes) -> tuple[int, bytes]:
        version = self.kek.newest
        return version, seal(self.kek.key(version), key, ad)

    def _unwrap(self, kek_version: int, wrapped: bytes, ad: bytes, what: str) -> bytes:
        if kek_version not in self.kek.keys and self._reload is not None:  # rotated by another process
            self.kek = self._reload()
        try:
            return open_sealed(self.kek.key(kek_version), wrapped, ad, what)
        except DecryptError:
            raise VaultKeyError(f"{what} does not unwrap: wrong vault key or a changed key store") from None

    # -- data keys --------------------------------------------------------------------------
    def data_key(self, tenant: str, key_class: str, version: int) -> bytes:
        """One version of a data key (cached once unwrapped)."""
        slot = (tenant, key_class, version)
        found = self._data.get(slot)
        if found is not None:
            return found
        with self.engine.connect() as conn:
            row = conn.execute(select(DATA_KEYS.c.kek_version, DATA_KEYS.c.wrapped).where(
                DATA_KEYS.c.tenant == tenant, DATA_KEYS.c.key_class == key_class,
                DATA_KEYS.c.version == version)).first()
        if row is None:
            raise VaultKeyError(f"data key {key_class} v{version} of tenant {tenant} is not in the key store")
        key = self._unwrap(row.kek_version, row.wrapped, wrap_ad("data", tenant, key_class, version),
                           f"data key {key_class} v{version} of tenant {tenant}")
        with self._lock:
            self._data[slot] = key
        return key

    def active_data_key(self, tenant: str, key_class: str) -> tuple[int, bytes]:
        """The newest version of a tenant's class key, created (version 1) on first use."""
        cached = self._active.get((tenant, key_class))
        if cached is not None and time.monotonic() - cached[1] < ACTIVE_TTL_S:
            return cached[0], self.data_key(tenant, key_class, cached[0])
        with self.engine.connect() as conn:
            version = conn.execute(select(func.max(DATA_KEYS.c.version)).where(
                DATA_KEYS.c.tenant == tenant, DATA_KEYS.c.key_class == key_class)).scalar()
        if version is None:
            version = self._create_data_key(tenant, key_class, 1)
        with self._lock:
            self._active[(tenant, key_class)] = (version, time.monotonic())
        return version, self.data_key(tenant, key_class, version)

    def _create_data_key(self, tenant: str, key_class: str, version: int) -> int:
        key = secrets.token_bytes(KEY_BYTES)
        kek_version, wrapped = self._wrap(key, wrap_ad("data", tenant, key_class, version))
        try:
            with self._tx() as conn:
                conn.execute(insert(DATA_KEYS).values(tenant=tenant, key_class=key_class, version=version,
                                                      kek_version=kek_version, wrapped=wrapped, created_us=now_us()))
        except IntegrityError:  # another process made this version first: use theirs
            pass
        return version

    def index_key(self, record_type: str, field_name: str) -> bytes:
        """The blind-index key of one record type's field."""
        _, root = self._fixed(ALL_TENANTS, INDEX_CLASS)
        return derive(root, f"piwarden-vault/v1/index/{record_type}/{field_name}".encode())

    def token_key(self, tenant: str) -> bytes:
        """The master key of a tenant's tokens (the mask operators' key ring)."""
        return self._fixed(tenant, TOKEN_CLASS)[1]

    def _fixed(self, tenant: str, key_class: str) -> tuple[int, bytes]:
        found = self._data.get((tenant, key_class, 1))
        if found is not None:
            return 1, found
        try:
            return 1, self.data_key(tenant, key_class, 1)
        except VaultKeyError:
            self._create_data_key(tenant, key_class, 1)
            return 1, self.data_key(tenant, key_class, 1)

    # -- subject keys -----------------------------------------------------------------------
    def subject_key(self, subject: str, *, create: bool = False) -> bytes | None:
        """The subject's key; None when it has none (never had, or shredded) and ``create`` is false."""
        row = self._subject_row.first(subject=subject)  # read every time: an erasure takes effect at once
        if row is not None:
            return self._unwrap(row[0], bytes(row[1]), wrap_ad("subject", subject), "a subject key")
        if not create:
            return None
        key = secrets.token_bytes(KEY_BYTES)
        kek_version, wrapped = self._wrap(key, wrap_ad("subject", subject))
        if not self._new_subjects.submit([(subject, kek_version, wrapped)])[0]:
            return self.subject_key(subject)  # made concurrently: theirs
        return key

    def _insert_subjects(self, rows: Sequence[tuple[str, int, bytes]]) -> list[bool]:
        """New subject keys of concurrent writers in one transaction (one fsync); which went in (the
        others' subjects had a key already, made meanwhile)."""
        t = now_us()
        if self._sqlite_file is not None:  # the sqlite3 connection itself: a fifth of a new record's CPU otherwise
            with raw_sqlite_transaction(self.engine, self._sqlite_file) as cur:
                went_in = []
                for subject, version, wrapped in rows:
                    cur.execute(self._raw_insert_subject, (subject, version, wrapped, t))
                    went_in.append(cur.rowcount == 1)
                return went_in
        with self._tx() as conn:
            return [conn.execute(self._insert_subject, {"subject": subject, "kek_version": version, "wrapped": wrapped,
                                        "created_us": t}).rowcount == 1 for subject, version, wrapped in rows]

    def destroy_subject(self, subject: str) -> bool:
        """Crypto-shred: delete the subject's key; True if there was one."""
        with self._tx() as conn:
            gone = bool(conn.execute(delete(SUBJECT_KEYS).where(SUBJECT_KEYS.c.subject == subject)).rowcount)
        if gone and self.engine.url.get_backend_name() == "sqlite":
            # secure_delete zeroed the row's page; the checkpoint takes the old page images out of the WAL
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return gone

    # -- rotation ---------------------------------------------------------------------------
    def rotate_data_keys(self) -> int:
        """A new version of every tenant's class data key (index and token keys excepted); how many."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(DATA_KEYS.c.tenant, DATA_KEYS.c.key_class, func.max(DATA_KEYS.c.version))
                                .where(DATA_KEYS.c.key_class.not_in([INDEX_CLASS, TOKEN_CLASS]))
                                .group_by(DATA_KEYS.c.tenant, DATA_KEYS.c.key_class)).all()
        for tenant, key_class, version in rows:
            self._create_data_key(tenant, key_class, int(version) + 1)
        with self._lock:
            self._active.clear()
        return len(rows)

    def rewrap(self) -> int:
        """Re-wrap every data and subject key not under the newest KEK version; how many were re-wrapped."""
        newest, count = self.kek.newest, 0
        with self.engine.connect() as conn:
            data = conn.execute(select(DATA_KEYS).where(DATA_KEYS.c.kek_version != newest)).all()
            subjects = conn.execute(select(SUBJECT_KEYS).where(SUBJECT_KEYS.c.kek_version != newest)).all()
        for row in data:
            ad = wrap_ad("data", row.tenant, row.key_class, row.version)
            key = self._unwrap(row.kek_version, row.wrapped, ad, f"data key {row.key_class} v{row.version}")
            with self._tx() as conn:
                count += conn.execute(update(DATA_KEYS).where(
                    DATA_KEYS.c.tenant == row.tenant, DATA_KEYS.c.key_class == row.key_class,
                    DATA_KEYS.c.version == row.version, DATA_KEYS.c.kek_version == row.kek_version,
                ).values(kek_version=newest, wrapped=seal(self.kek.key(newest), key, ad))).rowcount
        for row in subjects:
            ad = wrap_ad("subject", row.subject)
            key = self._unwrap(row.kek_version, row.wrapped, ad, "a subject key")
            with self._tx() as conn:
                count += conn.execute(update(SUBJECT_KEYS).where(
                    SUBJECT_KEYS.c.subject == row.subject, SUBJECT_KEYS.c.kek_version == row.kek_version,
                ).values(kek_version=newest, wrapped=seal(self.kek.key(newest), key, ad))).rowcount
        return count

    def kek_versions_in_use(self) -> set[int]:
        with self.engine.connect() as conn:
            return ({int(v) for (v,) in conn.execute(select(DATA_KEYS.c.kek_version).distinct())}
                    | {int(v) for (v,) in conn.execute(select(SUBJECT_KEYS.c.kek_version).distinct())})

    def close(self) -> None:
        self.engine.dispose()
