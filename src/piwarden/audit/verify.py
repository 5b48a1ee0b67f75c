"""The offline verifier: check a bundle with nothing but the bundle and (ideally) a pinned key.

It recomputes every leaf hash from the event bytes and the tree from those, checks each signed
checkpoint's signature and root, the consistency proofs between checkpoints, and names the
first bad index: exact where the bundle's leaf hashes are themselves authenticated by a
checkpoint, otherwise the first index not covered by a checkpoint that still verifies.

It streams: events and leaf hashes are read once, line by line, and only the two trees'
frontiers (O(log n) hashes) are kept, so memory does not grow with the number of events.
"""

from __future__ import annotations

import base64
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

from piwarden.audit.bundle import FILES, FORMAT, SEPARATOR, VERSION, BundleError
from piwarden.audit.checkpoint import Checkpoint, open_checkpoint
from piwarden.audit.compact import CompactRange
from piwarden.audit.cosign import CosignatureVerifier
from piwarden.audit.hasher import HASH_SIZE, hash_leaf
from piwarden.audit.note import NoteError, NoteVerifier, split_note
from piwarden.audit.proof import ProofError, verify_consistency

CHUNK = 4096  # leaf hashes hashed into the tree at a time while streaming


@dataclass
class Report:
    """The verdict: ``ok``, and if not, the first bad index (when one applies) and why."""

    size: int = 0
    checkpoints: int = 0
    key: str = ""
    witnessed: dict[str, int] = field(default_factory=dict)  # witness name -> largest size it cosigned
    purged: int = 0  # leaves whose body retention removed (empty lines), hashes from leaf-hashes.bin
    first_bad_index: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, problem: str, index: int | None = None) -> None:
        self.problems.append(problem)
        if index is not None and (self.first_bad_index is None or index < self.first_bad_index):
            self.first_bad_index = index


def _read_checkpoints(root: Path, verifier: NoteVerifier, extra: list[str], report: Report) -> list[Checkpoint]:
    """Signed checkpoints from the bundle and any trusted extras, verified, smallest first."""
    notes = (root / FILES["checkpoints"]).read_text(encoding="utf-8").split(SEPARATOR)
    out: dict[tuple[int, bytes], Checkpoint] = {}
    for n, note in enumerate([x for x in notes if x] + extra):
        try:
            cp = open_checkpoint(note, verifier)
        except NoteError as exc:
            report.fail(f"checkpoint #{n}: {exc}")
            continue
        out[(cp.size, cp.root)] = cp
    cps = sorted(out.values(), key=lambda c: c.size)
    for a, b in itertools.pairwise(cps):
        if a.size == b.size:
            report.fail(f"two signed checkpoints of size {a.size} with different roots (split view)", a.size)
    return cps


def _check_proofs(root: Path, cps: list[Checkpoint], report: Report) -> None:
    """Consistency proofs between consecutive checkpoints, as shipped."""
    by_size = {c.size: c for c in cps}
    for p in json.loads((root / FILES["proofs"]).read_text(encoding="utf-8"))["consistency"]:
        old, new = by_size.get(p["old"]), by_size.get(p["new"])
        if old is None or new is None:
            continue
        try:
            verify_consistency(old.size, new.size, [base64.b64decode(h) for h in p["proof"]], old.root, new.root)
        except (ProofError, ValueError) as exc:
            report.fail(f"consistency proof {old.size} -> {new.size} fails: {exc}", old.size)


class _Tree:
    """A tree grown leaf by leaf (in chunks) and held to the checkpoints as it passes their sizes:
    ``good`` is the largest checkpoint size up to which every checkpoint's root matched."""

    def __init__(self, cps: list[Checkpoint]) -> None:
        self.cr, self.cps, self.next, self.good, self.broken = CompactRange(), cps, 0, 0, False
        self.pending: list[bytes] = []
        self.flush()  # checkpoints of the empty tree

    def add(self, leaf_hash: bytes) -> None:
        self.pending.append(leaf_hash)
        if len(self.pending) >= CHUNK or (self.next < len(self.cps)
                                          and self.cr.size + len(self.pending) >= self.cps[self.next].size):
            self.flush()

    def flush(self) -> None:
        self.cr.extend(self.pending, min_level=64)  # no inner nodes wanted, only the frontier
        self.pending = []
        while self.next < len(self.cps) and self.cps[self.next].size <= self.cr.size:
            cp = self.cps[self.next]
            if cp.size == self.cr.size and not self.broken:
                if self.cr.root() == cp.root:
                    self.good = cp.size
                else:
                    self.broken = True
            self.next += 1


