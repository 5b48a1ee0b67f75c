"""What every scan source is: the :class:`Source` protocol and the values it trades in.

A *source* claims the targets it can read (a path, a URL, ...), expands a target into
*assets* (files, tables, collections), reads an asset as a sample (a :class:`TableSample` of
named columns, or a :class:`Document` of lines), and gives the :class:`Fingerprint` that an
incremental rescan compares. A source whose ``streams`` is True can also read every row of
an asset in key ranges and chunks (``--all-rows``: :meth:`Source.plan` and
:meth:`Source.open`). Sources are registered through the ``piwarden_scan_sources`` hook (the
built-ins from :mod:`piwarden.scan.plugin`) and looked up in
:mod:`piwarden.scan.sources.registry`; the runner never asks what kind of store an asset is.

Sources never log values; their errors (:class:`SourceError`) name the store and the asset.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

FILE = "file"
TABLE = "table"

Chunk = tuple[int, list[tuple[Any, ...]]]  # (position of the first row, the rows)


class SourceError(RuntimeError):
    """A target or asset could not be read; the message names it, never its content."""


@dataclass(frozen=True, slots=True)
class Asset:
    """One thing to scan: a file, a table, a collection."""

    store: str  # the directory or file given, or the database URL without its password
    name: str  # the path relative to the store, or schema.table
    kind: str  # FILE, TABLE, or a source's own kind (stored in the inventory)
    format: str  # csv, tsv, json, jsonl, parquet, xlsx, text, docx, pdf, image, or the SQL dialect
    locator: str = field(repr=False)  # the absolute path, or the full URL (may hold a password)
    schema: str | None = None
    table: str | None = None
    source: str = ""  # the name of the source that reads it (its discover sets it)

    @property
    def key(self) -> tuple[str, str]:
        return self.store, self.name


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What a rescan compares to decide that an asset has not changed since it was scanned.

    A source fills what it knows: files their size, modification time and content hash;
    tables their row count and a hash of their end rows. ``content_hash`` must be set for an
    asset to ever count as unchanged.
    """

    content_hash: str | None = None
    rows: int | None = None
    size_bytes: int | None = None
    mtime_ns: int | None = None

    @classmethod
    def stored(cls, row: Mapping[str, object]) -> Fingerprint:
        """The fingerprint an inventory row holds (``inventory.previous``)."""
        def num(key: str) -> int | None:
            value = row.get(key)
            return None if value is None else int(value)  # type: ignore[call-overload]

        digest = row.get("content_hash")
        return cls(None if digest is None else str(digest), num("rows"), num("size_bytes"), num("mtime_ns"))

    def matches(self, previous: Fingerprint) -> bool:
        """Same content hash, and the same row count when this fingerprint counts rows."""
        return (self.content_hash is not None and self.content_hash == previous.content_hash
                and (self.rows is None or self.rows == previous.rows))


@dataclass(frozen=True, slots=True)
class Scope:
    """What the user narrowed discovery to: ``--tables`` patterns, and tables to leave out."""

    tables: tuple[str, ...] = ()  # names, schema.name, or glob patterns; empty means all
    exclude: frozenset[str] = frozenset()  # table names never scanned (the inventory's own)


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


@dataclass(frozen=True, slots=True)
class RowPlan:
    """How to read every row of an asset: its fingerprint, columns and integer-key bounds (if any)."""

    rows: int
    digest: str
    columns: tuple[str, ...]
    key: str | None  # the single integer key that windows and ranges use
    lo: int | None
    hi: int | None


class RowReader(Protocol):
    """An open reader of a store's rows (a connection pool), reused for many ranges and closed once."""

    def chunks(self, asset: Asset, chunk_rows: int, lo: int | None = None,
               hi: int | None = None) -> Iterator[Chunk]:
        """Every row (with an integer key: those keyed ``lo..hi``), ``chunk_rows`` at a time, in key order.

        Yields ``(position, rows)``, where position is the first row's key (or ordinal), so
        that positions grow with the rows; rows are tuples in the order of the plan's columns.
        """
        ...

    def close(self) -> None:
        """Release the connections."""
        ...


class Source(Protocol):
    """A kind of store the scanner reads. Subclass it to inherit the defaults of the optional parts.

    Instances are made once per process with no arguments (``cls()``) and must be picklable
    by name only: worker processes build their own.
    """

    name: ClassVar[str]  # unique: assets name the source that reads them by it
    engine: ClassVar[str] = "local"  # "spark": claimed only under --engine spark (see SparkSource)
    streams: ClassVar[bool] = False  # --all-rows reads every row (plan + open); otherwise sampled

    def claims(self, target: str) -> bool:
        """Whether this source reads ``target`` (cheap: no connection, no listing)."""
        ...

    def discover(self, target: str, scope: Scope) -> list[Asset]:
        """The assets of a claimed target, in a stable order, each with ``source`` set to this name."""
        ...

    def fingerprint(self, asset: Asset, previous: Fingerprint | None) -> Fingerprint:
        """The asset's fingerprint now.

        ``previous`` (the stored one, None on a first or ``--full`` scan) lets a source skip
        costly work: a file whose size and modification time are unchanged is not hashed but
        given ``previous.content_hash``.
        """
        ...

    def sample(self, asset: Asset, rows: int, fingerprint: Fingerprint) -> TableSample | Document:
        """About ``rows`` rows of the asset by column, or a document's lines.

        ``fingerprint`` is what :meth:`fingerprint` just returned, so that a source need not
        count a table twice.
        """
        ...

    def plan(self, asset: Asset) -> RowPlan:
        """Fingerprint, columns and key bounds of an asset about to be read whole (``streams`` only)."""
        raise SourceError(f"{asset.name}: the {self.name} source does not read every row")

    def open(self, asset: Asset) -> RowReader:
        """A reader of the rows of ``asset``'s store, for :meth:`RowReader.chunks` (``streams`` only)."""
        raise SourceError(f"{asset.name}: the {self.name} source does not read every row")


class SparkSource(Source, Protocol):
    """A source whose assets Spark reads (``--engine spark``): Parquet datasets, a Hive table, ...

    Under ``--engine spark`` these sources are asked first; a target none of them claims is
    scanned by the local sources in the same run.
    """

    engine: ClassVar[str] = "spark"

    def frame(self, session: Any, asset: Asset, sample: int) -> tuple[Any, int]:
        """A Spark DataFrame holding about ``sample`` rows of the asset, and the asset's row count."""
        ...


def target_label(target: str) -> str:
    """A target fit for messages and the inventory: URLs without their password."""
    from piwarden.home import redact_url

    return redact_url(target) if "://" in target else target
