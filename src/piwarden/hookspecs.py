"""Every extension point of piwarden, declared once (pluggy hook specs).

piwarden's own recognizers, operators, signers, sources and detectors register through these
same hooks (``plugins.BUILTIN_PLUGINS``); a third-party package adds its own by implementing
them in a module named under the ``piwarden`` entry-point group of its package metadata::

    [project.entry-points.piwarden]
    my_plugin = "my_package.piwarden_plugin"

and, in that module::

    from piwarden.hookspecs import hookimpl

    @hookimpl
    def piwarden_recognizers():
        return [MyRecognizer]

``docs/plugins.md`` describes each hook with an example. The types named here live in the
parts above this module; it imports them for type checking only, so it stays on the ground
floor of the import layers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from fastapi import APIRouter

    from piwarden.audit.note import NoteSigner
    from piwarden.audit.settings import AuditSettings
    from piwarden.audit.witness import Witness
    from piwarden.detect.recognizer import Recognizer
    from piwarden.forensics.anomalies.findings import ForensicDetector
    from piwarden.keys import KeyProvider
    from piwarden.mask.operators.base import Operator
    from piwarden.scan.sources.base import Source

PROJECT = "piwarden"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def piwarden_recognizers() -> list[type[Recognizer]]:  # type: ignore[empty-body]
    """Recognizer classes this plugin contributes; which of them run is configuration."""


@hookspec
def piwarden_mask_operators() -> list[type[Operator]]:  # type: ignore[empty-body]
    """Masking operator classes, each registered under its own ``name``."""


@hookspec(firstresult=True)
def piwarden_audit_signer(source: str, settings: AuditSettings) -> NoteSigner | None:
    """The audit log's checkpoint signer for the named source (e.g. a KMS), or None if not this plugin's."""


@hookspec
def piwarden_audit_witnesses(settings: AuditSettings) -> list[Witness]:  # type: ignore[empty-body]
    """Witnesses that each signed checkpoint is published to, as configured in ``settings`` (none: ``[]``)."""


@hookspec
def piwarden_scan_sources() -> list[type[Source]]:  # type: ignore[empty-body]
    """Scan source classes: each claims the targets it can read, discovers assets, samples and streams them."""


@hookspec
def piwarden_forensic_detectors() -> list[ForensicDetector]:  # type: ignore[empty-body]
    """Abnormal-access detectors: each turns one actor's day, against its history and peers, into findings."""


@hookspec(firstresult=True)
def piwarden_key_provider(source: str) -> KeyProvider | None:
    """The key provider for the named source (``keys.provider``, e.g. a KMS or HSM), or None if not this plugin's."""


@hookspec
def piwarden_api_routers() -> list[APIRouter]:  # type: ignore[empty-body]
    """FastAPI routers this plugin mounts on the service app (``piwarden serve``); every route declares a scope."""
