"""The audit log's built-in plugin: the signing-key sources ``default``, ``env`` and ``file``, and the
directory and HTTP witnesses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from piwarden.hookspecs import hookimpl

if TYPE_CHECKING:
    from piwarden.audit.note import NoteSigner
    from piwarden.audit.settings import AuditSettings
    from piwarden.audit.witness import Witness


@hookimpl(trylast=True)
def piwarden_audit_signer(source: str, settings: AuditSettings) -> NoteSigner | None:
    from piwarden.audit.signer import builtin_signer

    return builtin_signer(source, settings)


@hookimpl(tryfirst=True)
def piwarden_audit_witnesses(settings: AuditSettings) -> list[Witness]:
    """The directory and HTTP witnesses ``settings`` configures, published to before any plugin's."""
    from piwarden.audit.witness import builtin_witnesses

    return builtin_witnesses(settings)
