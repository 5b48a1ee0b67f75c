"""Where the log's signing key comes from: a pluggy hook, so a KMS or HSM can supply it.

``AuditSettings.signer`` names a source; ``signer_from_settings`` asks the
``piwarden_audit_signer`` hook for it, first answer wins. Built in (registered through the
same hook): ``default`` (``PIWARDEN_AUDIT_KEY``, else the key file, created on first use),
``env`` (only ``PIWARDEN_AUDIT_KEY``) and ``file`` (only the key file, never created). A KMS
plugin returns ``NoteSigner.with_backend(name, public_key, sign)``, where ``sign`` calls the
KMS for an Ed25519 signature; the private key never enters this process.

The hook is declared in ``piwarden.hookspecs``; the built-in sources answer it from
``piwarden.audit.plugin``, registered in piwarden's one plugin manager like any plugin.
"""

from __future__ import annotations

import os

import pluggy

from piwarden.audit.checkpoint import ENV_KEY, KEY_FILE, load_signer
from piwarden.audit.note import NoteError, NoteSigner
from piwarden.audit.settings import AuditSettings
from piwarden.home import home_dir
from piwarden.plugins import plugin_manager


def builtin_signer(source: str, settings: AuditSettings) -> NoteSigner | None:
    """Built-in sources: ``default``, ``env`` and ``file``."""
    if source == "default":
        return load_signer(settings.key_file)
    if source == "env":
        if not os.environ.get(ENV_KEY):
            raise NoteError(f"signer 'env' chosen but {ENV_KEY} is not set")
        return NoteSigner.from_skey(os.environ[ENV_KEY])
    if source == "file":
        path = settings.key_file or home_dir() / "keys" / KEY_FILE
        if not path.exists():
            raise NoteError(f"signer 'file' chosen but there is no key file at {path}")
        return NoteSigner.from_skey(path.read_text(encoding="ascii"))
    return None


def signer_from_settings(settings: AuditSettings | None = None, pm: pluggy.PluginManager | None = None) -> NoteSigner:
    """The signer ``settings.signer`` names; raises ``NoteError`` if no plugin provides it."""
    settings = settings or AuditSettings()
    signer = (pm or plugin_manager()).hook.piwarden_audit_signer(source=settings.signer, settings=settings)
    if signer is None:
        raise NoteError(f"no signer source {settings.signer!r}: is the plugin that provides it installed?")
    return signer
