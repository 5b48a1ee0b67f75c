"""Extension points (pluggy hook specs). Built-in behaviour registers through the same hooks.

A plugin is a module or object with ``@hookimpl`` functions, registered through the
``piwarden`` entry-point group in its package metadata::

    [project.entry-points.piwarden]
    my_recognizers = "my_package.piwarden_plugin"
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from piwarden.detect.recognizer import Recognizer

hookspec = pluggy.HookspecMarker("piwarden")
hookimpl = pluggy.HookimplMarker("piwarden")


class Specs:
    @hookspec
    def piwarden_recognizers(self) -> list[type[Recognizer]]:  # type: ignore[empty-body]
        """Recognizer classes this plugin contributes; enabled or not by configuration."""


@cache
def plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager: built-ins first, then installed plugins."""
    from piwarden.audit import signer as audit_signers
    from piwarden.detect import recognizers as builtin
    from piwarden.mask.operators.registry import MaskOperatorSpecs

    pm = pluggy.PluginManager("piwarden")
    pm.add_hookspecs(Specs)
    pm.add_hookspecs(audit_signers.AuditSignerSpecs)
    pm.add_hookspecs(MaskOperatorSpecs)
    pm.register(builtin, name="piwarden.builtin")
    pm.register(audit_signers, name="piwarden.audit.signers")
    pm.load_setuptools_entrypoints("piwarden")
    return pm
