"""One key loader: every named key piwarden uses is found the same way.

A key comes from, in order:

1. its setting (``keys.mask_key`` ... from the environment, e.g. ``PIWARDEN_MASK_KEY``, or
   ``piwarden.toml``);
2. its key file (``HOME/keys/<file>``, or the file a caller names);
3. a key provider: ``keys.provider`` names a source, and the plugin answering the
   ``piwarden_key_provider`` hook for it (a KMS, an HSM, a vault) returns a ``KeyProvider``;
4. last, for the keys piwarden makes itself, a new random key file, written owner-only (0600
   in a 0700 directory) by the caller's generator.

Each part keeps its own format (the mask master key as base64url text, the audit signing key
as signed-note private-key text, the honeytoken secret as text, the documents mark key as raw
bytes); a provider returns a key in its key file's format. Key material never appears in a
repr, a message or a log.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import pluggy

from piwarden.home import private_dir
from piwarden.plugins import plugin_manager
from piwarden.settings import Settings, get_settings

Source = Literal["setting", "file", "provider"]
EVERY_SOURCE: tuple[Source, ...] = ("setting", "file", "provider")
SETTING_ONLY: tuple[Source, ...] = ("setting",)
FILE_ONLY: tuple[Source, ...] = ("file",)


@dataclass(frozen=True)
class KeySpec:
    """A named key: what providers call it, its file in HOME/keys, its setting and legacy variable."""

    name: str
    file_name: str
    setting: str | None = None  # field of ``Settings.keys``
    env: str | None = None  # the variable users know it by, for messages
    text: bool = True  # text keys lose a trailing newline read from a file


MASK_KEY = KeySpec("mask", "mask.key", "mask_key", "PIWARDEN_MASK_KEY")
AUDIT_KEY = KeySpec("audit", "audit-ed25519.key", "audit_key", "PIWARDEN_AUDIT_KEY")
HONEYTOKEN_KEY = KeySpec("honeytoken", "honeytoken.key", "honeytoken_key", "PIWARDEN_HONEYTOKEN_KEY")
DOCUMENTS_MARK_KEY = KeySpec("documents-mark", "documents-mark.key", text=False)
VAULT_KEY = KeySpec("vault", "vault.key")  # the vault's key-encryption keys (versioned lines; docs/vault.md)
WATERMARK_KEY = KeySpec("watermark", "watermark.key")  # export watermarks (piwarden.mask.watermark)
KEYS = {spec.name: spec for spec in (MASK_KEY, AUDIT_KEY, HONEYTOKEN_KEY, DOCUMENTS_MARK_KEY, VAULT_KEY,
                                     WATERMARK_KEY)}


class KeySourceError(RuntimeError):
    """A key provider is configured but no plugin provides it (the message never shows a key)."""


@runtime_checkable
class KeyProvider(Protocol):
    """A source of named keys outside the home, e.g. a KMS; returned by the ``piwarden_key_provider`` hook."""

    def get_key(self, name: str) -> bytes | str | None:
        """The key called ``name`` (``KEYS``) in its key file's format, or None when not held here."""
        ...


@dataclass(frozen=True)
class Key:
    """Key material and where it came from (``created``: a new key file was just written)."""

    material: bytes = field(repr=False)
    origin: Source | Literal["created"]
    path: Path | None = None

    def text(self) -> str:
        return self.material.decode("utf-8")


def key_path(spec: KeySpec, settings: Settings | None = None) -> Path:
    """The default key file of ``spec``: ``HOME/keys/<file>``."""
    return (settings or get_settings()).keys_dir / spec.file_name


def key_provider(source: str, pm: pluggy.PluginManager | None = None) -> KeyProvider:
    """The provider a plugin returns for ``source``; ``KeySourceError`` when none does."""
    provider: KeyProvider | None = (pm or plugin_manager()).hook.piwarden_key_provider(source=source)
    if provider is None:
        raise KeySourceError(f"no key provider {source!r}: is the plugin that provides it installed?")
    return provider


def _material(spec: KeySpec, raw: bytes | str, origin: Source | Literal["created"], path: Path | None) -> Key:
    data = raw.encode() if isinstance(raw, str) else bytes(raw)
    if spec.text and origin in ("file", "created"):
        data = data.rstrip(b"\r\n")
    return Key(data, origin, path)


def find_key(spec: KeySpec, settings: Settings | None = None, *, path: Path | None = None,
             sources: Collection[Source] = EVERY_SOURCE, pm: pluggy.PluginManager | None = None) -> Key | None:
    """The key from the first of ``sources`` that has it (see the module docstring); creates nothing."""
    settings = settings or get_settings()
    if "setting" in sources and spec.setting is not None:
        value = getattr(settings.keys, spec.setting)
        if value is not None and value.get_secret_value():
            return _material(spec, value.get_secret_value(), "setting", None)
    file = path or key_path(spec, settings)
    if "file" in sources and file.exists():
        return _material(spec, file.read_bytes(), "file", file)
    if "provider" in sources and settings.keys.provider:
        raw = key_provider(settings.keys.provider, pm).get_key(spec.name)
        if raw is not None:
            return _material(spec, raw, "provider", None)
    return None


def write_key_file(path: Path, material: bytes) -> None:
    """Write a new key file, owner-only (0600, directory 0700); never replaces one (``FileExistsError``)."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(material)


def load_key(spec: KeySpec, settings: Settings | None = None, *, path: Path | None = None,
             sources: Collection[Source] = EVERY_SOURCE, create: Callable[[], bytes] | None = None,
             pm: pluggy.PluginManager | None = None) -> Key | None:
    """``find_key``, else a new key file from ``create()`` (None: never created, the answer is None)."""
    settings = settings or get_settings()
    found = find_key(spec, settings, path=path, sources=sources, pm=pm)
    if found is not None or create is None:
        return found
    file = path or key_path(spec, settings)
    material = create()
    try:
        write_key_file(file, material)
    except FileExistsError:  # another process made it first: use theirs
        return _material(spec, file.read_bytes(), "file", file)
    return _material(spec, material, "created", file)
