"""Which source reads a target: every class the ``piwarden_scan_sources`` hook returns, asked in turn.

Sources are asked in the order the hook answers: installed plugins first, then piwarden's own
(:mod:`piwarden.scan.plugin`), so a plugin can take over a target a built-in would claim. The
first source that claims a target reads it; under ``--engine spark`` the Spark sources are
asked before the local ones.

>>> from piwarden.scan.sources.files import FileSource
>>> from piwarden.scan.sources.sql import SqlSource
>>> registry = Sources([FileSource, SqlSource])
>>> registry.claiming("sqlite:///shop.db").name
'sql'
>>> registry.claiming("mongodb://u:secret@db/crm")
Traceback (most recent call last):
...
piwarden.scan.sources.registry.NoSourceError: no scan source reads mongodb://u:***@db/crm (known sources: files, sql)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache

import pluggy

from piwarden.plugins import plugin_manager
from piwarden.scan.sources.base import Source, SourceError, target_label


class NoSourceError(SourceError):
    """No source claims a target; the message names it (URLs without their password) and the known sources."""


class Sources:
    """The scan sources of this process, one instance of each class, in the order they are asked."""

    def __init__(self, classes: Iterable[type[Source]]) -> None:
        self._by_name: dict[str, Source] = {}
        for cls in classes:
            existing = self._by_name.get(cls.name)
            if existing is not None and type(existing) is not cls:
                raise SourceError(f"two scan sources are named {cls.name!r}: "
                                  f"{type(existing).__qualname__} and {cls.__qualname__}")
            self._by_name.setdefault(cls.name, cls())

    def __iter__(self) -> Iterator[Source]:
        return iter(self._by_name.values())

    def names(self) -> list[str]:
        return list(self._by_name)

    def get(self, name: str) -> Source:
        """The source an asset names (``Asset.source``)."""
        try:
            return self._by_name[name]
        except KeyError:
            raise SourceError(f"no scan source named {name!r} (known sources: {', '.join(self._by_name)}); "
                              "is the plugin that provides it installed?") from None

    def claiming(self, target: str, engine: str = "local") -> Source:
        """The first source that claims ``target``: those of ``engine``, then the local ones."""
        asked = [s for s in self if s.engine == engine]
        if engine != "local":
            asked += [s for s in self if s.engine == "local"]
        for source in asked:
            if source.claims(target):
                return source
        known = ", ".join(self._by_name)
        if "://" in target:
            raise NoSourceError(f"no scan source reads {target_label(target)} (known sources: {known})")
        raise NoSourceError(f"no such file or directory: {target} (and no scan source claims it; "
                            f"known sources: {known})")


def from_plugins(pm: pluggy.PluginManager) -> Sources:
    """The sources every plugin registered with ``pm`` returns, plugins' before the built-ins."""
    return Sources(cls for classes in pm.hook.piwarden_scan_sources() for cls in classes or ())


@cache
def sources() -> Sources:
    """This process's sources, from the one plugin manager."""
    return from_plugins(plugin_manager())
