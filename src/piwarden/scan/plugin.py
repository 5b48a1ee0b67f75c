"""Scanning's built-in plugin: the sources for files, documents, SQL databases and Spark datasets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from piwarden.hookspecs import hookimpl

if TYPE_CHECKING:
    from piwarden.scan.sources.base import Source


@hookimpl
def piwarden_scan_sources() -> list[type[Source]]:
    from piwarden.scan.sources.datasets import ParquetDatasetSource
    from piwarden.scan.sources.documents import DocumentSource
    from piwarden.scan.sources.files import FileSource
    from piwarden.scan.sources.sql import SqlSource

    return [FileSource, DocumentSource, SqlSource, ParquetDatasetSource]
