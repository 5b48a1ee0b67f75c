"""Near-duplicate lookup over millions of 64-bit hashes.

Small radii use multi-index hashing (Norouzi et al.): each column is split into four 16-bit
bands; by pigeonhole a hash within Hamming distance ``r`` agrees with the query to within
``r // 4`` bits on some band, so a lookup probes sorted band keys (``searchsorted``) and verifies
the hits with an exact popcount. Certification hashes cluster (one template, many documents), so
the buckets fill up: at 1M rows a radius-7 probe took 14 ms against 2 ms for one vectorised
popcount pass over the column, so larger radii (all that ``check`` uses) scan. Columns are stored
column-major as ``.npy`` and memory-mapped on load; who owns which row lives in the piwarden
database (``registry.py``). Beside them, each stored document's ORB keypoints, descriptors and
template links (:class:`Keypoints`, format 2): a check reads them instead of describing the stored
image again (about 60 KB a document).
Nothing here holds image content or PI values: hashes, coarse vectors, local descriptors, ids and file paths only.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Literal

import numpy as np

BANDS = 4
BAND_BITS = 16
LINEAR_FROM = 1   # per-band radius from which a linear scan wins (measured: 1M template-clustered hashes)
FORMAT = 2        # 1: hashes, groups, vectors and band tables; 2: and the stored documents' keypoints
_KP_FILES = ("kp-starts", "kp-counts", "kp-points", "kp-descriptors", "kp-link-starts", "kp-link-counts", "kp-links")


class IndexFormatError(ValueError):
    """The index directory was written by a newer piwarden than this one (or its format file is damaged)."""


@dataclass
class Keypoints:
    """Each row's ORB keypoints, descriptors and links onto its template, ragged and concatenated.

    Computed once at ``index`` time: describing a stored image again (read, resize, ORB, match onto
    its template) was most of a check whose candidates were not yet in memory. ``counts`` -1: not
    stored (a row indexed before format 2: computed from its image as before); ``link_counts`` -1:
    the row registers onto no template."""

    starts: np.ndarray          # (n,) int64 into points / descriptors
    counts: np.ndarray          # (n,) int32
    points: np.ndarray          # (N, 2) float32
    descriptors: np.ndarray     # (N, 32) uint8
    link_starts: np.ndarray     # (n,) int64 into links
    link_counts: np.ndarray     # (n,) int32
    links: np.ndarray           # (M, 2) int32: (the row's keypoint, the template's keypoint)

    def __len__(self) -> int:
        return len(self.counts)

    @classmethod
    def of(cls, rows: list[tuple[np.ndarray, np.ndarray | None, tuple[np.ndarray, np.ndarray] | None]]) -> Keypoints:
        """From ``(points, descriptors, links)`` per row (as ``verify.Features`` and ``verify.matched`` give them)."""
        counts = np.array([len(p) for p, _, _ in rows], np.int32)
        lcounts = np.array([-1 if ln is None else len(ln[0]) for _, _, ln in rows], np.int32)
        pts = [np.asarray(p, np.float32).reshape(-1, 2) for p, _, _ in rows]
        desc = [np.zeros((0, 32), np.uint8) if d is None else np.asarray(d, np.uint8) for _, d, _ in rows]
        lnk = [np.stack([ln[0], ln[1]], 1).astype(np.int32) for _, _, ln in rows if ln is not None]
        return cls(_starts(counts), counts, np.concatenate([np.zeros((0, 2), np.float32), *pts]),
                   np.concatenate([np.zeros((0, 32), np.uint8), *desc]), _starts(lcounts), lcounts,
                   np.concatenate([np.zeros((0, 2), np.int32), *lnk]))

    @classmethod
    def missing(cls, n: int) -> Keypoints:
        """``n`` rows with nothing stored (an index made before format 2)."""
        none = np.full(n, -1, np.int32)
        return cls(np.zeros(n, np.int64), none, np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8),
                   np.zeros(n, np.int64), none.copy(), np.zeros((0, 2), np.int32))

    def __add__(self, other: Keypoints) -> Keypoints:
        counts = np.concatenate([np.asarray(self.counts), np.asarray(other.counts)])
        lcounts = np.concatenate([np.asarray(self.link_counts), np.asarray(other.link_counts)])
        return Keypoints(_starts(counts), counts, np.concatenate([np.asarray(self.points), np.asarray(other.points)]),
                         np.concatenate([np.asarray(self.descriptors), np.asarray(other.descriptors)]),
                         _starts(lcounts), lcounts, np.concatenate([np.asarray(self.links), np.asarray(other.links)]))

    def head(self, n: int) -> Keypoints:
        """The first ``n`` rows (an index cut back to its registry)."""
        counts, lcounts = np.array(self.counts[:n]), np.array(self.link_counts[:n])
        end = int(self.starts[n - 1] + max(counts[-1], 0)) if n else 0
        lend = int(self.link_starts[n - 1] + max(lcounts[-1], 0)) if n else 0
        return Keypoints(np.array(self.starts[:n]), counts, np.array(self.points[:end]),
                         np.array(self.descriptors[:end]), np.array(self.link_starts[:n]), lcounts,
                         np.array(self.links[:lend]))

    def features(self, row: int) -> tuple[np.ndarray, np.ndarray | None] | None:
        """``row``'s keypoints (n, 2) and descriptors (None without keypoints, as ORB gives them), or None: not stored."""
        n = int(self.counts[row])
        if n < 0:
            return None
        s = int(self.starts[row])
        return np.array(self.points[s:s + n]), (np.array(self.descriptors[s:s + n]) if n else None)

    def template_links(self, row: int) -> tuple[bool, tuple[np.ndarray, np.ndarray] | None]:
        """(stored?, ``row``'s links onto its template as ``verify.matched`` gives them, or None: it registers onto none)."""
        if int(self.counts[row]) < 0:
            return False, None
        n = int(self.link_counts[row])
        if n < 0:
            return True, None
        s = int(self.link_starts[row])
        pairs = np.asarray(self.links[s:s + n])
        return True, (pairs[:, 0].astype(np.intp), pairs[:, 1].astype(np.intp))

    def own_descriptors(self, row: int, limit: int) -> np.ndarray | None:
        """The first ``limit`` descriptors of ``row``'s keypoints not paired with its template (what is its own: photo,
        names, numbers, rather than the printed form), read without its image; None: not stored."""
        stored = self.features(row)
        if stored is None:
            return None
        if stored[1] is None:
            return np.zeros((0, 32), np.uint8)
        _, links = self.template_links(row)
        return (stored[1] if links is None else np.delete(stored[1], links[0], axis=0))[:limit]

    def nbytes(self) -> int:
        return int(sum(np.asarray(getattr(self, f)).nbytes for f in self.__dataclass_fields__))

    def save(self, directory: Path) -> None:
        for name, attr in zip(_KP_FILES, self.__dataclass_fields__, strict=True):
            np.save(directory / f"{name}.npy", np.ascontiguousarray(getattr(self, attr)))

    @classmethod
    def load(cls, directory: Path, mode: Literal["r"] | None) -> Keypoints | None:
        if not all((directory / f"{name}.npy").exists() for name in _KP_FILES):
            return None
        return cls(*(np.load(directory / f"{name}.npy", mmap_mode=mode) for name in _KP_FILES))


