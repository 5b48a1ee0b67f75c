"""The detector's fast paths give the answers of the general computations they replace (issue 18: ``forensics
watch`` throughput): Python floats for numpy on twelve features, hand-split record ids, a surprise that answers 0
early, the context model's per-day memos, usual hours remembered between days."""

from __future__ import annotations

import math
import pickle
import re

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from piwarden.events import AccessEvent
from piwarden.forensics.anomalies import Detector
from piwarden.forensics.anomalies import detector as det_module
from piwarden.forensics.anomalies.context import FLOOR_P, ContextModel, facets, surprise
from piwarden.forensics.anomalies.detector import _ok_hours, _own_hours, _peer_hours
from piwarden.forensics.anomalies.features import NAMES, ActorState, split_id
from piwarden.forensics.anomalies.findings import ActorWindow, Baseline
from piwarden.forensics.anomalies.model import (
    BaselineModel,
    PeerPool,
    _median,
    excesses,
    robust,
    robust_many,
    score_day,
)
from piwarden.forensics.anomalies.rules import RULES, Rule, RuleSet

_ID = re.compile(r"^(.*?)(\d+)$")  # what split_id answers for
N = len(NAMES)


def _reference_surprise(p: float) -> float:
    return min(1.0, max(0.0, -math.log10(max(p, FLOOR_P)) - 1.0) / 2.0)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_surprise_is_the_formula(p: float) -> None:
    want, got = _reference_surprise(p), surprise(p)
    assert got == want or (math.isnan(got) and math.isnan(want))


def test_surprise_at_the_edges() -> None:
    for p in (0.1, math.nextafter(0.1, 1.0), math.nextafter(0.1, 0.0), 0.0999999, 1e-3, 1e-4, 0.0, -1.0, 1.0, 5.0):
        assert surprise(p) == _reference_surprise(p)


_id_chars = st.sampled_from([*"ab-_:/ .\n0123456789", "١", "٢", "²", "０", "é"])


@given(st.text(_id_chars, max_size=12))
def test_split_id_is_the_regex(rid: str) -> None:
    m = _ID.match(rid)
    assert split_id(rid) == ((m.group(1), int(m.group(2))) if m else None)


def test_split_id_examples() -> None:
    assert split_id("c-000123") == ("c-", 123)
    assert split_id("42") == ("", 42)
    assert split_id("order") is None
    assert split_id("x١٢") == ("x", 12)  # other digits, by the regex
    assert split_id("ab12\n") == ("ab", 12)  # $ before a final newline, as the regex


_values = st.floats(min_value=0.0, max_value=1e6, allow_nan=False)
_vectors = st.lists(_values, min_size=N, max_size=N).map(lambda v: np.array(v, dtype=np.float64))
_scales = st.lists(st.floats(min_value=0.1, max_value=1e4), min_size=N, max_size=N).map(
    lambda v: np.array(v, dtype=np.float64))
_baselines = st.none() | st.builds(Baseline, _vectors, _scales)


@settings(max_examples=300)
@given(_vectors, _baselines, _baselines)
def test_excesses_are_score_days_contributions(x: np.ndarray, own: Baseline | None, peers: Baseline | None) -> None:
    want = score_day(x, own, peers).contrib
    got = excesses(x, own, peers)
    assert list(got.items()) == list(want.items())  # the same floats, in the same order


def test_the_models_findings_and_reasons_are_score_days() -> None:
    x = np.array([90, 400, 30, 0.3, 80, 40, 50, 12, 20, 30, 0, 2000], dtype=np.float64)
    own = Baseline(np.full(N, 2.0), np.full(N, 1.0))
    peers = Baseline(np.full(N, 3.0), np.full(N, 2.0))
    for o, p in ((own, peers), (own, None), (None, peers)):
        window = ActorWindow("a", "customer_service", "platform.cs/customer_service", "2026-03-02", x, o, p, 9)
        ds = score_day(x, o, p)
        found = BaselineModel().assess(window)
        assert [(f.code, f.points) for f in found] == list(ds.contrib.items())
        from piwarden.forensics.anomalies.model import describe

        assert [f.reason for f in found] == [describe(f.code, ds, window.peer, window.day) for f in found]


def _reference_rules(window: ActorWindow) -> list[tuple[str, float, str]]:
    if window.own is None and window.peers is None:
        return []
    x = window.features
    own = window.own.median if window.own is not None else None
    peers = window.peers.median if window.peers is not None else None
    from piwarden.forensics.anomalies.features import INDEX

    return [(r.code, r.bonus, f"{r.code}: " + r.text.format(n=x[INDEX[r.feature]], day=window.day))
            for r in RULES if r.fires(x, own, peers, window.role)]


