"""Where scans read from: files (tables and documents) and SQL databases.

A target (a path or an SQLAlchemy URL) is expanded into *assets*: one per file, one per
database table. An asset reads as a :class:`TableSample` (named columns with a sample of
their values) or as :class:`Document` lines. Sources never log values; their errors name the
store and the asset.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

FILE = "file"
TABLE = "table"


class SourceError(RuntimeError):
    """A target or asset could not be read; the message names it, never its content."""


@dataclass(frozen=True, slots=True)
class Asset:
    """One thing to scan: a file or a table."""

    store: str  # the directory or file given, or the database URL without its password
    name: str  # the path relative to the store, or schema.table
    kind: str  # FILE or TABLE
    format: str  # csv, tsv, json, jsonl, parquet, xlsx, text, docx, pdf, image, or the SQL dialect
    locator: str = field(repr=False)  # the absolute path, or the full URL (may hold a password)
    schema: str | None = None
    table: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.store, self.name


@dataclass(slots=True)
class TableSample:
    """A sample of a table's rows, by column; ``rows`` is the table's size (None if unknown)."""

    columns: dict[str, list[object]]
    rows: int | None
    sampled: int


@dataclass(slots=True)
class Document:
    """The text of a document, line by line, and what kind of document it is."""

    lines: Iterator[str]
    image: bool = False  # OCR'd: an image, or a scanned PDF (which may be an ID card too)


def is_url(target: str) -> bool:
    return "://" in target and not target.startswith("file://")
