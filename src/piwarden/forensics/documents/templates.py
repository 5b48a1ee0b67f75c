"""Document templates and the registered content hash (``rhash``).

Global hashes of ID cards are dominated by what every card shares (labels, border, guilloche),
so two different people's cards hash alike while a 3-degree rotation of one card does not.
The fix is to register first and hash second: each document is registered (ORB + RANSAC) onto
its template's reference image, the template's median appearance is subtracted, and what remains
(photo, names, numbers, handwriting) is hashed by 64 random hyperplanes (SimHash). Templates are
learnt from the first indexed documents and then frozen, so stored hashes never change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from piwarden.forensics.documents import verify as V
from piwarden.outputs import atomic_path

GRID = (48, 30)            # content vector: block means of the registered, blurred image
COMPACT = (24, 15)         # stored re-ranking vector: the content deviation at half that resolution, int8
MIN_INLIERS = 10          # similarity fits (4 degrees of freedom) are trustworthy from few inliers
SURE = 100                 # inliers on one template that settle ``assign`` (scenarios dev seeds 1-5, 900 images:
#                            the second-best template never had more than 50; the best had >= 100 on 82%)
LEARN_FROM = 64            # documents per template used for its median appearance
MIN_LAYOUT = 3             # documents needed before a template's printed layout is known
SLANTED_MIN = 20           # homography inliers ``assign_slanted`` needs (8 degrees of freedom: twice a verification's)


@dataclass
class Template:
    """A reference image (working scale) and the median content vector of its documents."""

    ref: V.Features
    median: np.ndarray      # (GRID[1], GRID[0]) float32
    static: np.ndarray | None = None   # uint8 median of its documents registered onto ``ref``: the printed layout


Links = tuple[np.ndarray, np.ndarray]   # keypoint indices of a document and of its template's reference, paired


def _planes() -> np.ndarray:
    return np.random.default_rng(20260307).standard_normal((64, GRID[0] * GRID[1])).astype(np.float32)


_PLANES = _planes()
_WEIGHTS = (1 << np.arange(63, -1, -1, dtype=np.uint64)).astype(np.uint64)


def registered(f: V.Features, t: Template, pairs: tuple[np.ndarray, np.ndarray] | None = None,
               hom: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """``f`` warped into the template's frame and the mask of pixels it covers; None if it does not register.

    ``pairs``: the matched keypoints of ``f`` and the template, when already known (one matching, not three);
    ``hom``: the mapping itself, when already fitted (:func:`assign_slanted`)."""
    if hom is None:
        pairs = pairs if pairs is not None else V.pairs(f, t.ref)
        if pairs is None:
            return None
        hom, inl = V.fit(*pairs, similarity=True)
        if hom is None or inl < MIN_INLIERS:
            return None
        if V.PERSPECTIVE:   # a keystone or a table photo: a homography explains far more keypoints
            ph, pinl = V.fit(*pairs, similarity=False)
            if ph is not None and pinl > 1.5 * inl and V.plausible(ph, f.gray.shape, t.ref.gray.shape):
                hom = ph
    h, w = t.ref.gray.shape
    img = cv2.warpPerspective(f.gray, hom, (w, h), flags=cv2.INTER_LINEAR).astype(np.float32)
    mask = cv2.warpPerspective(np.full(f.gray.shape, 255, np.uint8), hom, (w, h), flags=cv2.INTER_NEAREST) > 0
    return img, mask


def content_vector(img: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Block means of the blurred registered image, brightness-normalised; and which blocks are covered."""
    x = cv2.resize(cv2.GaussianBlur(img, (0, 0), 3), GRID, interpolation=cv2.INTER_AREA)
    m = cv2.resize(mask.astype(np.float32), GRID, interpolation=cv2.INTER_AREA) > 0.99
    if not m.any():     # registered off the frame: nothing covered (no "Mean of empty slice" warning)
        return np.zeros_like(x, np.float32), m
    x = (x - x[m].mean()) / (x[m].std() + 1e-6)
    return x.astype(np.float32), m


