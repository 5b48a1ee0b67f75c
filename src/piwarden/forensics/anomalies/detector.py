"""The detector: abnormal-access detection over a stream of access events, batch or streaming.

:class:`Detector` consumes events in time order. It keeps per-actor running counters for the
current local day (:mod:`~piwarden.forensics.anomalies.features`), scores every actor that acted in
the hour when the hour turns and again when the day ends (:mod:`~piwarden.forensics.anomalies.model`
plus :mod:`~piwarden.forensics.anomalies.rules`, weighted by :mod:`~piwarden.forensics.anomalies.feedback`),
then folds the day into the actor's and its peer group's baselines. The first days only
build baselines: a day is scored against the days before it, never against itself.

- Streaming: :func:`stream_alerts` yields an :class:`Alert` the first time an actor's score
  crosses the threshold, as soon as the hour it happened in is over.
- Batch: :func:`rank` runs the same detector to the end and returns one result per actor,
  highest risk first; an actor's score is its worst day.

Memory depends on the number of actors and days, not events (per-actor aggregates and
capped id lists only). Outputs carry actor ids, event ids, counts and reason codes: never a
subject id or a value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from typing import Any

import numpy as np

from piwarden.events import parse_ts
from piwarden.forensics.anomalies import rules
from piwarden.forensics.anomalies.features import ActorState, close_day, observe, peer_key
from piwarden.forensics.anomalies.feedback import Feedback
from piwarden.forensics.anomalies.model import MIN_SELF_DAYS, PeerPool, describe, robust, score_day

ALERT_THRESHOLD = 0.6
RAW_SCALE = 8.0  # score = 1 - exp(-raw / RAW_SCALE)
MAX_EVENTS_OUT = 100
DEFAULT_HOURS = frozenset(range(7, 23))
OWN_HOUR_SHARE, PEER_HOUR_SHARE = 0.01, 0.005
MIN_OWN_HOURS, MIN_PEER_HOURS = 100, 500


@dataclass
class Alert:
    """One actor's risk: its worst day so far (batch) or the day it first crossed (streaming)."""

    actor: str
    score: float
    reasons: list[str]
    first_seen: str
    events: list[str]
    day: str = ""
    raised_at: str = ""
    peer: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"actor": self.actor, "score": round(self.score, 4), "reasons": self.reasons,
                "first_seen": self.first_seen, "events": self.events, "day": self.day, "peer_group": self.peer}


@dataclass
class _Actor:
    state: ActorState
    role: str
    best: Alert | None = None
    alert: Alert | None = None


