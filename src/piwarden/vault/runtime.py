"""``open_vault``: the vault over the settings' database, key store, record types, policy and audit log."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from piwarden.audit.log import AuditLog, open_log
from piwarden.db import make_engine, open_engine, parse_url
from piwarden.db.engine import use_wal
from piwarden.settings import Settings, get_settings
from piwarden.vault import versions
from piwarden.vault.approvals import Approvals
from piwarden.vault.evidence import Evidence
from piwarden.vault.exports import Exports, watermark_key
from piwarden.vault.identity import Identities
from piwarden.vault.keystore import KeyStore, keystore_engine, load_kek_ring
from piwarden.vault.numbers import Numbers, Pool
from piwarden.vault.oidc import OidcError, OidcVerifier
from piwarden.vault.policy import BUNDLED as POLICY_FILE
from piwarden.vault.policy import Policy, bundled_policy, load_policy_file
from piwarden.vault.quotas import Counter, DbCounter, Guards, RedisCounter
from piwarden.vault.record_types import BUNDLED as TYPES_FILE
from piwarden.vault.record_types import RecordType, bundled_record_types, load_record_types
from piwarden.vault.service import Vault
from piwarden.vault.stepup import StepUp
from piwarden.vault.store import RecordStore
from piwarden.vault.tickets import Tickets


def engines(url: str) -> tuple[Engine, Engine]:
    """(reader, writer): on SQLite the writer begins every transaction IMMEDIATE (no lock upgrades)."""
    engine = open_engine(url)
    if engine.url.get_backend_name() != "sqlite":
        return engine, engine
    use_wal(engine)
    writer = use_wal(make_engine(parse_url(url), locking=True))
    return engine, writer


def logged_writer(url: str, log: AuditLog) -> Engine | None:
    """The writer of record changes when the audit log shares their write-ahead log (the same SQLite
    file, or the same PostgreSQL server): one whose commits do not wait for a flush, because the
    change's access event is appended, with a flush of that same log, before the change is
    acknowledged, which makes both durable with one flush instead of two (None: no such log)."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "postgresql":
        audit = parse_url(str(getattr(log.store, "url_safe", "")))
        if (audit.get_backend_name() != "postgresql" or (audit.host or "localhost") != (parsed.host or "localhost")
                or (audit.port or 5432) != (parsed.port or 5432)):
            return None
        # the server's WAL is one for all its databases: the event's commit flushes the change's too
        return create_engine(parsed, connect_args={"options": "-c synchronous_commit=off"})
    path = getattr(log.store, "path", None)
    database = parsed.database or ""
    if (parsed.get_backend_name() != "sqlite" or not isinstance(path, str) or not database
            or database == ":memory:" or os.path.realpath(database) != os.path.realpath(path)):
        return None
    return use_wal(make_engine(parsed, locking=True), synced_by_next_commit=True)


def record_types_of(settings: Settings) -> dict[str, RecordType]:
    path = settings.vault.record_types
    return load_record_types(path) if path else bundled_record_types()


def policy_of(settings: Settings) -> Policy:
    path = settings.vault.policy
    return load_policy_file(path) if path else bundled_policy()


@dataclass
class VaultRuntime:
    """An open vault and its identities; ``close`` releases the engines (and the log if it was opened here)."""

    vault: Vault
    identities: Identities
    _owns_log: bool
    exports: Exports | None = None
    step_up: StepUp | None = None
    numbers: Numbers | None = None
    approvals: Approvals | None = None
    oidc: OidcVerifier | None = None

    def close(self) -> None:
        store = self.vault.store
        store.keys.close()
        if store.writer is not store.engine:
            store.writer.dispose()
        if store.logged is not None:
            store.logged.dispose()
        store.engine.dispose()
        if self.vault.guards is not None:
            self.vault.guards.close()
        if self._owns_log:
            self.vault.log.close()


def open_vault(settings: Settings | None = None, *, db: str | None = None, log: AuditLog | None = None,
               create_keys: bool = True) -> VaultRuntime:
    """The vault of ``settings`` (default: the process's), on ``db`` (default: the settings' database)."""
    settings = settings or get_settings()
    url = db or settings.db_url
    types, policy = record_types_of(settings), policy_of(settings)
    pool = Pool.parse(settings.vault.virtual_numbers, settings.vault.virtual_extension_digits)
    ring = load_kek_ring(settings, create=create_keys)
    keys = KeyStore(keystore_engine(settings), ring, reload=lambda: load_kek_ring(settings, create=False))
    engine, writer = engines(url)
    owns = log is None
    log = log or open_log(url)
    store = RecordStore(engine, writer, keys, logged=logged_writer(url, log))
    for kind, path, bundled in (("policy", settings.vault.policy, POLICY_FILE), ("record_types",
                                                                             settings.vault.record_types, TYPES_FILE)):
        versions.record(writer, kind, Path(path or bundled), str(path) if path else f"bundled {kind}")
    redis_url = settings.vault.redis_url
    counter: Counter = RedisCounter(redis_url.get_secret_value()) if redis_url else DbCounter(writer)
    guards = Guards(policy.quotas, counter, writer, log, settings.vault.alert_webhook, reader=engine)
    vault = Vault(store, Evidence(log, writer, settings.vault.outbox_lease_s), types, policy,
                  settings.vault.platform_tenant, guards, Tickets(writer, engine))
    exports = Exports(vault, lambda: watermark_key(settings), policy.decl.exports.approval_over)
    numbers = Numbers(vault, pool, settings.vault.virtual_number_ttl_s, settings.vault.virtual_number_quiet_s)
    approvals = Approvals(vault, settings.vault.reveal_approval_ttl_s)  # hooks itself into vault.view
    return VaultRuntime(vault, Identities(writer, settings.vault.session_ttl_s, reader=engine), owns, exports,
                        StepUp(keys, writer, engine), numbers, approvals, oidc_of(settings))


def oidc_of(settings: Settings) -> OidcVerifier | None:
    """The OIDC login's verifier when ``vault.oidc_issuer`` is set (with its audience and keys), else None."""
    v = settings.vault
    if v.oidc_issuer is None:
        return None
    if not v.oidc_audience or not v.oidc_jwks:
        raise OidcError("vault.oidc_issuer is set: vault.oidc_audience and vault.oidc_jwks are needed too")
    if v.oidc_jwks.startswith("http://") and not v.oidc_jwks.startswith(("http://127.0.0.1", "http://localhost")):
        raise OidcError("vault.oidc_jwks: the provider's keys are fetched over https:// (http:// on loopback only)")
    return OidcVerifier(v.oidc_issuer, v.oidc_audience, v.oidc_jwks, v.oidc_claim)
