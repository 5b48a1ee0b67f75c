"""The audit log's built-in plugin: the signing-key sources ``default``, ``env`` and ``file``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from piwarden.hookspecs import hookimpl

if TYPE_CHECKING:
    from piwarden.audit.note import NoteSigner
    from piwarden.audit.settings import AuditSettings


@hookimpl(trylast=True)
def piwarden_audit_signer(source: str, settings: AuditSettings) -> NoteSigner | None:
    from piwarden.audit.signer import builtin_signer

    return builtin_signer(source, settings)
