"""Reading the vault's YAML files (record types, policy): one error wording, naming the file and line, never content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from piwarden.inputs import InputError, read_text

MAX_BYTES = 1_000_000  # a policy or a list of record types is pages of YAML: a larger file is a wrong argument

def read_yaml(path: str | Path, error: type[Exception]) -> Any:
    """The parsed document of ``path``; ``error`` naming the file (and the line) when it cannot be read or parsed."""
    path = Path(path)
    try:
        if path.is_file() and path.stat().st_size > MAX_BYTES:  # not parsed: YAML over megabytes takes minutes
            raise InputError(f"{path}: too large to be a vault policy or record types (over "
                             f"{MAX_BYTES // 1_000_000} MB)")
        text = read_text(path)  # UTF-8 (with or without BOM), GB18030, UTF-16: the input layer's rules
    except InputError as exc:
        raise error(str(exc)) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise error(f"{path}: not valid YAML" + (f" at line {mark.line + 1}" if mark is not None else "")) from None