@dataclass
class Detector:
    """Streaming detector; feed events with :meth:`observe`, end with :meth:`finish`."""

    threshold: float = ALERT_THRESHOLD
    feedback: Feedback = field(default_factory=Feedback)
    tz: timezone = timezone(timedelta(hours=8))
    actors: dict[str, _Actor] = field(default_factory=dict)
    peers: dict[str, PeerPool] = field(default_factory=dict)
    day: str | None = None
    hour: int = -1
    last_ts: str = ""
    n_events: int = 0
    _suffix: str = ""

    def __post_init__(self) -> None:
        off = self.tz.utcoffset(None)
        minutes = int(off.total_seconds() // 60)
        self._suffix = "Z" if minutes == 0 else f"{'+' if minutes > 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"

    def _local(self, ts: str) -> tuple[str, int]:
        if ts.endswith(self._suffix) and len(ts) >= 19:
            return ts[:10], int(ts[11:13])
        t = parse_ts(ts).astimezone(self.tz)
        return t.date().isoformat(), t.hour

    def observe(self, ev: dict[str, Any]) -> list[Alert]:
        """Add one event (a decoded access event); return alerts raised by the time it arrived."""
        day, hour = self._local(ev["ts"])
        alerts: list[Alert] = []
        if self.day is None:
            self.day = day
        elif day > self.day:
            alerts = self._score_dirty()
            self._rollover()
            self.day = day
        elif hour != self.hour and day == self.day:
            alerts = self._score_dirty()
        self.hour = hour
        self.n_events += 1
        self.last_ts = ev["ts"]
        name = ev["actor"]
        a = self.actors.get(name)
        if a is None:
            key = peer_key(ev["party"], ev["role"])
            pool = self.peers.setdefault(key, PeerPool())
            a = self.actors[name] = _Actor(ActorState(name, key), ev["role"])
            a.state.ok_hours = _ok_hours(a.state, pool)
        observe(a.state, ev, self.day, hour)
        return alerts

    def finish(self) -> list[Alert]:
        """Score and close the last day; return the alerts it raised."""
        alerts = self._score_dirty()
        self._rollover()
        return alerts

    # -- scoring ------------------------------------------------------------------------------
    def _score_dirty(self) -> list[Alert]:
        out = []
        for a in self.actors.values():
            if a.state.dirty:
                a.state.dirty = False
                alert = self._score(a)
                if alert is not None:
                    out.append(alert)
        return out

    def _score(self, a: _Actor) -> Alert | None:
        st, ad = a.state, a.state.today
        if ad is None or ad.events == 0:
            return None
        if st.self_stats is None and st.days >= MIN_SELF_DAYS:
            st.self_stats = robust(np.vstack(st.history))
        pool = self.peers[st.peer]
        if st.self_stats is None and pool.stats is None:
            return None  # nothing to compare with yet
        x = ad.vector()
        ds = score_day(x, st.self_stats, pool.stats)
        w = self.feedback.weight if self.feedback else (lambda actor, code: 1.0)
        contrib = {k: v * w(st.actor, k) for k, v in ds.contrib.items()}
        bonus, rule_reasons = rules.apply(x, ds.self_med, ds.peer_med, a.role, ad.day, lambda code: w(st.actor, code))
        raw = sum(contrib.values()) + sum(bonus.values())
        score = 1.0 - math.exp(-raw / RAW_SCALE)
        if a.best is not None and score <= a.best.score:
            return None
        reasons = [rule_reasons[c] + _weighted(w(st.actor, c)) for c in sorted(bonus, key=lambda c: -bonus[c])
                   if bonus[c] > 0]
        reasons += [describe(k, ds, st.peer, ad.day) + _weighted(w(st.actor, k))
                    for k in sorted(contrib, key=lambda k: -contrib[k]) if contrib[k] >= 0.05]
        a.best = Alert(st.actor, score, reasons, ad.first_flag_ts or ad.first_ts, ad.flagged[:MAX_EVENTS_OUT],
                       ad.day, self.last_ts, st.peer)
        if score >= self.threshold and a.alert is None:
            a.alert = a.best
            return a.alert
        return None

    def _rollover(self) -> None:
        touched = set()
        for a in self.actors.values():
            st = a.state
            ad = st.today
            if ad is None:
                continue
            pool = self.peers[st.peer]
            pool.hours += np.asarray(ad.hours, dtype=np.float64)
            v = close_day(st)
            if v is not None:
                pool.add(v)
                touched.add(st.peer)
        for key in touched:
            self.peers[key].roll()
        for a in self.actors.values():
            a.state.ok_hours = _ok_hours(a.state, self.peers[a.state.peer])

    # -- results ------------------------------------------------------------------------------
    def results(self) -> list[Alert]:
        """One result per actor, highest score first (ties by actor id).

        ``first_seen`` is when the abnormal activity was first seen: the first suspicious
        event of the day the actor first crossed the threshold, else of its worst day; for an
        actor never scored, its first event.
        """
        out = []
        for name, a in self.actors.items():
            best = a.best or Alert(name, 0.0, [], a.state.first_ts, [], "", "", a.state.peer)
            first_seen = a.alert.first_seen if a.alert is not None else best.first_seen
            out.append(Alert(name, best.score, best.reasons, first_seen, best.events, best.day, best.raised_at,
                             best.peer))
        out.sort(key=lambda r: (-r.score, r.actor))
        return out


def _weighted(w: float) -> str:
    if w == 1.0:
        return ""
    return f" [{'down' if w < 1 else 'up'}-weighted x{w:.2f} by analyst feedback]"


def _ok_hours(st: ActorState, pool: PeerPool) -> frozenset[int]:
    """Hours at which the actor or, failing enough history, its peers usually work."""
    ok: set[int] = set()
    own, peers = float(st.hours.sum()), float(pool.hours.sum())
    if own >= MIN_OWN_HOURS:
        ok.update(int(h) for h in np.flatnonzero(st.hours / own >= OWN_HOUR_SHARE))
    if peers >= MIN_PEER_HOURS:
        ok.update(int(h) for h in np.flatnonzero(pool.hours / peers >= PEER_HOUR_SHARE))
    if own < MIN_OWN_HOURS and peers < MIN_PEER_HOURS:
        return DEFAULT_HOURS
    return frozenset(ok)


def stream_alerts(events: Iterable[dict[str, Any]], detector: Detector | None = None) -> Iterator[Alert]:
    """Alerts as they fire: each actor at most once, when its score first crosses the threshold."""
    det = detector or Detector()
    for ev in events:
        yield from det.observe(ev)
    yield from det.finish()


def rank(events: Iterable[dict[str, Any]], detector: Detector | None = None) -> list[Alert]:
    """Every actor's risk over the whole input, highest first."""
    det = detector or Detector()
    for _ in stream_alerts(events, det):
        pass
    return det.results()
