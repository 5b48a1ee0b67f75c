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
    """Cancel the tasks not started, terminate the workers, and wait at most ``timeout`` for them to go.

    A worker terminated while it writes a large result leaves half a message in the result
    pipe; the executor's manager thread then blocks reading the rest, for ever, since this
    process holds the pipe's write end too, and interpreter exit joins that thread (the
    ``detect -o --jobs 2`` SIGTERM hang of issue 16). Closing our write end once the workers
    are signalled turns the half message into end-of-file: the manager thread sees a broken
    pool and ends.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    results = getattr(pool, "_result_queue", None)
    for process in processes:  # first, before anything that takes the executor's locks
        with contextlib.suppress(Exception):
            process.terminate()
    writer = getattr(results, "_writer", None)
    if writer is not None:
        with contextlib.suppress(Exception):
            writer.close()
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
