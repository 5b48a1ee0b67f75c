"""Perceptual hashes of certification images: cheap 64-bit keys for candidate lookup.

Hashes alone cannot decide (Thorn's benchmark: pHash 7.1% recall under a 5% crop at 99.99%
precision), so they only shortlist; :mod:`.verify` decides. Three complementary 64-bit hashes:

- ``phash``: low-frequency DCT signs of a 32x32 thumbnail (robust to brightness, JPEG, small rotation);
- ``dhash``: horizontal gradient signs of a 9x8 thumbnail (robust to brightness and blur);
- ``chash`` (crop-resistant): pHash of the central 80%, which a crop of up to 10% per side never
  reaches, so edge loss and the corners a rotation fills in do not move it.

PDQ is left out: no maintained wheel installs cleanly here, and it fails like pHash under crop.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

NAMES = ("phash", "dhash", "chash")
_BIT_WEIGHTS = (1 << np.arange(63, -1, -1, dtype=np.uint64)).astype(np.uint64)


def gray(img: Image.Image | np.ndarray | str | Path) -> np.ndarray:
    """A float32 grayscale array from a PIL image, an array (RGB or gray) or a path."""
    if isinstance(img, str | Path):
        with Image.open(img) as im:
            img = im.convert("RGB")
    arr = np.asarray(img.convert("RGB") if isinstance(img, Image.Image) and img.mode != "RGB" else img)  # not copied
    if arr.ndim == 3:
        arr = cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY)
    return arr.astype(np.float32)


def _pack(bits: np.ndarray) -> np.uint64:
    return np.uint64(np.bitwise_or.reduce(bits.ravel().astype(np.uint64) * _BIT_WEIGHTS))


def phash(g: np.ndarray) -> np.uint64:
    """64-bit DCT hash: the 8x8 lowest frequencies of a 32x32 thumbnail against their median (DC excluded)."""
    small = cv2.resize(g, (32, 32), interpolation=cv2.INTER_AREA)
    low = cv2.dct(small)[:8, :8].ravel()
    return _pack(low > np.median(low[1:]))


def dhash(g: np.ndarray) -> np.uint64:
    """64-bit gradient hash: is each pixel of a 9x8 thumbnail brighter than its right neighbour?"""
    small = cv2.resize(g, (9, 8), interpolation=cv2.INTER_AREA)
    return _pack(small[:, :-1] > small[:, 1:])


def chash(g: np.ndarray, keep: float = 0.8) -> np.uint64:
    """Crop-resistant pHash of the central ``keep`` fraction of the image."""
    h, w = g.shape
    dy, dx = int(h * (1 - keep) / 2), int(w * (1 - keep) / 2)
    return phash(g[dy:h - dy, dx:w - dx])


def hashes(img: Image.Image | np.ndarray | str | Path) -> np.ndarray:
    """The three hashes (``NAMES`` order) as a uint64 array of shape (3,)."""
    g = gray(img)
    return np.array([phash(g), dhash(g), chash(g)], dtype=np.uint64)


def hamming(a: np.ndarray, b: np.ndarray | np.uint64) -> np.ndarray:
    """Bitwise Hamming distances between uint64 arrays (broadcasting)."""
    return np.bitwise_count(np.bitwise_xor(a, b)).astype(np.uint8)
