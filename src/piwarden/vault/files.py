"""Reading the vault's YAML files (record types, policy): one error wording, naming the file and line, never content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def read_yaml(path: str | Path, error: type[Exception]) -> Any:
    """The parsed document of ``path``; ``error`` naming the file (and the line) when it cannot be read or parsed."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise error(f"{path}: not valid YAML" + (f" at line {mark.line + 1}" if mark is not None else "")) from None
