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

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

WORK_WIDTH = 800          # images are registered at this width (speed; ORB is scale-tolerant)
TILE = 48
AGREE = 0.84             # on personal tiles; scenarios dev seed 1: another person's document <= 0.82
STROKE_RMS = 4.0         # a tile counts when its band-passed content varies by more than this (grey levels)
MIN_INLIERS = 15
TILE_AGREE = 0.65        # a tile agrees when its band-passed NCC exceeds this (at 0.5 a stranger's card number in
#                          the same font agreed)
MIN_VARIABLE = 8         # personal tiles needed in view to judge on them alone
PERSPECTIVE = True        # fall back to a homography when the similarity fit does not agree
BLURS = (0.0, 1.5, 3.0)   # the candidate is also compared blurred by these sigmas (a blurred copy; motion: DEBLUR)
COVERED = 0.25            # a query tile with under this share of the print's energy is covered (sticker, glare)
OCCLUDED = 0.35           # a compact patch of disagreement set aside (``_spared``): at most this share of the tiles,
SPARED_KEPT = 0.95        # when at least this share of the rest agree,
OCCLUSION_TOLL = 0.3      # and the score is charged this times the share set aside
DEBLUR = True             # a verification that fails tries once more with the query's own blur estimated
KERNEL_RADIUS = 20        # the blur estimated between a copy and its candidate (``blur_kernel``), in working pixels
KERNEL_DAMPING = 0.05     # its regularisation, a share of the candidate's mean spectral power
DEBLUR_FROM = 0.1         # and only when the failed verification scored at least this (the estimate: 20-40 ms;
#                           dev and experiment seeds: a copy it rescued scored 0.17 or more without it)


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
    fields: tuple[tuple[str, bool], ...] = ()   # key fields read by OCR (:mod:`.fields`): kind, agrees

    def to_json(self) -> dict[str, object]:
        return {"same": self.same, "inliers": self.inliers, "agreement": round(self.agreement, 4),
                "fields": [{"field": kind, "agrees": ok} for kind, ok in self.fields]}


_ORBS: dict[int, cv2.ORB] = {}
KEYPOINTS = 1500          # ORB keypoints per image
DENSE_KEYPOINTS = 3000    # for a query that registers onto no template with ``KEYPOINTS`` (a small document in a
#                           screenshot or on a patterned table: the background takes most of the keypoints)


def _orb(n: int = KEYPOINTS) -> cv2.ORB:
    if n not in _ORBS:
        _ORBS[n] = cv2.ORB_create(nfeatures=n, scaleFactor=1.2, nlevels=8, fastThreshold=12)  # type: ignore[attr-defined]
    return _ORBS[n]


