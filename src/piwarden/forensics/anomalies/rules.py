"""Named rules for the abuse patterns every investigator knows, on top of the model.

A rule fires on an absolute threshold (the pattern is bad whatever the baseline says) but
only when the actor's own history does not already show it: the escalation desk looking
customers up by phone every day is its job, not a rule hit. Each hit adds a fixed amount to
the day's raw score and a reason to the alert.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from piwarden.forensics.anomalies.features import INDEX, is_service
from piwarden.forensics.anomalies.findings import ALARM_POINTS, ActorWindow, Finding


@dataclass(frozen=True)
class Rule:
    code: str
    feature: str
    threshold: float
    bonus: float
    text: str  # format with {n} (the day's value) and {day}
    human_only: bool = False
    also: tuple[str, float] | None = None  # a second feature that must reach its own threshold

    def fires(self, x: np.ndarray, self_med: np.ndarray | None, peer_med: np.ndarray | None, role: str) -> bool:
        if self.human_only and is_service(role):
            return False
        i = INDEX[self.feature]
        if x[i] < self.threshold or (self.also and x[INDEX[self.also[0]]] < self.also[1]):
            return False
        usual = self_med if self_med is not None else peer_med  # a new actor: usual for its peers?
        return usual is None or usual[i] < self.threshold / 3


RULES: tuple[Rule, ...] = (
    Rule("rule.keyed_lookup_without_ticket", "keyed_no_ticket", 10, 4.0,
         "{n:.0f} lookups by policy number or phone without a ticket on {day}"),
    # an alarm (``findings.ALARM_POINTS``): an incident ticket opens its dozens the day it is cited first; eight
    # people opened under a ticket first cited on an earlier day, about one customer, is the ticket borrowed
    Rule("rule.ticket_reuse", "ticket_reuse", 8, ALARM_POINTS,
         "one ticket used to open {n:.0f} different subjects (on {day})"),
    Rule("rule.sequential_ids", "sequential", 15, 4.0,
         "{n:.0f} accesses to consecutive record ids on {day} (enumeration)"),
    Rule("rule.off_hours_bulk", "off_hours", 25, 3.0,
         "{n:.0f} accesses at unusual hours on {day}"),
    Rule("rule.large_human_export", "export_max", 1000, 4.0,
         "an export, print or download of {n:.0f} records in clear by a person on {day}", human_only=True),
    Rule("rule.new_client_reveals", "new_client", 10, 3.0,
         "{n:.0f} accesses, 10 or more of them reveals, from a device or network never seen for this account "
         "(on {day})", also=("reveals", 10)),
)


class RuleSet:
    """The named rules as a forensic detector: one finding per rule that fires.

    A day is judged only against a baseline: with neither the actor's nor its peers', every
    count would be "usual for nobody", so the rules wait like the model does.
    """

    _compiled: tuple[tuple[Rule, int, float, int, float, bool], ...] = ()
    _compiled_for: tuple[Rule, ...] | None = None

    def __init__(self, rules: tuple[Rule, ...] = RULES) -> None:
        self.rules = rules

    def _compile(self) -> tuple[tuple[Rule, int, float, int, float, bool], ...]:
        """Per rule: its feature's index and threshold, the second feature's (or none: 0 and -inf), and whether
        ``Rule.fires`` is the one written out in :meth:`assess` (a subclass may judge otherwise)."""
        if self._compiled_for is not self.rules:
            self._compiled = tuple(
                (r, INDEX[r.feature], r.threshold, INDEX[r.also[0]] if r.also else 0,
                 r.also[1] if r.also else float("-inf"), type(r) is Rule) for r in self.rules)
            self._compiled_for = self.rules
        return self._compiled

    def assess(self, window: ActorWindow) -> list[Finding]:
        """The rules that fire (``Rule.fires``, on Python floats: the detector asks at every scoring)."""
        own, peers = window.own, window.peers
        if own is None and peers is None:
            return []
        x = window.features.tolist()
        out = []
        usual: list[float] | None = None
        service: bool | None = None
        for rule, i, threshold, j, also, plain in self._compile():
            n = x[i]
            if not plain:
                if rule.fires(window.features, own.median if own is not None else None,
                              peers.median if peers is not None else None, window.role):
                    out.append(Finding(rule.code, rule.bonus, f"{rule.code}: " + rule.text.format(
                        n=window.features[i], day=window.day)))
                continue
            if n < threshold or x[j] < also:
                continue
            if usual is None:
                usual = (own if own is not None else peers).median.tolist()  # type: ignore[union-attr]
            if rule.human_only:
                if service is None:
                    service = is_service(window.role)
                if service:
                    continue
            if usual[i] < rule.threshold / 3:
                out.append(Finding(rule.code, rule.bonus, f"{rule.code}: " + rule.text.format(n=n, day=window.day)))
        return out
