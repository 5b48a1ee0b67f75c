"""The outbox: a write's event commits with the write, reaches the log once, whatever point a crash hits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from piwarden.audit.store_base import EncodedEvent
from piwarden.settings import load_settings
from piwarden.vault import Caller, open_vault
from piwarden.vault.evidence import event

SERVICE = Caller("svc", "platform.ops", "service", "platform")


def test_drain_appends_what_a_crash_left_exactly_once(tmp_path: Path) -> None:
    rt = open_vault(load_settings(home=tmp_path / "home"), db=f"sqlite:///{tmp_path / 'p.db'}")
    try:
        ev = rt.vault.evidence
        committed_only = event(actor="svc", party="p", role="service", action="create", resource="customer",
                               subjects=["c-1"])
        appended_not_cleared = event(actor="svc", party="p", role="service", action="update", resource="customer",
                                     subjects=["c-2"])
        with rt.vault.store.transaction() as conn:  # crash after the record's commit, before the append
            ev.stage(conn, committed_only)
        with rt.vault.store.transaction() as conn:  # crash after the append, before the outbox row is deleted
            ev.stage(conn, appended_not_cleared)
        rt.vault.log.append_encoded([EncodedEvent.of(appended_not_cleared)])
        assert ev.pending() == 2
        assert ev.drain() == 0  # both claimed by a live request (this process) within the lease
        assert ev.drain(everything=True) == 1  # only the one missing from the log is appended
        assert ev.pending() == 0 and ev.drain(everything=True) == 0
        ids = [json.loads(e.body or b"{}")["id"] for e in rt.vault.log.events()]
        assert sorted(ids) == sorted([committed_only.id, appended_not_cleared.id])
    finally:
        rt.close()


def test_erasure_interrupted_before_the_key_is_destroyed_is_finished(tmp_path: Path) -> None:
    rt = open_vault(load_settings(home=tmp_path / "home"), db=f"sqlite:///{tmp_path / 'p.db'}")
    try:
        rt.vault.create(SERVICE, "customer", "c-1", {"phone": "13812345678"})
        keys = rt.vault.store.keys
        destroy = keys.destroy_subject

        def crash(subject: str) -> bool:
            raise SystemExit("killed")

        keys.destroy_subject = crash  # type: ignore[method-assign]
        dpo = Caller("dpo", "platform.dpo", "dpo", "platform", ticket="R-1")
        with pytest.raises(SystemExit):
            rt.vault.erase(dpo, "c-1")
        assert keys.subject_key("c-1") is not None
        keys.destroy_subject = destroy  # type: ignore[method-assign]
        assert rt.vault.recover() == (0, 1) and keys.subject_key("c-1") is None  # the start-up recovery
        assert rt.vault.recover(everything=True) == (1, 0)  # the erasure's event, staged with the deletion
    finally:
        rt.close()
