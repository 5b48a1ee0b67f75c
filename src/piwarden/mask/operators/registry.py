"""Finding operators by name: every class the ``piwarden_mask_operators`` hook returns.

The built-ins come through that hook too (``piwarden.mask.plugin``). A plugin adds an
operator by implementing it in a module registered under the ``piwarden`` entry-point group::

    from piwarden.hookspecs import hookimpl

    @hookimpl
    def piwarden_mask_operators():
        return [MyOperator]          # subclasses of piwarden.mask.Operator, with a unique name

Or, in-process (a notebook, a test), ``register(MyOperator)``.
"""

from __future__ import annotations

from functools import cache

from piwarden.mask.errors import PolicyError
from piwarden.mask.operators.base import Operator
from piwarden.plugins import plugin_manager

_IN_PROCESS: dict[str, type[Operator]] = {}


def _add(into: dict[str, type[Operator]], cls: type[Operator]) -> None:
    existing = into.get(cls.name)
    if existing is not None and existing is not cls:
        raise PolicyError(f"operator name {cls.name!r} is already registered")
    into[cls.name] = cls


@cache
def _hooked() -> dict[str, type[Operator]]:
    found: dict[str, type[Operator]] = {}
    for classes in plugin_manager().hook.piwarden_mask_operators():
        for cls in classes or ():
            _add(found, cls)
    return found


def _all() -> dict[str, type[Operator]]:
    return {**_hooked(), **_IN_PROCESS}


def register(cls: type[Operator]) -> type[Operator]:
    """Add an operator class under ``cls.name`` in this process (usable as a decorator)."""
    if (existing := _hooked().get(cls.name)) is not None and existing is not cls:
        raise PolicyError(f"operator name {cls.name!r} is already registered")
    _add(_IN_PROCESS, cls)
    return cls


def get_operator(name: str) -> type[Operator]:
    """The operator class registered under ``name``."""
    try:
        return _all()[name]
    except KeyError:
        raise PolicyError(f"unknown operator {name!r}; known operators: {', '.join(operator_names())}") from None


def operator_names() -> list[str]:
    return sorted(_all())
