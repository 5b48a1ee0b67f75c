"""Masking files column by column, streamed: CSV, TSV, JSONL, Parquet and XLSX.

A file is read in batches of rows, each batch masked with :func:`piwarden.mask.table.mask_frame`
and written out before the next is read, so memory stays flat whatever the file's size. Cells
are read as text where the format has no types (CSV, TSV: ``0571...`` keeps its zero); columns
not named pass through as they are (JSONL fields keep their JSON types, XLSX cells their types).
Text inputs (CSV, TSV, JSONL) are read in the encoding :mod:`piwarden.inputs` finds (UTF-8 with
or without a byte-order mark, GB18030/GBK, UTF-16) or ``FileJob.encoding``; outputs are UTF-8.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from piwarden.inputs import InputError, encoding_of, open_text, read_text
from piwarden.mask.errors import MaskError
from piwarden.mask.policy import Ruleset
from piwarden.mask.table import TEXT, mask_frame
from piwarden.mask.text import Masker, OnError
from piwarden.outputs import atomic_path

FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
           ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx"}
DELIMITERS = {"csv": ",", "tsv": "\t"}

Progress = Callable[[int], None]  # called with the input bytes a batch took (estimated for Parquet, XLSX)


@dataclass(frozen=True, slots=True)
class FileJob:
    """What to mask in a file, and how."""

    columns: Mapping[str, str]  # column -> entity type, or TEXT for free text
    rules: Ruleset
    subject_column: str | None = None
    on_error: OnError = "replace"
    batch_rows: int = 65_536
    masker: Masker | None = None  # detection + masking for TEXT columns; built once when needed
    encoding: str | None = None  # of a text input; None: found from its bytes

    def __post_init__(self) -> None:
        if self.masker is None and TEXT in self.columns.values():
            object.__setattr__(self, "masker", Masker(self.rules, on_error=self.on_error))

    def mask(self, frame: pl.DataFrame) -> pl.DataFrame:
        return mask_frame(frame, self.columns, self.rules, subject_column=self.subject_column, on_error=self.on_error,
                          masker=self.masker)


@dataclass(frozen=True, slots=True)
class FileReport:
    rows: int
    columns: tuple[str, ...]  # the columns masked (named columns the file lacks are errors)


def file_format(path: str | Path, explicit: str | None = None) -> str:
    """``csv``, ``tsv``, ``jsonl``, ``parquet`` or ``xlsx``, from ``explicit`` or the file's suffix."""
    if explicit:
        if explicit not in DELIMITERS and explicit not in FORMATS.values():
            raise MaskError(f"unknown format {explicit!r}; known: {', '.join(sorted(set(FORMATS.values())))}")
        return explicit
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise MaskError(f"cannot tell the format of {Path(path).name} from its suffix; "
                        f"name one of: {', '.join(sorted(set(FORMATS.values())))}")
    return fmt


def mask_file(src: str | Path, dst: str | Path, job: FileJob, *, fmt: str | None = None,
              progress: Progress | None = None) -> FileReport:
    """Mask ``src`` into ``dst`` (the same format); ``dst`` is written whole or not at all."""
    src, dst = Path(src), Path(dst)
    fmt = file_format(src, fmt)
    out_fmt = file_format(dst) if Path(dst).suffix.lower() in FORMATS else fmt
    if out_fmt != fmt:
        raise MaskError(f"{src.name} is {fmt} but {dst.name} would be {out_fmt}: masking keeps the format")
    if src.resolve() == dst.resolve():
        raise MaskError("the output would overwrite the input; write elsewhere")
    try:
        with atomic_path(dst, suffix=dst.suffix) as tmp:
            rows = _WRITERS[fmt](src, tmp, job, fmt, progress or (lambda n: None))
    except InputError as exc:
        raise MaskError(str(exc)) from None
    return FileReport(rows, tuple(job.columns))


class _Counting:
    """A binary file that counts the bytes read from it, for progress."""

    def __init__(self, raw: Any) -> None:
        self.raw, self.count = raw, 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.count += len(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


def _csv(src: Path, dst: Path, job: FileJob, fmt: str, progress: Progress) -> int:
    delimiter = DELIMITERS[fmt]
    encoding = encoding_of(src, job.encoding)
    with open_text(src, encoding) as text_in, text_in.text() as f:
        try:
            header = next(csv.reader(f, delimiter=delimiter), None)
        except UnicodeDecodeError:
            raise MaskError(f"{src.name}: the header row is not {encoding} text (give it with --encoding)") from None
    if not header:
        raise MaskError(f"{src.name} is empty: a header row is needed")
    _check_columns(job, header, src)
    # pyarrow reads UTF-8 (and skips its byte-order mark) natively; other encodings it transcodes
    utf8 = codecs.lookup(encoding).name == "utf-8"
    read = pacsv.ReadOptions(block_size=max(1 << 14, job.batch_rows * 128), use_threads=False,  # ~batch_rows
                             encoding="utf8" if utf8 else encoding)
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    convert = pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False,
                                   quoted_strings_can_be_null=False)
    rows = 0
    with src.open("rb") as raw, dst.open("wb") as out:
        counting = _Counting(raw)
        reader = pacsv.open_csv(counting, read_options=read, parse_options=parse, convert_options=convert)
        done = 0
        for batch in reader:
            job.mask(_frame(batch)).write_csv(out, separator=delimiter, include_header=rows == 0)
            rows += batch.num_rows
            progress(counting.count - done)
            done = counting.count
        if rows == 0:  # a header and no rows
            out.write((delimiter.join(header) + "\n").encode())
    return rows


