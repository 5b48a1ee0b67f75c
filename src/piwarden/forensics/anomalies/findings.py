"""What a forensic detector is: it judges one actor's day against its history and its peers.

The :class:`~piwarden.forensics.anomalies.detector.Detector` keeps the running state (per-actor
daily features, baselines, peer pools) and, whenever it scores an actor (each hour the actor
acted in, and at the end of the day), hands every :class:`ForensicDetector` an
:class:`ActorWindow`: the actor's day so far as a feature vector, with its own baseline and
its peer group's. Each detector answers with :class:`Finding` objects, raw points with a
reason code and a reason. The detector sums the points (each times the analyst's feedback
weight for that actor and code) into the day's raw score (calibrated into a probability), and lists the
reasons detector by detector, strongest first.

The built-in detectors, the robust z-score model and the named rules, register through the
``piwarden_forensic_detectors`` hook like any plugin (``piwarden/forensics/plugin.py``). A
detector that needs the events themselves (a watch list, a sequence) also implements
:class:`EventObserver`; it keeps its own per-actor state, bounded, as the features do.

Reasons and evidence carry counts, codes, actor and event ids: never a subject id or a value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

import numpy as np

from piwarden.forensics.anomalies.features import INDEX

if TYPE_CHECKING:
    from piwarden.events import Event

#: The points of an alarm: a finding that is reason enough on its own to alert, the day it happens (the built-in
#: ``context.new_field``, ``context.new_context``, ``context.unprompted`` and ``rule.ticket_reuse``). A day of this
#: raw score alone is calibrated to 0.52 (``detector.calibrated``), just above the default threshold of 0.5.
ALARM_POINTS = 22.0


class Baseline(NamedTuple):
    """Robust statistics of past days, per feature (vectors in ``features.NAMES`` order)."""

    median: np.ndarray
    scale: np.ndarray


@dataclass(frozen=True, slots=True)
class ActorWindow:
    """One actor's day so far, with what it is compared against."""

    actor: str
    role: str  # the role the actor had when first seen
    peer: str  # its peer group (``features.peer_key``)
    day: str  # the local calendar day, YYYY-MM-DD
    features: np.ndarray  # the day's feature vector so far (``features.NAMES`` order)
    own: Baseline | None  # the actor's previous active days; None until it has enough
    peers: Baseline | None  # its peer group's recent days; None until the group has enough
    history_days: int  # active days in the actor's history

    def feature(self, name: str) -> float:
        """One feature of the day by name (``features.FEATURES``)."""
        return float(self.features[INDEX[name]])


@dataclass(frozen=True, slots=True)
class Finding:
    """Part of a day's score: raw points under a reason code, and why.

    ``explain`` is the reason text, or a function that writes it: the detector asks for it only
    when the day becomes the actor's worst, so a detector that formats many reasons need not
    pay for it at every hourly scoring. ``quiet_below``: a finding whose weighted points fall
    below it still counts in the score but is not listed (the model's many small excesses).
    ``events``: ids of events that show it, added to the alert's evidence after the flagged ones.
    """

    code: str  # analyst feedback is keyed on it: a feature name, ``rule.*``, or a plugin's own prefix
    points: float
    explain: str | Callable[[], str]
    quiet_below: float = 0.0
    events: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return self.explain if isinstance(self.explain, str) else self.explain()


class ForensicDetector(Protocol):
    """Turns one actor's day (its window) into findings; called at every scoring of that actor."""

    def assess(self, window: ActorWindow) -> Iterable[Finding]: ...


@runtime_checkable
class EventObserver(Protocol):
    """A detector that also sees every event, with the local day and hour it counts in."""

    def observe(self, event: Event, day: str, hour: int) -> None: ...
