"""Where scans read from: every store behind one :class:`~piwarden.scan.sources.base.Source` protocol.

A target (a path, an SQLAlchemy URL, a plugin's own URL) is claimed by one source
(:mod:`~piwarden.scan.sources.registry`), which expands it into *assets*: one per file, one
per database table. The built-in sources: :mod:`~piwarden.scan.sources.files` (tabular
files, and the walk of a directory), :mod:`~piwarden.scan.sources.documents` (text, DOCX,
PDF, images), :mod:`~piwarden.scan.sources.sql` (SQL databases) and
:mod:`~piwarden.scan.sources.datasets` (Parquet datasets on Spark); a plugin adds a store as
one module (``docs/plugins.md``). Sources never log values; their errors name the store and
the asset.
"""

from __future__ import annotations

from piwarden.scan.sources.base import (
    FILE,
    TABLE,
    Asset,
    Chunk,
    Document,
    Fingerprint,
    RowPlan,
    RowReader,
    Scope,
    Source,
    SourceError,
    SparkSource,
    TableSample,
    target_label,
)

__all__ = ["FILE", "TABLE", "Asset", "Chunk", "Document", "Fingerprint", "RowPlan", "RowReader", "Scope", "Source",
           "SourceError", "SparkSource", "TableSample", "target_label"]
