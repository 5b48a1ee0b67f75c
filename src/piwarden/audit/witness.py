"""Publishing signed checkpoints outside the operator's control.

A witness is anything with a ``name`` and a ``publish`` (:class:`Witness`); ``publish``
asks the ``piwarden_audit_witnesses`` hook for the witnesses ``settings`` configures, so a
plugin adds one (a transparency service, object-lock storage) the way the two built-ins are
added (``piwarden.audit.plugin``). Built in, any of them configured (``settings.py``):

* a **directory witness**: ``checkpoints.jsonl`` in a directory the operator cannot rewrite
  (another party's share, WORM storage); each line holds a checkpoint and the consistency
  proof from the previous line, checked before it is appended, so anyone can re-check the
  whole chain (``read_witness_file``);
* an **HTTP witness** speaking C2SP ``tlog-witness`` (``POST <prefix>/add-checkpoint`` with
  the old size, a consistency proof and the note); its cosignature (``cosign.py``) is verified
  and added to the stored head, so exported bundles carry it;
* an **RFC 3161 TSA** (``timestamp.py``): a timestamp over the checkpoint, kept in the store.
"""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol

import pluggy

from piwarden.audit.checkpoint import Checkpoint, open_checkpoint, sign_head
from piwarden.audit.cosign import CosignatureVerifier
from piwarden.audit.log import AuditLog
from piwarden.audit.note import NoteError, NoteSigner, NoteVerifier, split_note
from piwarden.audit.proof import ProofError, verify_consistency
from piwarden.audit.settings import AuditSettings
from piwarden.audit.store_base import HeadRecord
from piwarden.audit.timestamp import Timestamp, timestamp_checkpoint
from piwarden.inputs import read_text
from piwarden.plugins import plugin_manager

WITNESS_FILE = "checkpoints.jsonl"
MAX_PROOF_LINES = 63  # tlog-witness: a client sends at most 63 proof lines


class WitnessError(RuntimeError):
    """A witness refused the checkpoint, or could not be reached, or answered something invalid."""


def _b64(items: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in items]


