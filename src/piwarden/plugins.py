"""The one plugin manager: piwarden's built-in plugins, then every installed one.

Built-ins are modules named here and registered like any plugin (Datasette's way), so they
use exactly the hooks of ``hookspecs.py``; importing them by name keeps this module below
the parts in the import layers. Third-party plugins come from the ``piwarden`` entry-point
group. ``hookimpl`` is re-exported for plugins written against earlier releases.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

import pluggy

from piwarden import hookspecs
from piwarden.hookspecs import PROJECT, hookimpl

__all__ = ["BUILTIN_PLUGINS", "hookimpl", "new_plugin_manager", "plugin_manager"]

BUILTIN_PLUGINS = (
    "piwarden.detect.plugin",
    "piwarden.mask.plugin",
    "piwarden.audit.plugin",
    "piwarden.scan.plugin",
    "piwarden.forensics.plugin",
)


def new_plugin_manager(*plugins: object, entry_points: bool = True) -> pluggy.PluginManager:
    """A plugin manager with the built-ins, then ``plugins`` (objects or modules with hook
    implementations: a test's, a notebook's), then the installed plugins unless ``entry_points`` is False."""
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in BUILTIN_PLUGINS:
        pm.register(import_module(name), name=name)
    for plugin in plugins:
        pm.register(plugin)
    if entry_points:
        pm.load_setuptools_entrypoints(PROJECT)
    return pm


@cache
def plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager: built-ins first, then installed plugins."""
    return new_plugin_manager()
