"""Witnessing: directory witness, C2SP tlog-witness over HTTP with cosignatures, RFC 3161 TSA, a plugin's witness."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from piwarden.audit.bundle import export_bundle
from piwarden.audit.checkpoint import open_checkpoint
from piwarden.audit.cosign import CosignatureVerifier, Cosigner
from piwarden.audit.log import AuditLog, open_log
from piwarden.audit.note import NoteError, NoteSigner, NoteVerifier, split_note
from piwarden.audit.proof import verify_consistency
from piwarden.audit.settings import AuditSettings
from piwarden.audit.store_base import HeadRecord
from piwarden.audit.timestamp import TimestampError, imprint, verify_token
from piwarden.audit.verify import verify_bundle
from piwarden.audit.witness import WITNESS_FILE, WitnessError, publish, read_witness_file, witnesses
from piwarden.plugins import hookimpl, new_plugin_manager

from .conftest import make_event
from .tamper import execute, truncate
from .tsa_server import LocalTSA, running_tsa
from .witness_server import LocalWitness, running_witness

SIGNER = NoteSigner.generate("witness.test/audit")


@pytest.fixture
def log(tmp_path: Path) -> Iterator[AuditLog]:
    with open_log(f"sqlite:///{tmp_path / 'a.db'}") as opened:
        yield opened


def grow(log: AuditLog, n: int) -> None:
    log.append_many(make_event(i) for i in range(log.size(), log.size() + n))


def rewrite(log: AuditLog, keep: int) -> None:
    """The operator (who holds the key) cuts history at ``keep``, appends other events, re-signs."""
    size = log.size()
    truncate(log, keep)
    execute(log, "DELETE FROM audit_heads")
    log.append_many(make_event(i, actor="someone-else") for i in range(keep, size + 1))


def test_cosignature_round_trip_and_key_format() -> None:
    witness = Cosigner.generate("witness.example/w1")
    note = SIGNER.sign("o\n5\n" + "A" * 43 + "=\n")
    text, _ = split_note(note)
    cosigned = note + witness.cosign(text, 1_700_000_000)
    verifier = CosignatureVerifier.from_vkey(witness.verifier.vkey())
    assert verifier.verify(cosigned) == 1_700_000_000
    with pytest.raises(NoteError):
        Cosigner.generate("witness.example/w1").verifier.verify(cosigned)  # same name, other key
    with pytest.raises(NoteError):
        CosignatureVerifier.from_vkey(SIGNER.verifier.vkey())  # a log key (type 0x01) is not a witness key
    assert "PRIVATE" not in repr(witness)


def test_directory_witness_appends_consistent_checkpoints_only(log: AuditLog, tmp_path: Path) -> None:
    settings = AuditSettings(witness_dir=tmp_path / "w")
    grow(log, 5)
    assert publish(log, SIGNER, settings).directory is True
    assert publish(log, SIGNER, settings).directory is False  # nothing new
    grow(log, 9)
    assert publish(log, SIGNER, settings).head.size == 14
    notes = read_witness_file(tmp_path / "w" / WITNESS_FILE, SIGNER.verifier)
    assert len(notes) == 2
    rewrite(log, 3)
    with pytest.raises(WitnessError):
        publish(log, SIGNER, settings)
    # The rewritten log exports a self-consistent bundle; the witness's file exposes it.
    export_bundle(log, tmp_path / "b", SIGNER)
    assert verify_bundle(tmp_path / "b", key=SIGNER.verifier.vkey()).ok
    report = verify_bundle(tmp_path / "b", key=SIGNER.verifier.vkey(), extra_checkpoints=notes)
    assert not report.ok and report.first_bad_index is not None and report.first_bad_index <= 3


def test_directory_witness_file_tampering_is_found(log: AuditLog, tmp_path: Path) -> None:
    settings = AuditSettings(witness_dir=tmp_path / "w")
    for n in (3, 4, 5):
        grow(log, n)
        publish(log, SIGNER, settings)
    path = tmp_path / "w" / WITNESS_FILE
    lines = path.read_text().splitlines()
    entry = json.loads(lines[2])
    entry["proof"] = entry["proof"][::-1]
    path.write_text("\n".join([*lines[:2], json.dumps(entry)]) + "\n")
    with pytest.raises(WitnessError, match="line 3"):
        read_witness_file(path, SIGNER.verifier)


def test_http_witness_cosigns_and_refuses_a_rewritten_history(log: AuditLog, tmp_path: Path) -> None:
    witness = LocalWitness("witness.test/w1", {SIGNER.name: SIGNER.verifier})
    with running_witness(witness) as url:
        settings = AuditSettings(witness_url=url, witness_key=witness.cosigner.verifier.vkey())
        grow(log, 7)
        first = publish(log, SIGNER, settings)
        assert first.cosigned is not None and witness.state[SIGNER.name][0] == 7
        grow(log, 10)
        publish(log, SIGNER, settings)
        assert witness.requests == [200, 200]  # it knew the witness's size from the stored cosignature
        assert all(witness.cosigner.verifier.verify(h.note) for h in log.store.heads())
        export_bundle(log, tmp_path / "b", SIGNER)
        report = verify_bundle(tmp_path / "b", key=SIGNER.verifier.vkey(),
                               witness_keys=[witness.cosigner.verifier.vkey()])
        assert report.ok and report.witnessed == {"witness.test/w1": 17}
        other = Cosigner.generate("witness.test/w2").verifier.vkey()
        assert not verify_bundle(tmp_path / "b", key=SIGNER.verifier.vkey(), witness_keys=[other]).ok

        rewrite(log, 4)  # heads gone: the log no longer knows what the witness saw
        with pytest.raises(WitnessError):
            publish(log, SIGNER, settings)
        assert witness.requests[-2:] == [409, 422]  # told its size, then the proof failed
        assert witness.state[SIGNER.name][0] == 17


def test_http_witness_refuses_unknown_logs_and_keys(log: AuditLog) -> None:
    witness = LocalWitness("witness.test/w1", {"someone.else/log": SIGNER.verifier})
    grow(log, 2)
    with running_witness(witness) as url:
        settings = AuditSettings(witness_url=url, witness_key=witness.cosigner.verifier.vkey())
        with pytest.raises(WitnessError, match="404"):
            publish(log, SIGNER, settings)
        witness.logs[SIGNER.name] = NoteSigner.generate(SIGNER.name).verifier
        with pytest.raises(WitnessError, match="403"):
            publish(log, SIGNER, settings)
    with pytest.raises(WitnessError, match="unreachable"):
        publish(log, SIGNER, settings)


def test_timestamp_from_the_test_tsa_is_kept_and_verifies(log: AuditLog, tmp_path: Path) -> None:
    tsa = LocalTSA()
    (tmp_path / "tsa.pem").write_bytes(tsa.cert_pem)
    grow(log, 4)
    with running_tsa(tsa) as url:
        out = publish(log, SIGNER, AuditSettings(tsa_url=url, tsa_cert=tmp_path / "tsa.pem"))
    assert out.timestamp is not None
    ((size, root, tsa_url, token),) = log.store.timestamps()
    assert (size, root, tsa_url) == (4, out.head.root, url)
    text, _ = split_note(out.head.note)
    assert verify_token(token, imprint(text), tsa.cert_pem).serial == out.timestamp.serial
    with pytest.raises(TimestampError, match="imprint"):
        verify_token(token, imprint(text.replace("\n4\n", "\n5\n")), tsa.cert_pem)
    with pytest.raises(TimestampError, match="signature"):
        verify_token(token, imprint(text), LocalTSA().cert_pem)  # another TSA's key


@pytest.mark.parametrize(("misbehave", "problem"), [
    ("nonce", "nonce"), ("imprint", "imprint"), ("reject", "did not grant"), ("signature", "signature")])
def test_bad_tsa_answers_are_refused(log: AuditLog, tmp_path: Path, misbehave: str, problem: str) -> None:
    tsa = LocalTSA(misbehave)
    (tmp_path / "tsa.pem").write_bytes(tsa.cert_pem)
    grow(log, 2)
    with running_tsa(tsa) as url, pytest.raises(TimestampError, match=problem):
        publish(log, SIGNER, AuditSettings(tsa_url=url, tsa_cert=tmp_path / "tsa.pem"))
    assert log.store.timestamps() == []


def test_tsa_certificate_must_be_for_time_stamping(log: AuditLog, tmp_path: Path) -> None:
    tsa = LocalTSA(eku=False)
    (tmp_path / "tsa.pem").write_bytes(tsa.cert_pem)
    grow(log, 1)
    with running_tsa(tsa) as url, pytest.raises(TimestampError, match="key usage"):
        publish(log, SIGNER, AuditSettings(tsa_url=url, tsa_cert=tmp_path / "tsa.pem"))


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PIWARDEN__AUDIT__WITNESS_DIR", str(tmp_path))
    monkeypatch.setenv("PIWARDEN__AUDIT__WITNESS_TIMEOUT_S", "2.5")
    s = AuditSettings()
    assert (s.witness_dir, s.witness_timeout_s) == (tmp_path, 2.5)
    assert all(f.description for f in AuditSettings.model_fields.values())


class NotebookWitness:
    """A plugin's witness: checks the log's signature and that each head extends the last it kept."""

    name = "notebook"

    def __init__(self) -> None:
        self.kept: list[tuple[int, bytes]] = []

    def publish(self, log: AuditLog, head: HeadRecord, verifier: NoteVerifier) -> int:
        cp = open_checkpoint(head.note, verifier)
        if self.kept:
            size, root = self.kept[-1]
            if cp.size < size:
                raise WitnessError(f"notebook holds a tree of size {size}")
            verify_consistency(size, cp.size, log.consistency_proof(size, cp.size), root, cp.root)
        self.kept.append((cp.size, cp.root))
        return len(self.kept)


class NotebookPlugin:
    def __init__(self, witness: NotebookWitness) -> None:
        self.witness = witness

    @hookimpl
    def piwarden_audit_witnesses(self, settings: AuditSettings) -> list[NotebookWitness]:
        return [self.witness]


def test_plugin_witness_is_published_to_after_the_built_ins(log: AuditLog, tmp_path: Path) -> None:
    notebook = NotebookWitness()
    pm = new_plugin_manager(NotebookPlugin(notebook), entry_points=False)
    settings = AuditSettings(witness_dir=tmp_path / "w")
    assert [w.name for w in witnesses(settings, pm)] == ["directory", "notebook"]
    assert [w.name for w in witnesses(AuditSettings(), pm)] == ["notebook"]  # no directory configured
    grow(log, 5)
    out = publish(log, SIGNER, settings, pm)
    assert out.witnessed == {"directory": True, "notebook": 1} and out.directory is True and out.cosigned is None
    grow(log, 3)
    assert publish(log, SIGNER, AuditSettings(), pm).witnessed == {"notebook": 2}
    assert [size for size, _ in notebook.kept] == [5, 8]
    assert publish(log, SIGNER, settings).witnessed == {"directory": True}  # the process's plugins: none of it
    pm.register(NotebookPlugin(NotebookWitness()))
    with pytest.raises(WitnessError, match="share a name: notebook"):
        publish(log, SIGNER, settings, pm)
