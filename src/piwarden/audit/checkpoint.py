"""Signed tree heads as C2SP ``tlog-checkpoint`` notes, and the rule that makes them safe:
never sign a head that is not consistent with the last one signed.

A checkpoint's text is three lines, the log's origin, the tree size in decimal and the
base64 root hash, each ending in a newline; the note signature follows
(``note.py``). The signing key comes from ``PIWARDEN_AUDIT_KEY`` (the private key's text
form) or from ``PIWARDEN_HOME/keys/audit-ed25519.key``, created owner-only on first use.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from piwarden.audit.hasher import HASH_SIZE
from piwarden.audit.log import AuditLog
from piwarden.audit.note import NoteError, NoteSigner, NoteVerifier, open_note
from piwarden.audit.proof import ProofError, verify_consistency
from piwarden.audit.store_base import HeadRecord
from piwarden.home import home_dir

ENV_KEY = "PIWARDEN_AUDIT_KEY"
KEY_FILE = "audit-ed25519.key"
_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


class InconsistentHead(RuntimeError):
    """Signing refused: the log no longer extends the last signed head (or the store disagrees)."""


@dataclass(frozen=True)
class Checkpoint:
    """origin, tree size and root hash: what a signed tree head states."""

    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or not lines[0] or not _SIZE.fullmatch(lines[1]):
            raise NoteError("not a tlog-checkpoint: want origin, size and root lines")
        try:
            root = base64.b64decode(lines[2], validate=True)
        except binascii.Error:
            raise NoteError("checkpoint root is not valid base64") from None
        if len(root) != HASH_SIZE:
            raise NoteError("checkpoint root is not a SHA-256 hash")
        return cls(lines[0], int(lines[1]), root)


def open_checkpoint(note: str, verifier: NoteVerifier) -> Checkpoint:
    """Verify a signed checkpoint and return what it states."""
    return Checkpoint.parse(open_note(note, verifier))


def default_key_name() -> str:
    host = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname()) or "localhost"
    return f"{host}/piwarden-audit"


def load_signer(key_file: Path | None = None, create: bool = True) -> NoteSigner:
    """The log's signing key: ``PIWARDEN_AUDIT_KEY``, else the key file (created 0600 if absent)."""
    if os.environ.get(ENV_KEY):
        return NoteSigner.from_skey(os.environ[ENV_KEY])
    path = key_file or home_dir() / "keys" / KEY_FILE
    if path.exists():
        return NoteSigner.from_skey(path.read_text(encoding="ascii"))
    if not create:
        raise NoteError(f"no audit signing key at {path} and {ENV_KEY} is not set")
    signer = NoteSigner.generate(default_key_name())
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(signer.skey() + "\n")
    path.with_suffix(".vkey").write_text(signer.verifier.vkey() + "\n", encoding="ascii")
    return signer


def _check_extends(log: AuditLog, last: HeadRecord, size: int, root: bytes, verifier: NoteVerifier) -> None:
    """Raise unless the tree (size, root) extends the last signed head."""
    try:
        stated = open_checkpoint(last.note, verifier)
    except NoteError:
        raise InconsistentHead("the last stored head does not verify with this key") from None
    if (stated.size, stated.root) != (last.size, last.root):
        raise InconsistentHead("the last stored head's columns disagree with its signed note")
    if size < last.size:
        raise InconsistentHead("the log is smaller than the last signed head")
    try:
        verify_consistency(last.size, size, log.consistency_proof(last.size, size), last.root, root)
    except ProofError:
        raise InconsistentHead("the log does not extend the last signed head") from None


def sign_head(log: AuditLog, signer: NoteSigner, origin: str | None = None) -> HeadRecord:
    """Sign and store a checkpoint of the log as it is now, if it extends the last one."""
    frontier = log.store.frontier()  # read once: appends may go on while we sign
    size = frontier.size
    root = log.root(size)
    if root != frontier.root():
        raise InconsistentHead("stored tree nodes disagree with the stored frontier")
    last = log.store.latest_head()
    if last is not None:
        _check_extends(log, last, size, root, signer.verifier)
    note = signer.sign(Checkpoint(origin or signer.name, size, root).text())
    head = HeadRecord(size, root, note, int(time.time() * 1_000_000))
    log.store.add_head(head)
    return head
