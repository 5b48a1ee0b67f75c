"""Group commit: concurrent writers share one transaction, hence one fsync.

Leader/follower: a writer queues its batch; if nobody is committing it becomes the leader, takes
everything queued (its own batch and those that arrived while the previous commit was in its
fsync), commits them as one transaction and wakes the others. A writer returns only after the
commit that holds its batch has returned, so an acknowledged append is as durable as the
database's commit.

A coroutine on an event loop cannot wait in a thread: ``submit_async`` queues its batch the same
way and gives an ``asyncio.Future``; when such a batch would lead, one background thread of the
committer leads for it. The future is resolved (on its loop) by the commit that holds the batch,
so a request served on the loop awaits its event's durability without a worker thread of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(eq=False)  # compared by identity
class _Pending(Generic[T, R]):
    items: Sequence[T]
    result: R | None = None
    error: BaseException | None = None
    done: bool = False
    wake: threading.Event = field(default_factory=threading.Event)  # set when done, or when made the leader


class _Resolve:
    """The ``wake`` of an async batch: once done, resolve its future on its loop; before that (made the
    leader), have the committer's thread lead for it."""

    def __init__(self, committer: GroupCommitter[Any, Any], loop: asyncio.AbstractEventLoop,
                 future: asyncio.Future[Any]) -> None:
        self.committer, self.loop, self.future = committer, loop, future
        self.pending: _Pending[Any, Any] | None = None

    def set(self) -> None:
        p = self.pending
        assert p is not None
        if not p.done:
            self.committer._lead_elsewhere()
            return
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
            self.loop.call_soon_threadsafe(_settle, self.future, p.result, p.error)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


@dataclass
class GroupCommitter(Generic[T, R]):
    """Runs ``flush(items) -> outcome`` for many threads' batches at once; ``split(outcome, start,
    stop)`` is the outcome of the items ``[start, stop)``, which each writer gets for its batch.

    Each waiting writer sleeps on its own event: a commit wakes the writers it committed and, if
    more are queued, the one at the head as the next leader, not every waiter (with one condition
    shared by all, eight waiting threads woke at every commit to find most of them not done)."""

    flush: Callable[[Sequence[T]], R]
    split: Callable[[R, int, int], R]
    max_items: int = 20_000
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _queue: list[_Pending[T, R]] = field(default_factory=list)
    _leading: bool = False
    commits: int = 0  # transactions so far (for measurements)
    _thread: threading.Thread | None = None  # leads for async batches (started with the first)
    _turn: threading.Event = field(default_factory=threading.Event)  # set: the thread's turn to lead
    _stopped: bool = False

    def submit(self, items: Sequence[T]) -> R:
        """Commit ``items`` (with whatever else is queued); return their outcome."""
        mine: _Pending[T, R] = _Pending(items)
        with self._lock:
            self._queue.append(mine)
            lead, self._leading = not self._leading, True
        if not lead:
            try:
                mine.wake.wait()  # done by a leader, or made the leader (then at the head of the queue)
            except BaseException:  # interrupted: leave, handing on the lead if it had just come
                self._abandon(mine)
                raise
        if not mine.done:
            self._lead()
        if mine.error is not None:
            raise mine.error
        assert mine.result is not None
        return mine.result

    def submit_async(self, items: Sequence[T]) -> asyncio.Future[R]:
        """Queue ``items`` from a coroutine; the future gives their outcome once committed (or the error)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        resolve = _Resolve(self, loop, future)
        mine: _Pending[T, R] = _Pending(items, wake=resolve)  # type: ignore[arg-type]
        resolve.pending = mine
        with self._lock:  # stopped or not, decided under the lock the thread checks the queue under
            if self._stopped:
                raise RuntimeError("the committer is stopped")
            if self._thread is None:
                self._thread = threading.Thread(target=self._leader_loop, name="group-commit", daemon=True)
                self._thread.start()
            self._queue.append(mine)
            lead, self._leading = not self._leading, True
        if lead:
            self._lead_elsewhere()
        return future

    def _lead_elsewhere(self) -> None:
        """Have the committer's own thread take the lead (for an async batch at the head of the queue; the
        thread exists: started by the first async batch). Called with or without the lock."""
        self._turn.set()

    def _leader_loop(self) -> None:
        while True:  # a daemon: it waits, never holding the lock, when the process ends
            self._turn.wait()
            self._turn.clear()
            if self._stopped:
                with self._lock:
                    if not self._queue:
                        return
            self._lead()  # never raises: the commit's error goes to the group's futures

    def stop(self) -> None:
        """Let the committer's thread end once nothing is queued (the log is closing); later async batches are
        refused."""
        with self._lock:
            self._stopped = True
        self._turn.set()

    def _abandon(self, mine: _Pending[T, R]) -> None:
        with self._lock:
            if mine.done or mine not in self._queue:  # committed, or in a leader's group: it goes in
                return
            self._queue.remove(mine)
            if mine.wake.is_set():  # made the leader: the next one leads instead
                if self._queue:
                    self._queue[0].wake.set()
                else:
                    self._leading = False

    def _lead(self) -> None:
        """Commit the head of the queue (the leader's own batch first), then hand the lead on or put it down."""
        with self._lock:
            group = self._take()
        try:
            self._commit(group)
        finally:
            with self._lock:
                if self._queue:
                    self._queue[0].wake.set()  # the next leader
                else:
                    self._leading = False
            for p in group:
                p.wake.set()

    def _take(self) -> list[_Pending[T, R]]:
        """The queue head, up to ``max_items`` items (always at least one batch)."""
        n, total = 0, 0
        while n < len(self._queue) and (n == 0 or total + len(self._queue[n].items) <= self.max_items):
            total += len(self._queue[n].items)
            n += 1
        group, self._queue[:n] = self._queue[:n], []
        return group

    def _commit(self, group: list[_Pending[T, R]]) -> None:
        """One transaction for the whole group; every member gets its part of the outcome."""
        flat = [item for p in group for item in p.items] if len(group) > 1 else group[0].items
        try:
            outcome = self.flush(flat)
        except BaseException as exc:  # handed to every waiting writer, re-raised there
            for p in group:
                p.error, p.done = exc, True
            return
        self.commits += 1
        if len(group) == 1:
            group[0].result, group[0].done = outcome, True
            return
        start = 0
        for p in group:
            p.result, p.done = self.split(outcome, start, start + len(p.items)), True
            start += len(p.items)
