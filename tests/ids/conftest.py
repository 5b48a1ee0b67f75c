"""Make ``src/`` importable when piwarden is not installed (``make setup`` installs it)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("piwarden") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
