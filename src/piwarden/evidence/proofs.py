"""The audit log's part of a pack: a signed checkpoint, the subject's events with inclusion proofs,
and the complete range of leaves over the period that lets a verifier re-run "who saw what".

Inclusion proofs show that each listed event is in the log; they cannot show that nothing is
missing. For that the pack carries every leaf from the first one of the period up to the
checkpoint, plus the frontier of the tree before it: a verifier rebuilds the signed root from
them, so no event of the range can be left out or added (``standalone.root_from_range``). The
range starts at the first block of leaves whose times reach the period, so an event that
arrived late (appended after the period with an older time) is inside it too. Past
``max_range`` leaves the pack holds the subject's events only, and says its claims rest on
the platform's index rather than on a complete range.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from piwarden.audit.checkpoint import open_checkpoint, sign_head
from piwarden.audit.compact import range_nodes
from piwarden.audit.log import AuditLog
from piwarden.audit.note import NoteError, NoteSigner
from piwarden.audit.proof import assemble, inclusion_ranges, needed_nodes
from piwarden.audit.store_base import HeadRecord, Query, StoredEvent

DEFAULT_MAX_RANGE = 200_000
_PROOF_BATCH = 2_000


@dataclass
class LogEvidence:
    """What the pack proves from the log; leaves in index order."""

    head: HeadRecord
    subject_leaves: list[int]
    bodies: dict[int, bytes]  # leaf -> canonical event bytes (the range's and the subject's)
    inclusion: dict[int, list[bytes]]
    range_begin: int | None = None  # the complete range [range_begin, head.size), if held
    frontier: list[bytes] = field(default_factory=list)
    purged: dict[int, bytes] = field(default_factory=dict)  # leaf -> leaf hash, body purged by retention
    timestamps: int = 0
    tokens: list[tuple[str, bytes]] = field(default_factory=list)  # (TSA URL, DER RFC 3161 token) over the checkpoint

    @property
    def leaves(self) -> list[int]:
        return sorted(self.bodies)


def checkpoint(log: AuditLog, signer: NoteSigner) -> HeadRecord:
    """The newest head this key signed, signing one first if the log has grown since."""
    head = log.store.latest_head()
    size = log.size()
    if head is not None and head.size == size:
        try:
            open_checkpoint(head.note, signer.verifier)
            return head
        except NoteError:
            pass  # signed by a rotated key: sign again with this one
    return sign_head(log, signer)


def inclusion_proofs(log: AuditLog, leaves: list[int], size: int) -> Iterator[tuple[int, list[bytes]]]:
    """Inclusion proofs of many leaves, their nodes fetched in batches (one query per batch, not per leaf)."""
    for start in range(0, len(leaves), _PROOF_BATCH):
        batch = leaves[start:start + _PROOF_BATCH]
        ranges = {i: inclusion_ranges(i, size) for i in batch}
        nodes = log.store.nodes(sorted({n for r in ranges.values() for n in needed_nodes(r)}))
        for i in batch:
            yield i, assemble(ranges[i], nodes)


def gather(log: AuditLog, signer: NoteSigner, subjects: str | Sequence[str], since_us: int | None,
           until_us: int | None, max_range: int = DEFAULT_MAX_RANGE) -> LogEvidence:
    """The checkpoint, the events about ``subjects`` in the period, their proofs, and the complete range if it fits."""
    head = checkpoint(log, signer)
    size = head.size
    found: dict[int, StoredEvent] = {}
    for subject in [subjects] if isinstance(subjects, str) else subjects:
        for e in log.query(Query(subject=subject, since_us=since_us, until_us=until_us, limit=10_000_000)):
            if e.index < size:
                found[e.index] = e
    ev = LogEvidence(head, sorted(found), {i: e.body for i, e in found.items() if e.body is not None}, {})
    ev.purged = {i: e.leaf_hash for i, e in found.items() if e.body is None}
    windows = log.store.window_ranges(since_us, None) if since_us is not None else [(0, size)]
    begin = min((w[0] for w in windows), default=size)
    if size - begin <= max_range:
        ev.range_begin = begin
        nodes = range_nodes(0, begin)
        found_nodes = log.store.nodes(nodes)
        ev.frontier = [found_nodes[n] for n in nodes]
        for e in log.events(begin, size):
            if e.body is None:
                ev.purged[e.index] = e.leaf_hash
            else:
                ev.bodies[e.index] = e.body
    ev.inclusion = dict(inclusion_proofs(log, [i for i in ev.subject_leaves if i in ev.bodies], size))
    stamp(log, ev)
    return ev


def stamp(log: AuditLog, ev: LogEvidence) -> None:
    """The RFC 3161 tokens the log keeps over the pack's checkpoint."""
    ev.tokens = [(tsa, token) for s, r, tsa, token in log.store.timestamps() if s == ev.head.size and r == ev.head.root]
    ev.timestamps = len(ev.tokens)
