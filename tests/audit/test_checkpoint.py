"""Signed notes (interop with Go's sumdb/note), checkpoints, keys and the signing rule."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from piwarden.audit.checkpoint import (
    ENV_KEY,
    Checkpoint,
    InconsistentHead,
    load_signer,
    open_checkpoint,
    sign_head,
)
from piwarden.audit.log import AuditLog
from piwarden.audit.note import NoteError, NoteSigner, NoteVerifier, open_note, split_note
from piwarden.audit.store_base import NODE_MIN_LEVEL

from .conftest import make_event
from .tamper import execute, truncate

# golang.org/x/mod/sumdb/note's documented example: Ed25519 is deterministic, so signing the
# same text with the same key must give the same note byte for byte.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"


def test_signing_reproduces_the_go_note_byte_for_byte() -> None:
    signer = NoteSigner.from_skey(GO_SKEY)
    assert signer.verifier.vkey() == GO_VKEY
    assert signer.sign(GO_TEXT) == GO_NOTE
    assert signer.skey() == GO_SKEY


def test_go_note_opens_and_any_change_is_rejected() -> None:
    verifier = NoteVerifier.from_vkey(GO_VKEY)
    assert open_note(GO_NOTE, verifier) == GO_TEXT
    for bad in (GO_NOTE.replace("cryptography", "cryptographY"), GO_NOTE.replace("x08go", "x08gp"),
                GO_NOTE.replace("PeterNeumann", "PeterNeuman"), GO_TEXT):
        with pytest.raises(NoteError):
            open_note(bad, verifier)
    other = NoteSigner.generate("PeterNeumann").verifier
    with pytest.raises(NoteError):
        open_note(GO_NOTE, other)


def test_malformed_keys_rejected_without_echo() -> None:
    for bad in ("", "PRIVATE+KEY+x", GO_SKEY.replace("c74f20a3", "c74f20a4"), GO_SKEY[:-4] + "!!!!"):
        with pytest.raises(NoteError) as info:
            NoteSigner.from_skey(bad)
        assert "AYEKFALV" not in str(info.value)
    with pytest.raises(NoteError):
        NoteVerifier.from_vkey(GO_VKEY.replace("+c74f20a3+", "+00000000+"))
    with pytest.raises(NoteError):
        NoteSigner.generate("has space")


def test_private_key_never_printed() -> None:
    signer = NoteSigner.from_skey(GO_SKEY)
    assert "AYEKFALV" not in repr(signer) and "AYEKFALV" not in str(signer) and GO_VKEY in repr(signer)


def test_checkpoint_text_round_trips() -> None:
    cp = Checkpoint("example.com/log", 12, bytes(range(32)))
    assert cp.text() == f"example.com/log\n12\n{base64.b64encode(bytes(range(32))).decode()}\n"
    assert Checkpoint.parse(cp.text()) == cp
    for bad in ("example.com/log\n012\nAAAA\n", "x\n1\n" + base64.b64encode(b"short").decode() + "\n", "x\n1\n"):
        with pytest.raises(NoteError):
            Checkpoint.parse(bad)
    assert split_note(NoteSigner.from_skey(GO_SKEY).sign(cp.text()))[0] == cp.text()


def test_key_file_created_owner_only_and_reused(piwarden_home: Path) -> None:
    first = load_signer()
    path = piwarden_home / "keys" / "audit-ed25519.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_signer().verifier.vkey() == first.verifier.vkey()
    assert (piwarden_home / "keys" / "audit-ed25519.vkey").read_text().strip() == first.verifier.vkey()


def test_key_from_environment(monkeypatch: pytest.MonkeyPatch, piwarden_home: Path) -> None:
    monkeypatch.setenv(ENV_KEY, GO_SKEY)
    assert load_signer().verifier.vkey() == GO_VKEY
    assert not (piwarden_home / "keys" / "audit-ed25519.key").exists()


def test_signed_heads_follow_the_log(audit_log: AuditLog) -> None:
    signer = NoteSigner.generate("test.example/log")
    empty = sign_head(audit_log, signer)
    assert open_checkpoint(empty.note, signer.verifier).size == 0
    audit_log.append_many(make_event(i) for i in range(9))
    head = sign_head(audit_log, signer)
    cp = open_checkpoint(head.note, signer.verifier)
    assert (cp.origin, cp.size, cp.root) == ("test.example/log", 9, audit_log.root())
    audit_log.append(make_event(9))
    assert sign_head(audit_log, signer).size == 10
    assert [h.size for h in audit_log.store.heads()] == [0, 9, 10]


def test_refuses_to_sign_a_rewritten_history(audit_log: AuditLog) -> None:
    signer = NoteSigner.generate("test.example/log")
    audit_log.append_many(make_event(i) for i in range(6))
    sign_head(audit_log, signer)
    # An operator rewrites history from leaf 4 on, recomputing every node and the frontier.
    truncate(audit_log, 4)
    audit_log.append_many(make_event(i, actor="someone-else") for i in range(4, 8))
    with pytest.raises(InconsistentHead):
        sign_head(audit_log, signer)


def test_refuses_when_a_node_was_altered(audit_log: AuditLog) -> None:
    signer = NoteSigner.generate("test.example/log")
    # The lowest stored level (lower nodes are folded from leaf hashes, tampered with elsewhere).
    width = 1 << NODE_MIN_LEVEL
    audit_log.append_many(make_event(i) for i in range(width))
    sign_head(audit_log, signer)
    audit_log.append(make_event(width))
    execute(audit_log, "UPDATE audit_nodes SET hash = ? WHERE level = ? AND idx = 0", (bytes(32), NODE_MIN_LEVEL))
    with pytest.raises(InconsistentHead):
        sign_head(audit_log, signer)


def test_refuses_a_stored_head_it_did_not_sign(audit_log: AuditLog) -> None:
    audit_log.append(make_event(0))
    sign_head(audit_log, NoteSigner.generate("test.example/log"))
    with pytest.raises(InconsistentHead):
        sign_head(audit_log, NoteSigner.generate("test.example/log"))
