"""Reading detection input (../shared/specs/detection.md) without holding it in memory.

JSON Lines: one ``{"id", "text", ...}`` object per line (other keys kept). Any other file is
one record whose id is the file name. A line that does not fit yields an error naming the
line and the field, never the line's content, and reading goes on.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson


@dataclass(slots=True)
class Record:
    id: str
    text: str
    source: str
    line: int
    extra: dict[str, object] = field(default_factory=dict)
    size: int = 0  # bytes read from the input for this record, for progress


@dataclass(slots=True)
class RecordError:
    source: str
    line: int
    message: str
    size: int = 0

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


def _is_jsonl(path: Path) -> bool:
    return path.suffix.lower() in {".jsonl", ".ndjson"} or path.name == "-"


def parse_line(raw: bytes, source: str, line: int) -> Record | RecordError | None:
    """One JSONL line to a record; blank lines are skipped (None)."""
    if not raw.strip():
        return None
    size = len(raw)
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return RecordError(source, line, "not valid JSON", size)
    if not isinstance(obj, dict):
        return RecordError(source, line, "a record must be a JSON object", size)
    text = obj.pop("text", None)
    if not isinstance(text, str):
        return RecordError(source, line, "field 'text' is missing or not a string", size)
    rid = obj.pop("id", None)
    if rid is None:
        rid = f"{source}:{line}"
    elif not isinstance(rid, str | int):
        return RecordError(source, line, "field 'id' must be a string or an integer", size)
    return Record(str(rid), text, source, line, obj, size)


def iter_records(path: str) -> Iterator[Record | RecordError]:
    """Records from one input path ('-' is standard input, read as JSONL)."""
    p = Path(path)
    if path == "-":
        for n, raw in enumerate(sys.stdin.buffer, 1):
            item = parse_line(raw, "<stdin>", n)
            if item is not None:
                yield item
        return
    if _is_jsonl(p):
        with p.open("rb") as fh:
            for n, raw in enumerate(fh, 1):
                item = parse_line(raw, str(p), n)
                if item is not None:
                    yield item
        return
    data = p.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        yield RecordError(str(p), 0, "not UTF-8 text", len(data))
        return
    yield Record(p.name, text, str(p), 0, size=len(data))


def input_size(paths: list[str]) -> int | None:
    """Total bytes of the inputs, for the progress bar; None when reading a stream."""
    try:
        return sum(Path(p).stat().st_size for p in paths if p != "-") if "-" not in paths else None
    except OSError:
        return None
