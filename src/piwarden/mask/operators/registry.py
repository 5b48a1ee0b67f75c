"""Finding operators by name: the built-ins, then plugins through a pluggy hook.

A plugin adds an operator by implementing the hook in a module registered under the
``piwarden`` entry-point group::

    from piwarden.plugins import hookimpl

    @hookimpl
    def piwarden_mask_operators():
        return [MyOperator]          # subclasses of piwarden.mask.Operator, with a unique name

Or, in-process, ``register(MyOperator)``.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

import pluggy

from piwarden.mask.errors import PolicyError
from piwarden.mask.operators.base import Operator

_BUILTINS = ("keep", "partial", "redact", "replace", "hash", "token", "fpe", "generalize", "date_shift")
_REGISTRY: dict[str, type[Operator]] = {}

hookspec = pluggy.HookspecMarker("piwarden")


class MaskOperatorSpecs:
    @hookspec
    def piwarden_mask_operators(self) -> list[type[Operator]]:  # type: ignore[empty-body]
        """Masking operator classes this plugin contributes, each under its own name."""


def register(cls: type[Operator]) -> type[Operator]:
    """Add an operator class under ``cls.name`` (usable as a decorator)."""
    existing = _REGISTRY.get(cls.name)
    if existing is not None and existing is not cls:
        raise PolicyError(f"operator name {cls.name!r} is already registered")
    _REGISTRY[cls.name] = cls
    return cls


@cache
def _load() -> None:
    for name in _BUILTINS:
        import_module(f"piwarden.mask.operators.{name}")
    _load_plugins()


def _load_plugins() -> None:
    from piwarden.plugins import plugin_manager

    pm = plugin_manager()  # carries MaskOperatorSpecs (piwarden.plugins)
    for classes in pm.hook.piwarden_mask_operators():
        for cls in classes or ():
            register(cls)


def get_operator(name: str) -> type[Operator]:
    """The operator class registered under ``name``."""
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise PolicyError(f"unknown operator {name!r}; known operators: {', '.join(operator_names())}") from None


def operator_names() -> list[str]:
    _load()
    return sorted(_REGISTRY)