def working_gray(g: np.ndarray) -> np.ndarray:
    """Grayscale uint8 resized to ``WORK_WIDTH`` (aspect kept)."""
    h, w = g.shape[:2]
    scale = WORK_WIDTH / w
    out = cv2.resize(g, (WORK_WIDTH, max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return np.clip(out, 0, 255).astype(np.uint8)


def features(g: np.ndarray, keypoints: int = KEYPOINTS) -> Features:
    """ORB features of a grayscale image (any dtype, any size)."""
    w = working_gray(g)
    kps, desc = _orb(keypoints).detectAndCompute(w, None)
    pts = np.array([k.pt for k in kps], np.float32).reshape(-1, 2)
    return Features(w, pts, desc)


def matched(query: Features, cand: Features, ratio: float = 0.8) -> tuple[np.ndarray, np.ndarray] | None:
    """Indices of the keypoints (query, candidate) paired by Lowe's ratio test, or None if too few."""
    if query.descriptors is None or cand.descriptors is None or len(query.points) < 8 or len(cand.points) < 8:
        return None
    knn = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(query.descriptors, cand.descriptors, k=2)
    good = [p[0] for p in knn if len(p) == 2 and p[0].distance < ratio * p[1].distance]
    if len(good) < 8:
        return None
    return np.array([m.queryIdx for m in good], np.intp), np.array([m.trainIdx for m in good], np.intp)


def votes(query: np.ndarray, stored: list[np.ndarray], ratio: float = 0.8) -> np.ndarray:
    """For each of ``stored`` (descriptor sets), how many of the ``query`` descriptors find their nearest neighbour
    there, by Lowe's ratio test over all the sets at once: a keypoint every candidate shares has no clear nearest and
    votes for none, so what a document has of its own votes for it."""
    out = np.zeros(len(stored), np.int64)
    if not len(query) or sum(len(d) for d in stored) < 2:   # a ratio test needs two stored descriptors
        return out
    owner = np.repeat(np.arange(len(stored)), [len(d) for d in stored])
    knn = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(query, np.concatenate(stored), k=2)
    won = [p[0].trainIdx for p in knn if len(p) == 2 and p[0].distance < ratio * p[1].distance]
    np.add.at(out, owner[np.asarray(won, np.intp)], 1)
    return out


def pairs(query: Features, cand: Features, ratio: float = 0.8) -> tuple[np.ndarray, np.ndarray] | None:
    """Matched keypoint coordinates (query, candidate) that pass Lowe's ratio test, or None if too few."""
    found = matched(query, cand, ratio)
    return None if found is None else (query.points[found[0]], cand.points[found[1]])


def chained(query: Features, cand: Features, query_links: tuple[np.ndarray, np.ndarray],
            cand_links: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    """Keypoint coordinates (query, candidate) paired through their template, without matching the two.

    ``query_links`` and ``cand_links``: the :func:`matched` indices of each onto the same template's
    reference. A query keypoint and a candidate keypoint that matched the same template keypoint are
    the same printed point (a label, a rule, a corner of the emblem) in both: enough to register one
    onto the other, not to decide (the personal content never matches a template)."""
    (qi, qt), (ci, ct) = query_links, cand_links
    order = np.argsort(ct, kind="stable")
    lo, hi = np.searchsorted(ct[order], qt, "left"), np.searchsorted(ct[order], qt, "right")
    n = hi - lo
    if n.sum() < 8:
        return None
    starts = np.repeat(lo - np.concatenate(([0], np.cumsum(n)[:-1])), n)
    return query.points[np.repeat(qi, n)], cand.points[ci[order[starts + np.arange(n.sum())]]]


def fit(src: np.ndarray, dst: np.ndarray, similarity: bool, fast: bool = False) -> tuple[np.ndarray | None, int]:
    """A similarity or homography mapping ``src`` onto ``dst`` by RANSAC, and its inlier count.

    ``fast``: the homography by OpenCV's USAC_FAST (RANSAC with local optimisation), about 13x faster
    than RANSAC, which runs its 3,000 iterations on a poor match (a stranger's document): 0.24 against
    3.2 ms a fit on ``scenarios/documents`` dev seed 1, inlier counts the same in the median; the screen
    uses it, the verification keeps RANSAC."""
    if similarity:
        aff, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=3.0,
                                                maxIters=3000, confidence=0.999)
        hom = None if aff is None else np.vstack([aff, [0.0, 0.0, 1.0]])
    else:
        hom, mask = cv2.findHomography(src, dst, cv2.USAC_FAST if fast else cv2.RANSAC, 4.0, maxIters=3000,
                                       confidence=0.999)
    if hom is None or mask is None:
        return None, 0
    return hom, int(mask.sum())


def register(query: Features, cand: Features, ratio: float = 0.8,
             similarity: bool = False) -> tuple[np.ndarray | None, int]:
    """Homography mapping query onto candidate coordinates and its RANSAC inlier count.

    ``similarity`` fits rotation + scale + shift only (4 degrees of freedom): far steadier when
    the two images share only a template, whose matching keypoints crowd into the label column."""
    found = pairs(query, cand, ratio)
    if found is None:
        return None, 0
    return fit(*found, similarity)


def plausible(hom: np.ndarray, query_shape: tuple[int, ...], cand_shape: tuple[int, ...]) -> bool:
    """Does ``hom`` map the candidate's frame to a convex, non-degenerate quadrilateral in the query?

    A homography fitted by RANSAC to a few template keypoints can fold or collapse; a photographed
    document is a convex quadrilateral covering a sizeable part of the photo (keystone, table top)."""
    try:
        inv = np.linalg.inv(hom)
    except np.linalg.LinAlgError:
        return False
    h, w = cand_shape[:2]
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32).reshape(-1, 1, 2)
    quad = cv2.perspectiveTransform(corners, inv).reshape(-1, 2).astype(np.float64)
    qh, qw = query_shape[:2]
    if not np.isfinite(quad).all() or np.abs(quad).max() > 16 * max(qh, qw):   # flung far off: no overflow below
        return False
    if not cv2.isContourConvex(quad.astype(np.float32)):
        return False
    nxt = np.roll(quad, -1, axis=0)
    area = 0.5 * float((quad[:, 0] * nxt[:, 1] - nxt[:, 0] * quad[:, 1]).sum())   # > 0: not mirrored
    sides = np.linalg.norm(quad - np.roll(quad, 1, axis=0), axis=1)
    return bool(0.05 * qh * qw <= area <= 4.0 * qh * qw and sides.min() > 0.25 * sides.max())


def _lowpass(f: np.ndarray) -> np.ndarray:
    """The coarse shading (a Gaussian of sigma about 6), blurred at a quarter of the size: 10x cheaper."""
    h, w = f.shape
    small = cv2.resize(f, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    return cv2.resize(cv2.GaussianBlur(small, (0, 0), 1.5), (w, h), interpolation=cv2.INTER_LINEAR)


def _bandpass(g: np.ndarray, fine: float = 1.0, low: np.ndarray | None = None) -> np.ndarray:
    """Strokes and edges without the lighting: blur away pixel noise (JPEG), subtract the coarse shading
    (``low``, when already known)."""
    f = g.astype(np.float32)
    out = cv2.GaussianBlur(f, (0, 0), fine)
    out -= _lowpass(f) if low is None else low      # in place: the same numbers, one image less allocated
    return out


def _tiles(x: np.ndarray, th: int, tw: int, tile: int) -> np.ndarray:
    return x[:th * tile, :tw * tile].reshape(th, tile, tw, tile).transpose(0, 2, 1, 3).reshape(th, tw, -1)


def _ncc(a: np.ndarray, b: np.ndarray, sb: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-tile NCC of centred tile stacks, and ``b``'s per-tile RMS (``sb``: ``b``'s norms, when known)."""
    sa, sb = np.sqrt(np.vecdot(a, a)), np.sqrt(np.vecdot(b, b)) if sb is None else sb
    return np.vecdot(a, b) / np.maximum(sa * sb, 1e-6), sb / np.sqrt(a.shape[-1])


def _centred(x: np.ndarray) -> np.ndarray:
    return x - x.mean(-1, keepdims=True)


def _without(x: np.ndarray, base: np.ndarray, bb: np.ndarray | None = None) -> np.ndarray:
    """``x`` minus its projection on ``base``, tile by tile: the print removed whatever the contrast (``bb``:
    ``base``'s squared norms, keepdims, when known)."""
    bb = np.vecdot(base, base)[..., None] if bb is None else bb
    k = np.vecdot(x, base)[..., None] / np.maximum(bb, 1e-6)
    return x - np.clip(k, 0.0, None) * base


def _norms(variant: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """What :func:`_personal` needs of a variant that does not depend on the query: the print's squared norms
    (keepdims, for :func:`_without`) and the candidate's norms (for :func:`_ncc`), per tile. A tile's sum is the
    same whichever other tiles are taken with it, so computing them once changes no score, bit for bit."""
    rb, base = variant
    return np.vecdot(base, base)[..., None], np.sqrt(np.vecdot(rb, rb))


def _rms(x: np.ndarray) -> np.ndarray:
    return np.sqrt((x * x).mean(-1))


@dataclass(frozen=True)
class Reference:
    """What comparing any query with one stored document needs of that document, computed once.

    Its band-passed tiles (and those of the template's print in its frame, at each of ``blurs``) do
    not depend on the query: a check registers a query onto a candidate up to three times (a screen,
    then two fits), and a store keeps the most recently used, so the blurs are paid once per
    candidate, not per fit. Only the tiles that can count are kept (the comparison is tile by tile, so the numbers
    are the same as computing the whole image each time)."""

    shape: tuple[int, int]              # the candidate's working-scale shape
    tile: int
    blurs: tuple[float, ...]
    textured: np.ndarray                # (th, tw) tiles with strokes in the candidate (the comparison without a print)
    plain: np.ndarray                   # (textured tiles, tile * tile) their centred band-passed content
    personal: np.ndarray | None         # (th, tw) tiles where something personal is left once the print is removed
    print_rms: np.ndarray | None        # the print's RMS on those tiles (is a query tile covered?)
    variants: tuple[tuple[np.ndarray, np.ndarray], ...] = ()   # per blur: (candidate without the print, print)
    print_gray: np.ndarray | None = None                      # the print in the candidate's frame (a blur estimated later)
    norms: tuple[tuple[np.ndarray, np.ndarray], ...] = ()      # per variant: :func:`_norms` (computed when absent)

    @property
    def nbytes(self) -> int:
        return int(self.plain.nbytes + sum(a.nbytes + b.nbytes for a, b in self.variants)
                   + sum(a.nbytes + b.nbytes for a, b in self.norms)
                   + (0 if self.print_gray is None else self.print_gray.nbytes))

    @property
    def compared(self) -> np.ndarray:
        """The tiles a query's are compared with (personal ones, or textured ones without a layout)."""
        return self.textured if self.personal is None or self.print_rms is None else self.personal


def reference(cand: Features, layout: tuple[np.ndarray, np.ndarray] | None = None, tile: int = TILE,
              blurs: tuple[float, ...] = BLURS) -> Reference:
    """Prepare ``cand`` (with its template's printed ``layout`` in its frame, if known) for :func:`agreement`."""
    g = cand.gray
    h, w = g.shape
    th, tw = h // tile, w // tile
    low = _lowpass(g.astype(np.float32))
    b = _centred(_tiles(_bandpass(g, low=low), th, tw, tile))
    rms = np.sqrt((b * b).sum(-1)) / np.sqrt(b.shape[-1])       # as ``_ncc`` has it
    textured = rms > STROKE_RMS
    plain = b[textured]
    if layout is None or layout[0].shape != g.shape:
        return Reference((h, w), tile, blurs, textured, plain, None, None)
    layout_low = _lowpass(layout[0].astype(np.float32))
    base = _centred(_tiles(_bandpass(layout[0], low=layout_low), th, tw, tile))
    known = _tiles(layout[1], th, tw, tile).min(-1) > 0
    personal = (_rms(b) > STROKE_RMS) & known & (_rms(_without(b, base)) > STROKE_RMS)
    b, base = b[personal], base[personal]
    print_rms = _rms(base)
    variants = []
    for sigma in blurs:
        if sigma:   # blurring by sigma after the fine blur of 1: one blur of their root sum of squares
            fine = float(np.hypot(1.0, sigma))
            b = _centred(_tiles(_bandpass(g, fine, low), th, tw, tile))[personal]
            base = _centred(_tiles(_bandpass(layout[0], fine, layout_low), th, tw, tile))[personal]
        variants.append((_without(b, base), base))
    return Reference((h, w), tile, blurs, textured, plain, personal, print_rms, tuple(variants), layout[0],
                     tuple(_norms(v) for v in variants))


def _spared(ok: np.ndarray, use: np.ndarray, personal: np.ndarray) -> float:
    """The share of agreeing tiles once one compact patch of disagreement is set aside, less a toll; 0 unless
    nearly all the rest agree.

    A sticker, a finger or a patch of glare spoils one compact patch of a copy, and everything else agrees;
    another person's document disagrees in several places (photo, name, number, address). The largest
    8-connected patch of disagreeing tiles is set aside with every tile inside its bounding box, when that
    box holds at most ``OCCLUDED`` of the tiles in use, ``MIN_VARIABLE`` are left and at least
    ``SPARED_KEPT`` of those agree; the score is their share less ``OCCLUSION_TOLL`` times the share set
    aside (less evidence is less sure). Without the ``SPARED_KEPT`` condition a stranger's bank card, whose
    card number differs in one row, rose from 0.68 to 0.79 (``scenarios/documents`` seed 14)."""
    grid = np.zeros(personal.shape, np.uint8)
    used = np.zeros(personal.shape, bool)
    used[personal] = use
    bad = np.zeros(personal.shape, bool)
    bad[personal] = use & ~ok
    grid[bad] = 1
    n, _, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=8)
    if n <= 1:
        return 1.0
    x, y, w, h = stats[1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA])), :4]
    box = np.zeros_like(used)
    box[y:y + h, x:x + w] = True
    total, aside = int(used.sum()), int((used & box).sum())
    keep = used & ~box
    if aside > OCCLUDED * total or int(keep.sum()) < MIN_VARIABLE:
        return 0.0
    kept = float((keep & ~bad).sum() / keep.sum())
    return kept - OCCLUSION_TOLL * aside / total if kept >= SPARED_KEPT else 0.0


