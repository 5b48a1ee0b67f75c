"""Doctest collection over src/piwarden: modules that need the training extra are skipped without it."""

from __future__ import annotations

import importlib.util

collect_ignore = [] if importlib.util.find_spec("torch") else ["src/piwarden/detect/ner/model.py"]
