"""Master keys for the keyed operators, and the per-operator, per-purpose keys derived from them.

One master key (32 random bytes) lives in a file under ``PIWARDEN_HOME/keys`` (created 0600
on first use) or in the ``PIWARDEN_MASK_KEY`` environment variable (base64url). Operators
never see it: each gets ``HKDF-SHA256(master, info = operator || 0 || purpose)``, so two
purposes (two released data sets) get unrelated pseudonyms and tokens unless they share a
purpose string. Keys are never printed or logged; ``KeyRing`` does not show them in ``repr``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from piwarden.home import home_dir

ENV_KEY = "PIWARDEN_MASK_KEY"
DEFAULT_KEY_NAME = "mask.key"
MASTER_KEY_BYTES = 32
_SALT = b"piwarden-mask-v1"


class KeyFileError(ValueError):
    """A key file or variable that does not hold a usable key (the message never shows it)."""


class KeyRing:
    """A master key and the keys derived from it."""

    __slots__ = ("__master", "_cache")

    def __init__(self, master: bytes) -> None:
        if len(master) < MASTER_KEY_BYTES:
            raise KeyFileError(f"a master key needs at least {MASTER_KEY_BYTES} bytes")
        self.__master = bytes(master)
        self._cache: dict[tuple[str, str, int], bytes] = {}

    @classmethod
    def generate(cls) -> KeyRing:
        return cls(secrets.token_bytes(MASTER_KEY_BYTES))

    def derive(self, operator: str, purpose: str, length: int = 32) -> bytes:
        """The key of ``operator`` for ``purpose`` (HKDF-SHA256, RFC 5869)."""
        slot = (operator, purpose, length)
        if slot not in self._cache:
            info = operator.encode() + b"\x00" + purpose.encode()
            self._cache[slot] = HKDF(hashes.SHA256(), length, _SALT, info).derive(self.__master)
        return self._cache[slot]

    @property
    def key_id(self) -> str:
        """A short public identifier of the master key (a keyed hash of a constant), for reports."""
        return hmac.new(self.__master, b"piwarden key id", hashlib.sha256).hexdigest()[:12]

    def export(self) -> str:
        """The master key as base64url text, for ``PIWARDEN_MASK_KEY`` or a key file."""
        return base64.urlsafe_b64encode(self.__master).decode().rstrip("=")

    def __repr__(self) -> str:
        return f"KeyRing(key_id={self.key_id})"

    def __reduce__(self) -> tuple[object, ...]:  # worker processes get the key through pickling
        return (KeyRing, (self.__master,))


def parse_key(text: str) -> KeyRing:
    """A key ring from base64url (or hex) text."""
    text = text.strip()
    try:
        raw = bytes.fromhex(text) if len(text) == 2 * MASTER_KEY_BYTES else base64.urlsafe_b64decode(
            text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error):
        raise KeyFileError("the key is not base64url or hex text") from None
    return KeyRing(raw)


def key_path(name: str | Path | None = None) -> Path:
    """Where a key file lives: a bare name is looked up in ``PIWARDEN_HOME/keys``."""
    if name is None:
        return home_dir() / "keys" / DEFAULT_KEY_NAME
    path = Path(name).expanduser()
    return home_dir() / "keys" / path if path.parent == Path(".") and not str(name).startswith(".") else path


def key_available(key_file: str | Path | None = None) -> bool:
    """Whether a key is already there (the variable, or the file); creates nothing."""
    if key_file is None and os.environ.get(ENV_KEY):
        return True
    return key_path(key_file).is_file()


def load_keys(key_file: str | Path | None = None, *, create: bool = True) -> KeyRing:
    """The key ring from ``key_file``, else ``PIWARDEN_MASK_KEY``, else the default key file.

    A missing file is created (mode 0600, 32 random bytes) when ``create`` is true.
    """
    if key_file is None and (env := os.environ.get(ENV_KEY)):
        return parse_key(env)
    path = key_path(key_file)
    if not path.exists():
        if not create:
            raise KeyFileError(f"no key file at {path}")
        keys = KeyRing.generate()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(keys.export() + "\n")
        return keys
    return parse_key(path.read_text("ascii", errors="replace"))
