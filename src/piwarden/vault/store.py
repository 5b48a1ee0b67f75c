"""Records at rest: sealed field values, blind indexes and tombstones, written with SQLAlchemy Core.

``RecordStore`` knows keys and tables, not callers or policies: it seals each value under
``field_key(data key of (owner, class), subject key)`` with the record id, field, key class and
version, owner and subject as associated data, keeps a blind index per look-up field, and
runs every write in one transaction together with the outbox row the caller stages in it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from piwarden.db import writing
from piwarden.db.base import table_of
from piwarden.db.engine import raw_sqlite_transaction, sqlite_file
from piwarden.db.prepared import Prepared, pooled
from piwarden.db.vault import VaultField, VaultLookup, VaultOutbox, VaultRecord, VaultShred
from piwarden.mask.normalize import normalize
from piwarden.vault.crypto import DecryptError, blind_index, field_ad, field_key, open_sealed, seal
from piwarden.vault.evidence import Staging, now_us
from piwarden.vault.keystore import KeyStore, VaultKeyError
from piwarden.vault.record_types import FieldSpec, RecordType

RECORDS = table_of(VaultRecord)
FIELDS = table_of(VaultField)
# a record and its fields, one row per field (the record alone, fields NULL, if it has none)
_GET = (select(RECORDS.c.id, RECORDS.c.type, RECORDS.c.owner, RECORDS.c.subject, RECORDS.c.version,
               FIELDS.c.field, FIELDS.c.key_class, FIELDS.c.key_version, FIELDS.c.sealed)
        .select_from(RECORDS.outerjoin(FIELDS, FIELDS.c.record_id == RECORDS.c.id))
        .where(RECORDS.c.id == bindparam("id")))
LOOKUPS = table_of(VaultLookup)
SHREDS = table_of(VaultShred)
# statements built once: building one per call (``insert(T).values(...)``) cost more than running it
_INSERT_RECORD = insert(RECORDS)
_INSERT_FIELDS = insert(FIELDS)
_INSERT_LOOKUPS = insert(LOOKUPS)
_SHREDDED = select(SHREDS.c.subject).where(SHREDS.c.subject == bindparam("subject"))
FREE_TEXT = frozenset({"PERSON", "ADDRESS", "GOODS", "HEALTH"})
_SEPARATORS = re.compile(r"[\s\-()（）]+")

Value = str | bytes
Stage = Callable[[Connection], object]

# A new record's inserts on SQLite's own connection (``RecordStore._create_sqlite``), columns in table order.
_COLUMNS = {t.name: tuple(c.name for c in t.columns) for t in (RECORDS, FIELDS, LOOKUPS, table_of(VaultOutbox))}
_RAW = {name: f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        for name, cols in _COLUMNS.items()}

# A new record, its fields, blind indexes and outbox row, and the deletion of published outbox rows, as one
# PostgreSQL statement in autocommit: one round trip and its own transaction, where the same work as separate
# statements took BEGIN, five statements and COMMIT (docs/vault.md "One statement per new record").
_CREATE_PG = """WITH r AS (INSERT INTO vault_records (id, type, owner, subject, version, created_us, updated_us)
  VALUES (%(id)s, %(type)s, %(owner)s, %(subject)s, 1, %(t)s, %(t)s)),
f AS (INSERT INTO vault_fields (record_id, field, key_class, key_version, sealed)
  SELECT %(id)s, u.* FROM unnest(%(fields)s::varchar[], %(classes)s::varchar[], %(versions)s::int[],
                                 %(sealed)s::bytea[]) AS u),
l AS (INSERT INTO vault_lookups (type, field, digest, record_id)
  SELECT %(type)s, u.field, u.digest, %(id)s FROM unnest(%(lookup_fields)s::varchar[], %(digests)s::bytea[])
    AS u(field, digest)),
o AS (INSERT INTO vault_outbox (event_id, body, created_us, claimed_by, claimed_us)
  VALUES (%(event_id)s, %(body)s, %(created_us)s, %(claimed_by)s, %(claimed_us)s)),
d AS (DELETE FROM vault_outbox WHERE event_id = ANY(%(published)s::varchar[]))
SELECT 1"""


class RecordNotFound(LookupError):
    """No record with that id (or it was erased)."""


class VersionConflict(RuntimeError):
    """The record changed since the version the caller read."""


class SubjectShredded(RuntimeError):
    """The subject was erased: its key is destroyed, nothing can be written for it."""


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record's clear metadata and its decrypted values."""

    id: str
    type: str
    owner: str
    subject: str
    version: int
    values: dict[str, Value]


