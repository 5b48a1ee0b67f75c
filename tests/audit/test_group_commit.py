"""The group committer: every writer gets exactly its own outcome, batches share commits, failures reach
everyone in the failed group, and a writer that gives up waiting does not stall the others."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piwarden.audit.group_commit import GroupCommitter


class Log:
    """A committed sequence; each flush returns the positions its items got, after a slow 'fsync'."""

    def __init__(self, delay: float = 0.002, fail_on: object = None) -> None:
        self.items: list[object] = []
        self.flushes: list[int] = []
        self.delay, self.fail_on = delay, fail_on
        self.active = 0

    def flush(self, items: Sequence[object]) -> list[int]:
        self.active += 1
        assert self.active == 1, "two commits at once"
        try:
            time.sleep(self.delay)
            if self.fail_on is not None and self.fail_on in items:
                raise OSError("disk full")
            start = len(self.items)
            self.items.extend(items)
            self.flushes.append(len(items))
            return list(range(start, start + len(items)))
        finally:
            self.active -= 1


def committer(log: Log) -> GroupCommitter[object, list[int]]:
    return GroupCommitter(log.flush, lambda out, a, b: out[a:b])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.integers(), min_size=1, max_size=4), min_size=1, max_size=40), st.integers(1, 12))
def test_every_writer_gets_its_own_positions(batches: list[list[int]], threads: int) -> None:
    log = Log(delay=0.0005)
    gc = committer(log)
    tagged = [[(n, i) for i in range(len(b))] for n, b in enumerate(batches)]
    with ThreadPoolExecutor(threads) as pool:
        got = list(pool.map(gc.submit, tagged))
    for batch, positions in zip(tagged, got, strict=True):
        assert [log.items[p] for p in positions] == batch
    assert sorted(log.items) == sorted(x for b in tagged for x in b)  # each exactly once
    assert gc.commits == len(log.flushes) <= len(batches)


def test_concurrent_writers_share_commits() -> None:
    log = Log(delay=0.005)
    gc = committer(log)
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda n: gc.submit([n]), range(160)))
    assert len(log.items) == 160
    assert gc.commits < 80  # 16 waiting writers: most commits carry several


def test_a_failed_commit_fails_its_group_and_the_next_goes_on() -> None:
    log = Log(delay=0.003, fail_on="bad")
    gc = committer(log)
    results: dict[object, object] = {}

    def one(x: object) -> None:
        try:
            results[x] = gc.submit([x])
        except OSError as exc:
            results[x] = exc

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, ["bad", *range(30)]))
    assert isinstance(results["bad"], OSError)
    ok = [x for x in range(30) if not isinstance(results[x], OSError)]
    assert ok and all(log.items[results[x][0]] == x for x in ok)  # type: ignore[index]
    assert gc.submit(["after"]) == [len(log.items) - 1]


def test_a_writer_that_stops_waiting_does_not_stall_the_rest() -> None:
    """A follower interrupted while waiting (or just handed the lead) leaves; the lead passes on."""
    log = Log(delay=0.05)
    gc = committer(log)
    leader = threading.Thread(target=gc.submit, args=(["first"],))
    leader.start()
    time.sleep(0.01)  # the leader is in its slow flush

    class Stop(Exception):
        pass

    original = threading.Event.wait

    def interrupted(self: threading.Event, timeout: float | None = None) -> bool:
        raise Stop

    threading.Event.wait = interrupted  # type: ignore[method-assign]
    try:
        with pytest.raises(Stop):
            gc.submit(["gave up"])
    finally:
        threading.Event.wait = original  # type: ignore[method-assign]
    leader.join()
    assert gc.submit(["later"]) == [len(log.items) - 1]
    assert "gave up" not in log.items


def test_a_writer_handed_the_lead_that_leaves_hands_it_on() -> None:
    from piwarden.audit.group_commit import _Pending

    gc = committer(Log())
    first, second = _Pending(["a"]), _Pending(["b"])
    gc._leading, gc._queue = True, [first, second]
    first.wake.set()  # made the leader, then interrupted before leading
    gc._abandon(first)
    assert gc._queue == [second] and second.wake.is_set() and gc._leading
    second.wake.clear()
    gc._queue = [second]
    second.wake.set()
    gc._abandon(second)  # the last one: nobody leads now, the next writer will
    assert gc._queue == [] and not gc._leading
    assert gc.submit(["c"]) == [0]


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.lists(st.integers(), min_size=1, max_size=4)), min_size=1, max_size=30),
       st.integers(1, 6))
def test_coroutines_and_threads_each_get_their_own_positions(batches: list[tuple[bool, list[int]]],
                                                             threads: int) -> None:
    """Batches from coroutines (``submit_async``) and from threads share the queue and the commits; each gets
    exactly its own positions, and a coroutine's future is done only after the commit holding its batch."""
    import asyncio

    log = Log(delay=0.0005)
    gc = committer(log)
    tagged = [(is_async, [(n, i) for i in range(len(b))]) for n, (is_async, b) in enumerate(batches)]
    got: dict[int, list[int]] = {}

    async def coroutines() -> None:
        futures = {n: gc.submit_async(items) for n, (is_async, items) in enumerate(tagged) if is_async}
        for n, fut in futures.items():
            got[n] = await fut
            assert all(p < len(log.items) for p in got[n])  # committed when the future is done

    def sync_side() -> None:
        with ThreadPoolExecutor(threads) as pool:
            sync = [(n, items) for n, (is_async, items) in enumerate(tagged) if not is_async]
            for (n, _), positions in zip(sync, pool.map(gc.submit, [items for _, items in sync]), strict=True):
                got[n] = positions

    t = threading.Thread(target=sync_side)
    t.start()
    asyncio.run(coroutines())
    t.join()
    for n, (_, items) in enumerate(tagged):
        assert [log.items[p] for p in got[n]] == items
    assert sorted(log.items) == sorted(x for _, b in tagged for x in b)
    assert gc.commits == len(log.flushes) <= len(batches)


def test_a_failed_commit_fails_the_futures_of_its_group() -> None:
    import asyncio

    log = Log(delay=0.003, fail_on="bad")
    gc = committer(log)

    async def run() -> list[object]:
        futures = [gc.submit_async([x]) for x in ("a", "bad", "c")]  # queued together: one group, one failure
        out = await asyncio.gather(*futures, return_exceptions=True)
        out.append(await gc.submit_async(["d"]))  # the committer goes on
        return out

    out = asyncio.run(run())
    assert any(isinstance(o, OSError) for o in out[:3])
    assert out[3] == [len(log.items) - 1]
    assert log.items[-1] == "d"


def test_async_batches_share_commits() -> None:
    import asyncio

    log = Log(delay=0.005)
    gc = committer(log)

    async def run() -> None:
        await asyncio.gather(*(gc.submit_async([n]) for n in range(100)))

    asyncio.run(run())
    assert len(log.items) == 100 and gc.commits < 20


def test_a_stopped_committer_ends_its_thread_and_refuses_async_batches() -> None:
    import asyncio

    log = Log(delay=0.001)
    gc = committer(log)

    async def run() -> None:
        assert await gc.submit_async(["a"]) == [0]
        gc.stop()
        with pytest.raises(RuntimeError):
            gc.submit_async(["b"])

    asyncio.run(run())
    assert gc._thread is not None
    gc._thread.join(5)
    assert not gc._thread.is_alive()
    assert gc.submit(["c"]) == [1]  # threads still commit for themselves
