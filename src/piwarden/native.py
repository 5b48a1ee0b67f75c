"""Compiled modules (mypyc), used only while they are current.

``scripts/build_native.py`` (run by ``make setup``) compiles a package's hot modules in place with mypyc: the
abnormal-access detector's per-event pass is many small Python operations, and compiled it runs about 1.3x as fast
(docs/benchmarks.md). A compiled module sits next to its source and Python would import it first, also after the
source has changed; :func:`guard` prevents that: it compares the sources with the hashes the build recorded and,
where any differs or the build is absent, makes the package import its sources, so that a stale build is never
run (rebuild with ``python scripts/build_native.py``). The sources are the reference: tests hold the compiled
modules to the same answers (``tests/forensics/test_native.py``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.machinery
import importlib.util
import json
import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from pathlib import Path
from types import ModuleType
from typing import Any

STAMP = "native.json"  # in the package's folder: {"modules": {name: sha256 of its source}}
_sources_only: set[str] = set()  # packages whose compiled modules are not to be used


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def current(folder: Path, modules: Sequence[str]) -> bool:
    """Whether every module is compiled from its present source (the build's stamp matches)."""
    try:
        stamp = json.loads((folder / STAMP).read_text("utf-8"))["modules"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if set(stamp) != set(modules):
        return False
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    return all((folder / f"{m}{suffix}").is_file() and stamp[m] == digest(folder / f"{m}.py") for m in modules)


class _Sources(MetaPathFinder):
    """Finds a package's listed modules as their ``.py`` sources, ahead of any compiled file beside them."""

    def __init__(self, package: str, folder: Path, modules: Sequence[str]) -> None:
        self.names = {f"{package}.{m}": folder / f"{m}.py" for m in modules}

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        source = self.names.get(fullname)
        return None if source is None else importlib.util.spec_from_file_location(fullname, source)


def use_sources(package: str) -> None:
    """Never use ``package``'s compiled modules in this process (call before the package is imported)."""
    _sources_only.add(package)


def guard(package: str, folder: Path, modules: Sequence[str]) -> bool:
    """Call first in ``package``'s ``__init__``: its compiled ``modules`` are imported only if current (and not
    refused by :func:`use_sources`); otherwise their sources are. Returns whether the compiled ones are used."""
    if package not in _sources_only and current(folder, modules):
        return True
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    if any((folder / f"{m}{s}").exists() for m in modules for s in suffixes):
        sys.meta_path.insert(0, _Sources(package, folder, modules))
    return False


def fields_state(obj: Any) -> dict[str, Any]:
    """A dataclass's fields by name: the pickled state the sources and the compiled modules share (compiled, an
    object has no ``__dict__``; a slots dataclass of the sources would pickle a list of values)."""
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if hasattr(obj, f.name)}


def set_fields_state(obj: Any, state: dict[str, Any] | list[Any] | None) -> None:
    """Set the fields pickled by :func:`fields_state`, or by a slots dataclass of an earlier checkpoint (a list of
    values in field order); a field absent from the state (a checkpoint from before it) takes its default."""
    fields = dataclasses.fields(obj)
    got = dict(zip([f.name for f in fields], state, strict=False)) if isinstance(state, list) else (state or {})
    for f in fields:
        if f.name in got:
            value = got[f.name]
        elif f.default is not dataclasses.MISSING:
            value = f.default
        elif f.default_factory is not dataclasses.MISSING:
            value = f.default_factory()
        else:
            continue
        object.__setattr__(obj, f.name, value)
