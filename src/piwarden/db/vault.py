"""The PI vault's tables (``piwarden.vault``, docs/vault.md).

Data side (the piwarden database): records and their owner, encrypted field values, blind
indexes, subject tombstones, the access-event outbox, and the identities that call the API.
Key side (the vault's key store, a piwarden database of its own by default so that a backup of
the data holds no key): wrapped data keys and per-subject keys. Nothing here holds a value in
clear: field values are AES-256-GCM ciphertexts, look-ups are keyed HMACs, passwords and API
keys are hashes.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from piwarden.db.base import BIGINT, BLOB, Base


class VaultRecord(Base):
    """One record of a declared type, owned by a tenant, about one data subject."""

    __tablename__ = "vault_records"
    __table_args__ = (Index("ix_vault_records_subject", "subject"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(128))
    subject: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)
    created_us: Mapped[int] = mapped_column(BIGINT)
    updated_us: Mapped[int] = mapped_column(BIGINT)


class VaultField(Base):
    """One field value: nonce || AES-256-GCM ciphertext and tag, under the data key ``key_class`` x ``key_version``."""

    __tablename__ = "vault_fields"

    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_class: Mapped[str] = mapped_column(String(64))
    key_version: Mapped[int] = mapped_column(Integer)
    sealed: Mapped[bytes] = mapped_column(BLOB)


class VaultLookup(Base):
    """A blind index entry: HMAC-SHA256 of a field's normalized value under that field's index key."""

    __tablename__ = "vault_lookups"
    __table_args__ = (Index("ix_vault_lookups_record", "record_id"),)

    type: Mapped[str] = mapped_column(String(64), primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[bytes] = mapped_column(BLOB, primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class VaultShred(Base):
    """A subject deleted by crypto-shredding: its records are gone and its key is (or is about to be) destroyed."""

    __tablename__ = "vault_shreds"

    subject: Mapped[str] = mapped_column(String(128), primary_key=True)
    shredded_us: Mapped[int] = mapped_column(BIGINT)
    key_destroyed: Mapped[bool] = mapped_column(Boolean)


class VaultOutbox(Base):
    """An access event written in the transaction of the change it records, until it is in the audit log."""

    __tablename__ = "vault_outbox"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[bytes] = mapped_column(BLOB)
    created_us: Mapped[int] = mapped_column(BIGINT)
    claimed_by: Mapped[str] = mapped_column(String(64))
    claimed_us: Mapped[int] = mapped_column(BIGINT)


class VaultAccount(Base):
    """A caller of the vault API: a staff member (argon2id password) or a service (API keys)."""

    __tablename__ = "vault_accounts"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(256), nullable=True)
    roles: Mapped[str] = mapped_column(Text)  # JSON list
    tenant: Mapped[str] = mapped_column(String(128))
    party: Mapped[str] = mapped_column(String(128))
    scopes: Mapped[str] = mapped_column(Text)  # JSON list
    disabled: Mapped[bool] = mapped_column(Boolean)
    created_us: Mapped[int] = mapped_column(BIGINT)


class VaultApiKey(Base):
    """A service API key, kept as SHA-256 of its secret part (256 random bits: no need to stretch)."""

    __tablename__ = "vault_api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(128))
    secret_hash: Mapped[bytes] = mapped_column(BLOB)
    created_us: Mapped[int] = mapped_column(BIGINT)
    revoked_us: Mapped[int | None] = mapped_column(BIGINT, nullable=True)


class VaultSession(Base):
    """A staff session: SHA-256 of the bearer token, its account and when it expires."""

    __tablename__ = "vault_sessions"

    token_hash: Mapped[bytes] = mapped_column(BLOB, primary_key=True)
    account_id: Mapped[str] = mapped_column(String(128))
    created_us: Mapped[int] = mapped_column(BIGINT)
    expires_us: Mapped[int] = mapped_column(BIGINT)


class VaultOidcToken(Base):
    """An OIDC ID token that opened a session (SHA-256 of it), kept until it expires so it opens no other."""

    __tablename__ = "vault_oidc_tokens"

    digest: Mapped[bytes] = mapped_column(BLOB, primary_key=True)
    account_id: Mapped[str] = mapped_column(String(128))
    expires_us: Mapped[int] = mapped_column(BIGINT)


class VaultDataKey(Base):
    """Key store: a data key of one tenant and field class, one version, wrapped by key-encryption key ``kek_version``."""

    __tablename__ = "vault_data_keys"

    tenant: Mapped[str] = mapped_column(String(128), primary_key=True)
    key_class: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    kek_version: Mapped[int] = mapped_column(Integer)
    wrapped: Mapped[bytes] = mapped_column(BLOB)
    created_us: Mapped[int] = mapped_column(BIGINT)


class VaultSubjectKey(Base):
    """Key store: one data subject's key, wrapped; deleting the row is the subject's crypto-shredding."""

    __tablename__ = "vault_subject_keys"

    subject: Mapped[str] = mapped_column(String(128), primary_key=True)
    kek_version: Mapped[int] = mapped_column(Integer)
    wrapped: Mapped[bytes] = mapped_column(BLOB)
    created_us: Mapped[int] = mapped_column(BIGINT)


class VaultQuotaCount(Base):
    """How much one actor did under one quota in one window (``quota|actor|window``); Redis holds them instead when set."""

    __tablename__ = "vault_quota_counts"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(BIGINT)
    expires_us: Mapped[int] = mapped_column(BIGINT, index=True)


class VaultAlert(Base):
    """An alert the vault raised (a quota exceeded): who, which quota, and the events that are its evidence."""

    __tablename__ = "vault_alerts"
    __table_args__ = (Index("ix_vault_alerts_actor", "actor"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    at_us: Mapped[int] = mapped_column(BIGINT)
    actor: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(120))
    detail: Mapped[str] = mapped_column(Text)  # JSON: window, count, limit, evidence event ids and leaf indexes
    event_id: Mapped[str] = mapped_column(String(64))
    held: Mapped[bool] = mapped_column(Boolean)


class VaultHold(Base):
    """An actor switched to approval-only (by an alert or by hand) until someone releases it."""

    __tablename__ = "vault_holds"

    actor: Mapped[str] = mapped_column(String(128), primary_key=True)
    since_us: Mapped[int] = mapped_column(BIGINT)
    reason: Mapped[str] = mapped_column(Text)
    alert_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class VaultExport(Base):
    """A bulk export: who asked, for whom, what (field names), how heavy, and the checker's decision."""

    __tablename__ = "vault_exports"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    maker: Mapped[str] = mapped_column(String(128))
    recipient_party: Mapped[str] = mapped_column(String(128))
    recipient_actor: Mapped[str | None] = mapped_column(String(128), nullable=True)
    type: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(128))
    fields: Mapped[str] = mapped_column(Text)  # JSON: {"asked": [...], "clear": [...]}
    rows: Mapped[int] = mapped_column(Integer)
    weight: Mapped[int] = mapped_column(BIGINT)
    status: Mapped[str] = mapped_column(String(16))
    checker: Mapped[str | None] = mapped_column(String(128), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    created_us: Mapped[int] = mapped_column(BIGINT)
    decided_us: Mapped[int | None] = mapped_column(BIGINT, nullable=True)


class VaultTotp(Base):
    """A staff account's TOTP authenticator: the secret sealed, and the last time step accepted (no replay)."""

    __tablename__ = "vault_totp"

    account_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(BLOB)
    last_step: Mapped[int] = mapped_column(BIGINT)
    created_us: Mapped[int] = mapped_column(BIGINT)


class VaultTicket(Base):
    """A business ticket registered by the ticketing system: the subjects it names, for ``ticket: bound`` rules."""

    __tablename__ = "vault_tickets"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    subjects: Mapped[str] = mapped_column(Text)  # JSON list of subject ids
    purpose: Mapped[str | None] = mapped_column(String(128), nullable=True)
    assignee: Mapped[str | None] = mapped_column(String(128), nullable=True)
    opened_us: Mapped[int] = mapped_column(BIGINT)
    expires_us: Mapped[int | None] = mapped_column(BIGINT, nullable=True)
    closed_us: Mapped[int | None] = mapped_column(BIGINT, nullable=True)


class VaultConfigVersion(Base):
    """Each version of the vault's policy and record types it ran with (content and when first and last seen): the
    evidence pack's "which policy was in force" comes from here, not from the file as it is today."""

    __tablename__ = "vault_config_versions"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)  # policy | record_types
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(1000))
    content: Mapped[str] = mapped_column(Text)
    first_seen_us: Mapped[int] = mapped_column(BIGINT)
    last_seen_us: Mapped[int] = mapped_column(BIGINT)


