"""The import layers hold: the graph in docs/architecture.md is the code's, with no cycle between
parts and no production part importing demo/ (import-linter checks the contract module by module)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_graph", REPO / "scripts" / "import_graph.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_architecture_graph_is_current_and_rules_hold() -> None:
    run = subprocess.run([sys.executable, str(REPO / "scripts" / "import_graph.py"), "--check"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr


def test_cycle_and_demo_rules_catch_what_they_should() -> None:
    graph = _script()
    edges = {("mask", "scan"): 1, ("scan", "mask"): 1, ("detect", "demo"): 1, ("cli", "demo"): 1}
    found = graph.problems(edges)
    assert "import cycle between parts: mask <-> scan" in found
    assert "detect imports demo (only cli, server may)" in found
    assert not any(p.startswith("cli imports demo") for p in found)


def test_layer_contract_is_enforced() -> None:
    run = subprocess.run([str(Path(sys.executable).parent / "lint-imports")], capture_output=True, text=True,
                         timeout=300, cwd=REPO)
    assert run.returncode == 0, run.stdout[-3000:]
