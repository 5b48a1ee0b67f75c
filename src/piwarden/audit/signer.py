"""Where the log's signing key comes from: a pluggy hook, so a KMS or HSM can supply it.

``Settings.audit.signer`` names a source; ``signer_from_settings`` asks the
``piwarden_audit_signer`` hook for it, first answer wins. Built in (registered through the
same hook): ``default`` (``PIWARDEN_AUDIT_KEY``, else the key file, else the key provider,
else a new key file), ``env`` (only ``PIWARDEN_AUDIT_KEY``) and ``file`` (only the key file,
never created); ``piwarden.keys``, the one key loader, does the finding. A KMS
plugin returns ``NoteSigner.with_backend(name, public_key, sign)``, where ``sign`` calls the
KMS for an Ed25519 signature; the private key never enters this process.

The hook is declared in ``piwarden.hookspecs``; the built-in sources answer it from
``piwarden.audit.plugin``, registered in piwarden's one plugin manager like any plugin.
"""

from __future__ import annotations

import pluggy

from piwarden.audit.checkpoint import ENV_KEY, load_signer, signer_of
from piwarden.audit.note import NoteError, NoteSigner
from piwarden.keys import AUDIT_KEY, FILE_ONLY, SETTING_ONLY, find_key, key_path
from piwarden.plugins import plugin_manager
from piwarden.settings import AuditSection, get_settings


def builtin_signer(source: str, settings: AuditSection) -> NoteSigner | None:
    """Built-in sources: ``default``, ``env`` and ``file``; the key itself is found by ``piwarden.keys``."""
    if source == "default":
        return load_signer(settings.key_file)
    if source == "env":
        key = find_key(AUDIT_KEY, sources=SETTING_ONLY)
        if key is None:
            raise NoteError(f"signer 'env' chosen but {ENV_KEY} is not set")
        return signer_of(key)
    if source == "file":
        path = settings.key_file or key_path(AUDIT_KEY)
        key = find_key(AUDIT_KEY, path=path, sources=FILE_ONLY)
        if key is None:
            raise NoteError(f"signer 'file' chosen but there is no key file at {path}")
        return signer_of(key)
    return None


def signer_from_settings(settings: AuditSection | None = None, pm: pluggy.PluginManager | None = None) -> NoteSigner:
    """The signer ``settings.signer`` names; raises ``NoteError`` if no plugin provides it."""
    settings = settings or get_settings().audit
    signer: NoteSigner | None = (pm or plugin_manager()).hook.piwarden_audit_signer(source=settings.signer, settings=settings)
    if signer is None:
        raise NoteError(f"no signer source {settings.signer!r}: is the plugin that provides it installed?")
    return signer
