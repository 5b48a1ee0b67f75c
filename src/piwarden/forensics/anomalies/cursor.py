"""Where each named reader of the audit log stopped: the ``forensics_cursors`` table.

One row per consumer (``anomalies`` by default): the index of the next leaf it has not yet
read, and when it got there. A run reads from there to the log's size as the run began and
moves the cursor only once its output is written, so a run that fails is read again.

The table is a model of the storage layer (``piwarden.db.forensics``), created by its
migrations like every other table.

>>> import tempfile
>>> cursors = Cursors(f"sqlite:///{tempfile.mkdtemp()}/piwarden.db")
>>> cursors.get("anomalies")
0
>>> cursors.set("anomalies", 52100); cursors.get("anomalies")
52100
>>> cursors.close()
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from piwarden.db import DatabaseError, open_engine
from piwarden.db.base import table_of
from piwarden.db.forensics import ForensicsCursor
from piwarden.home import redact_url

DEFAULT_CURSOR = "anomalies"
forensics_cursors = table_of(ForensicsCursor)


class CursorError(RuntimeError):
    """The cursor table could not be read or written; the message hides credentials."""


class Cursors:
    """The saved positions of the audit log's readers, in the piwarden database at ``url``."""

    def __init__(self, url: str) -> None:
        self.url_safe = redact_url(url)
        try:
            self.engine = open_engine(url)
        except DatabaseError as exc:
            raise CursorError(str(exc)) from None

    def get(self, name: str) -> int:
        """The next leaf index ``name`` has to read (0 for a reader never seen)."""
        try:
            with self.engine.connect() as conn:
                row = conn.execute(select(forensics_cursors.c.position).where(forensics_cursors.c.name == name))
                position = row.scalar_one_or_none()
        except SQLAlchemyError as exc:
            raise CursorError(f"cannot read cursor {name!r} in {self.url_safe}: {type(exc).__name__}") from None
        return 0 if position is None else int(position)

    def set(self, name: str, position: int) -> None:
        """Record that ``name`` has read every leaf below ``position``."""
        now = datetime.now(UTC)
        try:
            with self.engine.begin() as conn:
                done = conn.execute(update(forensics_cursors).where(forensics_cursors.c.name == name)
                                    .values(position=position, updated_at=now))
                if done.rowcount == 0:
                    conn.execute(forensics_cursors.insert().values(name=name, position=position, updated_at=now))
        except SQLAlchemyError as exc:
            raise CursorError(f"cannot save cursor {name!r} in {self.url_safe}: {type(exc).__name__}") from None

    def close(self) -> None:
        self.engine.dispose()