def _personal(a: np.ndarray, valid: np.ndarray, ref: Reference,
              extra: tuple[tuple[np.ndarray, np.ndarray], ...] = (), variants: bool = True,
              enough: float = 2.0) -> float | None:
    """Share of personal tiles that agree (best over the candidate's blurs and ``extra`` variants, and over
    :func:`_spared`); None when the candidate's personal tiles are not known (no layout). Returns as soon as
    a variant reaches ``enough`` (a screen only asks whether it does).

    The tiles are chosen once, on the sharp candidate: a blurred variant only changes how they compare."""
    if ref.personal is None or ref.print_rms is None:
        return None
    # covered in the query (a sticker, a finger, glare burnt white): not even the print is left there, so the
    # tile tells nothing either way (a stranger's blank field still shows the print and counts)
    a = a[ref.personal] if a.ndim == 3 else a    # the query's tiles, or already only the personal ones
    covered = (ref.print_rms > 2 * STROKE_RMS) & (_rms(a) < COVERED * ref.print_rms)
    use = valid[ref.personal] & ~covered
    if not use.any():
        return 0.0
    # too few in view (a crop, a document with little personal content such as an ID card's back): the
    # tiles not seen count as disagreeing, never the print, which every document of the template shares
    whole = bool(use.all())     # then no tile is left out: no copies
    a = a if whole else a[use]
    norms = ref.norms if len(ref.norms) == len(ref.variants) else tuple(_norms(v) for v in ref.variants)
    best = 0.0
    for (rb, base), (bb, sb) in (*(zip(ref.variants, norms, strict=True) if variants else ()),
                                  *((v, _norms(v)) for v in extra)):
        if not whole:
            rb, base, bb, sb = rb[use], base[use], bb[use], sb[use]
        rncc, _ = _ncc(_without(a, base, bb), rb, sb)
        ok = rncc > TILE_AGREE
        best = max(best, float(ok.sum() / max(len(ok), MIN_VARIABLE)))
        # ``_spared`` keeps at least 1 - OCCLUDED of the tiles and needs SPARED_KEPT of those to agree: with fewer
        # agreeing tiles than that in all, it is 0 (most strangers' comparisons), so it is not computed
        if best < 1.0 and len(ok) >= MIN_VARIABLE and ok.sum() >= SPARED_KEPT * (1 - OCCLUDED) * len(ok) - 1e-9:
            full = np.zeros(use.shape, bool)
            full[use] = ok
            best = max(best, _spared(full, use, ref.personal))
        if best >= enough:
            break
    return best


