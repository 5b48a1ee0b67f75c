"""Live abnormal-access detection: ``piwarden forensics watch``.

A :class:`Watcher` polls a source of new access events (the audit log's new leaves, or a JSON Lines
file being appended, :mod:`.follow`), feeds them through the reordering buffer (:mod:`.order`) to a
:class:`~.detector.Detector` that runs for ever (one alert per actor and local day, idle actors
evicted so that memory stays bounded), and hands each alert to its sinks: standard output, a JSON
Lines file, a webhook (:mod:`.webhook`). Alerts and the analysts' verdicts live in the database
(:mod:`.alert_store`): an alert id already there is not sent again, and the verdicts are read back
every ``feedback_every`` seconds into the detector's feedback weights.

State is checkpointed (:class:`Checkpoint`): the source position, the detector and the reordering
buffer, pickled together in one file written atomically, every ``checkpoint_every`` seconds and on
exit. A restart loads it and continues where it stopped; whatever was processed after the last
checkpoint is processed again and its alerts, already in the database, are not sent twice. The
checkpoint is trusted local state, like a cache: it is written owner-only and refused when another
user owns it or others may write it (a pickle runs code when loaded).

When the source has nothing new for ``idle_flush`` seconds (and at the end of ``--once``), the
buffered events are released and every actor is scored on what it did so far, without closing the
day, so a quiet log does not hold an alert back until the next hour's events.
"""

from __future__ import annotations

import os
import pickle
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from piwarden.events import Event, EventError, parse_lean
from piwarden.forensics.anomalies.alert_store import alert_id
from piwarden.forensics.anomalies.feedback import Feedback
from piwarden.forensics.anomalies.follow import Follower, FollowPosition
from piwarden.forensics.anomalies.heap import HeapFreeze
from piwarden.home import private_dir
from piwarden.outputs import atomic_path

if TYPE_CHECKING:
    from piwarden.audit.log import AuditLog
    from piwarden.forensics.anomalies.alert_store import AlertStore
    from piwarden.forensics.anomalies.detector import Alert, Detector
    from piwarden.forensics.anomalies.order import HourOrder

CHECKPOINT_VERSION = 1
BATCH = 5000  # events read between looks at the stop flag
MAX_MESSAGES = 20


class WatchError(RuntimeError):
    """A checkpoint that cannot be used, or a source that does not match it; no values in the message."""


class Source(Protocol):
    """New events since the last call; ``position`` says where it stopped (checkpointed)."""

    kind: str

    def events(self) -> Iterator[Event]: ...

    def position(self) -> dict[str, Any]: ...


@dataclass
class Counts:
    """What a watcher did: counts only."""

    events: int = 0
    skipped: int = 0
    alerts: int = 0  # alerts sent
    repeated: int = 0  # alerts raised again after a restart, already sent: not sent twice
    checkpoints: int = 0
    messages: list[str] = field(default_factory=list)

    def skip(self, message: str) -> None:
        self.skipped += 1
        if len(self.messages) < MAX_MESSAGES:
            self.messages.append(message)


class FileSource:
    """Lines appended to a JSON Lines file (:class:`~.follow.Follower`), parsed into events."""

    kind = "file"

    def __init__(self, path: Path, counts: Counts, position: dict[str, Any] | None = None) -> None:
        pos = FollowPosition(**position) if position else None
        self.follower = Follower(path, pos)
        self.counts = counts

    def events(self) -> Iterator[Event]:
        for line in self.follower.lines():
            if not line.strip():
                continue
            try:
                yield parse_lean(line, f"byte {self.follower.position.offset - len(line) - 1}")
            except EventError as exc:
                self.counts.skip(str(exc))

    def position(self) -> dict[str, Any]:
        p = self.follower.position
        return {"dev": p.dev, "ino": p.ino, "offset": p.offset}


class AuditSource:
    """The audit log's leaves from ``begin`` on, as they are appended."""

    kind = "audit"

    def __init__(self, log: AuditLog, begin: int, counts: Counts) -> None:
        self.log, self.next, self.counts = log, begin, counts
        self.purged = 0

    def events(self) -> Iterator[Event]:
        end = self.log.size()
        if end < self.next:
            raise WatchError(f"the audit log holds {end} leaves but the watcher read up to {self.next}: not the "
                             "log it read")
        for leaf in self.log.events(self.next, end):
            self.next = leaf.index + 1
            if leaf.body is None:
                self.purged += 1
                continue
            try:
                yield parse_lean(leaf.body, f"leaf {leaf.index}")
            except EventError as exc:
                self.counts.skip(str(exc))

    def position(self) -> dict[str, Any]:
        return {"leaf": self.next}


@dataclass
class Checkpoint:
    """A watcher's state on disk: source position, detector, reordering buffer."""

    path: Path

    def load(self) -> dict[str, Any] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise WatchError(f"{self.path}: a checkpoint must be owned by this user and writable by no one else "
                             "(it is loaded with pickle)")
        try:
            state = pickle.loads(self.path.read_bytes())  # trusted local state, checked above
        except Exception as exc:
            raise WatchError(f"{self.path}: not a readable checkpoint ({type(exc).__name__}); move it away to start "
                             "afresh") from None
        if not isinstance(state, dict) or state.get("v") != CHECKPOINT_VERSION:
            raise WatchError(f"{self.path}: a checkpoint of another version; move it away to start afresh")
        return state

    def save(self, state: dict[str, Any]) -> None:
        private_dir(self.path.parent)
        data = pickle.dumps({"v": CHECKPOINT_VERSION, **state}, protocol=pickle.HIGHEST_PROTOCOL)
        with atomic_path(self.path) as tmp:
            tmp.write_bytes(data)
            os.chmod(tmp, 0o600)


