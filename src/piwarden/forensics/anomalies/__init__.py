"""Abnormal-access detection: rank actors by how unusual their access to personal data is.

``Detector`` is the entry point; ``rank`` and ``stream_alerts`` run it over an iterable of
:class:`piwarden.events.AccessEvent`. The parts: per-actor daily features (``features``),
the detectors that judge a day (``findings`` says what one is; ``model`` and ``rules`` are
the built-in ones), analyst feedback (``feedback``), time order (``order``), and reading the
audit log incrementally (``audit_feed``, ``cursor``).
"""

from piwarden.forensics.anomalies.detector import ALERT_THRESHOLD, Alert, Detector, rank, stream_alerts

__all__ = ["ALERT_THRESHOLD", "Alert", "Detector", "rank", "stream_alerts"]
