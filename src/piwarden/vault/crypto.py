"""The vault's cryptography: AES-256-GCM sealing with bound associated data, key wrapping, blind indexes.

A field value is sealed as ``nonce (12 bytes) || ciphertext || tag (16 bytes)`` under its
field key, with associated data that binds it to where it belongs: record id, field name,
data-key class and version, tenant and subject. Moving a ciphertext to another record or
field, or relabelling its key version, makes it fail to open. Failures raise
``DecryptError``, whose message names the record and field, never a value or a key.

>>> key = bytes(32)
>>> ad = field_ad("r-1", "phone", "basic_profile", 1, "platform", "c-1")
>>> sealed = seal(key, b"13812345678", ad)
>>> open_sealed(key, sealed, ad, "r-1/phone")
b'13812345678'
>>> try:
...     open_sealed(key, sealed, field_ad("r-2", "phone", "basic_profile", 1, "platform", "c-1"), "r-2/phone")
... except DecryptError as exc:
...     print(exc)
r-2/phone: does not decrypt (wrong key, or ciphertext or associated data changed)
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE = 12
KEY_BYTES = 32
_AD_PREFIX = b"piwarden-vault/v1"


class DecryptError(ValueError):
    """A sealed value that does not open: wrong key, or changed ciphertext or associated data."""


def _join(*parts: str | int) -> bytes:
    # length-prefixed, so no two different tuples give the same bytes
    out = bytearray(_AD_PREFIX)
    for part in parts:
        data = str(part).encode("utf-8")
        out += len(data).to_bytes(4, "big") + data
    return bytes(out)


def field_ad(record_id: str, field: str, key_class: str, key_version: int, tenant: str, subject: str) -> bytes:
    """The associated data of one field value."""
    return _join("field", record_id, field, key_class, key_version, tenant, subject)


def wrap_ad(kind: str, *names: str | int) -> bytes:
    """The associated data of a wrapped key: what it is the key of."""
    return _join("wrap", kind, *names)


def seal(key: bytes, plaintext: bytes, ad: bytes) -> bytes:
    """AES-256-GCM under a fresh random 96-bit nonce."""
    nonce = os.urandom(NONCE)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, ad)


def open_sealed(key: bytes, sealed: bytes, ad: bytes, what: str) -> bytes:
    """The plaintext of ``seal``; ``DecryptError`` naming ``what`` (never the value) when it does not open."""
    if len(sealed) < NONCE + 16:
        raise DecryptError(f"{what}: ciphertext too short")
    try:
        return AESGCM(key).decrypt(sealed[:NONCE], sealed[NONCE:], ad)
    except InvalidTag:
        raise DecryptError(f"{what}: does not decrypt (wrong key, or ciphertext or associated data changed)") from None


def derive(key: bytes, info: bytes, salt: bytes | None = None, length: int = KEY_BYTES) -> bytes:
    """HKDF-SHA256 (RFC 5869)."""
    return HKDF(hashes.SHA256(), length, salt, info).derive(key)


@functools.lru_cache(maxsize=8192)
def field_key(data_key: bytes, subject_key: bytes) -> bytes:
    """The key a field value is sealed under: the tenant's class data key and the subject's key, both needed.

    Destroying the subject key leaves the data key unable to open that subject's values, wherever
    the ciphertexts were copied; rotating a data key does not touch subject keys. Derived keys are
    memoized by both keys: a caller reaches an entry only with the subject key in hand, which it
    reads from the key store for every use, so an erasure still takes effect at once.
    """
    return derive(data_key, b"piwarden-vault/v1/field-key", salt=subject_key)


def blind_index(index_key: bytes, normalized: str) -> bytes:
    """HMAC-SHA256 of a normalized look-up value under one field's index key."""
    return hmac.new(index_key, normalized.encode("utf-8"), hashlib.sha256).digest()