def _starts(counts: np.ndarray) -> np.ndarray:
    sizes = np.maximum(counts, 0).astype(np.int64)
    return np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64) if len(sizes) else np.zeros(0, np.int64)


@lru_cache(maxsize=8)
def _masks(radius: int) -> np.ndarray:
    """Every 16-bit mask with at most ``radius`` bits set."""
    out = [0]
    for r in range(1, radius + 1):
        out += [sum(1 << b for b in bits) for bits in combinations(range(BAND_BITS), r)]
    return np.array(out, dtype=np.uint16)


def _cut(dist: np.ndarray, radius: int, limit: int | None, hint: int = 0) -> int:
    """The smallest distance ``d <= radius`` within which at least ``limit`` rows lie (``radius`` if fewer do).

    Counting passes, bisecting from ``hint`` (the cut of the search before: one index's cuts vary little, so
    two passes usually settle it). At 1M rows, selecting the ``limit`` nearest with ``np.argpartition`` took
    7 ms, a count 0.05 ms (uint8 distances)."""
    if limit is None:
        return radius

    def enough(d: int) -> bool:
        return int(np.count_nonzero(dist <= d)) >= limit

    h = min(max(hint, 0), radius)
    if enough(h):
        if h == 0 or not enough(h - 1):
            return h
        lo, hi = 0, h - 1
    else:
        if h == radius or not enough(radius):
            return radius
        lo, hi = h + 1, radius
    while lo < hi:
        mid = (lo + hi) // 2
        if enough(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _band(col: np.ndarray, b: int) -> np.ndarray:
    return ((col >> np.uint64(BAND_BITS * b)) & np.uint64(0xFFFF)).astype(np.uint16)


class HashIndex:
    """Multi-index hashing over ``(n, c)`` uint64 hash columns, with per-row group labels."""

    def __init__(self, hashes: np.ndarray, groups: np.ndarray | None = None, vectors: np.ndarray | None = None,
                 keypoints: Keypoints | None = None) -> None:
        # column-major, so a lookup in one column reads n * 8 contiguous bytes (also when memory-mapped)
        self.hashes = hashes if hashes.flags.f_contiguous else np.asfortranarray(hashes)
        self.groups = groups if groups is not None else np.zeros(len(hashes), np.int16)
        self.vectors = vectors      # optional (n, d) int8 re-ranking vectors, read only for shortlisted rows
        self.keypoints = keypoints  # optional: the rows' stored ORB features (None: an index made before format 2)
        self._keys: dict[tuple[int, int], np.ndarray] = {}
        self._order: dict[tuple[int, int], np.ndarray] = {}
        self._last: dict[int, tuple[int, np.ndarray]] = {}   # column -> (query, distances): ``_distances``
        self._cuts: dict[tuple[int, int | None, bool], int] = {}   # the last cut of each kind of search (``_cut``)

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
            dist = self._distances(column, query)
            if group is not None:   # branch-free, 8x faster than assigning through the mask
                dist = dist | (np.asarray(self.groups) != group).view(np.uint8) * np.uint8(255)
            cut = _cut(dist, radius, limit, self._cuts.get((column, limit, group is None), radius))
            self._cuts[column, limit, group is None] = cut
            rows = np.flatnonzero(dist <= cut)
            if limit is not None and len(rows) > limit:  # ties at the cut: the first rows
                near = dist[rows]
                rows = np.concatenate([rows[near < cut], rows[near == cut]])[:limit]
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

    def _distances(self, column: int, query: np.uint64) -> np.ndarray:
        """Every row's distance to ``query`` in ``column`` (uint8; read only). The last query of each column is kept:
        a check looks a pHash up twice (its likely templates, then its global neighbours)."""
        q = int(query)
        kept = self._last.get(column)
        if kept is not None and kept[0] == q:
            return kept[1]
        dist = np.bitwise_count(np.asarray(self.hashes[:, column]) ^ np.uint64(q)).astype(np.uint8, copy=False)
        self._last[column] = (q, dist)
        return dist

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
            if self.keypoints is not None:
                self.keypoints.save(tmp)
            (tmp / "format.json").write_text(json.dumps({"format": FORMAT}))
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
        meta = directory / "format.json"   # absent: format 1 (no keypoints: they are computed when needed, as then)
        try:
            version = int(json.loads(meta.read_text()).get("format", 1)) if meta.exists() else 1
        except (OSError, ValueError, TypeError, AttributeError):
            raise IndexFormatError("the document index's format.json is unreadable: index the documents again") \
                from None
        if version > FORMAT:
            raise IndexFormatError(f"the document index is format {version}, newer than this piwarden reads "
                                   f"({FORMAT}): upgrade piwarden or index the documents again")
        vec = directory / "vectors.npy"
        idx = cls(np.load(directory / "hashes.npy", mmap_mode=mode), np.load(directory / "groups.npy", mmap_mode=mode),
                  np.load(vec, mmap_mode=mode) if vec.exists() else None, Keypoints.load(directory, mode))
        for c in range(idx.hashes.shape[1]):
            for b in range(BANDS):
                idx._keys[c, b] = np.load(directory / f"keys-{c}-{b}.npy", mmap_mode=mode)
                idx._order[c, b] = np.load(directory / f"order-{c}-{b}.npy", mmap_mode=mode)
        return idx