def simhash(x: np.ndarray, m: np.ndarray, t: Template) -> np.uint64:
    """64-bit SimHash of the content left after subtracting the template's median appearance."""
    d = np.where(m, x - t.median, 0.0).ravel()
    bits = (_PLANES @ d) > 0
    return np.uint64(np.bitwise_or.reduce(bits.astype(np.uint64) * _WEIGHTS))


def compact(x: np.ndarray, m: np.ndarray, t: Template) -> tuple[np.ndarray, np.ndarray]:
    """The deviation from the template at ``COMPACT`` resolution as int8, and its covered cells."""
    d = cv2.resize(np.where(m, x - t.median, 0.0).astype(np.float32), COMPACT, interpolation=cv2.INTER_AREA)
    cover = cv2.resize(m.astype(np.float32), COMPACT, interpolation=cv2.INTER_AREA) > 0.99
    return np.clip(np.rint(d * 32), -127, 127).astype(np.int8).ravel(), cover.ravel()


def correlation(stored: np.ndarray, query: np.ndarray, cover: np.ndarray) -> np.ndarray:
    """Pearson correlation of each stored compact vector with the query over the query's covered cells."""
    a = stored[:, cover].astype(np.float32)
    b = query[cover].astype(np.float32)
    a -= a.mean(1, keepdims=True)
    b -= b.mean()
    return (a @ b) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b) + 1e-9)


def assign(f: V.Features, templates: list[Template], first: Iterable[int] = (),
           sure: int | None = None) -> tuple[int, tuple[np.ndarray, np.ndarray] | None, Links | None]:
    """The template ``f`` registers best onto: (index, registered image and mask, the :func:`.verify.matched`
    keypoint indices of ``f`` and the template's reference), or (-1, None, None).

    Each template costs one keypoint matching. ``first``: the templates to try before the others
    (which follow in order); ``sure``: once one template explains that many inliers the rest are not
    tried (``SURE``). Without ``sure`` every template is tried, and ties go to the lower index,
    whatever the order."""
    best, best_inl, best_links = -1, MIN_INLIERS - 1, None
    for i in dict.fromkeys([*(i for i in first if 0 <= i < len(templates)), *range(len(templates))]):
        t = templates[i]
        links = V.matched(f, t.ref)
        hom, inl = V.fit(f.points[links[0]], t.ref.points[links[1]], similarity=True) if links is not None \
            else (None, 0)
        # a fit onto another template's few shared keypoints can shrink the document to a corner
        if (hom is not None and (inl > best_inl or (inl == best_inl and 0 <= i < best))
                and V.plausible(hom, f.gray.shape, t.ref.gray.shape)):
            best, best_inl, best_links = i, inl, links
        if sure is not None and best_inl >= sure:
            break
    if best < 0 or best_links is None:
        return -1, None, None
    pairs = f.points[best_links[0]], templates[best].ref.points[best_links[1]]
    return best, registered(f, templates[best], pairs), best_links


def assign_slanted(f: V.Features, templates: list[Template]) -> tuple[int, tuple[np.ndarray, np.ndarray] | None,
                                                                      Links | None]:
    """As :func:`assign`, by homographies only: for a document that no similarity fits plausibly onto any template (a
    passport photographed at a slant on a busy table: dev seeds 10 and 13, 11 and 45 similarity inliers mapping it
    to an implausible outline, 28 and 61 homography inliers to its own template's). The template whose plausible
    homography explains the most keypoints, at least ``SLANTED_MIN``; each template costs one keypoint matching.
    Only where :func:`assign` found nothing: a wrong template here only gives the check strangers to verify."""
    best, best_inl, best_hom, best_links = -1, SLANTED_MIN - 1, None, None
    for i, t in enumerate(templates):
        links = V.matched(f, t.ref)
        if links is None:
            continue
        hom, inl = V.fit(f.points[links[0]], t.ref.points[links[1]], similarity=False)
        if hom is not None and inl > best_inl and V.plausible(hom, f.gray.shape, t.ref.gray.shape):
            best, best_inl, best_hom, best_links = i, inl, hom, links
    if best < 0 or best_hom is None:
        return -1, None, None
    return best, registered(f, templates[best], hom=best_hom), best_links