class VaultNumber(Base):
    """A pool number's current holder: which binding, whose (subject), and until when nobody else may get it
    (the binding's end plus the quiet period): one row per number ever bound, so two bindings never share one."""

    __tablename__ = "vault_numbers"

    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    binding_id: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128))
    ends_us: Mapped[int] = mapped_column(BIGINT)  # the binding's end: its expiry, or when it was released
    busy_until_us: Mapped[int] = mapped_column(BIGINT, index=True)  # ends_us + the quiet period


class VaultNumberBinding(Base):
    """A virtual number bound to one field (the buyer's phone) of one record for one party, until it expires or
    is released: kept after it ends, as the history of who could reach whom through which number."""

    __tablename__ = "vault_number_bindings"
    __table_args__ = (Index("ix_vault_number_bindings_record", "record_id"),
                      Index("ix_vault_number_bindings_number", "number"))

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(128))
    subject: Mapped[str] = mapped_column(String(128))
    party: Mapped[str] = mapped_column(String(128))
    actor: Mapped[str] = mapped_column(String(128))
    created_us: Mapped[int] = mapped_column(BIGINT)
    expires_us: Mapped[int] = mapped_column(BIGINT)
    ended_us: Mapped[int | None] = mapped_column(BIGINT, nullable=True)


class VaultRevealApproval(Base):
    """A request to see one field of one record in clear once (the policy said ``needs_approval``), and the
    checker's decision: approved, it serves the requester's next read until ``expires_us``, and only that one."""

    __tablename__ = "vault_reveal_approvals"
    __table_args__ = (Index("ix_vault_reveal_approvals_lookup", "requester", "record_id", "field"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    requester: Mapped[str] = mapped_column(String(128))
    record_id: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # pending | approved | refused | used
    checker: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_us: Mapped[int] = mapped_column(BIGINT)
    decided_us: Mapped[int | None] = mapped_column(BIGINT, nullable=True)
    expires_us: Mapped[int | None] = mapped_column(BIGINT, nullable=True)
    used_us: Mapped[int | None] = mapped_column(BIGINT, nullable=True)


VAULT_TABLES = ("vault_records", "vault_fields", "vault_lookups", "vault_shreds", "vault_outbox", "vault_accounts",
                "vault_api_keys", "vault_sessions", "vault_data_keys", "vault_subject_keys", "vault_quota_counts",
                "vault_alerts", "vault_holds", "vault_exports", "vault_totp", "vault_tickets",
                "vault_config_versions", "vault_numbers", "vault_number_bindings",
                "vault_reveal_approvals")