_counts = st.lists(st.sampled_from([0.0, 1.0, 2.0, 3.0, 8.0, 9.0, 10.0, 14.0, 15.0, 25.0, 40.0, 999.0, 1000.0, 5000.0]),
                   min_size=N, max_size=N).map(lambda v: np.array(v, dtype=np.float64))


@settings(max_examples=300)
@given(_counts, st.none() | _counts, st.none() | _counts, st.sampled_from(["customer_service", "etl_service", "analyst"]))
def test_rules_fire_as_rule_fires(x: np.ndarray, own: np.ndarray | None, peers: np.ndarray | None, role: str) -> None:
    ob = Baseline(own, np.ones(N)) if own is not None else None
    pb = Baseline(peers, np.ones(N)) if peers is not None else None
    window = ActorWindow("a", role, "g", "2026-03-02", x, ob, pb, 9)
    got = [(f.code, f.points, f.reason) for f in RuleSet().assess(window)]
    assert got == _reference_rules(window)


def test_a_rule_subclass_judges_itself() -> None:
    class Never(Rule):
        def fires(self, *args: object) -> bool:
            return False

    rules = (Never("never", "events", 0, 1.0, "{n} {day}"),)
    window = ActorWindow("a", "r", "g", "d", np.full(N, 50.0), Baseline(np.zeros(N), np.ones(N)), None, 9)
    assert RuleSet(rules).assess(window) == []


@settings(max_examples=60)
@given(st.integers(min_value=1, max_value=600), st.integers(min_value=0, max_value=2**32 - 1))
def test_medians_as_numpy_answers(n: int, seed: int) -> None:
    """``_median`` (a day's history, or a peer pool's thousands of rows sorted as columns) is ``np.median``."""
    rows = np.floor(np.random.default_rng(seed).exponential(5.0, (n, len(NAMES))))
    rows[::7, 3] = 0.25  # ratios and ties
    assert np.array_equal(_median(rows), np.median(rows, axis=0))


@settings(max_examples=40)
@given(st.integers(min_value=1, max_value=6), st.integers(min_value=1, max_value=60),
       st.integers(min_value=0, max_value=2**32 - 1))
def test_baselines_at_once_as_one_by_one(k: int, n: int, seed: int) -> None:
    """``robust_many`` (the day's end: the actors with as many days of history at once) gives each actor
    ``robust``'s floats, in arrays of its own (no day's batch kept alive by an idle actor's baseline)."""
    stack = np.floor(np.random.default_rng(seed).exponential(5.0, (k, n, len(NAMES))))
    stack[:, ::5, 3] = 0.25
    many = robust_many(stack)
    for rows, got in zip(stack, many, strict=True):
        want = robust(rows)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
        assert got[0].base is None and got[1].base is None


def test_the_day_end_baselines_are_those_of_the_next_scoring() -> None:
    """An actor's own baseline set at the day's end (with others of as many days) is what its next scoring would
    have worked out from its history."""
    rng = np.random.default_rng(7)
    det = Detector(daily=True, lazy=True)
    events = []
    for d in range(1, 9):
        for actor in ("a-1", "a-2", "a-3"):
            for k in range(int(rng.integers(2, 6))):
                events.append(AccessEvent(id=f"e-{d}-{actor}-{k}", ts=f"2026-03-{d:02d}T10:{k:02d}:00+08:00",
                                          actor=actor, party="platform", role="cs", action="view", resource="order",
                                          subjects=[f"c-{k}"], fields=["name"]))
    for e in events:
        det.observe(e)
    det.observe(AccessEvent(id="e-next", ts="2026-03-09T09:00:00+08:00", actor="a-1", party="platform", role="cs",
                            action="view", resource="order", subjects=["c-1"], fields=["name"]))
    for name in ("a-1", "a-2", "a-3"):
        st_ = det.actors[name].state
        assert st_.days == 8 and st_.self_stats is not None
        want = robust(st_.past())
        assert np.array_equal(st_.self_stats[0], want[0]) and np.array_equal(st_.self_stats[1], want[1])


_hours = st.lists(st.integers(min_value=0, max_value=400), min_size=24, max_size=24).map(
    lambda v: np.array(v, dtype=np.float64))


def _reference_ok_hours(hours: np.ndarray, peer_hours: frozenset[int] | None) -> frozenset[int]:
    own = float(hours.sum())
    if own >= det_module.MIN_OWN_HOURS:
        ok = {int(h) for h in np.flatnonzero(hours / own >= det_module.OWN_HOUR_SHARE)}
        return frozenset(ok | peer_hours if peer_hours else ok)
    return det_module.DEFAULT_HOURS if peer_hours is None else peer_hours