def alert_json(alert: Alert, watcher: str) -> dict[str, Any]:
    """An alert as ``watch`` writes it (docs/forensics.md): ids, scores, reason codes and reasons; no PI."""
    return {"id": alert_id(alert.actor, alert.day), "watcher": watcher, **alert.to_json(), "codes": alert.codes,
            "raised_at": alert.raised_at}


class Watcher:
    """Runs the detector over a source, sends the alerts, checkpoints; see the module."""

    def __init__(self, name: str, source: Source, det: Detector, order: HourOrder, store: AlertStore,
                 sinks: list[Callable[[dict[str, Any]], None]], checkpoint: Checkpoint | None,
                 counts: Counts | None = None, base_feedback: Feedback | None = None, checkpoint_every: float = 60.0,
                 feedback_every: float = 10.0, idle_flush: float = 60.0, poll: float = 1.0,
                 freeze_heap: bool = False) -> None:
        self.name, self.source, self.det, self.order, self.store = name, source, det, order, store
        self.sinks, self.checkpoint = sinks, checkpoint
        self.counts = counts or Counts()
        self.base_feedback = base_feedback
        self.checkpoint_every, self.feedback_every = checkpoint_every, feedback_every
        self.idle_flush, self.poll = idle_flush, poll
        self.stop = threading.Event()
        self._saved_at = self._feedback_at = time.monotonic()
        self._idle_since: float | None = None
        self._flushed = True  # nothing buffered and unscored
        self.heap = HeapFreeze() if freeze_heap else None  # the command's own process only (see .heap)

    # -- state ----------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.source.kind, "position": self.source.position(),
                "detector": self.det, "order": self.order}

    def save(self) -> None:
        if self.checkpoint is not None:
            fb, self.det.feedback = self.det.feedback, Feedback()  # verdicts are read back from the database
            try:
                self.checkpoint.save(self.state())
            finally:
                self.det.feedback = fb
            self.counts.checkpoints += 1
        self._saved_at = time.monotonic()

    def reload_feedback(self) -> None:
        """The analysts' verdicts as the detector's feedback (any feedback file's entries first)."""
        self.det.feedback = self.store.feedback(self.base_feedback)
        self._feedback_at = time.monotonic()

    # -- work -----------------------------------------------------------------------------------
    def _emit(self, alerts: list[Alert]) -> None:
        for alert in alerts:
            doc = alert_json(alert, self.name)
            if not self.store.record(doc, self.name):
                self.counts.repeated += 1
                continue
            self.counts.alerts += 1
            for sink in self.sinks:
                sink(doc)

    def step(self) -> int:
        """Read and score what the source has now; the number of events read."""
        n = 0
        det, order, heap = self.det, self.order, self.heap
        for ev in self.source.events():
            n += 1
            for e in order.push(ev):
                alerts = det.observe(e)
                if alerts:
                    self._emit(alerts)
            if heap is not None and det.day != heap.day:
                heap(det.day)
            if n % BATCH == 0 and self.stop.is_set():
                break
        self.counts.events += n
        if n:
            self._flushed = False
        return n

    def flush(self) -> None:
        """Release the buffered events and score every actor on its day so far (the day stays open)."""
        for e in self.order.flush():
            alerts = self.det.observe(e)
            if alerts:
                self._emit(alerts)
        self._emit(self.det.score_now())
        self._flushed = True

    def run(self, once: bool = False) -> None:
        """Poll until stopped (or, with ``once``, until the source has nothing new), then checkpoint."""
        self.reload_feedback()
        try:
            while not self.stop.is_set():
                n = self.step()
                now = time.monotonic()
                if n:
                    self._idle_since = None
                elif once:
                    break
                else:
                    self._idle_since = self._idle_since or now
                    if not self._flushed and now - self._idle_since >= self.idle_flush:
                        self.flush()
                if now - self._feedback_at >= self.feedback_every:
                    self.reload_feedback()
                if now - self._saved_at >= self.checkpoint_every:
                    self.save()
                if not n:
                    self.stop.wait(self.poll)
            if once and not self.stop.is_set():
                self.flush()
        finally:
            if self.heap is not None:
                self.heap.release()
            self.save()

    def describe(self) -> str:
        c = self.counts
        return (f"{c.events} events read, {c.skipped} skipped, {c.alerts} alerts sent"
                f"{f', {c.repeated} raised again after a restart and not sent twice' if c.repeated else ''}; "
                f"{len(self.det.actors)} actors in memory ({self.det.evicted} idle ones evicted)")


def jsonl_sink(path: Path) -> Callable[[dict[str, Any]], None]:
    """Append each alert to ``path`` as one line, with one ``write`` on an ``O_APPEND`` descriptor (a reader never
    sees half a line from a complete write; concurrent writers do not interleave), fsynced."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.close(fd)

    def write(doc: dict[str, Any]) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, orjson.dumps(doc) + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)

    return write


def stdout_sink(doc: dict[str, Any]) -> None:
    """Write an alert to standard output, one JSON line, flushed (a pipe reader sees it at once)."""
    out = sys.stdout.buffer
    out.write(orjson.dumps(doc) + b"\n")
    out.flush()
