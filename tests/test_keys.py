"""The one key loader: its sources in order, key files owner-only, a KMS-style provider plugin, and
the parts (mask, audit, honeytokens, document marks) that use it."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from piwarden.audit.checkpoint import load_signer
from piwarden.audit.note import NoteError, NoteSigner
from piwarden.audit.settings import AuditSettings
from piwarden.audit.signer import signer_from_settings
from piwarden.cli import app
from piwarden.hookspecs import hookimpl
from piwarden.keys import (
    AUDIT_KEY,
    DOCUMENTS_MARK_KEY,
    HONEYTOKEN_KEY,
    MASK_KEY,
    Key,
    KeyProvider,
    KeySourceError,
    find_key,
    key_path,
    load_key,
    write_key_file,
)
from piwarden.mask.keys import KeyFileError, KeyRing, key_available, load_keys
from piwarden.plugins import plugin_manager

runner = CliRunner()
KMS_MASK = KeyRing(bytes(range(32)))
KMS_AUDIT = NoteSigner.generate("kms.example/audit")


class FakeKMS:
    """A KMS-style provider: holds some keys, answers for others with None, counts calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.held: dict[str, bytes | str] = {"mask": KMS_MASK.export(), "audit": KMS_AUDIT.skey(),
                                             "documents-mark": bytes(32), "honeytoken": "kms-honey"}

    def get_key(self, name: str) -> bytes | str | None:
        self.calls.append(name)
        return self.held.get(name)


class KMSPlugin:
    def __init__(self, kms: FakeKMS) -> None:
        self.kms = kms

    @hookimpl
    def piwarden_key_provider(self, source: str) -> KeyProvider | None:
        return self.kms if source == "kms" else None


@pytest.fixture
def kms(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKMS]:
    """A fake KMS plugin registered in the one plugin manager, and ``keys.provider = "kms"``."""
    fake = FakeKMS()
    plugin = KMSPlugin(fake)
    plugin_manager().register(plugin, name="fake-kms")
    monkeypatch.setenv("PIWARDEN__KEYS__PROVIDER", "kms")
    try:
        yield fake
    finally:
        plugin_manager().unregister(plugin)


def test_a_provider_plugin_supplies_keys(kms: FakeKMS, piwarden_home: Path) -> None:
    assert isinstance(kms, KeyProvider)
    assert load_keys().key_id == KMS_MASK.key_id and key_available()
    assert load_signer().verifier.vkey() == KMS_AUDIT.verifier.vkey()
    assert signer_from_settings(AuditSettings(signer="default")).name == "kms.example/audit"
    assert kms.calls == ["mask", "mask", "audit", "audit"]
    assert not piwarden_home.exists()  # nothing written: the keys stayed with the provider
    found = find_key(DOCUMENTS_MARK_KEY)
    assert found is not None and found.origin == "provider" and found.material == bytes(32)


