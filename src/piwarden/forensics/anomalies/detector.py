"""The detector: abnormal-access detection over a stream of access events, batch or streaming.

:class:`Detector` consumes access events (:class:`~piwarden.events.AccessEvent`, or the
:class:`~piwarden.events.LeanEvent` that ``forensics watch`` and ``anomalies`` read) in time order.
It keeps per-actor running counters for the current local day (:mod:`.features`), and when the hour
turns and again when the day ends it scores every actor that acted: each forensic detector
(:mod:`.findings`; built in: :mod:`.model` and :mod:`.rules`, registered by
``piwarden/forensics/plugin.py``) judges the actor's day against its own baseline and its peer
group's, the findings are weighted by analyst feedback (:mod:`.feedback`) and summed. Then the
day is folded into the actor's and its peer group's baselines. The first days only build
baselines: a day is scored against the days before it, never against itself.

- Streaming: :func:`stream_alerts` yields an :class:`Alert` the first time an actor's score
  crosses the threshold, as soon as the hour it happened in is over.
- Batch: :func:`rank` runs the same detector to the end and returns one result per actor,
  highest risk first; an actor's score is its worst day.
- Incremental: ``stream_alerts(new, history=old)`` first replays ``old`` (events an earlier run
  has read) to rebuild baselines, reports nothing of it, and then ranks only what ``new`` adds
  (``audit_feed`` reads both from the audit log).

Both put events back in hour order first (:mod:`.order`). Memory depends on the number of
actors and days, not events (per-actor aggregates and capped id lists only). Outputs carry
actor ids, event ids, counts and reason codes: never a subject id or a value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from mypy_extensions import mypyc_attr

from piwarden.events import parse_ts
from piwarden.forensics.anomalies.features import ActorState, close_day, expire_tickets, observe, peer_key
from piwarden.forensics.anomalies.feedback import Feedback
from piwarden.forensics.anomalies.findings import ActorWindow, EventObserver, Finding, ForensicDetector
from piwarden.forensics.anomalies.model import MIN_SELF_DAYS, PeerPool, robust, robust_many
from piwarden.forensics.anomalies.order import HourOrder
from piwarden.native import fields_state, set_fields_state

if TYPE_CHECKING:
    import pluggy

    from piwarden.events import Event

ALERT_THRESHOLD: Final = 0.5  # a calibrated probability: alert when an insider is more likely than not
#: score = 1 / (1 + exp(-(CALIBRATION[0] + CALIBRATION[1] x ln(1 + raw)))): the probability that an actor with
#: this raw score is an insider, by logistic regression on the development scenarios of scenarios/insiders
#: (seeds 1-5: 975 actors, 30 insiders, a base rate of 3%); benchmarks/forensics_scenarios.py prints the
#: reliability table (predicted against observed) on seeds it was not fitted on.
CALIBRATION = (-11.2, 3.6)
MAX_EVENTS_OUT: Final = 100
DEFAULT_HOURS: Final = frozenset(range(7, 23))
OWN_HOUR_SHARE: Final = 0.01
PEER_HOUR_SHARE: Final = 0.005
MIN_OWN_HOURS: Final = 100
MIN_PEER_HOURS: Final = 500


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
    raw: float = 0.0  # the uncapped sum of the day's weighted findings: what ranks
    codes: list[str] = field(default_factory=list)  # reason codes of the listed reasons (what feedback is keyed on)

    def __getstate__(self) -> dict[str, Any]:  # by name: the same for the sources and the compiled module
        return fields_state(self)

    def __setstate__(self, state: dict[str, Any] | list[Any]) -> None:
        set_fields_state(self, state)

    def to_json(self) -> dict[str, Any]:
        return {"actor": self.actor, "score": round(self.score, 4), "raw": round(self.raw, 3), "reasons": self.reasons,
                "first_seen": self.first_seen, "events": self.events, "day": self.day, "peer_group": self.peer}


@dataclass
class _Actor:
    state: ActorState
    role: str
    best: Alert | None = None
    alert: Alert | None = None
    last_day: str = ""  # the last local day it acted (idle actors are evicted first)
    seq: int = 0  # order of first sight: actors are scored in it
    scored_events: int = 0  # the day's events and flagged events at its last scoring (``lazy``)
    scored_flags: int = 0
    actor_gone: bool = False  # evicted
    own_hours: frozenset[int] | bool | None = False  # ``_own_hours`` of its histogram; False: to work out

    def __getstate__(self) -> dict[str, Any]:  # by name: the same for the sources and the compiled module
        return fields_state(self)

    def __setstate__(self, state: dict[str, Any] | list[Any]) -> None:
        set_fields_state(self, state)


def plugin_detectors(pm: pluggy.PluginManager | None = None) -> list[ForensicDetector]:
    """The forensic detectors every plugin contributes, built-ins first (a fresh set per call)."""
    from piwarden.plugins import plugin_manager

    found = (pm or plugin_manager()).hook.piwarden_forensic_detectors()
    return [d for batch in reversed(found) for d in batch]  # pluggy answers last-registered first


@mypyc_attr(allow_interpreted_subclasses=True)  # compiled (piwarden.native), and subclassed in tests
@dataclass
class Detector:
    """Streaming detector; feed events with :meth:`observe`, end with :meth:`finish`.

    ``detectors`` judge each actor-day; by default those of the installed plugins
    (:func:`plugin_detectors`). ``lazy``: when the hour turns, re-score only the actors whose day did
    something flagged since their last scoring or doubled its events (every actor is still scored at
    the end of its day and by :meth:`score_now`): a watcher's CPU goes to the actors that changed.
    ``daily``: an actor may alert again on a later day (``forensics
    watch``: one alert per actor and day) instead of once for the whole input. ``idle_days`` and
    ``max_actors`` bound the memory of a detector that runs for ever: at each day's end, actors idle
    for more than ``idle_days`` days are forgotten (by every detector that keeps per-actor state:
    :meth:`~.findings.EventObserver` implementations with a ``forget`` method), and past
    ``max_actors`` the least recently active ones; a forgotten actor that comes back starts again
    from its peer group's baseline.
    """

    threshold: float = ALERT_THRESHOLD
    feedback: Feedback = field(default_factory=Feedback)
    tz: timezone = timezone(timedelta(hours=8))
    detectors: Sequence[ForensicDetector] | None = None
    actors: dict[str, _Actor] = field(default_factory=dict)
    peers: dict[str, PeerPool] = field(default_factory=dict)
    day: str | None = None
    hour: int = -1
    last_ts: str = ""
    n_events: int = 0
    _suffix: str = ""
    _head: str = ""
    _local: tuple[str, int] = ("", -1)
    _observers: list[EventObserver] = field(default_factory=list)
    _joint: Any = None  # the context model, when it takes the features' pass (``_joint_observers``)
    _after: list[EventObserver] = field(default_factory=list)  # the observers after it
    _active: set[str] | None = None  # after resume(): the actors seen since
    daily: bool = False
    lazy: bool = False
    _seq: int = 0
    _dirty: list[_Actor] = field(default_factory=list)
    idle_days: int | None = None
    max_actors: int | None = None
    evicted: int = 0
    incident_tickets: str | None = None  # the platform's incident tickets (``declare_incident_tickets``)

    def __post_init__(self) -> None:
        off = self.tz.utcoffset(None)
        minutes = int(off.total_seconds() // 60)
        self._suffix = "Z" if minutes == 0 else f"{'+' if minutes > 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        if self.detectors is None:
            self.detectors = plugin_detectors()
        self._observers = [d for d in self.detectors if isinstance(d, EventObserver)]
        self._joint_observers()
        if self.incident_tickets is not None:
            self.declare_incident_tickets(self.incident_tickets)

    def declare_incident_tickets(self, pattern: str | None) -> None:
        """Tell the context models which tickets may open many people at once (a regular expression matched at the
        start of the ticket id; None: not declared): any other opening ``context.WIDE_TICKET`` people the day it is
        first cited alarms. Also on a detector loaded from a checkpoint."""
        from piwarden.forensics.anomalies.context import ContextModel

        self.incident_tickets = pattern
        compiled = re.compile(pattern) if pattern is not None else None
        for d in self.detectors or ():
            if isinstance(d, ContextModel):
                d.incident_tickets = compiled

    def _joint_observers(self) -> None:
        """When the first event observer is the built-in context model, it and the features see each event in one
        pass (``ContextModel.observe_with_features``), the other observers after them, as always."""
        from piwarden.forensics.anomalies.context import ContextModel

        first = self._observers[0] if self._observers else None
        self._joint = first if type(first) is ContextModel else None
        self._after = self._observers[1:] if self._joint is not None else self._observers

    def __setstate__(self, state: dict[str, Any]) -> None:
        # a checkpoint's fields, by name (compiled, the detector has no ``__dict__``); one it lacks takes its default
        set_fields_state(self, state)
        self._joint_observers()

    def __getstate__(self) -> dict[str, Any]:
        # the joint observer and those after it are worked out again from the observers when loaded
        state = fields_state(self)
        del state["_joint"], state["_after"]
        return state

    def local(self, ts: str) -> tuple[str, int]:
        """The local day (YYYY-MM-DD) and hour of an event time."""
        if ts.endswith(self._suffix) and len(ts) >= 19:
            head = ts[:13]
            if head == self._head:  # most events fall in the hour of the one before
                return self._local
            self._head, self._local = head, (ts[:10], int(ts[11:13]))
            return self._local
        t = parse_ts(ts).astimezone(self.tz)
        return t.date().isoformat(), t.hour

    def observe(self, ev: Event) -> list[Alert]:
        """Add one event; return alerts raised by the time it arrived."""
        day, hour = self.local(ev.ts)
        alerts: list[Alert] = []
        if self.day is None:
            self.day = day
        elif day > self.day:
            alerts = self._score_dirty()
            self._rollover()
            self.day = day
        elif hour != self.hour and day == self.day:
            alerts = self._score_dirty(hourly=True)
        self.hour = hour
        self.n_events += 1
        self.last_ts = ev.ts
        name = ev.actor
        a = self.actors.get(name)
        if a is None:
            key = peer_key(ev.party, ev.role)
            pool = self.peers.setdefault(key, PeerPool())
            a = self.actors[name] = _Actor(ActorState(name, key), ev.role, seq=self._seq)
            self._seq += 1
            a.state.ok_hours = _ok_hours(a.state, _peer_hours(pool))
        if not a.state.dirty:
            self._dirty.append(a)
        a.last_day = self.day
        if self._joint is not None:
            self._joint.observe_with_features(a.state, ev, self.day, hour)
        else:
            observe(a.state, ev, self.day, hour)
        for o in self._after:
            o.observe(ev, self.day, hour)
        if self._active is not None:
            self._active.add(name)
        return alerts

    def finish(self) -> list[Alert]:
        """Score and close the last day; return the alerts it raised."""
        alerts = self._score_dirty()
        self._rollover()
        return alerts

    def resume(self) -> None:
        """End a replay of events an earlier run has read (and reported).

        Scores what that run's :meth:`finish` scored, so an actor it alerted on does not alert
        again, but keeps the day open (the new events continue it); from here on
        :meth:`results` covers only the actors seen next, and only what is scored next, and
        ``n_events`` counts only the events that come next.
        """
        self._score_dirty()
        for a in self.actors.values():
            a.best = None
        self._active = set()
        self.n_events = 0

    def score_now(self) -> list[Alert]:
        """Score every actor that acted since its last scoring, on its day so far (the day stays open): a live
        watcher whose source has gone quiet does not wait for the next hour's events to alert."""
        return self._score_dirty()

    # -- scoring ------------------------------------------------------------------------------
    def _score_dirty(self, hourly: bool = False) -> list[Alert]:
        """Score the actors that acted since their last scoring, in the order they were first seen. ``hourly``
        with ``lazy``: only those whose day did something flagged since, or doubled its events (the others wait
        for the end of the day, a quiet source, or their next flagged event)."""
        out = []
        waiting = []
        self._dirty.sort(key=lambda a: a.seq)
        for a in self._dirty:
            st = a.state
            if a.actor_gone:
                continue
            if hourly and self.lazy:
                ad = st.today
                if ad is not None and len(ad.flagged) <= a.scored_flags and ad.events < 2 * a.scored_events:
                    waiting.append(a)
                    continue
            st.dirty = False
            alert = self._score(a)
            if alert is not None:
                out.append(alert)
        self._dirty = waiting
        return out

    def _score(self, a: _Actor) -> Alert | None:
        st, ad = a.state, a.state.today
        if ad is None or ad.events == 0:
            return None
        a.scored_events, a.scored_flags = ad.events, len(ad.flagged)
        if st.self_stats is None and st.days >= MIN_SELF_DAYS:
            st.self_stats = robust(st.past())
        pool = self.peers[st.peer]
        window = ActorWindow(st.actor, a.role, st.peer, ad.day, ad.vector(), st.self_stats, pool.stats, st.days)
        judged = [list(d.assess(window)) for d in self.detectors or ()]
        if window.own is None and window.peers is None and not any(judged):
            return None  # nothing to compare with yet
        # per detector, then across: the built-ins' sum is the model's plus the rules', as it always was
        raw = 0.0
        if self.feedback:
            w = self.feedback.weight
            for findings in judged:
                raw += sum(f.points * w(st.actor, f.code) for f in findings)
        else:  # every weight 1.0, and points x 1.0 are the points
            w = _unweighted
            for findings in judged:
                raw += sum([f.points for f in findings])
        score = calibrated(raw)
        if self.daily and a.alert is not None and a.alert.day != ad.day:
            a.alert = None  # a new day: the actor may alert again
        worse = a.best is None or raw > a.best.raw
        fire = score >= self.threshold and a.alert is None and (worse or self.daily)
        if not worse and not fire:
            return None
        reasons, codes, events = _explain(st.actor, judged, w, ad.flagged)
        alert = Alert(st.actor, score, reasons, ad.first_flag_ts or ad.first_ts, events, ad.day, self.last_ts, st.peer,
                      raw, codes)
        if worse:
            a.best = alert
        if fire:
            a.alert = alert
            return alert
        return None

    def _rollover(self) -> None:
        day = self.day
        touched = set()
        closed: dict[int, list[ActorState]] = {}  # by days of history: the actors whose history the day changed
        for a in self.actors.values():
            st = a.state
            ad = st.today
            if ad is None:  # idle today: its tickets expire all the same (``close_day`` does it for the active ones;
                if st.tickets and day:  # a leaver's would wait for its eviction)
                    expire_tickets(st.tickets, day)
                continue
            pool = self.peers[st.peer]
            hours = np.asarray(ad.hours, dtype=np.float64)
            pool.hours += hours
            v = close_day(st, hours)
            a.own_hours = False  # its histogram changed
            if v is not None:
                pool.add(v)
                touched.add(st.peer)
                if st.days >= MIN_SELF_DAYS:  # as the next scoring asks
                    closed.setdefault(st.days, []).append(st)
        for key in touched:
            self.peers[key].roll()
        for sts in closed.values():  # their own baselines, those of as many days at once, 128 at a time
            if len(sts) == 1:  # alone: at its next scoring, as before
                continue
            for i in range(0, len(sts), 128):
                batch = sts[i:i + 128]
                for st, stats in zip(batch, robust_many(np.stack([st.past() for st in batch])), strict=True):
                    st.self_stats = stats
        groups: dict[str, frozenset[int] | None] = {}
        for a in self.actors.values():
            key = a.state.peer
            if key not in groups:
                groups[key] = _peer_hours(self.peers[key])
            if a.own_hours is False:  # an actor idle today keeps its own usual hours (its peers' may change)
                a.own_hours = _own_hours(a.state)
            a.state.ok_hours = _ok_hours(a.state, groups[key], a.own_hours)
            a.scored_events = a.scored_flags = 0
        if self.idle_days is not None or self.max_actors is not None:
            self._evict()

    def _evict(self) -> None:
        """Forget idle actors (``idle_days``), then the least recently active past ``max_actors``."""
        gone: list[str] = []
        if self.idle_days is not None and self.day is not None:
            cutoff = (date.fromisoformat(self.day) - timedelta(days=self.idle_days)).isoformat()
            gone = [name for name, a in self.actors.items() if a.last_day < cutoff]
        if self.max_actors is not None and len(self.actors) - len(gone) > self.max_actors:
            keep = set(gone)
            rest = sorted((a.last_day, name) for name, a in self.actors.items() if name not in keep)
            gone += [name for _, name in rest[:len(rest) - self.max_actors]]
        for name in gone:
            self.actors.pop(name).actor_gone = True
            for d in self.detectors or ():
                forget = getattr(d, "forget", None)
                if forget is not None:
                    forget(name)
        self.evicted += len(gone)

    # -- results ------------------------------------------------------------------------------
    def results(self) -> list[Alert]:
        """One result per actor, highest raw score first (equal raw scores, real ties, by actor id).

        ``first_seen`` is when the abnormal activity was first seen: the first suspicious
        event of the day the actor first crossed the threshold, else of its worst day; for an
        actor never scored, its first event. After :meth:`resume`, only the actors seen since.
        """
        out = []
        for name, a in self.actors.items():
            if self._active is not None and name not in self._active:
                continue
            best = a.best or Alert(name, calibrated(0.0), [], a.state.first_ts, [], "", "", a.state.peer)
            first_seen = a.alert.first_seen if a.alert is not None else best.first_seen
            out.append(Alert(name, best.score, best.reasons, first_seen, best.events, best.day, best.raised_at,
                             best.peer, best.raw, best.codes))
        out.sort(key=lambda r: (-r.raw, r.actor))
        return out


