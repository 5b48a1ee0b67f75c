"""Signed tree heads as C2SP ``tlog-checkpoint`` notes, and the rule that makes them safe:
never sign a head that is not consistent with the last one signed.

A checkpoint's text is three lines, the log's origin, the tree size in decimal and the
base64 root hash, each ending in a newline; the note signature follows
(``note.py``). The signing key comes from ``PIWARDEN_AUDIT_KEY`` (``keys.audit_key``: the private
key's text form), else from ``HOME/keys/audit-ed25519.key``, else from the key provider, else a
new key file, created owner-only (``piwarden.keys``, the one key loader).
"""

from __future__ import annotations

import base64
import binascii
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
from piwarden.keys import AUDIT_KEY, Key, KeySourceError, load_key
from piwarden.settings import Settings, get_settings

ENV_KEY = "PIWARDEN_AUDIT_KEY"  # AUDIT_KEY.env
KEY_FILE = "audit-ed25519.key"  # AUDIT_KEY.file_name
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


def load_signer(key_file: Path | None = None, create: bool = True, settings: Settings | None = None) -> NoteSigner:
    """The log's signing key: ``PIWARDEN_AUDIT_KEY``, else the key file (created 0600 if absent)."""
    settings = settings or get_settings()
    path = key_file or settings.keys_dir / KEY_FILE
    try:
        key = load_key(AUDIT_KEY, settings, path=path,
                       create=(lambda: (NoteSigner.generate(default_key_name()).skey() + "\n").encode()) if create
                       else None)
    except KeySourceError as exc:
        raise NoteError(str(exc)) from None
    if key is None:
        raise NoteError(f"no audit signing key at {path} and {ENV_KEY} is not set")
    return signer_of(key)


def signer_of(key: Key) -> NoteSigner:
    """The signer of a loaded key; a key file just created gets its public ``.vkey`` beside it."""
    signer = NoteSigner.from_skey(key.text())
    if key.origin == "created" and key.path is not None:
        key.path.with_suffix(".vkey").write_text(signer.verifier.vkey() + "\n", encoding="ascii")
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
