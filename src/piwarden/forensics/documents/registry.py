"""Who owns each row of a documents index, and whom each stamped copy went to: in the piwarden
database (``piwarden.db.documents``), keyed by the index directory.

Opening an index directory imports a ``registry.sqlite`` / ``marks.sqlite`` the release before
kept there (``piwarden.db.legacy``). Ids and file paths only: no image content, no PI values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.engine import Engine

from piwarden.db import open_engine
from piwarden.db.base import table_of
from piwarden.db.documents import DocumentEntry, DocumentMark, index_id
from piwarden.db.legacy import import_documents

ENTRIES = table_of(DocumentEntry)
MARKS = table_of(DocumentMark)
CHUNK = 500  # ids per IN (...) lookup
# built once: a check looks its candidates up on every call (building the statement was half of the lookup)
_GET = select(ENTRIES.c.row, ENTRIES.c.doc_id, ENTRIES.c.subject, ENTRIES.c.account, ENTRIES.c.path).where(
    ENTRIES.c.index_id == bindparam("index_id"), ENTRIES.c.row.in_(bindparam("rows", expanding=True)))


@dataclass(frozen=True)
class Row:
    """Who a stored document belongs to (ids only) and where its image is."""

    row: int
    doc_id: str
    subject: str
    account: str
    path: str


class _IndexTables:
    """An index directory's rows in the piwarden database (``db_url``, default the home's)."""

    def __init__(self, directory: Path, db_url: str | None = None) -> None:
        self.engine: Engine = open_engine(db_url)
        try:
            import_documents(self.engine, directory)
            self.index_id = index_id(self.engine, directory)
        except BaseException:
            self.engine.dispose()
            raise

    def close(self) -> None:
        self.engine.dispose()


class Registry(_IndexTables):
    """Row -> (document id, subject id, account id, image path) of one index directory."""

    def add(self, rows: Iterable[tuple[int, str, str, str, str]]) -> None:
        values = [{"index_id": self.index_id, "row": r, "doc_id": d, "subject": s, "account": a, "path": p}
                  for r, d, s, a, p in rows]
        if values:
            with self.engine.begin() as conn:
                conn.execute(ENTRIES.insert(), values)

    def get(self, rows: Sequence[int]) -> list[Row]:
        """The rows asked for that exist, in the order asked."""
        wanted = [int(r) for r in rows]
        found: dict[int, Row] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), CHUNK):
                got = conn.execute(_GET, {"index_id": self.index_id, "rows": wanted[i:i + CHUNK]})
                found.update((int(r[0]), Row(int(r[0]), *r[1:])) for r in got)
        return [found[r] for r in wanted if r in found]

    def known(self, doc_ids: Iterable[str]) -> set[str]:
        """Which of ``doc_ids`` are already stored (re-running ``index`` on a directory adds only new ones)."""
        ids = list(doc_ids)
        out: set[str] = set()
        with self.engine.connect() as conn:
            for i in range(0, len(ids), CHUNK):
                q = select(ENTRIES.c.doc_id).where(ENTRIES.c.index_id == self.index_id,
                                                   ENTRIES.c.doc_id.in_(ids[i:i + CHUNK]))
                out.update(conn.execute(q).scalars())
        return out

    def count(self) -> int:
        with self.engine.connect() as conn:
            q = select(func.count()).select_from(ENTRIES).where(ENTRIES.c.index_id == self.index_id)
            return int(conn.execute(q).scalar_one())


class Marks(_IndexTables):
    """Mark number -> recipient of the stamped copies handed out from one index directory."""

    def put(self, number: int, recipient: str) -> None:
        """Remember ``number`` as issued to ``recipient`` (a re-issued number names the latest)."""
        key = (MARKS.c.index_id == self.index_id) & (MARKS.c.number == number)
        with self.engine.begin() as conn:
            conn.execute(delete(MARKS).where(key))
            conn.execute(MARKS.insert().values(index_id=self.index_id, number=number, recipient=recipient))

    def recipient(self, number: int) -> str | None:
        with self.engine.connect() as conn:
            q = select(MARKS.c.recipient).where(MARKS.c.index_id == self.index_id, MARKS.c.number == number)
            found = conn.execute(q).scalar()
        return None if found is None else str(found)
