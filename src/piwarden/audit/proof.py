"""Inclusion and consistency proofs (RFC 6962 §2.1.1-2.1.2, RFC 9162 §2.1.3-2.1.4).

Generation is split from storage: ``inclusion_ranges`` / ``consistency_ranges`` say which
subtrees (leaf ranges) a proof holds, ``needed_nodes`` turns them into stored perfect-subtree
ids (at most one range per proof is ragged, so O(log n) lookups), and ``assemble`` hashes
them into the proof. Verification is pure and raises a specific ``ProofError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from piwarden.audit.compact import NodeID, fold, range_nodes
from piwarden.audit.hasher import HASH_SIZE, hash_children

Range = tuple[int, int]


class ProofError(ValueError):
    """A proof that does not verify."""


class IndexOutOfRange(ProofError):
    """Leaf index not below the tree size, or an older tree larger than the newer."""


class WrongProofSize(ProofError):
    """The proof has more or fewer hashes than the tree shape requires."""


class WrongHashSize(ProofError):
    """A hash (leaf, root or proof element) that is not 32 bytes."""


class RootMismatch(ProofError):
    """The proof leads to a different root than the one given."""


def _split(size: int) -> int:
    """RFC 6962's k: the largest power of two smaller than ``size`` (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """PATH(index, D[0:size]) as leaf ranges, leaf to root."""
    if not 0 <= index < size:
        raise IndexOutOfRange("leaf index must be below the tree size")
    out: list[Range] = []
    begin, end = 0, size
    # Walk from the root towards the leaf; each step keeps the half holding it, records the other.
    while end - begin > 1:
        mid = begin + _split(end - begin)
        if index < mid:
            out.append((mid, end))
            end = mid
        else:
            out.append((begin, mid))
            begin = mid
    return out[::-1]


def consistency_ranges(old: int, new: int) -> list[Range]:
    """PROOF(old, D[0:new]) (RFC 6962 SUBPROOF) as leaf ranges, in proof order."""
    if not 0 <= old <= new:
        raise IndexOutOfRange("old tree size must be between 0 and the new size")
    if old in (0, new):
        return []
    out: list[Range] = []
    begin, end, m, whole = 0, new, old, True
    # Descend like SUBPROOF: into the left half while the old tree fits in it, else the right.
    while m != end - begin:
        mid = begin + _split(end - begin)
        if m <= mid - begin:
            out.append((mid, end))
            end = mid
        else:
            out.append((begin, mid))
            m -= mid - begin
            begin, whole = mid, False
    if not whole:  # the old tree's last subtree is not the old root itself: send it
        out.append((begin, end))
    return out[::-1]


def needed_nodes(ranges: Sequence[Range]) -> list[NodeID]:
    """The stored perfect subtrees the ranges decompose into (no duplicates)."""
    return list(dict.fromkeys(n for b, e in ranges for n in range_nodes(b, e)))


def assemble(ranges: Sequence[Range], lookup: Mapping[NodeID, bytes]) -> list[bytes]:
    """The proof: each range's subtree hash, folded from the stored nodes."""
    return [fold(lookup[n] for n in range_nodes(b, e)) for b, e in ranges]


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise WrongHashSize(f"{name} must be {HASH_SIZE} bytes")


def _decompose(index: int, size: int) -> tuple[int, int]:
    """Split an inclusion proof: ``inner`` hashes below the point where the leaf's path and the
    right edge of the tree meet, then ``border`` hashes of left siblings along that edge."""
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    return inner, border


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    """Climb the inner part: bit i of the index says if the sibling sits left or right."""
    for i, h in enumerate(proof):
        seed = hash_children(h, seed) if (index >> i) & 1 else hash_children(seed, h)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    """Climb as ``_chain_inner`` but keep only left siblings: the old tree lacks the right ones."""
    for i, h in enumerate(proof):
        if (index >> i) & 1:
            seed = hash_children(h, seed)
    return seed


def _chain_border(seed: bytes, proof: Sequence[bytes]) -> bytes:
    """Climb the right edge: every remaining sibling is a left one."""
    for h in proof:
        seed = hash_children(h, seed)
    return seed


def root_from_inclusion(index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof implies, checking the shape but not any expected root."""
    if not 0 <= index < size:
        raise IndexOutOfRange("leaf index must be below the tree size")
    _check_hash("leaf hash", leaf_hash)
    for h in proof:
        _check_hash("proof hash", h)
    inner, border = _decompose(index, size)
    if len(proof) != inner + border:
        raise WrongProofSize(f"inclusion proof has {len(proof)} hashes, the tree needs {inner + border}")
    return _chain_border(_chain_inner(leaf_hash, proof[:inner], index), proof[inner:])


def verify_inclusion(index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Raise unless ``proof`` shows leaf ``index`` with ``leaf_hash`` in the tree ``(size, root)``."""
    _check_hash("root", root)
    if root_from_inclusion(index, size, leaf_hash, proof) != root:
        raise RootMismatch("inclusion proof leads to a different root")


def _consistency_trivial(old: int, new: int, proof: Sequence[bytes], old_root: bytes,
                         new_root: bytes) -> bool:
    """Handle sizes that need no proof; True when that settles it."""
    if not 0 <= old <= new:
        raise IndexOutOfRange("old tree size must be between 0 and the new size")
    if old in (0, new):
        if proof:
            raise WrongProofSize("no proof hashes are needed between these sizes")
        if old == new and old_root != new_root:
            raise RootMismatch("same tree size but different roots")
        return True
    if not proof:
        raise WrongProofSize("consistency proof is empty")
    return False


def verify_consistency(old: int, new: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes) -> None:
    """Raise unless ``proof`` shows the tree ``(old, old_root)`` is a prefix of ``(new, new_root)``."""
    _check_hash("old root", old_root)
    _check_hash("new root", new_root)
    for h in proof:
        _check_hash("proof hash", h)
    if _consistency_trivial(old, new, proof, old_root, new_root):
        return
    # The proof is the inclusion path of leaf old-1, cut at the level of the largest perfect
    # subtree the old tree ends with (`shift`); that subtree's hash leads, unless it is old_root.
    inner, border = _decompose(old - 1, new)
    shift = (old & -old).bit_length() - 1
    inner -= shift
    seed, rest = (old_root, list(proof)) if old == 1 << shift else (proof[0], list(proof[1:]))
    if len(rest) != inner + border:
        raise WrongProofSize("consistency proof has the wrong number of hashes")
    mask = (old - 1) >> shift
    got_old = _chain_border(_chain_inner_right(seed, rest[:inner], mask), rest[inner:])
    if got_old != old_root:
        raise RootMismatch("consistency proof does not lead to the old root")
    got_new = _chain_border(_chain_inner(seed, rest[:inner], mask), rest[inner:])
    if got_new != new_root:
        raise RootMismatch("consistency proof does not lead to the new root")
