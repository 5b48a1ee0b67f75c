"""Import what piwarden kept outside its database before migrations: the documents index's
``registry.sqlite`` and ``marks.sqlite`` files.

Run when an index directory is opened (and by ``piwarden db upgrade`` for the default
``PIWARDEN_HOME/documents``). Rows already in the database are kept; the file is renamed
``<name>.migrated`` once its rows are committed, never deleted. Safe to repeat and to race:
an interrupted import is finished by the next open.
"""

from __future__ import annotations

import sqlite3
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from piwarden.db.base import table_of
from piwarden.db.documents import DocumentEntry, DocumentMark, index_id

REGISTRY_FILE, MARKS_FILE = "registry.sqlite", "marks.sqlite"
SUFFIX = ".migrated"


@dataclass(frozen=True, slots=True)
class Imported:
    rows: int = 0
    marks: int = 0


def import_documents(engine: Engine, directory: Path) -> Imported:
    """Move a legacy registry and marks file of ``directory`` into the database."""
    rows = _import(engine, directory, REGISTRY_FILE, "SELECT row, doc_id, subject, account, path FROM docs",
                   ("row", "doc_id", "subject", "account", "path"), DocumentEntry)
    marks = _import(engine, directory, MARKS_FILE, "SELECT number, recipient FROM marks", ("number", "recipient"),
                    DocumentMark)
    return Imported(rows, marks)


def _import(engine: Engine, directory: Path, name: str, query: str, columns: tuple[str, ...],
            model: type[DocumentEntry] | type[DocumentMark]) -> int:
    path = directory / name
    if not path.is_file():
        return 0
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        found = [dict(zip(columns, r, strict=True)) for r in source.execute(query)]
    except sqlite3.OperationalError:  # no such table: an empty file the old code never wrote to
        found = []
    finally:
        source.close()
    table = table_of(model)
    key = table.c[columns[0]]
    iid = index_id(engine, directory)
    new: list[dict[str, object]] = []
    for attempt in range(2):
        try:
            with engine.begin() as conn:
                have = set(conn.execute(select(key).where(table.c.index_id == iid)).scalars())
                new = [{**r, "index_id": iid} for r in found if r[columns[0]] not in have]
                if new:
                    conn.execute(table.insert(), new)
            break
        except IntegrityError:  # another process imported the same file at the same time
            if attempt:
                raise
    _set_aside(path)
    return len(new)


def _set_aside(path: Path) -> None:
    target = path.with_name(path.name + SUFFIX)
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}{SUFFIX}.{n}")
        n += 1
    with suppress(FileNotFoundError):  # the racing process set it aside first
        path.rename(target)
