"""Doctest collection over src/piwarden: modules that need the training extra are skipped without it, and the
detector's compiled modules (scripts/build_native.py) are skipped while compiled (their sources' doctests run in
tests/forensics/test_native.py)."""

from __future__ import annotations

import importlib.util

collect_ignore = [] if importlib.util.find_spec("torch") else ["src/piwarden/detect/ner/model.py"]


def _compiled() -> list[str]:
    import piwarden.forensics.anomalies as anomalies

    return [f"src/piwarden/forensics/anomalies/{m}.py" for m in anomalies.COMPILED] if anomalies.NATIVE else []


collect_ignore += _compiled()
