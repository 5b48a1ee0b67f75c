"""Worker process pools that stop at once when the command is interrupted.

A Ctrl-C reaches every process of the terminal's process group; workers that caught it
each would die mid-task or, worse, go on (a worker blocked on a database cursor kept a scan
waiting for minutes). So workers ignore SIGINT and the parent decides: on an exception
(KeyboardInterrupt included) it cancels what has not started and terminates the workers
without waiting for them; their database connections close with them.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def _start(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's handler is not the worker's
    if initializer is not None:
        initializer(*initargs)


def new_pool(jobs: int, initializer: Callable[..., None] | None = None,
             initargs: tuple[Any, ...] = ()) -> ProcessPoolExecutor:
    """A pool whose workers ignore SIGINT; stop it with :func:`stop` when interrupted."""
    return ProcessPoolExecutor(jobs, initializer=_start, initargs=(initializer, initargs))


def stop(pool: ProcessPoolExecutor, timeout: float = 5.0) -> None:
    """Cancel the tasks not started, terminate the workers, and wait at most ``timeout`` for them to go."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:  # first, before anything that takes the executor's locks
        with contextlib.suppress(Exception):
            process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout)


@contextlib.contextmanager
def process_pool(jobs: int, initializer: Callable[..., None] | None = None,
                 initargs: tuple[Any, ...] = ()) -> Iterator[ProcessPoolExecutor]:
    """A pool for the block: shut down normally at its end, stopped at once on an exception or interrupt."""
    pool = new_pool(jobs, initializer, initargs)
    try:
        yield pool
    except BaseException:
        stop(pool)
        raise
    pool.shutdown(wait=True)