def blur_kernel(seen: np.ndarray, sharp: np.ndarray, mask: np.ndarray, radius: int = KERNEL_RADIUS) -> np.ndarray | None:
    """The blur that turns ``sharp`` into ``seen`` (both band-passed, registered, over ``mask``): a regularised
    deconvolution in the Fourier domain, cut to ``radius``, negatives dropped, summing to 1; None if nothing
    is left. For a copy, that is its motion or focus blur (and any small shift left by the fit); for another
    person's document of the template, the blur the shared print shows, which does not make its personal
    tiles agree."""
    h, w = seen.shape
    H, W = cv2.getOptimalDFTSize(h), cv2.getOptimalDFTSize(w)
    pa, pb = np.zeros((H, W), np.float32), np.zeros((H, W), np.float32)
    pa[:h, :w], pb[:h, :w] = seen * mask, sharp * mask
    fa = cv2.dft(pa, flags=cv2.DFT_COMPLEX_OUTPUT)
    fb = cv2.dft(pb, flags=cv2.DFT_COMPLEX_OUTPUT)
    cross = cv2.mulSpectrums(fa, fb, 0, conjB=True)
    power = cv2.mulSpectrums(fb, fb, 0, conjB=True)[..., 0]
    denom = power + KERNEL_DAMPING * float(power.mean()) + 1e-9
    spectrum = cross / denom[..., None]
    k = cv2.idft(spectrum, flags=cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
    r = radius   # the kernel around offset 0, which the DFT wraps to the corners
    k = np.roll(k, (r, r), axis=(0, 1))[:2 * r + 1, :2 * r + 1]
    k = np.clip(k, 0.0, None)
    total = float(k.sum())
    return None if not np.isfinite(total) or total <= 0 else (k / total).astype(np.float32)


def _blurred_variant(band: np.ndarray, ref: Reference, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The candidate (its band-passed image ``band``, without the print) and the print, blurred by ``k``, on its
    personal tiles, as ``Reference.variants`` hold them; without a layout, its textured tiles blurred (no print)."""
    h, w = ref.shape
    th, tw = h // ref.tile, w // ref.tile
    flipped = cv2.flip(k, -1)    # filter2D correlates; the kernel convolves
    b = _centred(_tiles(cv2.filter2D(band, -1, flipped), th, tw, ref.tile))
    if ref.personal is None or ref.print_gray is None:
        return b[ref.textured], np.zeros(0, np.float32)
    base = _centred(_tiles(cv2.filter2D(_bandpass(ref.print_gray), -1, flipped), th, tw, ref.tile))
    b, base = b[ref.personal], base[ref.personal]
    return _without(b, base), base


@dataclass(frozen=True)
class Registered:
    """A query warped into a candidate's frame by one fit: what every comparison on that fit starts from."""

    seen: np.ndarray      # the warped query, band-passed
    tiles: np.ndarray     # (th, tw, tile * tile) its centred tiles, or (selected tiles, tile * tile): ``select``
    valid: np.ndarray     # (th, tw) tiles wholly inside the query
    inside: np.ndarray | None   # pixels inside the query (uint8, 255), for the blur estimate (None: not warped yet,
    #                             :func:`_inside`)
    select: np.ndarray | None = None   # (th, tw) the tiles ``tiles`` holds, when not all


EDGE_MARGIN = 1e-3   # a tile corner this close to the query's edge (in its pixels): its mask is warped instead


def _inside(query: Features, shape: tuple[int, int], hom: np.ndarray) -> np.ndarray:
    """The pixels of a candidate's frame of ``shape`` that ``hom`` maps inside ``query`` (uint8, 255)."""
    return cv2.warpPerspective(np.full(query.gray.shape, 255, np.uint8), hom, shape[::-1], flags=cv2.INTER_NEAREST)


def _valid_tiles(query: Features, shape: tuple[int, int], hom: np.ndarray, tile: int) -> np.ndarray | None:
    """The tiles wholly inside ``query`` (as :func:`_inside` has them), from their corners alone: a pixel is inside
    when its source, rounded, is, and the pixels whose source lies in a rectangle make a convex region (where the
    frame does not cross the horizon of ``hom``), so a tile lies in it when its four corner pixels do. None when
    that is not sure: the horizon crosses the frame, or a corner lies within ``EDGE_MARGIN`` of the edge (the
    rounding there is OpenCV's). Dev seed 1: the same tiles as the warped mask in all 2,047 registrations of a run,
    without a warp of the mask each (a tenth of a registration)."""
    h, w = shape
    th, tw = h // tile, w // tile
    try:
        m = np.linalg.inv(np.asarray(hom, np.float64))
    except np.linalg.LinAlgError:
        return None
    frame = m[2, 0] * np.array([0, w - 1, 0, w - 1]) + m[2, 1] * np.array([0, 0, h - 1, h - 1]) + m[2, 2]
    if not ((frame > 0).all() or (frame < 0).all()):
        return None
    xs = (np.arange(tw)[:, None] * tile + np.array([0, tile - 1])).ravel().astype(np.float64)
    ys = (np.arange(th)[:, None] * tile + np.array([0, tile - 1])).ravel().astype(np.float64)[:, None]
    z = m[2, 0] * xs + m[2, 1] * ys + m[2, 2]
    x, y = (m[0, 0] * xs + m[0, 1] * ys + m[0, 2]) / z, (m[1, 0] * xs + m[1, 1] * ys + m[1, 2]) / z
    qh, qw = query.gray.shape
    edges = np.abs(np.stack([x + 0.5, x - (qw - 0.5), y + 0.5, y - (qh - 0.5)]))
    if not np.isfinite(edges).all() or edges.min() < EDGE_MARGIN:
        return None
    ok = (x >= -0.5) & (x < qw - 0.5) & (y >= -0.5) & (y < qh - 0.5)
    return ok.reshape(th, 2, tw, 2).all(axis=(1, 3))


def registered(query: Features, shape: tuple[int, int], hom: np.ndarray, tile: int = TILE,
               select: np.ndarray | None = None) -> Registered:
    """``query`` warped onto a candidate of working-scale ``shape`` by ``hom`` (:func:`agreement` compares it).

    Outside the query its edge is repeated, not painted black: the band-pass subtracts a shading some 24 pixels
    wide, and a black border made a step there that spoilt the tiles inside along a crop (an ID card back cut
    through its dates, ``scenarios/documents`` seed 11: 9 of 13 personal tiles agreed, 13 of 13 now). Those
    outside still do not count (``valid``). ``select``: only these tiles are centred and kept (the candidate's
    ``Reference.compared``; the others were centred and dropped)."""
    h, w = shape
    warped = cv2.warpPerspective(query.gray, hom, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    th, tw = h // tile, w // tile
    valid, inside = _valid_tiles(query, shape, hom, tile), None
    if valid is None:
        inside = _inside(query, shape, hom)
        valid = _tiles(inside, th, tw, tile).min(-1) > 0
    seen = _bandpass(warped)
    if select is None:
        tiles = _centred(_tiles(seen, th, tw, tile))
    else:   # the same numbers as the whole grid's: each tile is centred on its own
        grid = seen[:th * tile, :tw * tile].reshape(th, tile, tw, tile).transpose(0, 2, 1, 3)
        tiles = _centred(grid[select].reshape(-1, tile * tile))
    return Registered(seen, tiles, valid, inside, select)


def agreement(query: Features, cand: Features, hom: np.ndarray, tile: int = TILE,
              layout: tuple[np.ndarray, np.ndarray] | None = None, blurs: tuple[float, ...] | None = None,
              ref: Reference | None = None, deblur: bool = False, warped: Registered | None = None,
              variants: bool = True, enough: float = 2.0) -> float:
    """Share of the candidate's textured tiles whose content the registered query reproduces.

    With the template's printed ``layout`` (in the candidate's frame, and where it is known), both
    images are compared on what is left once the print is removed from each tile: the photo, name,
    number and seal. Tiles where nothing personal is left do not count, nor tiles where the query
    shows not even the print (covered); with fewer than ``MIN_VARIABLE`` personal tiles in view, those
    missing count as disagreeing. Without a layout, every textured tile counts. A blurred copy is
    compared with the candidate blurred as much (``BLURS``: the best of them decides), since its fine
    strokes are gone; ``deblur`` also estimates the query's own blur from the pair (:func:`blur_kernel`:
    motion blur, which no Gaussian matches) and compares with the candidate blurred by it. ``ref``: the
    candidate already prepared by :func:`reference` (with this ``layout``, ``tile`` and ``blurs``);
    ``warped``: the query already :func:`registered` by ``hom``; ``variants`` off (with ``deblur``): only
    the estimated blur is compared, when the candidate's own variants were already compared on this fit;
    ``enough``: any score of at least this will do (a screen), the first variant reaching it is returned."""
    blurs = BLURS if blurs is None else blurs
    if ref is None or ref.shape != cand.gray.shape or ref.tile != tile or ref.blurs != blurs:
        ref = reference(cand, layout, tile, blurs)
    if (warped is None or warped.valid.shape != (ref.shape[0] // tile, ref.shape[1] // tile)
            or (warped.select is not None and warped.select is not ref.compared)):
        warped = registered(query, ref.shape, hom, tile, ref.compared)
    a, v = warped.tiles, warped.valid
    extra: tuple[tuple[np.ndarray, np.ndarray], ...] = ()
    if deblur:
        mask = warped.inside if warped.inside is not None else _inside(query, ref.shape, hom)
        inside = cv2.erode(mask, np.ones((15, 15), np.uint8)).astype(np.float32) / 255.0
        band = _bandpass(cand.gray)   # the kernel is estimated on it, and blurs it
        k = blur_kernel(warped.seen, band, inside)
        extra = () if k is None else (_blurred_variant(band, ref, k),)
        if not variants and not extra:
            return 0.0
    got = _personal(a, v, ref, extra, variants or not deblur, enough)
    if got is not None:
        return got
    # tiles with strokes in the stored image (text, photo edges, stamps), not smooth background
    # patterns that a brightness change saturates away
    textured = v[ref.textured]
    if textured.sum() < 4:
        return 0.0
    best = 0.0
    plains = (ref.plain,) if variants or not deblur else ()
    seen = a[ref.textured] if a.ndim == 3 else a     # the whole grid, or already only the textured tiles
    for plain in (*plains, *(variant for variant, _ in extra)):
        ncc, _ = _ncc(seen[textured], plain[textured])
        best = max(best, float((ncc > TILE_AGREE).mean()))
    return best


def verify(query: Features, cand: Features, threshold: float = AGREE, similarity: bool = True,
           layout: tuple[np.ndarray, np.ndarray] | None = None,
           ref: Reference | Callable[[], Reference] | None = None) -> Verdict:
    """Register ``query`` onto ``cand`` and decide whether they are the same document.

    A similarity transform first: a full homography fitted to keypoints crowded on one side
    (a QR code, a seal) drifts by pixels on the other side and spoils the tile comparison there.
    When that does not agree (keystone, a photo of the document on a table), a RANSAC homography
    rectifies the query onto the candidate's frame and the tiles are compared again; the better
    of the two decides (``similarity=False`` or ``PERSPECTIVE`` off: one fit only). A verification
    that still fails estimates the query's own blur (``DEBLUR``) when its score could still reach
    ``threshold`` that way (at least ``DEBLUR_FROM``). ``ref``: ``cand`` prepared by :func:`reference`
    with ``layout``, or what makes it when first needed (made here, once for both fits, when not given)."""
    found = pairs(query, cand, 0.8)
    if found is None:
        return Verdict(False, 0, 0.0, None)
    best = Verdict(False, 0, 0.0, None)
    warps: dict[int, Registered] = {}       # by id of the fit's homography, which ``best`` keeps alive
    for sim in ((True, False) if similarity and PERSPECTIVE else (similarity,)):
        hom, inl = fit(*found, sim)
        if hom is None or inl < MIN_INLIERS or (not sim and not plausible(hom, query.gray.shape, cand.gray.shape)):
            best = best if best.homography is not None else Verdict(False, inl, 0.0, hom)
            continue
        ref = reference(cand, layout) if ref is None else ref() if callable(ref) else ref
        warps[id(hom)] = registered(query, ref.shape, hom, select=ref.compared)
        agree = agreement(query, cand, hom, layout=layout, ref=ref, warped=warps[id(hom)])
        if best.homography is None or agree > best.agreement:
            best = Verdict(agree >= threshold, inl, agree, hom)
        if best.same:
            break
    if (not best.same and best.homography is not None and best.inliers >= MIN_INLIERS and DEBLUR
            and best.agreement >= DEBLUR_FROM):
        # motion blur: no Gaussian variant matches it; estimate the query's own blur on the better fit (its
        # variants were compared on that fit already, unless it was never compared: an implausible homography)
        ref = reference(cand, layout) if ref is None else ref() if callable(ref) else ref
        warped = warps.get(id(best.homography))
        agree = agreement(query, cand, best.homography, layout=layout, ref=ref, deblur=True, warped=warped,
                          variants=warped is None)
        if agree > best.agreement:
            best = Verdict(agree >= threshold, best.inliers, agree, best.homography)
    return best


def _through(query: Features, cand: Features, found: tuple[np.ndarray, np.ndarray],
             inliers: int) -> Iterator[tuple[np.ndarray, int]]:
    """The fits of pairs ``found`` through the template that count: a similarity, then a homography (fitted only
    when asked for), each with at least ``inliers`` and a plausible outline."""
    for sim in (True, False):
        hom, inl = fit(*found, sim, fast=True)
        if hom is None or inl < inliers or (not sim and not plausible(hom, query.gray.shape, cand.gray.shape)):
            continue
        yield hom, inl


def screen(query: Features, cand: Features, found: tuple[np.ndarray, np.ndarray], ref: Reference,
           enough: float = 1.0, inliers: int = 2 * MIN_INLIERS) -> float | None:
    """How well ``query`` agrees with ``cand`` registered through their template: a screen, before matching them.

    ``found``: pairs :func:`chained` through the template (no keypoint matching of their own), fitted by
    a similarity and then a homography as :func:`verify` does; the better agreement of the fits with at
    least ``inliers`` (a weakly registered query, a small document in a big photo, can fit the
    template's points wrongly), or None without such a fit. The homography is not tried once the
    similarity reaches ``enough``, and a score of at least ``enough`` may be lower than the best (the first
    blur variant reaching it is taken): a screen asks only whether a candidate reaches it, and ranks those
    that do not. The fits are rougher than a direct matching (print points only),
    so this ranks and rules out; :func:`verify` decides."""
    best = None
    for hom, _ in _through(query, cand, found, inliers):
        got = agreement(query, cand, hom, ref=ref, enough=enough)
        best = got if best is None else max(best, got)
        if best >= enough:
            break
    return best


def verify_through(query: Features, cand: Features, found: tuple[np.ndarray, np.ndarray], ref: Reference,
                   threshold: float = AGREE, inliers: int = 2 * MIN_INLIERS) -> Verdict:
    """:func:`verify` on the fits through the template (the screen's), every tile and variant compared.

    For a copy that its direct matching registers worse than its print does: a licence photographed on a busy
    table, under glare and blur, scored 0.49 directly and 0.97 through the template (``scenarios/documents`` dev
    seed 7; 0.23 and 0.82 on seed 10). Over 23,083 pairs of a query and another person's document of its template
    (dev seeds 1-19), the best of both fits never exceeded the best direct score of the template (0.706)."""
    best = Verdict(False, 0, 0.0, None)
    for hom, inl in _through(query, cand, found, inliers):
        got = agreement(query, cand, hom, ref=ref)
        if best.homography is None or got > best.agreement:
            best = Verdict(got >= threshold, inl, got, hom)
    return best