@given(_hours, _hours)
def test_usual_hours_as_numpy_answers(own: np.ndarray, group: np.ndarray) -> None:
    pool = PeerPool(hours=group)
    total = float(group.sum())
    want_peers = None if total < det_module.MIN_PEER_HOURS else frozenset(
        int(h) for h in np.flatnonzero(group / total >= det_module.PEER_HOUR_SHARE))
    assert _peer_hours(pool) == want_peers
    state = ActorState("a", "g", hours=own)
    assert _ok_hours(state, want_peers) == _reference_ok_hours(own, want_peers)
    assert _ok_hours(state, want_peers, _own_hours(state)) == _reference_ok_hours(own, want_peers)


class _NoMemo(ContextModel):
    """The context model working out every facet and usual hours afresh (what the memos replace)."""

    def _surprise(self, a, ctx, human=True):
        return max(self._facet_of(self.peers[a.peer], f, human, a.used.get(f, 0), a.days) for f in facets(ctx))

    def _ok_hours(self, a):
        self._peer_hours.clear()
        return super()._ok_hours(a)


class _Recomputed(Detector):
    """Every actor's usual hours worked out afresh at every day's end (what remembering them replaces)."""

    def _rollover(self) -> None:
        for a in self.actors.values():
            a.own_hours = False
        super()._rollover()


def _run(events: list[AccessEvent], det: Detector) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for e in events:
        out += [(a.actor, a.raw, a.reasons, a.events) for a in det.observe(e)]
    out += [(a.actor, a.raw, a.reasons, a.events) for a in det.finish()]
    return out + [(a.actor, a.raw, a.score, a.reasons, a.events, a.first_seen) for a in det.results()]


def test_memos_change_no_answer(access_events: list[AccessEvent]) -> None:
    events = sorted(access_events, key=lambda e: (e.ts, e.id))
    fast = _run(events, Detector(daily=True, lazy=True))
    slow = _run(events, _Recomputed(daily=True, lazy=True,
                                    detectors=[RuleSet(), _NoMemo(), BaselineModel()]))
    assert fast == slow
    assert max(float(r[1]) for r in fast) > 1.0  # type: ignore[arg-type]  # something was scored


def test_a_checkpoint_carries_no_memo_and_one_from_before_them_loads(access_events: list[AccessEvent]) -> None:
    events = sorted(access_events, key=lambda e: (e.ts, e.id))[:3000]
    model = ContextModel()
    det = Detector(detectors=[RuleSet(), model, BaselineModel()])
    for e in events:
        det.observe(e)
    assert model._facets
    state = model.__getstate__()
    assert state["_facets"] == {} and state["_peer_hours"] == {}
    copy = pickle.loads(pickle.dumps(model))
    assert copy._facets == {} and copy.actors.keys() == model.actors.keys()
    old = ContextModel.__new__(ContextModel)
    old.__setstate__({k: v for k, v in model.__getstate__().items() if k not in ("_facets", "_peer_hours")})
    assert old._facets == {} and old._peer_hours == {}
    d = pickle.loads(pickle.dumps(det))
    for e in sorted(access_events, key=lambda e: (e.ts, e.id))[3000:4000]:
        d.observe(e)
        det.observe(e)
    assert [(a.actor, a.raw) for a in d.finish()] == [(a.actor, a.raw) for a in det.finish()]


class _Separate(Detector):
    """The features and the context model each in its own pass (what ``observe_with_features`` joins)."""

    def _joint_observers(self) -> None:
        self._joint, self._after = None, self._observers


def _states(det: Detector) -> bytes:
    # in two parts: the joint pass shares each actor's tickets between the two models (pickled once, then referred to)
    ctx = next(d for d in det.detectors or () if isinstance(d, ContextModel))
    return pickle.dumps([(name, a.state) for name, a in det.actors.items()]) + \
        pickle.dumps((ctx.actors, ctx.peers, ctx.day))


def test_one_pass_per_event_leaves_the_state_two_passes_leave(access_events: list[AccessEvent]) -> None:
    events = sorted(access_events, key=lambda e: (e.ts, e.id))
    joint, separate = Detector(daily=True, lazy=True), _Separate(daily=True, lazy=True)
    assert joint._joint is not None and separate._joint is None
    out_joint: list[tuple[object, ...]] = []
    out_separate: list[tuple[object, ...]] = []
    for i, e in enumerate(events):
        out_joint += [(a.actor, a.raw, a.reasons, a.events) for a in joint.observe(e)]
        out_separate += [(a.actor, a.raw, a.reasons, a.events) for a in separate.observe(e)]
        if i % 5000 == 2500:  # mid-day: today's counters, tickets, heaps, clients
            assert _states(joint) == _states(separate)
    assert _states(joint) == _states(separate)
    assert out_joint == out_separate
    ctx = next(d for d in joint.detectors or () if isinstance(d, ContextModel))
    assert all(c.tickets is joint.actors[name].state.tickets for name, c in ctx.actors.items())  # one book, not two
    assert [(a.actor, a.raw, a.reasons, a.events) for a in joint.finish()] == \
        [(a.actor, a.raw, a.reasons, a.events) for a in separate.finish()]
    assert [(a.actor, a.raw, a.score, a.events) for a in joint.results()] == \
        [(a.actor, a.raw, a.score, a.events) for a in separate.results()]


