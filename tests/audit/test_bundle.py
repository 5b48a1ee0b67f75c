"""Export and offline verification, and the tamper cases the issue lists (property-based)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from piwarden.audit.bundle import FILES, export_bundle
from piwarden.audit.checkpoint import InconsistentHead, sign_head
from piwarden.audit.log import AuditLog, open_log
from piwarden.audit.note import NoteSigner
from piwarden.audit.verify import verify_bundle

from .conftest import make_event
from .tamper import execute, truncate

SIGNER = NoteSigner.generate("test.example/audit")
OTHER = NoteSigner.generate("test.example/audit")


def build_log(work: Path, n: int, heads: list[int]) -> AuditLog:
    """A log of ``n`` events with checkpoints signed at the given sizes (and at n on export)."""
    log = open_log(f"sqlite:///{work / 'audit.db'}")
    for size in sorted(set(heads)):
        log.append_many(make_event(i) for i in range(log.size(), size))
        sign_head(log, SIGNER)
    log.append_many(make_event(i) for i in range(log.size(), n))
    return log


def lines(bundle: Path) -> list[bytes]:
    return (bundle / FILES["events"]).read_bytes().split(b"\n")[:-1]


def write_lines(bundle: Path, items: list[bytes]) -> None:
    (bundle / FILES["events"]).write_bytes(b"".join(x + b"\n" for x in items))


logs = st.integers(3, 30).flatmap(lambda n: st.tuples(st.just(n), st.lists(st.integers(1, n), max_size=3)))
SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return tmp_path


def _fresh(shape: tuple[int, list[int]]) -> tuple[Path, AuditLog, Path]:
    work = Path(tempfile.mkdtemp())
    log = build_log(work, *shape)
    bundle = work / "bundle"
    export_bundle(log, bundle, SIGNER)
    return work, log, bundle


def test_export_verifies_on_both_backends(audit_log: AuditLog, tmp_path: Path) -> None:
    audit_log.append_many(make_event(i) for i in range(12))
    sign_head(audit_log, SIGNER)
    audit_log.append_many(make_event(i) for i in range(12, 20))
    manifest = export_bundle(audit_log, tmp_path / "b", SIGNER)
    report = verify_bundle(tmp_path / "b", key=SIGNER.verifier.vkey())
    assert report.ok, report.problems
    assert (report.size, report.checkpoints, manifest["size"]) == (20, 2, 20)


def test_pinned_key_must_match(work: Path) -> None:
    log = build_log(work, 5, [])
    export_bundle(log, work / "b", SIGNER)
    assert not verify_bundle(work / "b", key=OTHER.verifier.vkey()).ok
    assert verify_bundle(work / "b").ok


@SETTINGS
@given(shape=logs, data=st.data())
def test_any_flipped_byte_is_found_at_its_index(shape: tuple[int, list[int]], data: st.DataObject) -> None:
    work, log, bundle = _fresh(shape)
    items = lines(bundle)
    i = data.draw(st.integers(0, len(items) - 1))
    j = data.draw(st.integers(0, len(items[i]) - 1))
    changed = bytearray(items[i])
    changed[j] ^= data.draw(st.integers(1, 255))
    items[i] = bytes(changed)
    write_lines(bundle, items)
    report = verify_bundle(bundle, key=SIGNER.verifier.vkey())
    assert not report.ok and report.first_bad_index == i
    log.close()
    shutil.rmtree(work)


@SETTINGS
@given(shape=logs, data=st.data())
def test_reorder_delete_and_reappend_are_found(shape: tuple[int, list[int]], data: st.DataObject) -> None:
    work, log, bundle = _fresh(shape)
    items = lines(bundle)
    n = len(items)
    i = data.draw(st.integers(0, n - 2))
    j = data.draw(st.integers(i + 1, n - 1))
    how = data.draw(st.sampled_from(["swap", "delete", "reappend"]))
    if how == "swap":
        items[i], items[j] = items[j], items[i]
    elif how == "delete":
        del items[i]
    else:
        items[i:] = [make_event(k, actor="someone-else")["actor"].encode() + b"?" for k in range(i, n)]
    write_lines(bundle, items)
    report = verify_bundle(bundle, key=SIGNER.verifier.vkey())
    assert not report.ok and report.first_bad_index == i, (how, report.problems)
    log.close()
    shutil.rmtree(work)


def test_database_rewrite_is_refused_at_export(work: Path) -> None:
    log = build_log(work, 10, [6])
    truncate(log, 4)
    log.append_many(make_event(i, actor="someone-else") for i in range(4, 12))
    with pytest.raises(InconsistentHead):
        export_bundle(log, work / "b", SIGNER)


@SETTINGS
@given(shape=logs, data=st.data())
def test_resigned_head_over_other_history_is_found(shape: tuple[int, list[int]], data: st.DataObject) -> None:
    """The operator holds the key: truncates at k, appends other events, drops the old heads and
    signs again. A witness kept the old checkpoints; verifying against them fails."""
    n, heads = shape
    work = Path(tempfile.mkdtemp())
    log = build_log(work, n, heads)
    witnessed = [sign_head(log, SIGNER).note] + [h.note for h in log.store.heads()]
    k = data.draw(st.integers(0, n - 1))
    truncate(log, k)
    execute(log, "DELETE FROM audit_heads")
    log.append_many(make_event(i, actor="someone-else") for i in range(k, n + 2))
    export_bundle(log, work / "b", SIGNER)
    assert verify_bundle(work / "b", key=SIGNER.verifier.vkey()).ok  # alone, it looks fine
    report = verify_bundle(work / "b", key=SIGNER.verifier.vkey(), extra_checkpoints=witnessed)
    assert not report.ok
    signed_before = max([s for s in [0, *heads] if s <= k])
    assert report.first_bad_index is not None and signed_before <= report.first_bad_index <= k
    log.close()
    shutil.rmtree(work)


def test_forged_leaf_hashes_only_localise_to_the_checkpoint(work: Path) -> None:
    log = build_log(work, 20, [8, 16])
    export_bundle(log, work / "b", SIGNER)
    items = lines(work / "b")
    items[11] = items[11].replace(b"cs-", b"xx-")
    write_lines(work / "b", items)
    from piwarden.audit.hasher import hash_leaf

    (work / "b" / FILES["leaf_hashes"]).write_bytes(b"".join(hash_leaf(x) for x in items))
    report = verify_bundle(work / "b", key=SIGNER.verifier.vkey())
    assert not report.ok and report.first_bad_index == 8


def test_bad_signature_and_missing_files_fail_cleanly(work: Path) -> None:
    log = build_log(work, 5, [2])
    export_bundle(log, work / "b", SIGNER)
    cps = work / "b" / FILES["checkpoints"]
    cps.write_text(cps.read_text().replace("\n5\n", "\n6\n"))
    assert not verify_bundle(work / "b", key=SIGNER.verifier.vkey()).ok
    (work / "b" / FILES["events"]).unlink()
    assert not verify_bundle(work / "b", key=SIGNER.verifier.vkey()).ok


def _peak_verify_bytes(work: Path, n: int) -> tuple[int, int]:
    """Peak Python memory of verifying a bundle of ``n`` events, and the bundle's events file size."""
    import tracemalloc

    from piwarden.audit.store_base import EncodedEvent
    from piwarden.events import parse_event

    work.mkdir()  # the log's folder must exist: a path with a typo is not created
    log = open_log(f"sqlite:///{work / 'audit.db'}")
    encoded = [EncodedEvent.of(parse_event(make_event(i, note="x" * 200))) for i in range(n)]
    for k in range(0, n, 5000):
        log.append_encoded(encoded[k:k + 5000])
    sign_head(log, SIGNER)  # a checkpoint in the middle too
    log.append_encoded([EncodedEvent.of(parse_event(make_event(n)))])
    export_bundle(log, work / "bundle", SIGNER)
    log.close()
    del encoded
    tracemalloc.start()
    try:
        report = verify_bundle(work / "bundle", key=SIGNER.verifier.vkey())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.ok, report.problems
    return peak, (work / "bundle" / FILES["events"]).stat().st_size


