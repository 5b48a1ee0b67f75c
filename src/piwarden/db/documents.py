"""The documents index's metadata (``piwarden forensics documents``): who owns each indexed row,
and whom each stamped copy was handed to.

An index is a directory (``--index DIR``, default ``PIWARDEN_HOME/documents``) holding the
memory-mapped hash arrays; its rows and marks live here, keyed by that directory
(``document_indexes``). Ids and file paths only: no image content, no PI values.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from piwarden.db.base import Base, table_of


class DocumentIndex(Base):
    """One index directory (its resolved absolute path)."""

    __tablename__ = "document_indexes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    directory: Mapped[str] = mapped_column(String(1000), unique=True)


class DocumentEntry(Base):
    """Row ``row`` of an index's hash arrays: document id, subject id, account id, image path."""

    __tablename__ = "document_registry"
    __table_args__ = (Index("ix_document_registry_doc_id", "index_id", "doc_id"),)

    index_id: Mapped[int] = mapped_column(Integer, ForeignKey("document_indexes.id", ondelete="CASCADE"),
                                          primary_key=True, autoincrement=False)
    row: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    doc_id: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(300))
    account: Mapped[str] = mapped_column(String(300))
    path: Mapped[str] = mapped_column(String(2000))


class DocumentMark(Base):
    """The recipient a stamped copy's invisible mark number was issued to."""

    __tablename__ = "document_marks"

    index_id: Mapped[int] = mapped_column(Integer, ForeignKey("document_indexes.id", ondelete="CASCADE"),
                                          primary_key=True, autoincrement=False)
    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    recipient: Mapped[str] = mapped_column(String(300))


def directory_key(directory: Path) -> str:
    """How an index directory is named in the database: its absolute path, links resolved."""
    return str(directory.expanduser().resolve())


def index_id(engine: Engine, directory: Path) -> int:
    """The id of ``directory``'s index, registered on first use (safe when two processes race)."""
    table = table_of(DocumentIndex)
    key = directory_key(directory)
    query = select(table.c.id).where(table.c.directory == key)
    for attempt in range(2):
        try:
            with engine.begin() as conn:
                found = conn.execute(query).scalar()
                if found is None:
                    conn.execute(table.insert().values(directory=key))
                    found = conn.execute(query).scalar_one()
            return int(found)
        except IntegrityError:  # another process registered it first: read its id
            if attempt:
                raise
    raise AssertionError("unreachable")
