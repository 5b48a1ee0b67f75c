"""Group commit: concurrent writers share one transaction, hence one fsync.

Leader/follower, no background thread: a writer queues its batch; if nobody is committing it
becomes the leader, takes everything queued (its own batch and those that arrived while the
previous commit was in its fsync), commits them as one transaction and wakes the others. A
writer returns only after the commit that holds its batch has returned, so an acknowledged
append is as durable as the database's commit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Pending(Generic[T]):
    items: Sequence[T]
    first: int = -1
    error: BaseException | None = None
    done: bool = False


@dataclass
class GroupCommitter(Generic[T]):
    """Runs ``flush(items) -> first index`` for many threads' batches at once."""

    flush: Callable[[Sequence[T]], int]
    max_items: int = 20_000
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _queue: list[_Pending[T]] = field(default_factory=list)
    _leading: bool = False
    commits: int = 0  # transactions so far (for measurements)

    def submit(self, items: Sequence[T]) -> int:
        """Commit ``items`` (with whatever else is queued); return the index of the first."""
        mine = _Pending(items)
        with self._cond:
            self._queue.append(mine)
            while not mine.done:
                if self._leading:
                    self._cond.wait()
                    continue
                self._leading = True
                group = self._take()
                self._cond.release()
                try:
                    self._commit(group)
                finally:
                    self._cond.acquire()
                    self._leading = False
                    self._cond.notify_all()
        if mine.error is not None:
            raise mine.error
        return mine.first

    def _take(self) -> list[_Pending[T]]:
        """The queue head, up to ``max_items`` items (always at least one batch)."""
        n, total = 0, 0
        while n < len(self._queue) and (n == 0 or total + len(self._queue[n].items) <= self.max_items):
            total += len(self._queue[n].items)
            n += 1
        group, self._queue[:n] = self._queue[:n], []
        return group

    def _commit(self, group: list[_Pending[T]]) -> None:
        """One transaction for the whole group; every member shares its outcome."""
        flat = [item for p in group for item in p.items]
        try:
            first = self.flush(flat)
        except BaseException as exc:  # handed to every waiting writer, re-raised there
            for p in group:
                p.error, p.done = exc, True
            return
        self.commits += 1
        for p in group:
            p.first, p.done = first, True
            first += len(p.items)