def _unweighted(actor: str, code: str) -> float:
    return 1.0


def calibrated(raw: float) -> float:
    """The probability an actor whose worst day scored ``raw`` is an insider (``CALIBRATION``)."""
    return 1.0 / (1.0 + math.exp(-(CALIBRATION[0] + CALIBRATION[1] * math.log1p(max(raw, 0.0)))))


def _explain(actor: str, judged: list[list[Finding]], w: Callable[[str, str], float], flagged: list[str]
             ) -> tuple[list[str], list[str], list[str]]:
    """Reasons (detector by detector, strongest first), their codes, and the evidence: the events of the
    strongest findings first (each detector lists its worst events first), then the day's flagged events in
    time order."""
    reasons: list[str] = []
    codes: list[str] = []
    for findings in judged:
        weighted = sorted(((f.points * w(actor, f.code), f) for f in findings), key=lambda p: -p[0])
        listed = [f for points, f in weighted if points > 0 and points >= f.quiet_below]
        reasons += [f.reason + _weighted(w(actor, f.code)) for f in listed]
        codes += [f.code for f in listed]
    ranked = sorted((f for findings in judged for f in findings if f.events), key=lambda f: -f.points * w(actor, f.code))
    extra = [e for f in ranked for e in f.events]
    events = list(dict.fromkeys(extra + flagged))[:MAX_EVENTS_OUT] if extra else flagged[:MAX_EVENTS_OUT]
    return reasons, codes, events