def _frame(batch: pa.RecordBatch) -> pl.DataFrame:
    frame = pl.from_arrow(batch)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _parquet(src: Path, dst: Path, job: FileJob, fmt: str, progress: Progress) -> int:
    try:
        pf = pq.ParquetFile(src)
    except (pa.ArrowInvalid, OSError) as exc:
        raise MaskError(f"{src.name} is not a readable Parquet file: {exc}") from None
    _check_columns(job, pf.schema_arrow.names, src)
    total, size = max(pf.metadata.num_rows, 1), src.stat().st_size
    writer = None
    rows = 0
    try:
        for batch in pf.iter_batches(batch_size=job.batch_rows):
            table = job.mask(_frame(batch)).to_arrow()
            if writer is None:
                schema = _stable_schema(table.schema)
                writer = pq.ParquetWriter(str(dst), schema)
            writer.write_table(table.cast(schema))
            rows += batch.num_rows
            progress(size * batch.num_rows // total)
        if writer is None:
            pq.write_table(pf.schema_arrow.empty_table(), str(dst))
    finally:
        if writer is not None:
            writer.close()
    return rows


def _stable_schema(schema: pa.Schema) -> pa.Schema:
    """Polars' string views as plain strings, so every batch has the same schema."""
    return pa.schema([pa.field(f.name, pa.large_string() if pa.types.is_string_view(f.type) or
                               pa.types.is_string(f.type) else f.type) for f in schema])


def _jsonl(src: Path, dst: Path, job: FileJob, fmt: str, progress: Progress) -> int:
    rows = 0
    with open_text(src, job.encoding) as f, dst.open("wb") as out:
        for lines, nbytes in _line_batches(f.lines(), job.batch_rows):
            records = []
            for n, line in lines:
                try:
                    record = orjson.loads(line)
                except orjson.JSONDecodeError:
                    raise MaskError(f"{src.name} line {n}: not JSON") from None
                if not isinstance(record, dict):
                    raise MaskError(f"{src.name} line {n}: not a JSON object")
                records.append(record)
            _mask_records(records, job)
            out.write(b"".join(orjson.dumps(r) + b"\n" for r in records))
            rows += len(records)
            progress(nbytes)
    return rows


def _line_batches(lines: Iterator[tuple[int, bytes | str]],
                  size: int) -> Iterator[tuple[list[tuple[int, bytes | str]], int]]:
    """Batches of numbered non-blank lines, with the bytes (characters, when decoded) they took."""
    batch: list[tuple[int, bytes | str]] = []
    nbytes = 0
    for n, line in lines:
        nbytes += len(line)
        if line.strip():
            batch.append((n, line))
        if len(batch) >= size:
            yield batch, nbytes
            batch, nbytes = [], 0
    if batch or nbytes:
        yield batch, nbytes


def _mask_records(records: list[dict[str, Any]], job: FileJob) -> None:
    """Mask the named fields of ``records`` in place; fields a record lacks stay absent."""
    names = [*job.columns, *([job.subject_column] if job.subject_column else [])]
    frame = pl.DataFrame({n: [_text(r.get(n)) for r in records] for n in names}, schema=dict.fromkeys(names,
                                                                                                      pl.String))
    masked = job.mask(frame)
    for name in job.columns:
        for record, value in zip(records, masked[name], strict=True):
            if name in record and record[name] is not None:
                record[name] = value


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode() if isinstance(value, (dict, list)) else str(value)


def _xlsx(src: Path, dst: Path, job: FileJob, fmt: str, progress: Progress) -> int:
    from openpyxl import Workbook, load_workbook

    try:
        book = load_workbook(src, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise MaskError(f"{src.name} is not a readable XLSX file: {type(exc).__name__}") from None
    out = Workbook(write_only=True)
    size = src.stat().st_size
    total = max(sum(ws.max_row or 0 for ws in book.worksheets), 1)
    rows, found = 0, set[str]()
    try:
        for ws in book.worksheets:
            sheet = out.create_sheet(ws.title)
            it = ws.iter_rows(values_only=True)
            header = next(it, None)
            if header is None:
                continue
            sheet.append(list(header))
            names = [str(h) if h is not None else "" for h in header]
            here = {c: t for c, t in job.columns.items() if c in names}
            found.update(here)
            sub = FileJob(here, job.rules, job.subject_column if job.subject_column in names else None, job.on_error,
                          masker=job.masker)
            while batch := [list(r) for _, r in zip(range(job.batch_rows), it, strict=False)]:
                records = [dict(zip(names, r, strict=False)) for r in batch]
                if here:
                    _mask_records(records, sub)
                for r, record in zip(batch, records, strict=True):
                    sheet.append([record.get(n, v) if n in here else v for n, v in zip(names, r, strict=False)])
                rows += len(batch)
                progress(size * len(batch) // total)
        _check_columns(job, found, src)
        out.save(dst)
    finally:
        book.close()
    return rows


def read_frame(path: str | Path, fmt: str | None = None) -> pl.DataFrame:
    """A whole table file as one DataFrame, types inferred (for risk analysis, which needs every row)."""
    path = Path(path)
    fmt = file_format(path, fmt)
    with _reading(path, fmt):
        if fmt in DELIMITERS:
            return pl.read_csv(io.BytesIO(read_text(path).encode()), separator=DELIMITERS[fmt],
                               infer_schema_length=10_000)
        if fmt == "jsonl":
            return pl.read_ndjson(path)
        if fmt == "parquet":
            return pl.read_parquet(path)
        return pl.read_excel(path, engine="openpyxl")


def head_frame(path: str | Path, rows: int, fmt: str | None = None, encoding: str | None = None) -> pl.DataFrame:
    """The first ``rows`` rows as text (the first sheet of a workbook), to decide what columns hold."""
    path = Path(path)
    fmt = file_format(path, fmt)
    with _reading(path, fmt):
        if fmt in DELIMITERS:
            with open_text(path, encoding) as src, src.text() as f:
                reader = csv.reader(f, delimiter=DELIMITERS[fmt])
                header = next(reader, None) or []
                head = list(islice(reader, rows))
            return pl.DataFrame({h: [r[i] if i < len(r) else None for r in head] for i, h in enumerate(header)},
                                schema=dict.fromkeys(header, pl.String))
        if fmt == "jsonl":
            with open_text(path, encoding) as src:
                records = [orjson.loads(line) for _, line in islice(((n, x) for n, x in src.lines() if x.strip()),
                                                                     rows)]
            names = list(dict.fromkeys(k for r in records if isinstance(r, dict) for k in r))
            return pl.DataFrame({n: [_text(r.get(n)) if isinstance(r, dict) else None for r in records]
                                 for n in names}, schema=dict.fromkeys(names, pl.String))
        if fmt == "parquet":
            return pl.read_parquet(path, n_rows=rows)
        return pl.read_excel(path, engine="openpyxl").head(rows)


@contextmanager
def _reading(path: Path, fmt: str) -> Iterator[None]:
    """Reader errors as a MaskError naming the file and the error's kind, never its text (it can quote data)."""
    try:
        yield
    except InputError as exc:
        raise MaskError(str(exc)) from None
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise MaskError(f"cannot read {path.name} as {fmt}: {type(exc).__name__}") from None


def write_frame(frame: pl.DataFrame, path: str | Path, fmt: str | None = None) -> None:
    """Write ``frame`` whole, in the format of ``path``."""
    final = Path(path)
    fmt = file_format(final, fmt)
    with atomic_path(final, suffix=final.suffix) as path:
        _write_frame(frame, path, fmt)


def _write_frame(frame: pl.DataFrame, path: Path, fmt: str) -> None:
    if fmt in DELIMITERS:
        frame.write_csv(path, separator=DELIMITERS[fmt])
    elif fmt == "jsonl":
        frame.write_ndjson(path)
    elif fmt == "parquet":
        frame.write_parquet(path)
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("Sheet1")
        sheet.append(frame.columns)
        for row in frame.iter_rows():
            sheet.append(list(row))
        book.save(path)


def _check_columns(job: FileJob, present: Any, src: Path) -> None:
    missing = [c for c in job.columns if c not in set(present)]
    if missing:
        raise MaskError(f"{src.name} has no column {', '.join(map(repr, missing))}")


_WRITERS: dict[str, Callable[[Path, Path, FileJob, str, Progress], int]] = {
    "csv": _csv, "tsv": _csv, "jsonl": _jsonl, "parquet": _parquet, "xlsx": _xlsx,
}
