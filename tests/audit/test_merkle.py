"""The incremental tree and proof generator against the naive RFC 6962 reference."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piwarden.audit.compact import CompactRange, NodeID, range_nodes
from piwarden.audit.hasher import EMPTY_ROOT, hash_leaf
from piwarden.audit.proof import (
    IndexOutOfRange,
    ProofError,
    RootMismatch,
    WrongHashSize,
    WrongProofSize,
    assemble,
    consistency_ranges,
    inclusion_ranges,
    needed_nodes,
    verify_consistency,
    verify_inclusion,
)

from .rfc6962_reference import mth, path, proof


def build(leaves: list[bytes]) -> tuple[CompactRange, dict[NodeID, bytes]]:
    """The frontier plus every stored node, as the log keeps them."""
    cr, nodes = CompactRange(), {}
    for i, leaf in enumerate(leaves):
        nodes[NodeID(0, i)] = hash_leaf(leaf)
        nodes.update(cr.append(nodes[NodeID(0, i)]))
    return cr, nodes


def inclusion(nodes: dict[NodeID, bytes], index: int, size: int) -> list[bytes]:
    ranges = inclusion_ranges(index, size)
    return assemble(ranges, {n: nodes[n] for n in needed_nodes(ranges)})


def consistency(nodes: dict[NodeID, bytes], old: int, new: int) -> list[bytes]:
    ranges = consistency_ranges(old, new)
    return assemble(ranges, {n: nodes[n] for n in needed_nodes(ranges)})


def flip(data: bytes, bit: int) -> bytes:
    bit %= 8 * len(data)
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


leaves_st = st.lists(st.binary(max_size=6), min_size=1, max_size=70)


def test_empty_tree() -> None:
    assert CompactRange().root() == EMPTY_ROOT == mth([])


@settings(max_examples=60, deadline=None)
@given(leaves=leaves_st)
def test_incremental_root_matches_reference_at_every_size(leaves: list[bytes]) -> None:
    cr = CompactRange()
    for i, leaf in enumerate(leaves):
        cr.append(hash_leaf(leaf))
        assert cr.root() == mth(leaves[:i + 1])
    assert CompactRange.decode(cr.size, cr.encode()).root() == cr.root()


@settings(max_examples=60, deadline=None)
@given(leaves=leaves_st, data=st.data())
def test_inclusion_proofs_match_reference_and_verify(leaves: list[bytes], data: st.DataObject) -> None:
    _, nodes = build(leaves)
    size = data.draw(st.integers(1, len(leaves)))
    index = data.draw(st.integers(0, size - 1))
    got = inclusion(nodes, index, size)
    assert got == path(index, leaves[:size])
    verify_inclusion(index, size, hash_leaf(leaves[index]), got, mth(leaves[:size]))
    # O(log n) lookups: at most one ragged range, so at most 2 log2(size) + 1 stored nodes.
    assert len(needed_nodes(inclusion_ranges(index, size))) <= 2 * size.bit_length() + 1


@settings(max_examples=60, deadline=None)
@given(leaves=leaves_st, data=st.data())
def test_consistency_proofs_match_reference_and_verify(leaves: list[bytes], data: st.DataObject) -> None:
    _, nodes = build(leaves)
    new = data.draw(st.integers(1, len(leaves)))
    old = data.draw(st.integers(0, new))
    got = consistency(nodes, old, new)
    assert got == proof(old, leaves[:new])
    verify_consistency(old, new, got, mth(leaves[:old]), mth(leaves[:new]))


@settings(max_examples=60, deadline=None)
@given(leaves=st.lists(st.binary(max_size=6), min_size=2, max_size=40), data=st.data())
def test_any_bit_flip_in_inclusion_proof_or_leaf_fails(leaves: list[bytes], data: st.DataObject) -> None:
    _, nodes = build(leaves)
    size = data.draw(st.integers(2, len(leaves)))
    index = data.draw(st.integers(0, size - 1))
    good, root, leaf = inclusion(nodes, index, size), mth(leaves[:size]), hash_leaf(leaves[index])
    bit = data.draw(st.integers(0, 255))
    if good:
        at = data.draw(st.integers(0, len(good) - 1))
        bad = [*good[:at], flip(good[at], bit), *good[at + 1:]]
        with pytest.raises(RootMismatch):
            verify_inclusion(index, size, leaf, bad, root)
    with pytest.raises(RootMismatch):
        verify_inclusion(index, size, flip(leaf, bit), good, root)
    if leaves[index]:
        with pytest.raises(RootMismatch):
            verify_inclusion(index, size, hash_leaf(flip(leaves[index], bit)), good, root)


@settings(max_examples=60, deadline=None)
@given(leaves=st.lists(st.binary(max_size=6), min_size=3, max_size=40), data=st.data())
def test_any_bit_flip_in_consistency_proof_fails(leaves: list[bytes], data: st.DataObject) -> None:
    _, nodes = build(leaves)
    new = data.draw(st.integers(2, len(leaves)))
    old = data.draw(st.integers(1, new - 1))
    good = consistency(nodes, old, new)
    at, bit = data.draw(st.integers(0, len(good) - 1)), data.draw(st.integers(0, 255))
    with pytest.raises(RootMismatch):
        verify_consistency(old, new, [*good[:at], flip(good[at], bit), *good[at + 1:]],
                           mth(leaves[:old]), mth(leaves[:new]))


@settings(max_examples=40, deadline=None)
@given(leaves=st.lists(st.binary(max_size=6), min_size=3, max_size=40), data=st.data())
def test_go_style_corruptions_of_generated_proofs_fail(leaves: list[bytes], data: st.DataObject) -> None:
    """The probes of transparency-dev/merkle's verify_test.go, on random trees."""
    _, nodes = build(leaves)
    new = data.draw(st.integers(3, len(leaves)))
    old = data.draw(st.integers(1, new - 1))
    p, r1, r2 = consistency(nodes, old, new), mth(leaves[:old]), mth(leaves[:new])
    probes = [(old - 1, new, r1, r2, p), (old + 1, new, r1, r2, p), (old, new * 2, r1, r2, p),
              (old, new // 2, r1, r2, p), (old, new, r2, r1, p), (old, new, r1, r2, []),
              (old, new, r1, r2, [*p, r1]), (old, new, r1, r2, [r2, *p]), (old, new, r1, r2, [p[0], *p]),
              (old, new, r1, r2, p[:-1])]
    for o, n, a, b, q in probes:
        if (o, n, a, b, q) != (old, new, r1, r2, p):
            with pytest.raises(ProofError):
                verify_consistency(o, n, q, a, b)


def test_specific_errors() -> None:
    leaves = [bytes([i]) for i in range(5)]
    _, nodes = build(leaves)
    good, root, leaf = inclusion(nodes, 1, 5), mth(leaves), hash_leaf(leaves[1])
    with pytest.raises(IndexOutOfRange):
        verify_inclusion(5, 5, leaf, good, root)
    with pytest.raises(WrongProofSize):
        verify_inclusion(1, 5, leaf, good[:-1], root)
    with pytest.raises(WrongHashSize):
        verify_inclusion(1, 5, leaf[:31], good, root)
    with pytest.raises(IndexOutOfRange):
        verify_consistency(5, 4, [], root, root)
    with pytest.raises(RootMismatch):
        verify_consistency(3, 3, [], root, mth(leaves[:3]))
    with pytest.raises(WrongProofSize):
        verify_consistency(0, 3, [root], EMPTY_ROOT, root)
    with pytest.raises(IndexOutOfRange):
        inclusion_ranges(0, 0)


@pytest.mark.parametrize(("begin", "end"), [(0, 13), (3, 13), (5, 6), (0, 1), (7, 64), (12, 12)])
def test_range_nodes_tile_the_range(begin: int, end: int) -> None:
    nodes = range_nodes(begin, end)
    covered = [i for n in nodes for i in range(n.begin, n.end)]
    assert covered == list(range(begin, end))
    assert all(n.begin % (1 << n.level) == 0 for n in nodes)