def test_verify_streams_in_constant_memory(tmp_path: Path) -> None:
    """Peak memory of verify does not grow with the bundle: 10x the events, about the same peak,
    and far below the size of the events file (which a loading verifier would hold at least once)."""
    small, _ = _peak_verify_bytes(tmp_path / "small", 2_000)
    large, events_bytes = _peak_verify_bytes(tmp_path / "large", 20_000)
    assert events_bytes > 5_000_000
    assert large < 1_000_000 and large < 2 * small + 200_000, (small, large)


def test_streaming_verifier_names_the_first_bad_index_past_a_chunk(tmp_path: Path) -> None:
    """A flipped byte far into the stream (past several hashing chunks) is found exactly."""
    from piwarden.audit import verify

    log = build_log(tmp_path, 3 * verify.CHUNK + 17, [verify.CHUNK + 5, 2 * verify.CHUNK])
    export_bundle(log, tmp_path / "bundle", SIGNER)
    items = lines(tmp_path / "bundle")
    bad = 2 * verify.CHUNK + 3
    items[bad] = items[bad].replace(b"cs-", b"cS-", 1)
    write_lines(tmp_path / "bundle", items)
    report = verify_bundle(tmp_path / "bundle", key=SIGNER.verifier.vkey())
    assert not report.ok and report.first_bad_index == bad


def test_export_with_another_key_is_refused_cleanly(work: Path) -> None:
    """The latest head is by another key and the log has not grown since: export refuses (as
    signing does) instead of failing with an IndexError."""
    log = build_log(work, 5, [5])
    with pytest.raises(InconsistentHead):
        export_bundle(log, work / "b1", OTHER)
    assert not (work / "b1").exists()
