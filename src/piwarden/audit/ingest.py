"""Bulk ingest of access events: ``piwarden audit import`` and the HTTP batch ingest.

Lines are validated (``EncodedEvent.parse``: the fast checks, the model's errors), good ones
appended in batches; each batch is one transaction. Events are unique by id in the log, so
ingest is idempotent: a line already logged is counted as a duplicate and appended nowhere,
a line whose id names a different event is refused, and an interrupted import run again
appends exactly what is missing.

``Importer`` overlaps the commit of one batch (database work, much of it outside the GIL)
with the validation of the next, at most one batch in flight, so that ingest keeps pace with
the store (``benchmarks/audit_ingest.py``).

>>> import tempfile
>>> from piwarden.audit.log import open_log
>>> log = open_log(f"sqlite:///{tempfile.mkdtemp()}/a.db")
>>> line = (b'{"id":"e-1","ts":"2026-03-01T09:15:02+08:00","actor":"a","party":"p","role":"r",'
...         b'"action":"view","resource":"order","subjects":["c-1"],"fields":["name"]}')
>>> with Importer(log) as imp:
...     imp.add(1, line); imp.add(2, line); imp.add(3, b'{"id": 1}')
>>> c = imp.counts; (c.appended, c.duplicates, c.rejected, c.conflicts)
(1, 1, 1, 0)
>>> log.close()
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from types import TracebackType

from piwarden.audit.log import AuditLog
from piwarden.audit.store_base import Appended, EncodedEvent
from piwarden.events import EventError

BATCH = 5000  # events per transaction
CONFLICT = "already used by a different event"  # the problem reported for the id of a conflicting line


@dataclass
class IngestCounts:
    """What an ingest did, line by line; ``last_line`` is the last line whose batch committed."""

    appended: int = 0
    duplicates: int = 0  # lines whose event the log already held: not appended again
    rejected: int = 0  # invalid lines
    conflicts: int = 0  # lines whose id names a different logged event
    first_index: int | None = None  # leaf of the first appended event
    size: int | None = None  # the log's size after the last commit that appended
    last_line: int = 0

    @property
    def refused(self) -> int:
        return self.rejected + self.conflicts


Problems = list[tuple[str, str]]  # (field, what is wrong), value-free
OnProblem = Callable[[int, Problems], None]  # line number, its problems


@dataclass
class _Batch:
    events: list[EncodedEvent] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the line number of each event


def conflict_problems(leaf: int) -> Problems:
    return [("id", f"{CONFLICT} (leaf {leaf}); not appended")]


class Importer:
    """Validate and append lines in batches; problems go to ``on_problem`` (line, problems) as found.

    Use as a context manager: leaving it commits what is pending, or, on an exception
    (``KeyboardInterrupt`` included), waits for the batch in flight and drops the rest, so
    ``counts`` says exactly what was committed.
    """

    def __init__(self, log: AuditLog, batch: int = BATCH, on_problem: OnProblem | None = None) -> None:
        self.log, self.batch_size, self.on_problem = log, batch, on_problem
        self.counts = IngestCounts()
        self._batch = _Batch()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="piwarden-import")
        self._inflight: tuple[_Batch, Future[Appended]] | None = None

    def add(self, number: int, line: bytes | str) -> None:
        """One input line (blank lines are skipped)."""
        if not line.strip():
            return
        try:
            self._batch.events.append(EncodedEvent.parse(line, f"line {number}"))
        except EventError as exc:
            self.counts.rejected += 1
            if self.on_problem is not None:
                self.on_problem(number, exc.problems)
            return
        self._batch.lines.append(number)
        if len(self._batch.events) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Hand the pending batch to the committer (after the one in flight has committed)."""
        self._settle()
        if self._batch.events:
            batch, self._batch = self._batch, _Batch()
            self._inflight = (batch, self._pool.submit(self.log.append_encoded, batch.events))

    def _settle(self) -> None:
        """Wait for the batch in flight; count what it did."""
        if self._inflight is None:
            return
        batch, future = self._inflight
        done = future.result()  # an interrupt while waiting leaves it in flight: __exit__ waits again
        self._inflight = None
        self._count(batch, done)

    def _count(self, batch: _Batch, done: Appended) -> None:
        c = self.counts
        c.appended += done.new
        c.duplicates += len(done.duplicates)
        c.conflicts += len(done.conflicts)
        c.last_line = batch.lines[-1]
        if done.new:
            c.first_index = done.first if c.first_index is None else c.first_index
            c.size = done.first + done.new
        if self.on_problem is not None:
            for pos, leaf in sorted(done.conflicts.items()):
                self.on_problem(batch.lines[pos], conflict_problems(leaf))

    def __enter__(self) -> Importer:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if kind is None:
                self.flush()
            self._settle()
        finally:
            self._pool.shutdown(wait=True)
