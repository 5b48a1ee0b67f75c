"""Master keys for the keyed operators, and the per-operator, per-purpose keys derived from them.

One master key (32 random bytes) lives in the ``keys.mask_key`` setting (``PIWARDEN_MASK_KEY``,
base64url), else in a file under ``HOME/keys`` (created 0600 on first use), else with a key
provider (``piwarden.keys``, the one key loader, finds it). Operators
never see it: each gets ``HKDF-SHA256(master, info = operator || 0 || purpose)``, so two
purposes (two released data sets) get unrelated pseudonyms and tokens unless they share a
purpose string. Keys are never printed or logged; ``KeyRing`` does not show them in ``repr``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from piwarden.keys import EVERY_SOURCE, FILE_ONLY, MASK_KEY, KeySourceError, find_key, load_key
from piwarden.settings import Settings, get_settings

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


def key_path(name: str | Path | None = None, settings: Settings | None = None) -> Path:
    """Where a key file lives: a bare name is looked up in ``HOME/keys``."""
    keys_dir = (settings or get_settings()).keys_dir
    if name is None:
        return keys_dir / DEFAULT_KEY_NAME
    path = Path(name).expanduser()
    return keys_dir / path if path.parent == Path(".") and not str(name).startswith(".") else path


def key_available(key_file: str | Path | None = None, settings: Settings | None = None) -> bool:
    """Whether a key is already there (the setting, the file, or the key provider); creates nothing."""
    settings = settings or get_settings()
    sources = FILE_ONLY if key_file is not None else EVERY_SOURCE
    try:
        return find_key(MASK_KEY, settings, path=key_path(key_file, settings), sources=sources) is not None
    except KeySourceError:
        return False


def load_keys(key_file: str | Path | None = None, *, create: bool = True, settings: Settings | None = None) -> KeyRing:
    """The key ring from ``key_file``, else ``PIWARDEN_MASK_KEY``, else the default key file, else the provider.

    A missing file is created (mode 0600, 32 random bytes) when ``create`` is true.
    """
    settings = settings or get_settings()
    path = key_path(key_file, settings)
    sources = FILE_ONLY if key_file is not None else EVERY_SOURCE
    try:
        key = load_key(MASK_KEY, settings, path=path, sources=sources,
                       create=(lambda: (KeyRing.generate().export() + "\n").encode()) if create else None)
    except KeySourceError as exc:
        raise KeyFileError(str(exc)) from None
    if key is None:
        raise KeyFileError(f"no key file at {path}")
    return parse_key(key.material.decode("ascii", errors="replace"))
