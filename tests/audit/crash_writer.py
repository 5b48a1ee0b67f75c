"""The writer the crash test kills: sustained concurrent appends, one ack line per append.

Usage: python crash_writer.py URL THREADS

Each thread appends forever (single events and small ``append_many`` batches, so group
commit mixes them); only after ``append`` has returned does it print ``<index> <event id>``
(one ``write`` of a short line, flushed, so a line is either whole or absent). Another thread
signs a checkpoint every few hundred milliseconds with the key in ``PIWARDEN_AUDIT_KEY``, so
the kill can also land in the middle of signing. It never exits by itself: the test kills it.
"""

from __future__ import annotations

import os
import sys
import threading
import time

from piwarden.audit.checkpoint import load_signer, sign_head
from piwarden.audit.log import open_log

_out = threading.Lock()


def _event(t: int, k: int) -> dict[str, object]:
    return {"id": f"w{t}-{k}", "ts": f"2026-03-01T09:{k % 60:02d}:02+08:00", "actor": f"cs-{t}",
            "party": "platform.cs", "role": "customer_service", "action": ("view", "export")[k % 2],
            "resource": "order", "subjects": [f"c-{k % 17}"], "fields": ["name"],
            **({"export_id": f"x-{k % 5}"} if k % 2 else {})}


def _ack(lines: list[str]) -> None:
    with _out:
        os.write(1, "".join(lines).encode())


def _die(what: str, exc: Exception) -> None:
    """A failing thread must not die quietly (the test would just see fewer writers)."""
    sys.stderr.write(f"{what} failed: {type(exc).__name__}: {exc}\n")
    os._exit(3)


def _append_loop(log, t: int) -> None:  # type: ignore[no-untyped-def]
    try:
        _appending(log, t)
    except Exception as exc:
        _die("append", exc)


def _appending(log, t: int) -> None:  # type: ignore[no-untyped-def]
    k = 0
    while True:
        if k % 3 == 2:
            batch = [_event(t, k + j) for j in range(4)]
            first = log.append_many(batch)[0]
            _ack([f"{first + j} {e['id']}\n" for j, e in enumerate(batch)])
            k += len(batch)
        else:
            _ack([f"{log.append(_event(t, k))} w{t}-{k}\n"])
            k += 1


def _sign_loop(log) -> None:  # type: ignore[no-untyped-def]
    signer = load_signer(create=False)
    while True:
        time.sleep(0.2)
        try:
            sign_head(log, signer)
        except Exception as exc:  # a refused head is a bug the test must see
            _die("sign_head", exc)


def main() -> None:
    url, threads = sys.argv[1], int(sys.argv[2])
    log = open_log(url)
    pool = [threading.Thread(target=_append_loop, args=(log, t), daemon=True) for t in range(threads)]
    pool.append(threading.Thread(target=_sign_loop, args=(log,), daemon=True))
    _ack(["ready\n"])
    for th in pool:
        th.start()
    for th in pool:
        th.join()


if __name__ == "__main__":
    main()
