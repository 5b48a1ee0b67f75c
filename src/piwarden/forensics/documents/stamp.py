"""Stamping the copies a platform hands out: visible purpose text plus an invisible recipient mark.

The visible text ("仅供XX平台企业认证使用") limits what a copy is good for; the invisible mark
says whose copy it was when one turns up elsewhere. The mark is keyed spread spectrum in the
block DCT domain of the luminance: each of 32 payload bits (a 24-bit recipient number and an
8-bit check) is spread over thousands of mid-frequency coefficients by a keyed +-1 sequence,
which survives JPEG quality 50 and brightness changes (decoding correlates signs, not levels).
It does not survive geometric change (crop, rotation) of the stamped copy.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from piwarden.fonts import pil_font

PAYLOAD_BITS, ID_BITS = 32, 24
STRENGTH = 5.0                 # DCT amplitude per coefficient (orthonormal 8x8): about +-1.5 grey levels
#: A mark is read only where its bits stand out of the image's own coefficients: on unstamped documents the
#: confidence stayed under 1.09 (160 decodes, 40 keys), and its 8-bit check alone agreed by chance on 1 of them (a
#: recipient named for a copy never stamped); stamped copies after JPEG 50 scored at least 3.37, after JPEG 30 2.42.
MIN_CONFIDENCE = 1.6
_ZIGZAG_MID = [(u, v) for u in range(8) for v in range(8) if 4 <= u + v <= 7]   # mid frequencies
_C = np.array([[math.sqrt((1 if k == 0 else 2) / 8) * math.cos((2 * n + 1) * k * math.pi / 16)
                for n in range(8)] for k in range(8)], np.float64)


def recipient_number(recipient: str, key: bytes) -> int:
    """The 24-bit number the mark carries for ``recipient`` (keyed, so outsiders cannot forge one)."""
    return int.from_bytes(hmac.new(key, recipient.encode(), hashlib.sha256).digest()[:3], "big")


def _payload(number: int) -> np.ndarray:
    check = hashlib.sha256(number.to_bytes(3, "big")).digest()[0]
    value = (number << 8) | check
    return np.array([(value >> (PAYLOAD_BITS - 1 - i)) & 1 for i in range(PAYLOAD_BITS)], np.int8)


def _blocks(y: np.ndarray) -> np.ndarray:
    h, w = (y.shape[0] // 8) * 8, (y.shape[1] // 8) * 8
    b = y[:h, :w].reshape(h // 8, 8, w // 8, 8).transpose(0, 2, 1, 3)
    return np.einsum("ij,abjk,lk->abil", _C, b, _C)


def _unblocks(d: np.ndarray) -> np.ndarray:
    b = np.einsum("ji,abjk,kl->abil", _C, d, _C)
    return b.transpose(0, 2, 1, 3).reshape(d.shape[0] * 8, d.shape[1] * 8)


def _layout(shape: tuple[int, int], key: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Per (block, mid coefficient) slot: which bit it carries and its keyed chip (+-1)."""
    n = shape[0] * shape[1] * len(_ZIGZAG_MID)
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(b"piwarden-doc-mark" + key).digest()[:8], "big"))
    bit = rng.permutation(n) % PAYLOAD_BITS
    chip = rng.integers(0, 2, n).astype(np.float64) * 2 - 1
    return bit.reshape(shape[0], shape[1], -1), chip.reshape(shape[0], shape[1], -1)


def _ycc(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("YCbCr"), np.float64)


def embed(img: Image.Image, number: int, key: bytes, strength: float = STRENGTH) -> Image.Image:
    """``img`` with ``number`` spread into its luminance."""
    ycc = _ycc(img)
    d = _blocks(ycc[..., 0])
    bit, chip = _layout(d.shape[:2], key)
    signs = (_payload(number).astype(np.float64) * 2 - 1)[bit]
    uu, vv = zip(*_ZIGZAG_MID, strict=True)
    d[:, :, list(uu), list(vv)] += strength * chip * signs
    y = ycc[..., 0].copy()
    y[:d.shape[0] * 8, :d.shape[1] * 8] = _unblocks(d)
    ycc[..., 0] = y
    return Image.fromarray(np.clip(np.rint(ycc), 0, 255).astype(np.uint8), "YCbCr").convert("RGB")


@dataclass(frozen=True)
class Decoded:
    number: int
    valid: bool              # the check byte agrees and the bits stand out: a mark made with this key is present
    confidence: float        # mean |correlation| per bit over its noise level


def decode(img: Image.Image, key: bytes) -> Decoded:
    """Read the 24-bit recipient number back from a stamped copy (same size as stamped)."""
    d = _blocks(_ycc(img)[..., 0])
    bit, chip = _layout(d.shape[:2], key)
    uu, vv = zip(*_ZIGZAG_MID, strict=True)
    coef = d[:, :, list(uu), list(vv)] * chip
    sums = np.bincount(bit.ravel(), weights=coef.ravel(), minlength=PAYLOAD_BITS)
    counts = np.bincount(bit.ravel(), minlength=PAYLOAD_BITS)
    noise = coef.std() * np.sqrt(counts)
    bits = (sums > 0).astype(int)
    value = int("".join(map(str, bits)), 2)
    number = value >> 8
    confidence = float(np.mean(np.abs(sums) / np.maximum(noise, 1e-9)))
    return Decoded(number, bool((_payload(number) == bits).all()) and confidence >= MIN_CONFIDENCE, confidence)


def visible(img: Image.Image, purpose: str) -> Image.Image:
    """Tile ``purpose`` diagonally across the image, semi-transparent red, as copies are usually marked."""
    base = img.convert("RGBA")
    w, h = base.size
    size = max(18, w // 24)
    layer = Image.new("RGBA", (w * 2, h * 2), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    f = pil_font(size)
    step_x = int(d.textlength(purpose, font=f)) + size * 3
    for row, y in enumerate(range(0, h * 2, size * 4)):
        for x in range(-step_x + (row % 2) * step_x // 2, w * 2, step_x):
            d.text((x, y), purpose, font=f, fill=(200, 30, 30, 110))
    layer = layer.rotate(25, resample=Image.Resampling.BICUBIC)
    layer = layer.crop((w // 2, h // 2, w // 2 + w, h // 2 + h))
    return Image.alpha_composite(base, layer).convert("RGB")


def stamp(img: Image.Image, purpose: str, recipient: str, key: bytes) -> tuple[Image.Image, int]:
    """The stamped copy for ``recipient`` and the number its invisible mark carries."""
    number = recipient_number(recipient, key)
    return embed(visible(img, purpose), number, key), number