def learn(feats: list[V.Features], templates: list[Template]) -> list[Template]:
    """Add templates for documents that register onto none of ``templates`` (greedy, first come)."""
    pending: dict[int, list[np.ndarray]] = {}
    layouts: dict[int, list[np.ndarray]] = {}
    out = list(templates)
    for f in feats:
        i, reg, _ = assign(f, out)
        if i < 0:
            out.append(Template(f, np.zeros(GRID[::-1], np.float32)))
            i, reg = len(out) - 1, (f.gray.astype(np.float32), np.ones(f.gray.shape, bool))
        if i >= len(templates) and reg is not None and len(pending.setdefault(i, [])) < LEARN_FROM:
            x, m = content_vector(*reg)
            pending[i].append(np.where(m, x, np.nan))
            layouts.setdefault(i, []).append(np.where(reg[1], reg[0], np.nan).astype(np.float32))
    for i, imgs in layouts.items():
        if len(imgs) >= MIN_LAYOUT:   # the median of a few people's documents keeps what they share: the print
            stack = np.stack(imgs)
            seen = np.isfinite(stack).sum(0) >= MIN_LAYOUT
            static = np.zeros(stack.shape[1:], np.float32)
            static[seen] = np.nanmedian(stack[:, seen], 0)
            out[i].static = np.clip(static, 0, 255).astype(np.uint8)
    for i, xs in pending.items():
        stack = np.stack(xs)
        seen = np.isfinite(stack).any(0)     # blocks no document covered stay 0 (nanmedian would warn)
        med = np.zeros(stack.shape[1:], np.float32)
        med[seen] = np.nanmedian(stack[:, seen], 0)
        out[i].median = med
    return out


def save(templates: list[Template], path: Path) -> None:
    # each reference's ORB features as ``load`` would compute them from its image: every store opened
    # (every ``check`` command) reads them instead (about 20 ms a template); older files lack them
    feats = [V.features(t.ref.gray) for t in templates]
    arrays = {**{f"ref{i}": t.ref.gray for i, t in enumerate(templates)},
              **{f"points{i}": f.points for i, f in enumerate(feats)},
              **{f"descriptors{i}": f.descriptors for i, f in enumerate(feats) if f.descriptors is not None},
              **{f"median{i}": t.median for i, t in enumerate(templates)},
              **{f"static{i}": t.static for i, t in enumerate(templates) if t.static is not None}}
    # whole or not at all: an interrupted index keeps the old templates (a file object: numpy would add .npz)
    with atomic_path(path) as tmp, tmp.open("wb") as fh:
        np.savez_compressed(fh, n=len(templates), **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds as a flag


def load(path: Path) -> list[Template]:
    if not path.exists():
        return []
    z = np.load(path)
    return [Template(_reference(z, i), z[f"median{i}"], z.get(f"static{i}")) for i in range(int(z["n"]))]


def _reference(z: np.lib.npyio.NpzFile, i: int) -> V.Features:
    """Template ``i``'s reference features: stored with it, or computed from its image (a file saved before)."""
    if f"points{i}" not in z:
        return V.features(z[f"ref{i}"])
    points = z[f"points{i}"]
    return V.Features(V.working_gray(z[f"ref{i}"]), points, z[f"descriptors{i}"] if len(points) else None)


def layout_in(cand: V.Features, t: Template, links: Links | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """The template's printed layout in ``cand``'s frame (uint8) and where it is known.

    Verification compares what is left of both images after removing it (labels, rules, border,
    emblem say nothing about whose document it is). None when the template's layout is unknown or
    ``cand`` does not register onto it. ``links``: ``cand`` matched onto ``t.ref`` (:func:`.verify.matched`),
    when already known."""
    if t.static is None:
        return None
    links = links if links is not None else V.matched(cand, t.ref)
    if links is None:
        return None
    hom, inl = V.fit(cand.points[links[0]], t.ref.points[links[1]], similarity=True)
    if hom is None or inl < MIN_INLIERS or abs(np.linalg.det(hom[:2, :2])) < 1e-3:
        return None
    h, w = cand.gray.shape   # pull the layout into the candidate's frame (``hom`` maps candidate -> template)
    layout = cv2.warpPerspective(t.static, hom, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    valid = cv2.warpPerspective(np.full(t.static.shape, 255, np.uint8), hom, (w, h),
                                flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
    return layout, valid