def read_witness_file(path: Path, verifier: NoteVerifier) -> list[str]:
    """The checkpoint notes of a directory witness's file, after re-checking the whole chain.

    Read through the input layer (InputError if missing, binary or undecodable); a line that is
    not a checkpoint entry is a WitnessError naming the line.
    """
    notes: list[str] = []
    last: Checkpoint | None = None
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        try:
            entry = json.loads(line)
            note = entry["note"]
            if not isinstance(note, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise WitnessError(f"{path.name} line {number}: not a checkpoint entry (a JSON object with a note)") \
                from None
        try:
            cp = open_checkpoint(note, verifier)
        except (NoteError, ValueError) as exc:
            raise WitnessError(f"{path.name} line {number}: {exc if isinstance(exc, NoteError) else 'malformed'}") \
                from None
        if last is not None:
            try:
                proof = [base64.b64decode(h) for h in entry["proof"]]
                verify_consistency(last.size, cp.size, proof, last.root, cp.root)
            except (ProofError, ValueError):
                raise WitnessError(f"{path.name} line {number}: not consistent with the line before") from None
        notes.append(note)
        last = cp
    return notes


def publish_to_directory(log: AuditLog, head: HeadRecord, directory: Path, verifier: NoteVerifier) -> bool:
    """Append the head to the directory witness if it extends the last entry; False if already there."""
    path = directory / WITNESS_FILE
    cp = open_checkpoint(head.note, verifier)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    proof: list[bytes] = []
    if lines:
        last = open_checkpoint(json.loads(lines[-1])["note"], verifier)
        if last.size == cp.size and last.root == cp.root:
            return False
        if cp.size <= last.size:
            raise WitnessError(f"the directory witness already holds a tree of size {last.size}")
        proof = log.consistency_proof(last.size, cp.size)
        try:
            verify_consistency(last.size, cp.size, proof, last.root, cp.root)
        except ProofError:
            raise WitnessError("the log does not extend the checkpoint the directory witness holds") from None
    entry = {"size": cp.size, "root": base64.b64encode(cp.root).decode(), "proof": _b64(proof),
             "note": head.note, "published": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, (json.dumps(entry, separators=(",", ":")) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return True


def _post(url: str, body: bytes, timeout: float) -> tuple[int, str, str]:
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "text/plain"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode(errors="replace")
    except OSError as exc:
        raise WitnessError(f"witness unreachable: {type(exc).__name__}") from None


def _known_size(log: AuditLog, witness: CosignatureVerifier, size: int) -> int:
    """The largest stored head this witness cosigned (its last state as far as we know), or 0."""
    for h in reversed(log.store.heads()):
        if h.size <= size:
            try:
                witness.verify(h.note)
                return h.size
            except NoteError:
                continue
    return 0


def publish_to_http(log: AuditLog, head: HeadRecord, url: str, witness: CosignatureVerifier,
                    timeout: float = 10.0) -> str:
    """Get the witness's cosignature on the head (tlog-witness add-checkpoint); store and return the note."""
    old = _known_size(log, witness, head.size)
    for _ in range(2):  # a 409 tells us the witness's size: retry once from there
        proof = log.consistency_proof(old, head.size) if old else []
        if len(proof) > MAX_PROOF_LINES:
            raise WitnessError("consistency proof longer than tlog-witness allows")
        body = f"old {old}\n" + "".join(h + "\n" for h in _b64(proof)) + "\n" + head.note
        status, ctype, text = _post(url.rstrip("/") + "/add-checkpoint", body.encode(), timeout)
        if status == 409 and ctype.startswith("text/x.tlog.size") and text.strip().isdigit():
            seen = int(text.strip())
            if seen > head.size or seen == old:
                raise WitnessError(f"the witness holds a tree of size {seen} this head does not extend")
            old = seen
            continue
        if status != 200:
            raise WitnessError(f"witness refused the checkpoint: HTTP {status}")
        cosigned = head.note + "".join(line + "\n" for line in text.splitlines() if line.startswith("\u2014 "))
        try:
            witness.verify(cosigned)
        except NoteError as exc:
            raise WitnessError(f"witness answer: {exc}") from None
        log.store.update_head_note(head.size, head.root, cosigned)
        return cosigned
    raise WitnessError("the witness kept answering 409 Conflict")


class Witness(Protocol):
    """Somewhere outside the operator's control that keeps the signed checkpoints it is handed."""

    @property
    def name(self) -> str:
        """Its key in ``Publication.witnessed``; unique among the configured witnesses."""
        ...

    def publish(self, log: AuditLog, head: HeadRecord, verifier: NoteVerifier) -> object:
        """Hand over ``head`` (``verifier`` checks the log's signature); return what the witness
        answered, for the record. Raise :class:`WitnessError` when it refuses or cannot be reached."""
        ...


@dataclass(frozen=True, slots=True)
class DirectoryWitness:
    """``checkpoints.jsonl`` in a directory the operator cannot rewrite; answers whether it appended."""

    directory: Path
    name: ClassVar[str] = "directory"

    def publish(self, log: AuditLog, head: HeadRecord, verifier: NoteVerifier) -> bool:
        return publish_to_directory(log, head, self.directory, verifier)


@dataclass(frozen=True, slots=True)
class HttpWitness:
    """A C2SP tlog-witness; answers with the cosigned note (also stored with the head)."""

    url: str
    key: str | None  # the witness's cosigner vkey; checked when publishing, after the witnesses before it
    timeout_s: float = 10.0
    name: ClassVar[str] = "http"

    def publish(self, log: AuditLog, head: HeadRecord, verifier: NoteVerifier) -> str:
        if not self.key:
            raise WitnessError("witness_url is set but witness_key (the witness's vkey) is not")
        return publish_to_http(log, head, self.url, CosignatureVerifier.from_vkey(self.key), self.timeout_s)


def builtin_witnesses(settings: AuditSettings) -> list[Witness]:
    """The directory and HTTP witnesses, those of them that ``settings`` configures."""
    found: list[Witness] = []
    if settings.witness_dir is not None:
        found.append(DirectoryWitness(settings.witness_dir))
    if settings.witness_url:
        found.append(HttpWitness(settings.witness_url, settings.witness_key, settings.witness_timeout_s))
    return found


def witnesses(settings: AuditSettings, pm: pluggy.PluginManager | None = None) -> list[Witness]:
    """Every witness the ``piwarden_audit_witnesses`` hook answers for ``settings``: built-ins first."""
    found = [w for group in (pm or plugin_manager()).hook.piwarden_audit_witnesses(settings=settings)
             for w in group or ()]
    names = [w.name for w in found]
    if len(set(names)) < len(names):
        raise WitnessError(f"two witnesses share a name: {', '.join(sorted(n for n in set(names) if names.count(n) > 1))}")
    return found


@dataclass
class Publication:
    """What one ``publish`` did."""

    head: HeadRecord
    witnessed: dict[str, object] = field(default_factory=dict)  # each witness's answer, by witness name
    timestamp: Timestamp | None = None
    skipped: list[str] = field(default_factory=list)

    @property
    def directory(self) -> bool | None:
        """Appended to the directory witness (False: it already held the head); None: no directory witness."""
        answer = self.witnessed.get(DirectoryWitness.name)
        return None if answer is None else bool(answer)

    @property
    def cosigned(self) -> str | None:
        """The head's note with the HTTP witness's cosignature; None: no HTTP witness."""
        answer = self.witnessed.get(HttpWitness.name)
        return None if answer is None else str(answer)


def publish(log: AuditLog, signer: NoteSigner, settings: AuditSettings,
            pm: pluggy.PluginManager | None = None) -> Publication:
    """Sign a head if the log grew since the last one, then hand it to every configured witness.

    The witnesses are those the ``piwarden_audit_witnesses`` hook answers (``pm``: the
    process's plugin manager by default), in turn; the first refusal stops the publication.
    """
    chosen = witnesses(settings, pm)
    head = log.store.latest_head()
    if head is None or head.size < log.size():
        head = sign_head(log, signer)
    out = Publication(head)
    for witness in chosen:
        out.witnessed[witness.name] = witness.publish(log, head, signer.verifier)
    if settings.tsa_url:
        if settings.tsa_cert is None:
            raise WitnessError("tsa_url is set but tsa_cert (the TSA's certificate) is not")
        text, _ = split_note(head.note)
        out.timestamp = timestamp_checkpoint(settings.tsa_url, text, settings.tsa_cert.read_bytes(),
                                             settings.witness_timeout_s)
        log.store.add_timestamp(head.size, head.root, settings.tsa_url, out.timestamp.token,
                                int(time.time() * 1_000_000))
    return out
