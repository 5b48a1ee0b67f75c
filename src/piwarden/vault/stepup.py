"""Step-up for L4 reveals: a staff member shows a TOTP code (RFC 6238, ``pyotp``) with the request.

Identity documents, health data and the like (grade L4) are shown in clear to a staff session
only when the request carries ``X-Piwarden-OTP`` with a valid code from the account's enrolled
authenticator; without one the field stays masked and is listed under ``step_up``. A code is
accepted once (its time step must be newer than the last accepted), one step of clock drift
either way. The secret is kept sealed (AES-256-GCM under a key derived from the platform's
token key, the account id as associated data); ``piwarden vault account totp ID`` enrols an
account and shows the otpauth URI once. Services (API keys) are not asked: they have no human
holding a phone.
"""

from __future__ import annotations

import time

import pyotp
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from piwarden.db import writing
from piwarden.db.base import table_of
from piwarden.db.vault import VaultTotp
from piwarden.vault.crypto import derive, open_sealed, seal
from piwarden.vault.evidence import now_us
from piwarden.vault.keystore import KeyStore

TOTP = table_of(VaultTotp)
STEP_UP_GRADE = 4  # fields of this grade and above need a code in the request
ISSUER = "piwarden"


class StepUp:
    """Enrolment and verification of staff accounts' TOTP authenticators."""

    def __init__(self, keys: KeyStore, writer: Engine, reader: Engine | None = None) -> None:
        self.keys, self.writer, self.reader = keys, writer, reader or writer

    def _key(self) -> bytes:
        return derive(self.keys.token_key("platform"), b"piwarden-vault/v1/totp")

    def enroll(self, account_id: str) -> str:
        """A new secret for the account (replacing any earlier one); the otpauth URI to show once."""
        secret = pyotp.random_base32()
        sealed = seal(self._key(), secret.encode(), account_id.encode())
        with writing(self.writer) as conn:
            if conn.execute(update(TOTP).where(TOTP.c.account_id == account_id)
                            .values(sealed=sealed, last_step=0, created_us=now_us())).rowcount == 0:
                conn.execute(insert(TOTP).values(account_id=account_id, sealed=sealed, last_step=0,
                                                 created_us=now_us()))
        return pyotp.TOTP(secret).provisioning_uri(name=account_id, issuer_name=ISSUER)

    def _secret(self, account_id: str) -> tuple[str, int] | None:
        with self.reader.connect() as conn:
            row = conn.execute(select(TOTP.c.sealed, TOTP.c.last_step).where(TOTP.c.account_id == account_id)).first()
        if row is None:
            return None
        return open_sealed(self._key(), row.sealed, account_id.encode(), "a TOTP secret").decode(), row.last_step

    def enrolled(self, account_id: str) -> bool:
        return self._secret(account_id) is not None

    def verify(self, account_id: str, code: str, at: float | None = None) -> bool:
        """Whether ``code`` is the account's current code and unused; marks it used."""
        found = self._secret(account_id)
        if found is None or not (len(code) == 6 and code.isdigit()):
            return False
        secret, last = found
        totp, now = pyotp.TOTP(secret), at if at is not None else time.time()
        step = totp.timecode(now)
        for s in (step, step - 1, step + 1):
            if s > last and pyotp.utils.strings_equal(totp.generate_otp(s), code):
                with writing(self.writer) as conn:
                    return bool(conn.execute(update(TOTP).where(TOTP.c.account_id == account_id,
                                                                TOTP.c.last_step < s).values(last_step=s)).rowcount)
        return False
