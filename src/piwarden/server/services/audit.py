"""``AuditService``: ingest, head, checkpoints and proofs over one open ``AuditLog``.

Blocking (database calls): the router runs each method in a worker thread. Appends return
only once committed, so what they return is an acknowledgement.

>>> import tempfile
>>> from piwarden.audit.log import open_log
>>> log = open_log(f"sqlite:///{tempfile.mkdtemp()}/a.db")
>>> service = AuditService(log)
>>> service.append_lines(b'{"bad": 1}\\n\\n').rejected
1

Ingest is idempotent: an event already logged (same id, same content) is not appended again
(``duplicates``); an id reused for a different event is refused (``EventIdConflict``, or a
rejected line of a batch).
>>> service.head().size
0
>>> log.close()
"""

from __future__ import annotations

import base64

from piwarden.audit.checkpoint import sign_head
from piwarden.audit.ingest import conflict_problems
from piwarden.audit.log import AuditLog, EventIdConflict
from piwarden.audit.note import NoteSigner
from piwarden.audit.store_base import EncodedEvent
from piwarden.events import EventError
from piwarden.server.schemas.audit import (
    Appended,
    BatchReport,
    ConsistencyProof,
    Head,
    InclusionProof,
    Problem,
    RejectedLine,
)

MAX_REPORTED = 1000  # rejected lines listed in one answer (the count is always exact)


class NoSigner(LookupError):
    """The service was started without a signing key."""


class EmptyBatch(ValueError):
    """A batch with no line at all."""


def _b64(h: bytes) -> str:
    return base64.b64encode(h).decode()


def problems(exc: EventError) -> list[Problem]:
    """An event's problems as fields and messages; ``EventError`` keeps values out of both."""
    return [Problem(field=f, problem=p) for f, p in exc.problems]


class AuditService:
    """The audit API's operations; ``signer`` signs checkpoints on request (None: refuse)."""

    def __init__(self, log: AuditLog, signer: NoteSigner | None = None) -> None:
        self.log, self.signer = log, signer

    def append_event(self, data: bytes) -> Appended:
        """Validate and commit one event (raises ``EventError``, or ``EventIdConflict`` if its id
        names a different logged event); the same event again answers its leaf, appending nothing."""
        done = self.log.append_encoded([EncodedEvent.parse(data, "event")])
        if done.conflicts:
            raise EventIdConflict(done.conflicts)
        if done.new:
            return Appended(index=done.first, size=done.first + 1)
        return Appended(index=done.duplicates[0], size=done.first, duplicate=True)

    def append_lines(self, data: bytes) -> BatchReport:
        """Commit the good lines of a JSONL batch in one transaction; report the bad ones by number."""
        good: list[EncodedEvent] = []
        numbers: list[int] = []
        rejected: list[RejectedLine] = []
        bad = 0
        data = data.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark, as Windows tools write it (RFC 8259 allows ignoring it)
        for number, line in enumerate(data.split(b"\n"), start=1):
            if not line.strip():
                continue
            try:
                good.append(EncodedEvent.parse(line, f"line {number}"))
            except EventError as exc:
                bad += 1
                if len(rejected) < MAX_REPORTED:
                    rejected.append(RejectedLine(line=number, problems=problems(exc)))
                continue
            numbers.append(number)
        if not good and not bad:
            raise EmptyBatch("empty batch")
        if not good:
            return BatchReport(accepted=0, rejected=bad, first_index=None, size=None, errors=rejected)
        done = self.log.append_encoded(good)
        for pos, leaf in sorted(done.conflicts.items()):
            bad += 1
            if len(rejected) < MAX_REPORTED:
                rejected.append(RejectedLine(line=numbers[pos], problems=[Problem(field=f, problem=p)
                                                                          for f, p in conflict_problems(leaf)]))
        rejected.sort(key=lambda r: r.line)
        appended = done.new > 0
        return BatchReport(accepted=done.new, duplicates=len(done.duplicates), rejected=bad,
                           first_index=done.first if appended else None,
                           size=done.first + done.new if appended else None, errors=rejected)

    def head(self) -> Head:
        latest = self.log.store.latest_head()
        frontier = self.log.store.frontier()
        return Head(size=frontier.size, root=_b64(frontier.root()),
                    checkpoint=None if latest is None else latest.note)

    def latest_checkpoint(self) -> str | None:
        latest = self.log.store.latest_head()
        return None if latest is None else latest.note

    def sign(self) -> str:
        """Sign a checkpoint of the log now; raises ``NoSigner``, or ``InconsistentHead``/``NoteError``."""
        if self.signer is None:
            raise NoSigner("this server has no signing key configured")
        return sign_head(self.log, self.signer).note

    def inclusion(self, index: int, size: int | None = None) -> InclusionProof:
        """Raises ``ValueError`` (value-free message) for an index or size outside the log."""
        n = self.log.size() if size is None else size
        proof = self.log.inclusion_proof(index, n)  # first: it checks index and size
        return InclusionProof(index=index, size=n, leaf_hash=_b64(self.log.leaf_hash(index)),
                              root=_b64(self.log.root(n)), proof=[_b64(h) for h in proof])

    def consistency(self, old: int, size: int | None = None) -> ConsistencyProof:
        """Raises ``ValueError`` (value-free message) for sizes outside the log."""
        n = self.log.size() if size is None else size
        proof = self.log.consistency_proof(old, n)  # first: it checks both sizes
        return ConsistencyProof(old=old, size=n, old_root=_b64(self.log.root(old)), root=_b64(self.log.root(n)),
                                proof=[_b64(h) for h in proof])
