"""Compact ranges: the log's frontier, kept incrementally so an append never rehashes the tree.

A *node* ``(level, index)`` is the perfect subtree over leaves
``[index * 2**level, (index + 1) * 2**level)``; level 0 nodes are leaf hashes. Any range of
leaves ``[begin, end)`` splits into at most ``2 * log2(end - begin)`` such nodes (its compact
range). For ``[0, size)`` they are one node per set bit of ``size``, largest first: the
frontier. Appending a leaf merges equal-sized neighbours, creating exactly the new perfect
subtrees, which the store keeps so that proofs are O(log n) lookups.

>>> cr = CompactRange()
>>> [cr.append(bytes(32)) for _ in range(3)][-1]
[]
>>> cr.size, [n.level for n in cr.nodes]
(3, [1, 0])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from hashlib import sha256
from typing import NamedTuple

from piwarden.audit.hasher import EMPTY_ROOT, HASH_SIZE, NODE_PREFIX, hash_children


class NodeID(NamedTuple):
    """The perfect subtree at ``level`` covering leaves ``[index << level, (index + 1) << level)``."""

    level: int
    index: int  # type: ignore[assignment]  # shadows tuple.index, as RFC 6962 code names it

    @property
    def begin(self) -> int:
        return self.index << self.level

    @property
    def end(self) -> int:
        return (self.index + 1) << self.level


def range_nodes(begin: int, end: int) -> list[NodeID]:
    """The compact range of ``[begin, end)``: the fewest perfect subtrees, left to right."""
    out: list[NodeID] = []
    while begin < end:
        # The largest aligned subtree starting at `begin` that still fits before `end`.
        level = (begin & -begin).bit_length() - 1 if begin else (end - begin).bit_length() - 1
        while begin + (1 << level) > end:
            level -= 1
        out.append(NodeID(level, begin >> level))
        begin += 1 << level
    return out


def fold(hashes: Iterable[bytes]) -> bytes:
    """Hash a right-edge compact range (subtrees largest first) into its RFC 6962 root."""
    stack = list(hashes)
    if not stack:
        return EMPTY_ROOT
    root = stack.pop()
    # RFC 6962 splits at the largest power of two, so the tree leans left: fold from the right.
    while stack:
        root = hash_children(stack.pop(), root)
    return root


def perfect_root(hashes: Sequence[bytes]) -> bytes:
    """The root of a perfect subtree (``len(hashes)`` a power of two) over these node hashes."""
    level = list(hashes)
    while len(level) > 1:
        level = [sha256(NODE_PREFIX + a + b).digest() for a, b in zip(level[0::2], level[1::2], strict=True)]
    return level[0]


@dataclass
class CompactRange:
    """The frontier of ``[0, size)``: one (node, hash) per set bit of ``size``, largest first."""

    size: int = 0
    nodes: list[NodeID] = field(default_factory=list)
    hashes: list[bytes] = field(default_factory=list)

    def append(self, leaf_hash: bytes) -> list[tuple[NodeID, bytes]]:
        """Add one leaf hash; return the inner nodes (level >= 1) this completes."""
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError("leaf hash must be 32 bytes")
        node, h = NodeID(0, self.size), leaf_hash
        created: list[tuple[NodeID, bytes]] = []
        # While the rightmost frontier subtree is this one's left sibling, merge the two.
        while self.nodes and self.nodes[-1].level == node.level:
            self.nodes.pop()
            h = hash_children(self.hashes.pop(), h)
            node = NodeID(node.level + 1, node.index >> 1)
            created.append((node, h))
        self.nodes.append(node)
        self.hashes.append(h)
        self.size += 1
        return created

    def extend(self, leaf_hashes: Sequence[bytes], min_level: int = 1) -> list[tuple[int, int, bytes]]:
        """Add many leaf hashes at once; return ``(level, index, hash)`` of the inner nodes they
        complete whose level is at least ``min_level``, lowest level first.

        Same result as ``append`` leaf by leaf, computed a level at a time (one list of hashes
        per level, no per-leaf bookkeeping): the append path of the stores.
        """
        if leaf_hashes and set(map(len, leaf_hashes)) != {HASH_SIZE}:
            raise ValueError("leaf hash must be 32 bytes")
        front = {node.level: h for node, h in zip(self.nodes, self.hashes, strict=True)}
        end = self.size + len(leaf_hashes)
        created: list[tuple[int, int, bytes]] = []
        level, first, cur = 0, self.size, list(leaf_hashes)
        # cur: the hashes of nodes first, first+1, ... at this level that the batch completes.
        while cur:
            if first & 1:  # its left sibling is the old frontier's node at this level
                cur.insert(0, front[level])
                first -= 1
            if len(cur) & 1:  # the last one has no right sibling yet: it stays in the frontier
                front[level] = cur[-1]
            cur = [sha256(NODE_PREFIX + a + b).digest() for a, b in zip(cur[0::2], cur[1::2], strict=False)]
            level, first = level + 1, first >> 1
            if level >= min_level:
                created.extend((level, first + k, h) for k, h in enumerate(cur))
        levels = [lv for lv in range(end.bit_length() - 1, -1, -1) if (end >> lv) & 1]
        self.nodes = [NodeID(lv, (end >> lv) - 1) for lv in levels]
        self.hashes = [front[lv] for lv in levels]
        self.size = end
        return created

    def root(self) -> bytes:
        """MTH of the leaves so far."""
        return fold(self.hashes)

    def encode(self) -> bytes:
        """The frontier hashes, concatenated; ``size`` gives back the node ids."""
        return b"".join(self.hashes)

    @classmethod
    def decode(cls, size: int, blob: bytes) -> CompactRange:
        """Rebuild a frontier from ``encode()`` output and the tree size it belongs to."""
        nodes = range_nodes(0, size)
        if len(blob) != HASH_SIZE * len(nodes):
            raise ValueError("frontier does not match the tree size")
        hashes = [blob[i:i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]
        return cls(size, nodes, hashes)
