"""The signing key's sources: built-in default/env/file, and a KMS-style plugin via the pluggy hook."""

from __future__ import annotations

from pathlib import Path

import pluggy
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import piwarden.audit.plugin as builtin
from piwarden import hookspecs
from piwarden.audit.checkpoint import ENV_KEY, open_checkpoint, sign_head
from piwarden.audit.log import open_log
from piwarden.audit.note import NoteError, NoteSigner
from piwarden.audit.settings import AuditSettings
from piwarden.audit.signer import signer_from_settings
from piwarden.hookspecs import hookimpl

from .conftest import make_event


class FakeKMS:
    """Holds the key; hands out only signatures (as a cloud KMS's Sign call would)."""

    def __init__(self) -> None:
        self._key = Ed25519PrivateKey.generate()
        self.public = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.calls = 0

    def sign(self, message: bytes) -> bytes:
        self.calls += 1
        return self._key.sign(message)


class KMSPlugin:
    def __init__(self, kms: FakeKMS) -> None:
        self.kms = kms

    @hookimpl
    def piwarden_audit_signer(self, source: str, settings: AuditSettings) -> NoteSigner | None:
        if source != "kms":
            return None
        return NoteSigner.with_backend("kms.example/audit", self.kms.public, self.kms.sign)


def manager(*plugins: object) -> pluggy.PluginManager:
    pm = pluggy.PluginManager("piwarden")
    pm.add_hookspecs(hookspecs)
    pm.register(builtin)
    for p in plugins:
        pm.register(p)
    return pm


def test_kms_plugin_signs_heads_without_handing_out_its_key(tmp_path: Path) -> None:
    kms = FakeKMS()
    signer = signer_from_settings(AuditSettings(signer="kms"), manager(KMSPlugin(kms)))
    with open_log(f"sqlite:///{tmp_path / 'a.db'}") as log:
        log.append(make_event(0))
        head = sign_head(log, signer)
    assert kms.calls == 1 and open_checkpoint(head.note, signer.verifier).size == 1
    with pytest.raises(NoteError):
        signer.skey()
    bad = NoteSigner.with_backend("kms.example/audit", kms.public, lambda m: bytes(64))
    with pytest.raises(NoteError, match="does not verify"):
        bad.sign("o\n1\nx\n")


def test_builtin_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pm = manager()
    created = signer_from_settings(AuditSettings(signer="default"), pm)  # creates the key file
    assert signer_from_settings(AuditSettings(signer="file"), pm).verifier.vkey() == created.verifier.vkey()
    with pytest.raises(NoteError, match="no key file"):
        signer_from_settings(AuditSettings(signer="file", key_file=tmp_path / "none.key"), pm)
    with pytest.raises(NoteError, match=ENV_KEY):
        signer_from_settings(AuditSettings(signer="env"), pm)
    other = NoteSigner.generate("env.example/audit")
    monkeypatch.setenv(ENV_KEY, other.skey())
    assert signer_from_settings(AuditSettings(signer="env"), pm).name == "env.example/audit"
    with pytest.raises(NoteError, match="no signer source 'kms'"):
        signer_from_settings(AuditSettings(signer="kms"), pm)


def test_setting_from_environment_selects_the_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIWARDEN__AUDIT__SIGNER", "kms")
    kms = FakeKMS()
    assert signer_from_settings(pm=manager(KMSPlugin(kms))).name == "kms.example/audit"
