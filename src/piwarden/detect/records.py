"""Reading detection input (docs/formats/detection-records.md) without holding it in memory.

JSON Lines: one ``{"id", "text", ...}`` object per line (other keys kept). Any other file is
plain text: one record whose id is the file name, or, past ``inputs.CHUNK_CHARS`` characters,
one record per piece cut on line ends (id ``NAME:LINE``, with the piece's character
``offset`` in the file). Encodings are found by :mod:`piwarden.inputs` (UTF-8 with or without
a byte-order mark, GB18030/GBK, UTF-16), or forced. A line that does not fit yields an error
naming the line and the field, never the line's content, and reading goes on; a file that
cannot be read at all yields one error with line 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import orjson

from piwarden.inputs import InputError, open_text, text_chunks


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
        return f"{self.source}: {self.message}" if self.line == 0 else f"{self.source}:{self.line}: {self.message}"


def _is_jsonl(path: Path) -> bool:
    return path.suffix.lower() in {".jsonl", ".ndjson"} or path.name == "-"


def parse_line(raw: bytes | str, source: str, line: int) -> Record | RecordError | None:
    """One JSONL line (bytes of UTF-8, or decoded text) to a record; blank lines are skipped (None)."""
    if not raw.strip():
        return None
    size = len(raw)
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return RecordError(source, line, _json_problem(raw, exc), size)
    if not isinstance(obj, dict):
        return RecordError(source, line, "a record must be a JSON object", size)
    text = obj.pop("text", None)
    if not isinstance(text, str):
        return RecordError(source, line, "field 'text' is missing or not a string", size)
    rid = obj.pop("id", None)
    if rid is None:
        rid = f"{source}:{line}"
    elif isinstance(rid, bool) or not isinstance(rid, str | int):
        return RecordError(source, line, "field 'id' must be a string or an integer", size)
    return Record(str(rid), text, source, line, obj, size)


def _json_problem(raw: bytes | str, exc: orjson.JSONDecodeError) -> str:
    """What is wrong with a line that is not JSON: its encoding, or where the JSON breaks (column)."""
    if isinstance(raw, bytes):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            return f"not UTF-8 text at byte {bad.start + 1} (give the file's encoding with --encoding)"
    return f"not valid JSON (column {exc.colno})"


def iter_records(path: str, encoding: str | None = None) -> Iterator[Record | RecordError]:
    """Records from one input path ('-' is standard input, read as JSONL), in ``encoding`` or the sniffed one."""
    p = Path(path)
    name = "<stdin>" if path == "-" else str(p)
    try:
        if _is_jsonl(p):
            with open_text(path, encoding) as src:
                for n, raw in src.lines():
                    item = parse_line(raw, name, n)
                    if item is not None:
                        yield item
            return
        chunks = text_chunks(p, encoding)
        first = next(chunks, None)
        if first is None:
            return
        second = next(chunks, None)
        if second is None:  # a file of one piece stays one record named by the file
            yield Record(p.name, first.text, name, 0, size=first.size)
            return
        for chunk in chain((first, second), chunks):  # one piece in memory at a time
            yield Record(f"{p.name}:{chunk.line}", chunk.text, name, chunk.line, {"offset": chunk.offset},
                         chunk.size)
    except InputError as exc:
        yield RecordError(name, 0, str(exc).removeprefix(f"{name}: "))


def input_size(paths: list[str]) -> int | None:
    """Total bytes of the inputs, for the progress bar; None when reading a stream."""
    try:
        return sum(Path(p).stat().st_size for p in paths if p != "-") if "-" not in paths else None
    except OSError:
        return None
