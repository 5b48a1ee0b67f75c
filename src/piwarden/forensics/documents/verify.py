"""Local-feature verification: do two images show the same physical document?

ORB keypoints, Lowe's ratio test and a RANSAC similarity (or homography) register the query onto the
candidate. Inliers alone are not proof here: documents of one kind share a template (labels,
border, background), so two *different* people's cards register well too. The decision is
therefore made after registration, on content: the registered query is compared with the
candidate tile by tile (normalised cross-correlation of high-passed tiles), and the document is
the same only if nearly every textured tile agrees (a scribble or glare spoils a few tiles;
another person's photo, name and number spoil many).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

WORK_WIDTH = 800          # images are registered at this width (speed; ORB is scale-tolerant)
TILE = 48
AGREE = 0.88             # mid-gap on benchmark dev seed 820000: same document >= 0.96, another person <= 0.81
STROKE_RMS = 4.0         # a tile counts when its band-passed content varies by more than this (grey levels)
MIN_INLIERS = 15


@dataclass(frozen=True)
class Features:
    """ORB keypoints and descriptors of one image at the working scale, plus that image."""

    gray: np.ndarray          # uint8, working scale
    points: np.ndarray        # (n, 2) float32
    descriptors: np.ndarray | None


@dataclass(frozen=True)
class Verdict:
    """The outcome of verifying a query against one candidate."""

    same: bool
    inliers: int
    agreement: float          # share of textured tiles that agree after registration, 0-1
    homography: np.ndarray | None

    def to_json(self) -> dict[str, object]:
        return {"same": self.same, "inliers": self.inliers, "agreement": round(self.agreement, 4)}


_ORB = None


def _orb() -> cv2.ORB:
    global _ORB
    if _ORB is None:
        _ORB = cv2.ORB_create(nfeatures=1500, scaleFactor=1.2, nlevels=8, fastThreshold=12)  # type: ignore[attr-defined]
    return _ORB


def working_gray(g: np.ndarray) -> np.ndarray:
    """Grayscale uint8 resized to ``WORK_WIDTH`` (aspect kept)."""
    h, w = g.shape[:2]
    scale = WORK_WIDTH / w
    out = cv2.resize(g, (WORK_WIDTH, max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return np.clip(out, 0, 255).astype(np.uint8)


def features(g: np.ndarray) -> Features:
    """ORB features of a grayscale image (any dtype, any size)."""
    w = working_gray(g)
    kps, desc = _orb().detectAndCompute(w, None)
    pts = np.array([k.pt for k in kps], np.float32).reshape(-1, 2)
    return Features(w, pts, desc)


def register(query: Features, cand: Features, ratio: float = 0.8,
             similarity: bool = False) -> tuple[np.ndarray | None, int]:
    """Homography mapping query onto candidate coordinates and its RANSAC inlier count.

    ``similarity`` fits rotation + scale + shift only (4 degrees of freedom): far steadier when
    the two images share only a template, whose matching keypoints crowd into the label column."""
    if query.descriptors is None or cand.descriptors is None or len(query.points) < 8 or len(cand.points) < 8:
        return None, 0
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(query.descriptors, cand.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < ratio * p[1].distance]
    if len(good) < 8:
        return None, len(good)
    src = query.points[[m.queryIdx for m in good]]
    dst = cand.points[[m.trainIdx for m in good]]
    if similarity:
        aff, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=3.0,
                                                maxIters=3000, confidence=0.999)
        hom = None if aff is None else np.vstack([aff, [0.0, 0.0, 1.0]])
    else:
        hom, mask = cv2.findHomography(src, dst, cv2.RANSAC, 4.0, maxIters=2000, confidence=0.995)
    if hom is None or mask is None:
        return None, 0
    return hom, int(mask.sum())


def _bandpass(g: np.ndarray) -> np.ndarray:
    """Strokes and edges without the lighting: blur away pixel noise (JPEG), subtract the coarse shading."""
    f = g.astype(np.float32)
    return cv2.GaussianBlur(f, (0, 0), 1.0) - cv2.GaussianBlur(f, (0, 0), 6)


def agreement(query: Features, cand: Features, hom: np.ndarray, tile: int = TILE) -> float:
    """Share of the candidate's textured tiles whose content the registered query reproduces."""
    h, w = cand.gray.shape
    warped = cv2.warpPerspective(query.gray, hom, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    valid = cv2.warpPerspective(np.full(query.gray.shape, 255, np.uint8), hom, (w, h), flags=cv2.INTER_NEAREST)
    a, b = _bandpass(warped), _bandpass(cand.gray)
    th, tw = h // tile, w // tile
    a = a[:th * tile, :tw * tile].reshape(th, tile, tw, tile).transpose(0, 2, 1, 3).reshape(th, tw, -1)
    b = b[:th * tile, :tw * tile].reshape(th, tile, tw, tile).transpose(0, 2, 1, 3).reshape(th, tw, -1)
    v = valid[:th * tile, :tw * tile].reshape(th, tile, tw, tile).min(axis=(1, 3)) > 0
    a = a - a.mean(-1, keepdims=True)
    b = b - b.mean(-1, keepdims=True)
    sa, sb = np.sqrt((a * a).sum(-1)), np.sqrt((b * b).sum(-1))
    ncc = (a * b).sum(-1) / np.maximum(sa * sb, 1e-6)
    # tiles with strokes in the stored image (text, photo edges, stamps), not smooth background
    # patterns that a brightness change saturates away
    textured = v & (sb / tile > STROKE_RMS)
    if textured.sum() < 4:
        return 0.0
    return float((ncc[textured] > 0.5).mean())


def verify(query: Features, cand: Features, threshold: float = AGREE, similarity: bool = True) -> Verdict:
    """Register ``query`` onto ``cand`` and decide whether they are the same document.

    A similarity transform by default: a full homography fitted to keypoints crowded on one side
    (a QR code, a seal) drifts by pixels on the other side and spoils the tile comparison there."""
    hom, inl = register(query, cand, similarity=similarity)
    if hom is None or inl < MIN_INLIERS:
        return Verdict(False, inl, 0.0, hom)
    agree = agreement(query, cand, hom)
    return Verdict(agree >= threshold, inl, agree, hom)