def new_record_id() -> str:
    return f"r-{uuid.uuid4().hex}"


def lookup_form(value: str, entity: str) -> str:
    """The form a look-up value is indexed in: ``138 1234 5678`` and ``13812345678`` are one."""
    v = normalize(value, entity)
    if entity in FREE_TEXT:
        return " ".join(v.split())
    if entity == "EMAIL":
        return v.strip().lower()
    return _SEPARATORS.sub("", v).upper()


class RecordStore:
    """The vault's tables over one engine (writes through ``writer``: on SQLite ``BEGIN IMMEDIATE``)."""

    def __init__(self, engine: Engine, writer: Engine, keys: KeyStore, logged: Engine | None = None) -> None:
        self.engine, self.writer, self.keys, self.logged = engine, writer, keys, logged
        self._get = Prepared(engine, _GET)
        self._shredded = Prepared(engine, _SHREDDED)
        self._one_statement = (logged or writer).dialect.driver == "psycopg"
        self._sqlite_file = sqlite_file(logged or writer)  # where writes take the file's lock (as ``writing``)

    @contextmanager
    def transaction(self, *, logged: bool = False) -> Iterator[Connection]:
        """A write transaction; ``logged``: one whose staged event is appended to the audit log before the
        change is acknowledged, so it may use the ``logged`` writer (``runtime.logged_writer``)."""
        with writing(self.logged if logged and self.logged is not None else self.writer) as conn:
            yield conn

    # -- sealing ----------------------------------------------------------------------------
    def _seal(self, record_id: str, owner: str, subject: str, subject_key: bytes, spec: FieldSpec,
              value: Value) -> dict[str, object]:
        version, data_key = self.keys.active_data_key(owner, spec.key_class)
        plain = value if isinstance(value, bytes) else value.encode("utf-8")
        ad = field_ad(record_id, spec.name, spec.key_class, version, owner, subject)
        return {"record_id": record_id, "field": spec.name, "key_class": spec.key_class, "key_version": version,
                "sealed": seal(field_key(data_key, subject_key), plain, ad)}

    def _open(self, record_id: str, owner: str, subject: str, subject_key: bytes, spec: FieldSpec | None,
              name: str, key_class: str, key_version: int, sealed: bytes) -> Value:
        try:
            data_key = self.keys.data_key(owner, key_class, key_version)
        except VaultKeyError:  # a record relabelled to another owner or key version: as good as tampered
            raise DecryptError(f"record {record_id} field {name}: does not decrypt (its owner has no data key "
                               f"{key_class} v{key_version})") from None
        ad = field_ad(record_id, name, key_class, key_version, owner, subject)
        plain = open_sealed(field_key(data_key, subject_key), sealed, ad, f"record {record_id} field {name}")
        if spec is not None and spec.kind == "file":
            return plain
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptError(f"record {record_id} field {name}: not UTF-8 text") from None

    def digest(self, rtype: RecordType, spec: FieldSpec, value: str) -> bytes:
        return blind_index(self.keys.index_key(rtype.name, spec.name), lookup_form(value, spec.entity.name))

    # -- writes -----------------------------------------------------------------------------
    def create(self, rtype: RecordType, owner: str, subject: str, values: Mapping[str, Value],
               stage: Stage, record_id: str | None = None) -> tuple[str, int]:
        """Seal and store a new record; ``stage(conn)`` adds the outbox row in the same transaction."""
        if self.is_shredded(subject):
            raise SubjectShredded("the subject was erased")
        subject_key = self.keys.subject_key(subject, create=True)
        assert subject_key is not None
        record_id = record_id or new_record_id()
        rows = [self._seal(record_id, owner, subject, subject_key, rtype.field(n), v) for n, v in values.items()]
        lookups: list[dict[str, object]] = [
            {"type": rtype.name, "field": n, "digest": self.digest(rtype, rtype.field(n), str(v)),
             "record_id": record_id} for n, v in values.items() if rtype.field(n).lookup]
        t = now_us()
        if isinstance(stage, Staging) and self._one_statement:
            self._create_pg(record_id, rtype.name, owner, subject, t, rows, lookups, stage)
            return record_id, 1
        if isinstance(stage, Staging) and self._sqlite_file is not None:
            record = (record_id, rtype.name, owner, subject, 1, t, t)
            self._create_sqlite(self._sqlite_file, record, rows, lookups, stage)
            return record_id, 1
        with self.transaction(logged=True) as conn:
            conn.execute(_INSERT_RECORD, {"id": record_id, "type": rtype.name, "owner": owner, "subject": subject,
                                          "version": 1, "created_us": t, "updated_us": t})
            if rows:
                conn.execute(_INSERT_FIELDS, rows)
            if lookups:
                conn.execute(_INSERT_LOOKUPS, lookups)
            stage(conn)
        return record_id, 1

    def _create_pg(self, record_id: str, type_name: str, owner: str, subject: str, t: int,
                   rows: list[dict[str, object]], lookups: list[dict[str, object]], stage: Staging) -> None:
        published = stage.take_published()
        params = {"id": record_id, "type": type_name, "owner": owner, "subject": subject, "t": t,
                  "fields": [r["field"] for r in rows], "classes": [r["key_class"] for r in rows],
                  "versions": [r["key_version"] for r in rows], "sealed": [r["sealed"] for r in rows],
                  "lookup_fields": [x["field"] for x in lookups], "digests": [x["digest"] for x in lookups],
                  "published": published, **stage.row}
        try:
            with pooled(self.logged or self.writer, autocommit=True) as conn, conn.cursor() as cur:
                cur.execute(_CREATE_PG, params)
        except BaseException:
            stage.restore_published(published)
            raise

    def _create_sqlite(self, database: str, record: tuple[object, ...], rows: list[dict[str, object]],
                       lookups: list[dict[str, object]], stage: Staging) -> None:
        """The record's statements on the pool's sqlite3 connection, in one ``BEGIN IMMEDIATE`` transaction
        under the file's write lock, as ``writing`` runs them: SQLAlchemy's bookkeeping around each of the
        five statements cost more than SQLite's work (docs/vault.md "One statement per new record")."""
        published = stage.take_published()
        try:
            with raw_sqlite_transaction(self.logged or self.writer, database) as cur:
                cur.execute(_RAW[RECORDS.name], record)
                cur.executemany(_RAW[FIELDS.name], [tuple(r[c] for c in _COLUMNS[FIELDS.name]) for r in rows])
                cur.executemany(_RAW[LOOKUPS.name], [tuple(x[c] for c in _COLUMNS[LOOKUPS.name]) for x in lookups])
                cur.execute(_RAW["vault_outbox"], tuple(stage.row[c] for c in _COLUMNS["vault_outbox"]))
                for k in range(0, len(published), 500):
                    chunk = published[k:k + 500]
                    cur.execute(f"DELETE FROM vault_outbox WHERE event_id IN ({', '.join('?' * len(chunk))})", chunk)
        except BaseException:
            stage.restore_published(published)
            raise

    def update(self, rtype: RecordType, record: StoredRecord, values: Mapping[str, Value],
               stage: Stage, expected_version: int | None = None) -> int:
        """Replace the given fields (and their blind indexes) if the record is still at ``record.version``."""
        subject_key = self.keys.subject_key(record.subject)
        if subject_key is None:
            raise SubjectShredded("the subject was erased")
        rows = [self._seal(record.id, record.owner, record.subject, subject_key, rtype.field(n), v)
                for n, v in values.items()]
        version = record.version if expected_version is None else expected_version
        with self.transaction(logged=True) as conn:
            bumped = conn.execute(update(RECORDS).where(RECORDS.c.id == record.id, RECORDS.c.version == version)
                                  .values(version=version + 1, updated_us=now_us())).rowcount
            if not bumped:
                raise VersionConflict(f"record {record.id} changed since version {version}")
            for row in rows:
                conn.execute(delete(FIELDS).where(FIELDS.c.record_id == record.id, FIELDS.c.field == row["field"]))
                conn.execute(insert(FIELDS).values(**row))
            for name, value in values.items():
                spec = rtype.field(name)
                if spec.lookup:
                    conn.execute(delete(LOOKUPS).where(LOOKUPS.c.record_id == record.id, LOOKUPS.c.field == name))
                    conn.execute(insert(LOOKUPS).values(type=rtype.name, field=name, record_id=record.id,
                                                        digest=self.digest(rtype, spec, str(value))))
            stage(conn)
        return version + 1

    def erase_subject(self, subject: str, stage: Stage) -> list[tuple[str, str, str]]:
        """Delete every record of ``subject`` and leave a tombstone, in one transaction; then destroy its key.

        Returns (record id, type, owner) of what was deleted. A crash before the key is destroyed
        is finished by ``finish_shreds`` (the tombstone says the key must go).
        """
        with self.transaction() as conn:
            gone = [(r.id, r.type, r.owner) for r in conn.execute(
                select(RECORDS.c.id, RECORDS.c.type, RECORDS.c.owner).where(RECORDS.c.subject == subject))]
            ids = [g[0] for g in gone]
            if ids:
                conn.execute(delete(FIELDS).where(FIELDS.c.record_id.in_(ids)))
                conn.execute(delete(LOOKUPS).where(LOOKUPS.c.record_id.in_(ids)))
                conn.execute(delete(RECORDS).where(RECORDS.c.id.in_(ids)))
            if conn.execute(select(SHREDS.c.subject).where(SHREDS.c.subject == subject)).first() is None:
                conn.execute(insert(SHREDS).values(subject=subject, shredded_us=now_us(), key_destroyed=False))
            stage(conn)
        self._destroy_key(subject)
        return gone

    def _destroy_key(self, subject: str) -> None:
        self.keys.destroy_subject(subject)
        with self.transaction() as conn:
            conn.execute(update(SHREDS).where(SHREDS.c.subject == subject).values(key_destroyed=True))

    def finish_shreds(self) -> int:
        """Destroy the keys of subjects erased by a call that did not finish; how many."""
        with self.engine.connect() as conn:
            pending = [s for (s,) in conn.execute(select(SHREDS.c.subject).where(SHREDS.c.key_destroyed.is_(False)))]
        for subject in pending:
            self._destroy_key(subject)
        return len(pending)

    def is_shredded(self, subject: str) -> bool:
        return self._shredded.first(subject=subject) is not None

    # -- reads ------------------------------------------------------------------------------
    def get(self, record_id: str, types: Mapping[str, RecordType]) -> StoredRecord:
        """A record with every field decrypted; ``RecordNotFound``, or ``DecryptError`` naming the field."""
        rows = self._get.all(id=record_id)  # one round trip: the record's row beside each of its fields
        if not rows:
            raise RecordNotFound(record_id)
        rid, type_name, owner, subject, version = rows[0][:5]
        subject_key = self.keys.subject_key(subject)
        if subject_key is None:
            raise DecryptError(f"record {record_id}: the subject's key is destroyed")
        rtype = types.get(type_name)
        values = {name: self._open(record_id, owner, subject, subject_key, rtype.fields.get(name) if rtype else None,
                                   name, key_class, key_version, bytes(sealed))
                  for *_, name, key_class, key_version, sealed in rows if name is not None}
        return StoredRecord(rid, type_name, owner, subject, int(version), values)

    def find(self, rtype: RecordType, spec: FieldSpec, value: str, limit: int = 100) -> list[str]:
        """Ids of the records whose ``spec`` field equals ``value`` once normalized."""
        digest = self.digest(rtype, spec, value)
        with self.engine.connect() as conn:
            return [r for (r,) in conn.execute(select(LOOKUPS.c.record_id).where(
                LOOKUPS.c.type == rtype.name, LOOKUPS.c.field == spec.name, LOOKUPS.c.digest == digest)
                .order_by(LOOKUPS.c.record_id).limit(limit))]

    # -- rotation ---------------------------------------------------------------------------
    def reencrypt(self, types: Mapping[str, RecordType], batch: int = 500) -> int:
        """Re-seal every field not under its class's newest data key; one row per transaction, so
        readers and writers go on (a row changed meanwhile keeps the writer's value). How many."""
        done = 0
        with self.engine.connect() as conn:
            rows = conn.execute(select(FIELDS.c.record_id, FIELDS.c.field, FIELDS.c.key_class, FIELDS.c.key_version,
                                       FIELDS.c.sealed, RECORDS.c.owner, RECORDS.c.subject, RECORDS.c.type)
                                .join(RECORDS, RECORDS.c.id == FIELDS.c.record_id)).all()
        for row in rows:
            newest, _ = self.keys.active_data_key(row.owner, row.key_class)
            if row.key_version >= newest:
                continue
            subject_key = self.keys.subject_key(row.subject)
            if subject_key is None:
                continue
            rtype = types.get(row.type)
            spec = rtype.fields.get(row.field) if rtype else None
            value = self._open(row.record_id, row.owner, row.subject, subject_key, spec, row.field, row.key_class,
                               row.key_version, row.sealed)
            plain = value if isinstance(value, bytes) else value.encode("utf-8")
            data_key = self.keys.data_key(row.owner, row.key_class, newest)
            ad = field_ad(row.record_id, row.field, row.key_class, newest, row.owner, row.subject)
            with self.transaction() as conn:
                done += conn.execute(update(FIELDS).where(
                    FIELDS.c.record_id == row.record_id, FIELDS.c.field == row.field,
                    FIELDS.c.key_version == row.key_version, FIELDS.c.sealed == row.sealed,
                ).values(key_version=newest, sealed=seal(field_key(data_key, subject_key), plain, ad))).rowcount
        return done