def test_the_joint_pass_is_taken_only_by_the_built_in_model_first_and_survives_a_checkpoint() -> None:
    class Watch(ContextModel):
        pass

    assert Detector(detectors=[RuleSet(), Watch(), BaselineModel()])._joint is None  # a subclass: its own observe
    det = Detector()
    copy = pickle.loads(pickle.dumps(det))
    assert copy._joint is not None and copy._joint is next(d for d in copy.detectors or () if isinstance(d, ContextModel))
    old = Detector.__new__(Detector)  # a checkpoint from before the joint pass: no _joint, no _after
    old.__setstate__(det.__getstate__())  # (which holds no _joint, no _after)
    assert old._joint is det._joint and old._after == []


_PART = st.sampled_from(["", "a", "b", "a\x1fb", "\x1f", "1", "order", "name", "phone", "id_number", "aggregate"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["view", "search", "export", "reveal"]), _PART.filter(bool),
                          st.one_of(st.none(), _PART, st.integers(0, 2)), st.one_of(st.none(), _PART), st.booleans(),
                          st.lists(_PART, max_size=3), st.one_of(st.none(), st.lists(_PART, max_size=2)),
                          st.one_of(st.none(), _PART, st.just("batch")), _PART.filter(bool)),
                min_size=1, max_size=12))
@example([("view", "order", None, None, False, ["name"], None, None, "cs"),  # the fields' count tells these apart
          ("view", "order", None, None, False, [], ["name"], None, "cs")])
@example([("view", "a\x1fb", None, "c", False, ["name"], None, None, "cs"),  # parts holding the separator
          ("view", "a", "b", "\x1fc", False, ["name"], None, None, "cs")])
def test_a_shape_remembered_is_the_shape_of_its_event(rows: list[tuple]) -> None:
    """``shape_of``'s memo (keyed by the parts joined into one string, by a tuple where a part holds the separator)
    answers for each event what working its shape out afresh does, whatever the order events come in."""
    from piwarden.forensics.anomalies import shape as shape_module

    shape_module._shapes.clear()
    for action, resource, by, purpose, ticket, fields, masked, channel, role in rows:
        ev = AccessEvent(id="e", ts="2026-03-01T09:00:00Z", actor="x", party="p", role=role, action=action,
                         resource=resource, subjects=["c-1"], fields=fields, masked_fields=masked, purpose=purpose,
                         ticket="T-1" if ticket else None, channel=channel,
                         query=None if by is None else {"by": by})
        got = shape_module.shape_of(ev)
        want = shape_module._shape(ev, by, tuple(fields), tuple(masked or ()))
        assert got.__getstate__() == want.__getstate__()


def test_a_checkpoint_whose_counts_are_counters_goes_on_alike(access_events: list[AccessEvent]) -> None:
    """The context model's counts were ``Counter``s before they were plain dictionaries: a checkpoint from then
    loads and goes on to the same answers."""
    from collections import Counter

    events = sorted(access_events, key=lambda e: (e.ts, e.id))
    model = ContextModel()
    det = Detector(detectors=[RuleSet(), model, BaselineModel()])
    for e in events[:3000]:
        det.observe(e)
    old = pickle.loads(pickle.dumps(det))
    ctx = next(d for d in old.detectors if isinstance(d, ContextModel))
    for a in ctx.actors.values():
        a.used, a.volume, a.square, a.peak = Counter(a.used), Counter(a.volume), Counter(a.square), Counter(a.peak)
        if a.today is not None:
            a.today.n, a.today.novel = Counter(a.today.n), Counter(a.today.novel)
    for p in ctx.peers.values():
        p.used, p.volume = Counter(p.used), Counter(p.volume)
    for e in events[3000:5000]:
        old.observe(e)
        det.observe(e)
    old.finish()
    det.finish()
    got = [(a.actor, a.raw, a.reasons) for a in old.results()]
    assert any(raw > 0 for _, raw, _ in got) and got == [(a.actor, a.raw, a.reasons) for a in det.results()]
