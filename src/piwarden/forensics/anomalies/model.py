"""The unsupervised model: robust z-scores of a day against the actor's past and its peers.

For each feature, a day is scored against two baselines, both by median and MAD (robust to
the abuse already in them): the actor's own previous days, and the previous days of every
actor in its peer group. The feature's anomaly is the *smaller* of the two z-scores when the
actor has enough history: a day must be unusual for this actor and for its kind of actor.
That is what keeps the escalation desk (never has tickets), the merchant who phones every
buyer and the nightly batch export quiet, while the agent who starts revealing customers
found by policy number stands out on both counts. Actors without history are scored against
their peers alone.

Why not (yet) an isolation forest: scikit-learn is not a dependency, and a forest over
pooled daily vectors has no notion of "usual for this actor", so the escalation desk, the big
merchants and the service accounts are its natural outliers. It was not measured in this
increment; the robust z-score ensemble already meets the targets on held-out seeds
(benchmarks/forensics_anomalies.py) and explains itself feature by feature, which the
alert's reasons need.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final

import numpy as np

from piwarden.forensics.anomalies.features import FEATURES, INDEX, NAMES
from piwarden.forensics.anomalies.findings import ActorWindow, Baseline, Finding
from piwarden.native import fields_state, set_fields_state

#: Smallest scale per feature, so that a feature that is always 0 does not turn 1 into z=inf.
FLOOR = np.array([5.0, 10.0, 2.0, 0.1, 3.0, 2.0, 3.0, 2.0, 2.0, 3.0, 3.0, 50.0])
#: Weight of each feature's excess z-score in the day's raw score.
WEIGHT = np.array([0.3, 0.3, 0.6, 0.3, 0.5, 1.0, 0.5, 1.0, 1.0, 0.8, 0.15, 0.8])
COUNT_LIKE = np.array([n not in ("reveal_ratio",) for n in NAMES])
Z0: Final = 3.0  # z-scores below this are noise
ZMAX: Final = 25.0
MIN_SELF_DAYS: Final = 4
MIN_PEER_ROWS: Final = 10
PEER_ONLY: Final = 0.35
SELF_ONLY: Final = 0.7
PEER_DAYS: Final = 28
REASON_MIN: Final = 0.05  # a feature's weighted points below this count in the score but are not listed


def robust(rows: np.ndarray) -> Baseline:
    """Median and a scale: 1.4826 MAD, at least sqrt(median) for counts, at least the floor."""
    med = _median(rows)
    return Baseline(med, _scale(med, 1.4826 * _median(np.abs(rows - med))))


def _scale(med: np.ndarray, mad: np.ndarray) -> np.ndarray:
    """The scale of a baseline from its median and 1.4826 MAD: at least sqrt(median) for counts, at least the floor
    (one rule for :func:`robust` and :func:`robust_many`)."""
    poisson = np.where(COUNT_LIKE, np.sqrt(np.maximum(med, 0.0)), 0.0)
    return np.maximum(np.maximum(mad, poisson), FLOOR)


def robust_many(stack: np.ndarray) -> list[Baseline]:
    """:func:`robust` of each of ``stack``'s equally long histories (actors x days x features), the same floats:
    one sort for the actors whose histories the day's end changed, instead of two per actor at its next scoring."""
    n = stack.shape[1]
    lo, hi = (n - 1) // 2, n // 2
    s = np.sort(stack, axis=1)
    med = (s[:, lo] + s[:, hi]) * 0.5
    s = np.sort(np.abs(stack - med[:, None, :]), axis=1)
    scale = _scale(med, 1.4826 * ((s[:, lo] + s[:, hi]) * 0.5))
    return [Baseline(m.copy(), d.copy()) for m, d in zip(med, scale, strict=True)]  # a row each: no day's batch kept