def _weighted(w: float) -> str:
    if w == 1.0:
        return ""
    return f" [{'down' if w < 1 else 'up'}-weighted x{w:.2f} by analyst feedback]"


def _own_hours(st: ActorState) -> frozenset[int] | None:
    """The hours at which the actor usually works, or None until it has enough history (worked out when its
    histogram changes, not every day). On the histogram's values as Python floats: sums of whole numbers, exact."""
    hours = st.hours.tolist()
    own = sum(hours)
    if own >= MIN_OWN_HOURS:
        return frozenset([h for h, n in enumerate(hours) if n / own >= OWN_HOUR_SHARE])
    return None


def _ok_hours(st: ActorState, peer_hours: frozenset[int] | None,
              own_hours: frozenset[int] | bool | None = False) -> frozenset[int]:
    """Hours at which the actor or, failing enough history, its peers usually work (``peer_hours``: the group's,
    :func:`_peer_hours`; ``own_hours``: the actor's, :func:`_own_hours`, worked out here when not given)."""
    own = _own_hours(st) if own_hours is False else own_hours
    if own is not None:
        assert not isinstance(own, bool)
        return own | peer_hours if peer_hours else own
    return DEFAULT_HOURS if peer_hours is None else peer_hours


def _peer_hours(pool: PeerPool) -> frozenset[int] | None:
    """The hours a peer group usually works, or None until it has enough of them (the same for all its actors:
    worked out once per group and day)."""
    hours = pool.hours.tolist()
    peers = sum(hours)
    if peers < MIN_PEER_HOURS:
        return None
    return frozenset([h for h, n in enumerate(hours) if n / peers >= PEER_HOUR_SHARE])


def stream_alerts(events: Iterable[Event], detector: Detector | None = None, order: HourOrder | None = None,
                  history: Iterable[Event] | None = None) -> Iterator[Alert]:
    """Alerts as they fire: each actor at most once, when its score first crosses the threshold.

    Events go through ``order`` (default: one hour of reordering) before the detector. With
    ``history``, those events are replayed first and nothing of them is reported.
    """
    det = detector or Detector()
    order = order or HourOrder(det.local)
    if history is not None:
        for ev in history:
            for e in order.push(ev):
                det.observe(e)
        for e in order.flush():
            det.observe(e)
        det.resume()
    for ev in events:
        for e in order.push(ev):
            yield from det.observe(e)
    for e in order.flush():
        yield from det.observe(e)
    yield from det.finish()


def rank(events: Iterable[Event], detector: Detector | None = None) -> list[Alert]:
    """Every actor's risk over the whole input, highest first."""
    det = detector or Detector()
    for _ in stream_alerts(events, det):
        pass
    return det.results()
