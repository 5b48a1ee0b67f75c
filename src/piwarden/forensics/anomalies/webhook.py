"""Sending alerts to a webhook without ever holding the detector up.

:class:`WebhookSender` queues each alert (bounded: past ``queue_size`` waiting alerts the oldest is
dropped and counted) and a background thread POSTs them as JSON, one request per alert, retrying a
failure (a connection error, a timeout, a status other than 2xx) with exponential backoff from
``backoff`` seconds up to ``max_backoff``, ``tries`` times, then gives the alert up and counts it.
:meth:`close` waits at most ``grace`` seconds for the queue to drain. What is sent is the alert as
``watch`` writes it: actor and event ids, scores, reason codes and reasons, never a subject or a value.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Any

import httpx
import orjson


class WebhookSender:
    """A queue of alerts and the thread that POSTs them to ``url``."""

    def __init__(self, url: str, *, queue_size: int = 10_000, tries: int = 8, backoff: float = 0.5,
                 max_backoff: float = 30.0, timeout: float = 10.0) -> None:
        self.url, self.queue_size, self.tries = url, queue_size, tries
        self.backoff, self.max_backoff, self.timeout = backoff, max_backoff, timeout
        self.sent = self.failed = self.dropped = self.retries = 0
        self._queue: collections.deque[dict[str, Any]] = collections.deque()
        self._cond = threading.Condition()
        self._closing = False
        self._deadline: float | None = None
        self._thread = threading.Thread(target=self._run, name="piwarden-webhook", daemon=True)
        self._thread.start()

    def __call__(self, alert: dict[str, Any]) -> None:
        """Queue one alert; never blocks (a full queue drops its oldest alert)."""
        with self._cond:
            if len(self._queue) >= self.queue_size:
                self._queue.popleft()
                self.dropped += 1
            self._queue.append(alert)
            self._cond.notify()

    def _past_deadline(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout) as client:
            while True:
                with self._cond:
                    while not self._queue and not self._closing:
                        self._cond.wait()
                    if not self._queue:
                        return
                    alert = self._queue.popleft()
                self._post(client, alert)

    def _post(self, client: httpx.Client, alert: dict[str, Any]) -> None:
        body = orjson.dumps(alert)
        delay = self.backoff
        for attempt in range(self.tries):
            if attempt:
                self.retries += 1
                with self._cond:  # a close() wakes the wait; past its grace the alert is given up
                    self._cond.wait_for(self._past_deadline, timeout=delay)
                delay = min(delay * 2, self.max_backoff)
            if self._past_deadline():
                break
            try:
                r = client.post(self.url, content=body, headers={"content-type": "application/json"})
                if 200 <= r.status_code < 300:
                    self.sent += 1
                    return
            except httpx.HTTPError:
                pass
        self.failed += 1

    def close(self, grace: float = 5.0) -> None:
        """Stop taking alerts; send what is queued for at most ``grace`` seconds, then give the rest up."""
        with self._cond:
            self._closing = True
            self._deadline = time.monotonic() + grace
            self._cond.notify_all()
        self._thread.join(grace + 1.0)
        with self._cond:
            self.failed += len(self._queue)
            self._queue.clear()

    def describe(self) -> str:
        return (f"webhook: {self.sent} sent, {self.retries} retries, {self.failed} given up, {self.dropped} dropped "
                "from a full queue")
