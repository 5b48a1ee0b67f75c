"""Who calls the vault: staff accounts (argon2id passwords, bearer session tokens) and services (API keys).

An account has roles (the role it acts in is chosen per request among them), a tenant (whose
records it owns), a data-map party (``platform.cs``, ``merchant:M0012``, ...) and the API
scopes it holds. Secrets are stored hashed only: passwords with argon2id, session tokens and
API keys (256 random bits each, nothing to stretch) with SHA-256. A bearer credential is
``pws_<token>`` (session) or ``pwk_<key id>_<secret>`` (API key).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import IntegrityError

from piwarden.db import writing
from piwarden.db.base import table_of
from piwarden.db.vault import VaultAccount, VaultApiKey, VaultOidcToken, VaultSession
from piwarden.vault.evidence import now_us

ACCOUNTS = table_of(VaultAccount)
API_KEYS = table_of(VaultApiKey)
SESSIONS = table_of(VaultSession)
OIDC_TOKENS = table_of(VaultOidcToken)
SESSION_PREFIX, KEY_PREFIX = "pws_", "pwk_"
IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$")
Kind = Literal["staff", "service"]
Via = Literal["session", "api_key"]
DEFAULT_SCOPES: dict[str, tuple[str, ...]] = {"staff": ("vault:read", "vault:session"),
                                              "service": ("vault:read", "vault:write")}
_hasher = PasswordHasher()  # argon2id, the library's RFC 9106 "low memory" defaults
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))  # verified against when the account is unknown: same time


class IdentityError(ValueError):
    """An account that cannot be made or changed as asked (messages name the account, never a secret)."""


@dataclass(frozen=True, slots=True)
class Account:
    """An account as the vault knows it."""

    id: str
    kind: str
    roles: tuple[str, ...]
    tenant: str
    party: str
    scopes: tuple[str, ...]
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: the account and how it showed itself (session or api_key)."""

    account: Account
    via: Via


