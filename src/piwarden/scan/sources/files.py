"""Tabular files: CSV, TSV, JSON (an array of objects), JSON Lines, Parquet, XLSX.

The files source (:class:`FileSource`) claims a local path; its walk of a directory finds
tabular files, which it reads itself, and documents, which it hands to the documents source
(``documents.py``). Each tabular file reads as a :class:`TableSample` in bounded memory: text formats stream through a
reservoir (Vitter's algorithm R, seeded so that a rescan of the same file samples the same
rows), Parquet reads only as many row groups as the sample needs, and XLSX streams in
openpyxl's read-only mode. Nested JSON objects are flattened one level per dot
(``buyer.phone``); lists stay as their JSON text.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import random
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from piwarden.inputs import InputError, open_text, read_text
from piwarden.scan.sources.base import FILE, Asset, Document, Fingerprint, Scope, Source, SourceError, TableSample

TABULAR = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
           ".parquet": "parquet", ".xlsx": "xlsx"}
DOCUMENTS = {".txt": "text", ".log": "text", ".md": "text", ".docx": "docx", ".pdf": "pdf", ".png": "image",
             ".jpg": "image", ".jpeg": "image"}
FORMATS = {**TABULAR, **DOCUMENTS}
_SEED = 5  # same file, same sample: rescans and tests are repeatable
NAME = "files"
DOCUMENT_SOURCE = "documents"  # reads the files of DOCUMENTS formats (documents.py)


def file_format(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


def _asset(store: str, name: str, fmt: str, path: Path) -> Asset:
    source = NAME if fmt in TABULAR.values() else DOCUMENT_SOURCE
    return Asset(store, name, FILE, fmt, str(path.resolve()), source=source)


def discover(target: str) -> list[Asset]:
    """The files under ``target`` (a file or a directory) that piwarden can read, sorted."""
    root = Path(target).expanduser()
    if root.is_file():
        fmt = file_format(root)
        if fmt is None:
            raise SourceError(f"{target}: not a supported file type (suffix {root.suffix or 'none'})")
        return [_asset(str(root.parent.resolve()), root.name, fmt, root)]
    if not root.is_dir():
        raise SourceError(f"{target}: no such file or directory")
    store = str(root.resolve())
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            fmt = file_format(path)
            if fmt is not None and not name.startswith(("~$", ".")):
                found.append(_asset(store, path.relative_to(root).as_posix(), fmt, path))
    return found


def file_hash(path: str) -> str:
    """BLAKE2b of the content, streamed."""
    h = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def file_fingerprint(asset: Asset, previous: Fingerprint | None) -> Fingerprint:
    """Size, modification time and BLAKE2b hash; not hashed when size and time are as before."""
    try:
        st = os.stat(asset.locator)
    except OSError:
        raise SourceError(f"{asset.name}: cannot stat") from None
    if previous is not None and (previous.size_bytes, previous.mtime_ns) == (st.st_size, st.st_mtime_ns):
        return Fingerprint(previous.content_hash, None, st.st_size, st.st_mtime_ns)
    # same size, new time: the hash decides (a touched file is unchanged); else it is stored
    return Fingerprint(file_hash(asset.locator), None, st.st_size, st.st_mtime_ns)


class Reservoir:
    """A uniform sample of ``size`` items from a stream of unknown length."""

    def __init__(self, size: int, seed: int = _SEED) -> None:
        self.size, self.seen, self.items = size, 0, []  # type: ignore[var-annotated]
        self._rng = random.Random(seed)

    def add(self, item: object) -> None:
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
        else:
            j = self._rng.randrange(self.seen)
            if j < self.size:
                self.items[j] = item


def _by_column(rows: Iterable[dict[str, object]], names: list[str] | None = None) -> dict[str, list[object]]:
    rows = list(rows)
    if names is None:
        names = list(dict.fromkeys(k for r in rows for k in r))
    return {n: [r.get(n) for r in rows] for n in names}


def flatten(obj: dict[str, object], prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        elif isinstance(v, list):
            out[key] = orjson.dumps(v).decode() if v else None
        else:
            out[key] = v
    return out


_FIELD_LIMIT = 2**31 - 1


def _open_text(path: str) -> io.TextIOWrapper:
    """A text file in the encoding piwarden.inputs finds; bytes that do not decode become U+FFFD."""
    try:
        src = open_text(path)
    except InputError as exc:
        raise SourceError(str(exc)) from None
    return io.TextIOWrapper(src.raw, encoding=src.encoding if src.encoding != "utf-8" else "utf-8-sig",
                            errors="replace", newline="")


def _delimited(path: str, sample: int, delimiter: str) -> TableSample:
    csv.field_size_limit(_FIELD_LIMIT)  # a cell of 50 MB (one long text) is read, not an error
    with _open_text(path) as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            return TableSample({}, 0, 0)
        names = [h.strip() or f"column_{i + 1}" for i, h in enumerate(header)]
        res = Reservoir(sample)
        for row in reader:
            if row:
                res.add(row)
    columns = {n: [r[i] if i < len(r) else None for r in res.items] for i, n in enumerate(names)}
    return TableSample(columns, res.seen, len(res.items))


def _json(path: str, sample: int) -> TableSample:
    try:
        data = orjson.loads(read_text(path))
    except InputError as exc:
        raise SourceError(str(exc)) from None
    except orjson.JSONDecodeError as exc:
        raise SourceError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    if isinstance(data, dict):  # {"customers": [...]}: the first list of objects inside
        data = next((v for v in data.values() if isinstance(v, list)), [data])
    if not isinstance(data, list):
        raise SourceError(f"{path}: JSON must be an array of objects")
    res = Reservoir(sample)
    for item in data:
        if isinstance(item, dict):
            res.add(flatten(item))
    return TableSample(_by_column(res.items), res.seen, len(res.items))


def _jsonl(path: str, sample: int) -> TableSample:
    res = Reservoir(sample)
    try:
        src = open_text(path)
    except InputError as exc:
        raise SourceError(str(exc)) from None
    with src:
        for _, raw in src.lines():
            if not raw.strip():
                continue
            try:
                item = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue  # a broken line is skipped; the rest of the file still counts
            if isinstance(item, dict):
                res.add(flatten(item))
    return TableSample(_by_column(res.items), res.seen, len(res.items))


def _parquet(path: str, sample: int) -> TableSample:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    total = pf.metadata.num_rows
    groups = list(range(pf.num_row_groups))
    random.Random(_SEED).shuffle(groups)
    chosen, rows = [], 0
    for g in groups:  # random row groups until the sample is full: no full read of a large file
        chosen.append(g)
        rows += pf.metadata.row_group(g).num_rows
        if rows >= sample:
            break
    table = pf.read_row_groups(sorted(chosen)) if chosen else pf.schema_arrow.empty_table()
    if table.num_rows > sample:
        idx = sorted(random.Random(_SEED).sample(range(table.num_rows), sample))
        table = table.take(idx)
    columns = {name: table.column(name).to_pylist() for name in table.column_names}
    return TableSample(columns, total, table.num_rows)


def _xlsx(path: str, sample: int) -> TableSample:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        columns: dict[str, list[object]] = {}
        total = sampled = 0
        several = len(wb.worksheets) > 1
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                continue
            names = [str(h).strip() if h is not None else f"column_{i + 1}" for i, h in enumerate(header)]
            res = Reservoir(sample)
            for row in rows:
                if any(c is not None for c in row):
                    res.add(row)
            for i, n in enumerate(names):
                columns[f"{ws.title}!{n}" if several else n] = [r[i] if i < len(r) else None for r in res.items]
            total += res.seen
            sampled += len(res.items)
        return TableSample(columns, total, sampled)
    finally:
        wb.close()


def read_table(asset: Asset, sample: int) -> TableSample:
    """A sample of the rows of a tabular file."""
    readers = {"csv": lambda p, n: _delimited(p, n, ","), "tsv": lambda p, n: _delimited(p, n, "\t"),
               "json": _json, "jsonl": _jsonl, "parquet": _parquet, "xlsx": _xlsx}
    try:
        return readers[asset.format](asset.locator, sample)
    except SourceError:
        raise
    except Exception as exc:  # a corrupt file: name it and the error class, nothing from inside
        raise SourceError(f"{asset.name}: cannot read {asset.format} ({type(exc).__name__})") from None


def iter_lines(path: str) -> Iterator[str]:
    with _open_text(path) as fh:
        for line in fh:
            yield line.rstrip("\r\n")


class FileSource(Source):
    """Local files and directories; tabular files are read here, documents by the documents source."""

    name = NAME

    def claims(self, target: str) -> bool:
        try:
            return Path(target).expanduser().exists()
        except (OSError, ValueError):  # a name too long for the file system, a NUL: not a path
            return False

    def discover(self, target: str, scope: Scope) -> list[Asset]:
        return discover(target)

    def fingerprint(self, asset: Asset, previous: Fingerprint | None) -> Fingerprint:
        return file_fingerprint(asset, previous)

    def sample(self, asset: Asset, rows: int, fingerprint: Fingerprint) -> TableSample | Document:
        return read_table(asset, rows)
