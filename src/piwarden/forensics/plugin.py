"""Forensics' built-in plugin: the anomaly detectors every run starts with.

The named rules, the context model and the robust z-score model register through ``piwarden_forensic_detectors``
like a third-party detector would; the rules come first, so their reasons lead an alert.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from piwarden.hookspecs import hookimpl

if TYPE_CHECKING:
    from piwarden.forensics.anomalies.findings import ForensicDetector


@hookimpl
def piwarden_forensic_detectors() -> list[ForensicDetector]:
    from piwarden.forensics.anomalies.context import ContextModel
    from piwarden.forensics.anomalies.model import BaselineModel
    from piwarden.forensics.anomalies.rules import RuleSet

    return [RuleSet(), ContextModel(), BaselineModel()]
