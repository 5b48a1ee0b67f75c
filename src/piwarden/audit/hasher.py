"""RFC 6962 / RFC 9162 tree hashing: SHA-256 with domain-separation prefixes.

The prefixes keep a leaf from ever hashing like an inner node (second-preimage attacks on
the tree); there is deliberately no way to turn them off.

>>> hash_leaf(b"").hex()[:16]
'6e340b9cffb37a98'
>>> EMPTY_ROOT.hex()[:16]
'e3b0c44298fc1c14'
"""

from __future__ import annotations

from hashlib import sha256

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()  # MTH({}) per RFC 6962 §2.1


def hash_leaf(data: bytes) -> bytes:
    """MTH of a one-leaf tree: SHA-256(0x00 || data)."""
    return sha256(LEAF_PREFIX + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """An inner node: SHA-256(0x01 || left || right)."""
    return sha256(NODE_PREFIX + left + right).digest()