def _check_events(root: Path, cps: list[Checkpoint], report: Report) -> None:
    """Recompute leaves and tree; compare with checkpoints and with the shipped leaf hashes.

    One pass over ``events.jsonl`` and ``leaf-hashes.bin`` side by side, in constant memory:
    two trees grow together (the recomputed one and the shipped one), each checked at every
    checkpoint size, and the first index where a recomputed leaf hash differs from the shipped
    one is remembered.
    """
    size = cps[-1].size if cps else 0
    computed, shipped = _Tree(cps), _Tree(cps)
    count, first_diff = 0, None
    with (root / FILES["events"]).open("rb") as events, (root / FILES["leaf_hashes"]).open("rb") as hashes:
        for i, line in enumerate(events):
            count = i + 1
            if line.endswith(b"\n"):
                line = line[:-1]
            ship = hashes.read(HASH_SIZE)
            if len(ship) == HASH_SIZE:
                shipped.add(ship)
            else:
                ship = b""
            if line:
                h = hash_leaf(line)
            elif ship:  # purged by retention: the signed roots vouch for its hash
                h = ship
                report.purged += 1
            else:
                report.fail(f"event {i} is empty (purged) but the bundle has no leaf hash for it", i)
                h = bytes(HASH_SIZE)
            computed.add(h)
            if first_diff is None and ship and h != ship:
                first_diff = i
        while len(ship := hashes.read(HASH_SIZE)) == HASH_SIZE:  # shipped hashes beyond the events
            shipped.add(ship)
    computed.flush()
    shipped.flush()
    if count < size:
        report.fail(f"events {count} to {size - 1} are missing: the bundle holds {count} events, its last "
                    f"checkpoint {size}", count)
    elif count > size:
        report.fail(f"the bundle holds {count} events, its last checkpoint only {size}: events from index {size} "
                    "on are not signed", size)
    if computed.good == size and count >= size:
        return
    # Leaf hashes a checkpoint authenticates pin down the exact first event that differs.
    if first_diff is not None and first_diff < min(shipped.good, count):
        report.fail(f"event {first_diff} does not match its signed leaf hash", first_diff)
        return
    if count < size and shipped.good == size:  # the events held match their signed hashes: only the tail is gone
        return
    report.fail(f"events from index {computed.good} on do not match the signed checkpoints", computed.good)


def _check_cosignatures(root: Path, witness_keys: list[str], report: Report) -> None:
    """Each witness must have cosigned at least one of the bundle's checkpoints."""
    notes = [x for x in (root / FILES["checkpoints"]).read_text(encoding="utf-8").split(SEPARATOR) if x]
    for vkey in witness_keys:
        witness = CosignatureVerifier.from_vkey(vkey)
        sizes = []
        for note in notes:
            try:
                witness.verify(note)
                sizes.append(Checkpoint.parse(split_note(note)[0]).size)
            except NoteError:
                continue
        if sizes:
            report.witnessed[witness.name] = max(sizes)
        else:
            report.fail(f"no checkpoint carries a valid cosignature of witness {witness.name}")


def verify_bundle(path: Path, key: str | None = None, extra_checkpoints: list[str] | None = None,
                  witness_keys: list[str] | None = None) -> Report:
    """Check a bundle; ``key`` pins the verifier key (else the bundle's own key is used);
    each of ``witness_keys`` (cosigner vkeys) must have cosigned one of its checkpoints."""
    report = Report()
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise BundleError("not a piwarden audit bundle of a version this verifier reads")
        bundle_key = (path / FILES["key"]).read_text(encoding="ascii").strip()
        verifier = NoteVerifier.from_vkey(key or bundle_key)
        report.key = verifier.vkey()
        if key and NoteVerifier.from_vkey(bundle_key).vkey() != verifier.vkey():
            report.fail("bundle key differs from the pinned key")
        cps = _read_checkpoints(path, verifier, extra_checkpoints or [], report)
        report.checkpoints, report.size = len(cps), (cps[-1].size if cps else 0)
        if not cps:
            report.fail("no checkpoint signed by the key")
            return report
        _check_proofs(path, cps, report)
        _check_events(path, cps, report)
        _check_cosignatures(path, witness_keys or [], report)
    except OSError as exc:
        name = Path(exc.filename).name if exc.filename else "a file"
        what = "is missing" if isinstance(exc, FileNotFoundError) else f"cannot be read ({exc.strerror})"
        report.fail(f"unreadable bundle: {name} {what}")
    except (ValueError, KeyError, BundleError) as exc:
        report.fail(f"unreadable bundle: {type(exc).__name__}: {exc}" if isinstance(exc, BundleError | NoteError)
                    else f"unreadable bundle: {type(exc).__name__}")
    return report
