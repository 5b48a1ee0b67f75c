"""Keeping CPython's cyclic garbage collector off the detector's state while ``forensics watch`` runs.

The collector's full pass walks every container object alive; it runs whenever the objects
that survived two younger passes since the last one reach a quarter of those it found alive.
A watcher holds every event of the last hour or two in its reordering buffer (:mod:`.order`),
about five containers each (the model, its dict and field set, its lists), so nearly all of
them live long enough to count, and full passes over the detector's whole state came every few
thousand events: a quarter of the CPU of parsing and scoring (benchmarks/forensics_watch.py).

:class:`HeapFreeze` moves everything alive into the collector's permanent generation
(``gc.freeze``) whenever the detector's day turns, so the full passes walk only what the day
added. Reference counting still frees the frozen objects that go (evicted actors, expired
tickets, released events); only garbage *cycles* among them wait, and the detector makes next to
none (a run over the simulator's 35 days left 15 such objects). They are collected every
``reclaim_days`` days and when the watcher stops (:meth:`HeapFreeze.release`).

At each day's turn the C allocator is also asked to give its free pages back (glibc's ``malloc_trim``,
where the C library has it): the day's tables and arrays that went (a finished day's counters, expired
tickets, an evicted actor's state) otherwise stay in the process's resident set as holes between live
blocks, and the resident set then grows with the busiest day seen rather than with what is held (the
simulator's replay, 250k -> 1M events: +4.1% without, +2.8% with; 16 ms of CPU over 56 days).

While frozen, the youngest generation is collected every ``YOUNG`` allocations instead of CPython's
700: nearly everything a watcher allocates is an event that waits in the buffer for an hour, or is
freed by reference counting, so each young pass walked a few hundred live objects to find no
garbage (measured on the simulator's 35 days: 4.9 us of CPU per event in young passes at 700,
0.8 at 100,000). The thresholds are given back by :meth:`HeapFreeze.release`.
"""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Callable

RECLAIM_DAYS = 28
YOUNG = 100_000


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` among the process's own symbols (no search for the library: ``find_library`` runs
    ``ldconfig``), or None where the C library has none (musl, macOS) or there is no such lookup (Windows)."""
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except (OSError, TypeError):
        return None


class HeapFreeze:
    """Call with the detector's day after each event; :meth:`release` when done."""

    def __init__(self, reclaim_days: int = RECLAIM_DAYS, young: int = YOUNG, trim: bool = True) -> None:
        self.reclaim_days = reclaim_days
        self.young = young
        self.day: str | None = None
        self.days = 0  # day turns seen
        self.frozen = False
        self._thresholds: tuple[int, ...] | None = None  # the collector's, to give back
        self._trim = _malloc_trim() if trim else None

    def __call__(self, day: str | None) -> None:
        if day == self.day:
            return
        self.day = day
        self.days += 1
        if self.frozen and self.days % self.reclaim_days == 0:
            gc.unfreeze()
            gc.collect()
        gc.freeze()
        self.frozen = True
        if self._trim is not None:
            self._trim(0)
        if self._thresholds is None:
            self._thresholds = gc.get_threshold()
            gc.set_threshold(max(self.young, self._thresholds[0]), *self._thresholds[1:])

    def release(self) -> None:
        """Give the frozen objects back to the collector (and collect what cycles they left), and its thresholds."""
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None
        if self.frozen:
            gc.unfreeze()
            gc.collect()
            self.frozen = False
