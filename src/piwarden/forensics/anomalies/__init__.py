"""Abnormal-access detection: rank actors by how unusual their access to personal data is.

``Detector`` is the entry point; ``rank`` and ``stream_alerts`` run it over an iterable of
:class:`piwarden.events.AccessEvent`. The parts: per-actor daily features (``features``),
the detectors that judge a day (``findings`` says what one is; ``model`` and ``rules`` are
the built-in ones), analyst feedback (``feedback``), time order (``order``), and reading the
audit log incrementally (``audit_feed``, ``cursor``).
"""

from pathlib import Path

from piwarden import native

#: The modules ``scripts/build_native.py`` compiles (the per-event pass and what it calls); ``native.guard`` uses
#: them only while they are built from the present sources.
COMPILED = ("context", "detector", "disclosure", "features", "model", "order", "shape")
NATIVE = native.guard(__name__, Path(__file__).parent, COMPILED)

from piwarden.forensics.anomalies.detector import ALERT_THRESHOLD, Alert, Detector, rank, stream_alerts  # noqa: E402

__all__ = ["ALERT_THRESHOLD", "COMPILED", "NATIVE", "Alert", "Detector", "rank", "stream_alerts"]
