"""Every identifier module's ``is_valid`` returns False on junk and never raises.

Modules are discovered, not listed: a module added under ``piwarden.detect.ids`` is
covered the day it is added. Skipped: ``exceptions``, the ``checksums`` helpers and
private modules (``_clean``...), which are not identifiers.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest

import piwarden.detect.ids

_NOT_IDENTIFIERS = {"exceptions", "checksums"}


def _identifier_modules() -> list[ModuleType]:
    package = piwarden.detect.ids
    modules = []
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        parts = info.name.split(".")[3:]  # below piwarden.detect.ids
        if info.ispkg or _NOT_IDENTIFIERS & set(parts) or parts[-1].startswith("_"):
            continue
        modules.append(importlib.import_module(info.name))
    return modules


MODULES = _identifier_modules()

JUNK: list[object] = [
    None,
    "",
    0,
    1,
    True,
    1.5,
    13812345678,  # a valid mobile number, but an int
    object(),
    b"bytes",
    b"13812345678",
    bytearray(b"11010519491231002X"),
    ["list"],
    ["13812345678"],
    {"number": "13812345678"},
    ("tuple",),
    "😀",
    "😀" * 18,
    "１３８１２３４５６７８",  # full-width digits of a valid mobile number
    "１１０１０５１９４９１２３１００２Ｘ",  # full-width resident ID
    "٠١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧",  # Arabic-Indic digits
    " ",
    " \t\n\r\u3000",  # whitespace, ideographic space included
    "\x00" * 18,
    "\ud800" * 11,  # lone surrogates
    "-" * 20,
    "()",
    "·",
    "@",
    "1" * 10_000,
    "A" * 10_000,
    "1.2.3.4 " * 1_250,
]


def test_module_discovery_finds_the_identifiers():
    names = {module.__name__.removeprefix("piwarden.detect.ids.") for module in MODULES}
    assert {"cn.ric", "cn.uscc", "cn.mobile", "bank_card", "email", "hk.hkid"} <= names


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__.split(".", 3)[3])
def test_is_valid_refuses_junk_without_raising(module):
    for name in ("compact", "validate", "is_valid", "format"):
        assert callable(getattr(module, name, None)), f"{module.__name__} lacks {name}()"
    for junk in JUNK:
        assert module.is_valid(junk) is False, (module.__name__, repr(junk)[:40])