def test_the_order_setting_file_provider_new_file(kms: FakeKMS, piwarden_home: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    del kms.held["mask"]  # the provider does not hold it: a key file is made
    created = load_key(MASK_KEY, create=lambda: b"from-generator\n")
    assert created is not None and (created.origin, created.material) == ("created", b"from-generator")
    assert kms.calls == ["mask"]
    kms.held["mask"] = KMS_MASK.export()
    found = find_key(MASK_KEY)
    assert found is not None and found.origin == "file" and kms.calls == ["mask"]  # the file comes first
    monkeypatch.setenv("PIWARDEN_MASK_KEY", KMS_MASK.export())
    found = find_key(MASK_KEY)
    assert found is not None and found.origin == "setting"  # the setting before the file
    assert find_key(MASK_KEY, sources=("provider",)) == Key(KMS_MASK.export().encode(), "provider")


def test_a_named_provider_that_no_plugin_provides(piwarden_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIWARDEN__KEYS__PROVIDER", "vault")
    message = "no key provider 'vault': is the plugin that provides it installed?"
    with pytest.raises(KeySourceError, match=message):
        find_key(MASK_KEY)
    with pytest.raises(KeyFileError, match=message):
        load_keys()
    with pytest.raises(NoteError, match=message):
        load_signer()
    assert not key_available()
    from PIL import Image

    image = piwarden_home.parent / "x.png"
    Image.new("RGB", (64, 64)).save(image)
    result = runner.invoke(app, ["forensics", "documents", "mark", str(image)])
    assert result.exit_code == 2 and "no key provider 'vault'" in result.output


def test_new_key_files_are_owner_only(piwarden_home: Path) -> None:
    load_keys()
    signer = load_signer()
    keys = piwarden_home / "keys"
    assert stat.S_IMODE(piwarden_home.stat().st_mode) == 0o700 and stat.S_IMODE(keys.stat().st_mode) == 0o700
    for name in ("mask.key", "audit-ed25519.key"):
        assert stat.S_IMODE((keys / name).stat().st_mode) == 0o600
    assert (keys / "audit-ed25519.vkey").read_text("ascii").strip() == signer.verifier.vkey()
    assert load_signer().verifier.vkey() == signer.verifier.vkey() and load_keys().key_id == load_keys().key_id


def test_a_key_file_made_meanwhile_by_another_process_is_used(piwarden_home: Path) -> None:
    path = key_path(MASK_KEY)

    def racing() -> bytes:
        write_key_file(path, b"theirs\n")  # the other process wins the race
        return b"mine\n"

    key = load_key(MASK_KEY, create=racing)
    assert key is not None and (key.origin, key.material) == ("file", b"theirs")


def test_key_material_never_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIWARDEN_HONEYTOKEN_KEY", "very-secret-honey")
    key = find_key(HONEYTOKEN_KEY)
    assert key is not None and key.text() == "very-secret-honey" and "very-secret" not in repr(key)


def test_sources_that_are_never_created(piwarden_home: Path) -> None:
    assert find_key(HONEYTOKEN_KEY) is None and load_key(HONEYTOKEN_KEY) is None
    with pytest.raises(NoteError, match="signer 'file' chosen but there is no key file"):
        signer_from_settings(AuditSettings(signer="file"))
    with pytest.raises(NoteError, match=r"no audit signing key at .* and PIWARDEN_AUDIT_KEY is not set"):
        load_signer(create=False)
    assert not piwarden_home.exists()


def test_an_explicit_key_file_is_the_only_source(kms: FakeKMS, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIWARDEN_MASK_KEY", KMS_MASK.export())
    with pytest.raises(KeyFileError, match="no key file at"):
        load_keys(tmp_path / "given.key", create=False)
    assert load_keys(tmp_path / "given.key").key_id != KMS_MASK.key_id and kms.calls == []


def test_honeytoken_key_from_the_key_file(piwarden_home: Path, tmp_path: Path) -> None:
    reg = tmp_path / "reg.json"
    plant = ["forensics", "honeytokens", "plant", "--registry", str(reg), "--party", "logistics:SF",
             "--per-party", "1"]
    result = runner.invoke(app, plant)
    assert result.exit_code == 2 and "give --key or set PIWARDEN_HONEYTOKEN_KEY" in result.output
    assert runner.invoke(app, plant, env={"PIWARDEN_HONEYTOKEN_KEY": "k1"}).exit_code == 0
    write_key_file(key_path(HONEYTOKEN_KEY), b"k1\n")
    result = runner.invoke(app, plant)  # the same key from the file: the registry accepts it
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["exposed_to"] for line in result.stdout.splitlines()] == [["logistics:SF"]]
    key_path(HONEYTOKEN_KEY).write_bytes(b"k2\n")
    result = runner.invoke(app, plant)
    assert result.exit_code == 2 and "different key" in result.output


def test_documents_mark_key_is_made_once(piwarden_home: Path) -> None:
    first = load_key(DOCUMENTS_MARK_KEY, create=lambda: bytes(range(32)) + b"\n")
    again = load_key(DOCUMENTS_MARK_KEY, create=lambda: b"other")
    assert first is not None and again is not None
    assert first.material == again.material == bytes(range(32)) + b"\n"  # raw bytes: nothing stripped
    assert again.path == piwarden_home / "keys" / "documents-mark.key"


def test_audit_key_from_the_setting_wins_over_the_file(piwarden_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from_file = load_signer()
    monkeypatch.setenv("PIWARDEN__KEYS__AUDIT_KEY", KMS_AUDIT.skey())
    assert load_signer().verifier.vkey() == KMS_AUDIT.verifier.vkey() != from_file.verifier.vkey()
    assert signer_from_settings(AuditSettings(signer="env")).verifier.vkey() == KMS_AUDIT.verifier.vkey()
    assert find_key(AUDIT_KEY, sources=("file",)) is not None
