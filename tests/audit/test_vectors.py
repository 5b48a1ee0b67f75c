"""Published transparency-dev/merkle (RFC 6962) vectors: happy paths verify, broken ones fail."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from piwarden.audit.compact import CompactRange
from piwarden.audit.hasher import hash_leaf
from piwarden.audit.proof import ProofError, verify_consistency, verify_inclusion

from .rfc6962_reference import mth, path, proof

VECTORS = Path(__file__).parent / "vectors"
TREE = json.loads((VECTORS / "rfc6962-tree8.json").read_text())
LEAVES = [bytes.fromhex(h) for h in TREE["leaves_hex"]]


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def _cases(kind: str) -> list[Path]:
    return sorted((VECTORS / kind).glob("*/*.json"))


@pytest.mark.parametrize("case", _cases("inclusion"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_inclusion_vector(case: Path) -> None:
    v = json.loads(case.read_text())
    args = (v["leafIdx"], v["treeSize"], _b64(v["leafHash"]), [_b64(h) for h in v["proof"] or []], _b64(v["root"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("case", _cases("consistency"), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_consistency_vector(case: Path) -> None:
    v = json.loads(case.read_text())
    args = (v["size1"], v["size2"], [_b64(h) for h in v["proof"] or []], _b64(v["root1"]), _b64(v["root2"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_vector_set_has_broken_proofs() -> None:
    broken = [p for p in _cases("inclusion") + _cases("consistency") if json.loads(p.read_text())["wantErr"]]
    assert len(broken) >= 20


@pytest.mark.parametrize("size", range(1, 9))
def test_reference_tree_roots(size: int) -> None:
    want = bytes.fromhex(TREE["roots"][size - 1]["root_hex"])
    assert mth(LEAVES[:size]) == want
    cr = CompactRange()
    for leaf in LEAVES[:size]:
        cr.append(hash_leaf(leaf))
    assert cr.root() == want


def test_happy_path_proofs_match_the_reference_generator() -> None:
    for case in _cases("inclusion"):
        v = json.loads(case.read_text())
        if not v["wantErr"]:
            got = path(v["leafIdx"], LEAVES[:v["treeSize"]])
            assert got == [_b64(h) for h in v["proof"] or []], case
    for case in _cases("consistency"):
        v = json.loads(case.read_text())
        if not v["wantErr"]:
            assert proof(v["size1"], LEAVES[:v["size2"]]) == [_b64(h) for h in v["proof"] or []], case


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed; the commands need it")
def test_reproduce_commands_recompute_the_roots() -> None:
    for entry in TREE["roots"][::3]:
        out = subprocess.run(["bash", "-c", entry["reproduce"]], capture_output=True, text=True, check=True)
        assert out.stdout == entry["root_hex"]
