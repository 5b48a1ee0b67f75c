"""Retention: bodies purged, leaf hashes kept; proofs, heads and bundles still verify; disk shrinks."""

from __future__ import annotations

from pathlib import Path

import pytest

from piwarden.audit.bundle import FILES, export_bundle
from piwarden.audit.checkpoint import sign_head
from piwarden.audit.hasher import hash_leaf
from piwarden.audit.log import AuditLog, open_log
from piwarden.audit.note import NoteSigner
from piwarden.audit.proof import verify_consistency, verify_inclusion
from piwarden.audit.retention import purge
from piwarden.audit.store_base import Query
from piwarden.events import parse_ts

from .conftest import make_event

SIGNER = NoteSigner.generate("retention.test/audit")
CUTOFF = parse_ts("2026-03-10T00:00:00+08:00")
CUTOFF_US = int(CUTOFF.timestamp() * 1_000_000)


def _old(i: int) -> bool:
    return parse_ts(make_event(i)["ts"]) < CUTOFF


def test_purge_keeps_tree_proofs_and_heads(audit_log: AuditLog) -> None:
    audit_log.append_many(make_event(i) for i in range(60))
    head = sign_head(audit_log, SIGNER)
    bodies = [e.body for e in audit_log.events()]
    old_root = audit_log.root(17)
    result = purge(audit_log, before_us=CUTOFF_US)
    assert result.purged == sum(_old(i) for i in range(60)) > 0
    for e in audit_log.events():
        assert (e.body is None) == _old(e.index) and e.leaf_hash == hash_leaf(bodies[e.index] or b"")
    assert audit_log.root() == head.root and audit_log.root(17) == old_root
    for i in (0, 13, 59):
        verify_inclusion(i, 60, audit_log.leaf_hash(i), audit_log.inclusion_proof(i, 60), head.root)
    verify_consistency(17, 60, audit_log.consistency_proof(17, 60), old_root, head.root)
    kept = [e.index for e in audit_log.query(Query(subject="c-3"))]
    assert kept and all(not _old(i) for i in kept)  # the subject index forgot purged leaves
    assert purge(audit_log, before_us=CUTOFF_US).purged == 0  # idempotent
    sign_head(audit_log, SIGNER)  # the tree did not change, so a new head extends the old


def test_purge_by_index_then_bundle_verifies_with_leaf_hashes(audit_log: AuditLog, tmp_path: Path) -> None:
    audit_log.append_many(make_event(i) for i in range(30))
    sign_head(audit_log, SIGNER)
    assert purge(audit_log, below_index=12, vacuum=False).purged == 12
    audit_log.append_many(make_event(i) for i in range(30, 40))
    manifest = export_bundle(audit_log, tmp_path / "b", SIGNER)
    assert manifest["purged"] == 12
    lines = (tmp_path / "b" / FILES["events"]).read_bytes().split(b"\n")[:-1]
    assert lines[:12] == [b""] * 12 and all(lines[12:])
    report = verify_bundle_ok(tmp_path / "b")
    assert report.purged == 12


def verify_bundle_ok(path: Path):  # type: ignore[no-untyped-def]
    from piwarden.audit.verify import verify_bundle

    report = verify_bundle(path, key=SIGNER.verifier.vkey())
    assert report.ok, report.problems
    return report


def test_purged_leaf_with_a_forged_hash_or_no_hash_fails(tmp_path: Path) -> None:
    from piwarden.audit.verify import verify_bundle

    with open_log(f"sqlite:///{tmp_path / 'a.db'}") as log:
        log.append_many(make_event(i) for i in range(20))
        sign_head(log, SIGNER)
        log.append_many(make_event(i) for i in range(20, 25))
        purge(log, below_index=8, vacuum=False)
        export_bundle(log, tmp_path / "b", SIGNER)
    hashes = tmp_path / "b" / FILES["leaf_hashes"]
    blob = bytearray(hashes.read_bytes())
    blob[5 * 32] ^= 1
    hashes.write_bytes(bytes(blob))
    report = verify_bundle(tmp_path / "b", key=SIGNER.verifier.vkey())
    assert not report.ok and report.first_bad_index == 0  # only a checkpoint interval vouches for it
    hashes.write_bytes(bytes(blob[:3 * 32]))
    report = verify_bundle(tmp_path / "b", key=SIGNER.verifier.vkey())
    assert not report.ok and report.first_bad_index == 0
    assert any("event 3 is empty" in p for p in report.problems)


def test_purge_needs_a_cutoff(audit_log: AuditLog) -> None:
    with pytest.raises(ValueError):
        purge(audit_log)


def test_disk_use_shrinks(db_url: str) -> None:
    padding = "x" * 400  # unknown keys are kept: bodies the size of real events with context
    with open_log(db_url) as log:
        for k in range(0, 4000, 1000):
            log.append_many(make_event(i, note=padding) for i in range(k, k + 1000))
        log.store.reclaim()
        result = purge(log, below_index=3800, full=True)
        assert result.purged == 3800
        assert result.bytes_after < 0.6 * result.bytes_before, result
        assert log.size() == 4000 and log.events(3999, 4000).__next__().body is not None
