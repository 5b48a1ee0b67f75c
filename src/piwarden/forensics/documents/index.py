"""Near-duplicate lookup over millions of 64-bit hashes.

Small radii use multi-index hashing (Norouzi et al.): each column is split into four 16-bit
bands; by pigeonhole a hash within Hamming distance ``r`` agrees with the query to within
``r // 4`` bits on some band, so a lookup probes sorted band keys (``searchsorted``) and verifies
the hits with an exact popcount. Certification hashes cluster (one template, many documents), so
the buckets fill up: at 1M rows a radius-7 probe took 14 ms against 2 ms for one vectorised
popcount pass over the column, so larger radii (all that ``check`` uses) scan. Columns are stored
column-major as ``.npy`` and memory-mapped on load; who owns which row lives in the piwarden
database (``registry.py``).
Nothing here holds image content or PI values: hashes, coarse vectors, ids and file paths only.
"""

from __future__ import annotations

import shutil
import tempfile
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Literal

import numpy as np

BANDS = 4
BAND_BITS = 16
LINEAR_FROM = 1   # per-band radius from which a linear scan wins (measured: 1M template-clustered hashes)


@lru_cache(maxsize=8)
def _masks(radius: int) -> np.ndarray:
    """Every 16-bit mask with at most ``radius`` bits set."""
    out = [0]
    for r in range(1, radius + 1):
        out += [sum(1 << b for b in bits) for bits in combinations(range(BAND_BITS), r)]
    return np.array(out, dtype=np.uint16)


def _band(col: np.ndarray, b: int) -> np.ndarray:
    return ((col >> np.uint64(BAND_BITS * b)) & np.uint64(0xFFFF)).astype(np.uint16)


class HashIndex:
    """Multi-index hashing over ``(n, c)`` uint64 hash columns, with per-row group labels."""

    def __init__(self, hashes: np.ndarray, groups: np.ndarray | None = None, vectors: np.ndarray | None = None) -> None:
        # column-major, so a lookup in one column reads n * 8 contiguous bytes (also when memory-mapped)
        self.hashes = hashes if hashes.flags.f_contiguous else np.asfortranarray(hashes)
        self.groups = groups if groups is not None else np.zeros(len(hashes), np.int16)
        self.vectors = vectors      # optional (n, d) int8 re-ranking vectors, read only for shortlisted rows
        self._keys: dict[tuple[int, int], np.ndarray] = {}
        self._order: dict[tuple[int, int], np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.hashes)

    def build(self) -> None:
        """Sort every band of every column (call after adding rows)."""
        for c in range(self.hashes.shape[1]):
            col = np.ascontiguousarray(self.hashes[:, c])
            for b in range(BANDS):
                band = _band(col, b)
                order = np.argsort(band, kind="stable").astype(np.uint32)
                self._order[c, b] = order
                self._keys[c, b] = band[order]

    def search(self, column: int, query: np.uint64, radius: int, group: int | None = None,
               limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Rows within ``radius`` bits of ``query`` in ``column`` (optionally only ``group``),
        nearest first: ``(rows, distances)``."""
        if len(self) == 0:
            return np.empty(0, np.int64), np.empty(0, np.uint8)
        if radius // BANDS >= LINEAR_FROM:  # too many probes: one vectorised popcount pass is faster
            dist = np.bitwise_count(np.asarray(self.hashes[:, column]) ^ np.uint64(query)).astype(np.uint8)
            if group is not None:
                dist[np.asarray(self.groups) != group] = 255
            rows = np.flatnonzero(dist <= radius)
            if limit is not None and len(rows) > limit:
                rows = rows[np.argpartition(dist[rows], limit - 1)[:limit]]
            first = np.argsort(dist[rows], kind="stable")
            return rows[first], dist[rows][first]
        if not self._keys:
            self.build()
        masks = _masks(radius // BANDS)
        hits = []
        for b in range(BANDS):
            keys, order = self._keys[column, b], self._order[column, b]
            probes = np.unique(_band(np.array([query], np.uint64), b)[0] ^ masks)
            lo = np.searchsorted(keys, probes, "left")
            hi = np.searchsorted(keys, probes, "right")
            n = hi - lo
            keep = n > 0
            lo, n = lo[keep], n[keep]
            if len(n):
                starts = np.repeat(lo - np.concatenate(([0], np.cumsum(n)[:-1])), n)
                hits.append(order[starts + np.arange(n.sum())])
        if not hits:
            return np.empty(0, np.int64), np.empty(0, np.uint8)
        rows = np.unique(np.concatenate(hits)).astype(np.int64)
        if group is not None:
            rows = rows[self.groups[rows] == group]
        dist = np.bitwise_count(self.hashes[rows, column] ^ np.uint64(query)).astype(np.uint8)
        keep = dist <= radius
        rows, dist = rows[keep], dist[keep]
        first = np.argsort(dist, kind="stable")[:limit]
        return rows[first], dist[first]

    def memory_bytes(self) -> int:
        """Bytes held by the hash columns and band tables."""
        return int(self.hashes.nbytes + self.groups.nbytes + sum(a.nbytes for a in self._keys.values())
                   + sum(a.nbytes for a in self._order.values()))

    def vector_bytes(self) -> int:
        """Bytes of the re-ranking vectors (memory-mapped: only shortlisted rows are ever paged in)."""
        return 0 if self.vectors is None else int(self.vectors.nbytes)

    def save(self, directory: Path) -> None:
        """Write the index whole or not at all: into a new folder beside ``directory``, then swapped in.

        An interruption while writing leaves the previous index as it was (the new folder is
        removed); between the two renames, ``load`` finds the previous one under ``.old``.
        """
        if not self._keys:
            self.build()
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
        try:
            np.save(tmp / "hashes.npy", np.asfortranarray(self.hashes))
            np.save(tmp / "groups.npy", np.ascontiguousarray(self.groups))
            if self.vectors is not None:
                np.save(tmp / "vectors.npy", np.ascontiguousarray(self.vectors))
            for (c, b), keys in self._keys.items():
                np.save(tmp / f"keys-{c}-{b}.npy", keys)
                np.save(tmp / f"order-{c}-{b}.npy", self._order[c, b])
            old = directory.with_name(directory.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if directory.exists():
                directory.rename(old)
            tmp.rename(directory)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @classmethod
    def load(cls, directory: Path, mmap: bool = True) -> HashIndex:
        mode: Literal["r"] | None = "r" if mmap else None
        old = directory.with_name(directory.name + ".old")
        if not directory.exists() and old.exists():  # interrupted between the two renames of ``save``
            old.rename(directory)
        vec = directory / "vectors.npy"
        idx = cls(np.load(directory / "hashes.npy", mmap_mode=mode), np.load(directory / "groups.npy", mmap_mode=mode),
                  np.load(vec, mmap_mode=mode) if vec.exists() else None)
        for c in range(idx.hashes.shape[1]):
            for b in range(BANDS):
                idx._keys[c, b] = np.load(directory / f"keys-{c}-{b}.npy", mmap_mode=mode)
                idx._order[c, b] = np.load(directory / f"order-{c}-{b}.npy", mmap_mode=mode)
        return idx