def _median(rows: np.ndarray) -> np.ndarray:
    """``np.median(rows, axis=0)`` of a small 2-D array, without its overhead (called per actor and day). A peer
    pool's thousands of rows are sorted as contiguous columns: the same order statistics, twice as fast."""
    n = rows.shape[0]
    if n > 256:
        c = np.sort(rows.T, axis=1)
        return (c[:, (n - 1) // 2] + c[:, n // 2]) * 0.5
    s = np.sort(rows, axis=0)
    return (s[(n - 1) // 2] + s[n // 2]) * 0.5


@dataclass
class PeerPool:
    """The recent daily vectors of one peer group, and their robust statistics."""

    days: deque[np.ndarray] = field(default_factory=lambda: deque(maxlen=PEER_DAYS))  # a day: its vectors stacked
    hours: np.ndarray = field(default_factory=lambda: np.zeros(24))
    stats: Baseline | None = None
    pending: list[np.ndarray] = field(default_factory=list)

    def __getstate__(self) -> dict[str, Any]:  # by name: the same for the sources and the compiled module
        return fields_state(self)

    def __setstate__(self, state: dict[str, Any] | list[Any]) -> None:
        set_fields_state(self, state)

    def add(self, v: np.ndarray) -> None:
        self.pending.append(v)

    def roll(self) -> None:
        """Close the day: the pending vectors become one day of the pool."""
        if self.pending:
            self.days.append(np.vstack(self.pending))
            self.pending = []
            rows = np.vstack(self.days)  # a checkpoint of before December 2026 holds lists of vectors: the same rows
            self.stats = robust(rows) if len(rows) >= MIN_PEER_ROWS else None


@dataclass
class DayScore:
    """The anomaly of one actor-day: z-scores, contributions by code, and the raw sum."""

    z: np.ndarray
    contrib: dict[str, float]
    self_med: np.ndarray | None
    peer_med: np.ndarray | None
    x: np.ndarray

    def __getstate__(self) -> dict[str, Any]:  # by name: the same for the sources and the compiled module
        return fields_state(self)

    def __setstate__(self, state: dict[str, Any] | list[Any]) -> None:
        set_fields_state(self, state)

    @property
    def raw(self) -> float:
        return sum(self.contrib.values())


def score_day(x: np.ndarray, self_stats: Baseline | None, peer_stats: Baseline | None) -> DayScore:
    """z-scores of ``x`` (min of own and peer when both exist) and weighted excesses."""
    zs = []
    if self_stats is not None:
        zs.append((x - self_stats[0]) / self_stats[1])
    if peer_stats is not None:
        zs.append((x - peer_stats[0]) / peer_stats[1])
    if not zs:
        z = np.zeros_like(x)
    elif len(zs) == 1:
        # one baseline only: peers alone (a new actor: big merchants are legitimately many times the
        # median merchant, so discount) or own history alone (a group too small for peer statistics)
        z = zs[0] * (PEER_ONLY if self_stats is None else SELF_ONLY)
    else:
        z = np.minimum(zs[0], zs[1])
    excess = np.minimum(np.maximum(z - Z0, 0.0), ZMAX) * WEIGHT  # np.clip, without its Python-level wrapper
    contrib = {NAMES[i]: v for i, v in enumerate(excess.tolist()) if v}
    return DayScore(z, contrib, self_stats[0] if self_stats else None, peer_stats[0] if peer_stats else None, x)


def describe(name: str, ds: DayScore, peer: str, day: str) -> str:
    """A reason for one feature, with counts and baselines only (never a subject or value)."""
    i = INDEX[name]

    def fmt(v: float) -> str:
        return f"{v:.2f}" if name == "reveal_ratio" else f"{v:.0f}"

    own = fmt(ds.self_med[i]) if ds.self_med is not None else "n/a"
    peers = fmt(ds.peer_med[i]) if ds.peer_med is not None else "n/a"
    return (f"{name}: {fmt(ds.x[i])} {FEATURES[name]} on {day} (own median {own}, {peer} median {peers}; "
            f"z={ds.z[i]:.1f})")


_WEIGHTS = WEIGHT.tolist()


def excesses(x: np.ndarray, self_stats: Baseline | None, peer_stats: Baseline | None) -> dict[str, float]:
    """``score_day(x, self_stats, peer_stats).contrib``, the same floats, on Python floats: twelve features are too
    few for numpy's calls to pay (the detector asks at every scoring of every actor; ``score_day`` is kept for the
    reasons, written only for the day that becomes an actor's worst)."""
    xs = x.tolist()
    if self_stats is not None and peer_stats is not None:
        z = [min((v - m) / d, (v - pm) / pd) for v, m, d, pm, pd in
             zip(xs, self_stats[0].tolist(), self_stats[1].tolist(), peer_stats[0].tolist(), peer_stats[1].tolist(),
                 strict=True)]
    elif self_stats is not None or peer_stats is not None:
        stats = self_stats if self_stats is not None else peer_stats
        assert stats is not None
        k = PEER_ONLY if self_stats is None else SELF_ONLY
        z = [(v - m) / d * k for v, m, d in zip(xs, stats[0].tolist(), stats[1].tolist(), strict=True)]
    else:
        return {}
    total = sum(z)
    if total == total and max(z) <= Z0:  # no NaN, and no feature in excess: most days
        return {}
    out = {}
    for i, zi in enumerate(z):
        e = zi - Z0
        if e > 0.0:  # np.minimum(np.maximum(e, 0), ZMAX) x WEIGHT is 0 otherwise (or -0.0 or NaN: see below)
            v = (e if e < ZMAX else ZMAX) * _WEIGHTS[i]
            if v:
                out[NAMES[i]] = v
        elif e != e:  # NaN (an infinite or NaN feature): numpy's answer, whatever it is
            return score_day(x, self_stats, peer_stats).contrib
    return out


class _Explained:
    """The day's :class:`DayScore`, made the first time a reason is asked for (``score_day``: what describes it)."""

    __slots__ = ("ds", "own", "peers", "x")

    def __init__(self, x: np.ndarray, own: Baseline | None, peers: Baseline | None) -> None:
        self.x, self.own, self.peers = x, own, peers
        self.ds: DayScore | None = None

    def describe(self, name: str, peer: str, day: str) -> str:
        ds = self.ds
        if ds is None:
            ds = self.ds = score_day(self.x, self.own, self.peers)
        return describe(name, ds, peer, day)


class BaselineModel:
    """The built-in model as a forensic detector: one finding per feature in excess."""

    def assess(self, window: ActorWindow) -> list[Finding]:
        contrib = excesses(window.features, window.own, window.peers)
        if not contrib:
            return []
        lazy = _Explained(window.features, window.own, window.peers)
        return [Finding(name, points, partial(lazy.describe, name, window.peer, window.day), quiet_below=REASON_MIN)
                for name, points in contrib.items()]
