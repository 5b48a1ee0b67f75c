"""An RFC 3161 time stamp over the checkpoint travels in the evidence pack, and the standalone verifier ties it to
that checkpoint."""

from __future__ import annotations

from pathlib import Path

from piwarden.audit.log import open_log
from piwarden.audit.settings import AuditSettings
from piwarden.audit.signer import signer_from_settings
from piwarden.audit.witness import publish
from piwarden.evidence import SubjectRequest, build_subject_pack, verify_pack

from .tsa_server import LocalTSA, running_tsa


def test_time_stamp_in_the_pack(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'piwarden.db'}"
    tsa = LocalTSA()
    (tmp_path / "tsa.pem").write_bytes(tsa.cert_pem)
    with open_log(url) as log:
        log.append_many({"id": f"t-{i}", "ts": "2026-03-01T10:00:00+08:00", "actor": "a", "party": "platform.cs",
                         "role": "customer_service", "action": "view", "resource": "order", "subjects": ["c-1"],
                         "fields": ["name"]} for i in range(4))
        with running_tsa(tsa) as tsa_url:
            out = publish(log, signer_from_settings(), AuditSettings(tsa_url=tsa_url, tsa_cert=tmp_path / "tsa.pem"))
    assert out.timestamp is not None
    pack = tmp_path / "pack"
    build_subject_pack(SubjectRequest("c-1", pack, formats=("html",)), url)
    report = verify_pack(pack)
    assert report.ok and report.stamped == 1, report.failures
    assert (pack / "timestamp-1.tsr").read_bytes() == out.timestamp.token
    other = LocalTSA()  # a stamp over something else, slipped in under the same name, is named
    with open_log(f"sqlite:///{tmp_path / 'other.db'}") as log2:
        log2.append({"id": "x", "ts": "2026-03-01T10:00:00+08:00", "actor": "a", "party": "p", "role": "r",
                     "action": "view", "resource": "order", "subjects": ["c-2"], "fields": ["name"]})
        with running_tsa(other) as tsa_url:
            (tmp_path / "o.pem").write_bytes(other.cert_pem)
            foreign = publish(log2, signer_from_settings(), AuditSettings(tsa_url=tsa_url, tsa_cert=tmp_path / "o.pem"))
    assert foreign.timestamp is not None
    (pack / "timestamp-1.tsr").write_bytes(foreign.timestamp.token)
    failures = " | ".join(verify_pack(pack).failures)
    assert "timestamp-1.tsr: is not a time stamp of this checkpoint" in failures