def _sha(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def _row_account(row: Row[Any]) -> Account:
    r = row._mapping
    return Account(r["id"], r["kind"], tuple(orjson.loads(r["roles"])), r["tenant"], r["party"],
                   tuple(orjson.loads(r["scopes"])), bool(r["disabled"]))


def _check(name: str, value: str) -> str:
    if not IDENT.match(value):
        raise IdentityError(f"{name} must be 1-128 letters, digits and _.:@- (starting with a letter or digit)")
    return value


class Identities:
    """Accounts, sessions and API keys in the piwarden database."""

    def __init__(self, engine: Engine, session_ttl_s: int = 8 * 3600, cache_s: float = 2.0,
                 reader: Engine | None = None) -> None:
        self.engine, self.session_ttl_s = engine, session_ttl_s
        self.reader = reader or engine  # look-ups (on SQLite the writer begins IMMEDIATE: a write lock)
        # credential digest -> (monotonic deadline, principal, session expiry µs): a hot caller is not looked up on
        # every request; a revocation, logout or disabling elsewhere takes effect within cache_s
        self.cache_s = cache_s
        self._cache: dict[bytes, tuple[float, Principal, int | None]] = {}

    def add_account(self, account_id: str, *, kind: Kind, roles: list[str], tenant: str, party: str,
                    scopes: list[str] | None = None, password: str | None = None) -> Account:
        _check("account id", account_id)
        for role in roles:
            _check("role", role)
        if not roles:
            raise IdentityError("an account needs at least one role")
        _check("tenant", tenant)
        _check("party", party)
        if kind == "staff" and not password:
            raise IdentityError("a staff account needs a password")
        chosen = tuple(scopes or DEFAULT_SCOPES[kind])
        try:
            with writing(self.engine) as conn:
                conn.execute(insert(ACCOUNTS).values(
                    id=account_id, kind=kind, password_hash=_hasher.hash(password) if password else None,
                    roles=orjson.dumps(list(roles)).decode(), tenant=tenant, party=party,
                    scopes=orjson.dumps(list(chosen)).decode(), disabled=False, created_us=now_us()))
        except IntegrityError:
            raise IdentityError(f"account {account_id} exists already") from None
        return Account(account_id, kind, tuple(roles), tenant, party, chosen)

    def account(self, account_id: str) -> Account | None:
        with self.reader.connect() as conn:
            row = conn.execute(select(ACCOUNTS).where(ACCOUNTS.c.id == account_id)).first()
        return None if row is None else _row_account(row)

    def accounts(self) -> list[Account]:
        with self.reader.connect() as conn:
            return [_row_account(r) for r in conn.execute(select(ACCOUNTS).order_by(ACCOUNTS.c.id))]

    def set_disabled(self, account_id: str, disabled: bool) -> None:
        self.forget()
        with writing(self.engine) as conn:
            if not conn.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == account_id)
                                .values(disabled=disabled)).rowcount:
                raise IdentityError(f"no account {account_id}")
            if disabled:
                conn.execute(delete(SESSIONS).where(SESSIONS.c.account_id == account_id))

    def new_api_key(self, account_id: str) -> str:
        """A new API key for a service account, shown this once (only its hash is kept)."""
        account = self.account(account_id)
        if account is None:
            raise IdentityError(f"no account {account_id}")
        key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        with writing(self.engine) as conn:
            conn.execute(insert(API_KEYS).values(id=key_id, account_id=account_id, secret_hash=_sha(secret),
                                                 created_us=now_us(), revoked_us=None))
        return f"{KEY_PREFIX}{key_id}_{secret}"

    def revoke_api_key(self, key_id: str) -> bool:
        self.forget()
        with writing(self.engine) as conn:
            return bool(conn.execute(update(API_KEYS).where(API_KEYS.c.id == key_id, API_KEYS.c.revoked_us.is_(None))
                                     .values(revoked_us=now_us())).rowcount)

    def login(self, account_id: str, password: str) -> tuple[Account, str, int] | None:
        """(account, session token, expiry in UTC µs) for a right password of an enabled staff account."""
        account = self.account(account_id) if IDENT.match(account_id) else None
        with self.reader.connect() as conn:
            stored = None if account is None else conn.execute(
                select(ACCOUNTS.c.password_hash).where(ACCOUNTS.c.id == account.id)).scalar()
        try:
            _hasher.verify(stored or _DUMMY, password)
            ok = stored is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or account is None or account.disabled or account.kind != "staff":
            return None
        return self._session(account)

    def login_oidc(self, account_id: str, digest: bytes, token_expires_us: int) -> tuple[Account, str, int] | None:
        """(account, session token, expiry) for an ID token the provider signed (``vault.oidc``) naming an enabled
        staff account; None if it names none, or if this token opened a session before (a replay)."""
        account = self.account(account_id) if IDENT.match(account_id) else None
        if account is None or account.disabled or account.kind != "staff":
            return None
        t = now_us()
        try:
            with writing(self.engine) as conn:
                conn.execute(delete(OIDC_TOKENS).where(OIDC_TOKENS.c.expires_us < t))
                conn.execute(insert(OIDC_TOKENS).values(digest=digest, account_id=account.id,
                                                        expires_us=token_expires_us))
        except IntegrityError:
            return None
        return self._session(account)

    def _session(self, account: Account) -> tuple[Account, str, int]:
        token = secrets.token_urlsafe(32)
        t = now_us()
        expires = t + self.session_ttl_s * 1_000_000
        with writing(self.engine) as conn:
            conn.execute(insert(SESSIONS).values(token_hash=_sha(token), account_id=account.id, created_us=t,
                                                 expires_us=expires))
        return account, SESSION_PREFIX + token, expires

    def logout(self, credential: str) -> bool:
        if not credential.startswith(SESSION_PREFIX):
            return False
        self.forget()
        with writing(self.engine) as conn:
            return bool(conn.execute(delete(SESSIONS).where(
                SESSIONS.c.token_hash == _sha(credential[len(SESSION_PREFIX):]))).rowcount)

    def forget(self) -> None:
        """Drop the cached credentials (after a logout, revocation or disabling made here)."""
        self._cache.clear()

    def cached(self, credential: str) -> Principal | None:
        """The principal if this credential was authenticated here within ``cache_s`` (no database call)."""
        hit = self._cache.get(_sha(credential))
        if hit is not None and hit[0] > time.monotonic() and (hit[2] is None or hit[2] > now_us()):
            return hit[1]
        return None

    def authenticate(self, credential: str) -> Principal | None:
        """The caller a bearer credential stands for; None if unknown, expired, revoked or disabled."""
        digest = _sha(credential)
        hit = self._cache.get(digest)
        if hit is not None and hit[0] > time.monotonic() and (hit[2] is None or hit[2] > now_us()):
            return hit[1]
        found = self._authenticate(credential)
        if found is not None and self.cache_s > 0:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (time.monotonic() + self.cache_s, found[0], found[1])
        return None if found is None else found[0]

    def _authenticate(self, credential: str) -> tuple[Principal, int | None] | None:
        expires: int | None = None
        if credential.startswith(SESSION_PREFIX):
            with self.reader.connect() as conn:
                row = conn.execute(select(SESSIONS.c.account_id, SESSIONS.c.expires_us).where(
                    SESSIONS.c.token_hash == _sha(credential[len(SESSION_PREFIX):]))).first()
            if row is None or row.expires_us <= now_us():
                return None
            account, expires = self.account(row.account_id), row.expires_us
            via: Via = "session"
        elif credential.startswith(KEY_PREFIX):
            key_id, _, secret = credential[len(KEY_PREFIX):].partition("_")
            with self.reader.connect() as conn:
                key = conn.execute(select(API_KEYS.c.account_id, API_KEYS.c.secret_hash, API_KEYS.c.revoked_us)
                                   .where(API_KEYS.c.id == key_id)).first()
            if key is None or key.revoked_us is not None or not hmac.compare_digest(key.secret_hash, _sha(secret)):
                return None
            account, via = self.account(key.account_id), "api_key"
        else:
            return None
        if account is None or account.disabled:
            return None
        return Principal(account, via), expires
