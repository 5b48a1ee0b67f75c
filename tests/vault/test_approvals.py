"""Approvals of single reveals through the API: request, a checker's decision, one read in clear, all logged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from piwarden.client import VaultApiError
from piwarden.vault import BadRequest, Caller

from .conftest import CUSTOMERS, Actors


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: the steps are conditional updates that test_numbers.py and test_exports.py run on both."""
    return f"sqlite:///{tmp_path / 'piwarden.db'}"


def events(actors: Actors) -> dict[str, dict[str, Any]]:
    return {(ev := json.loads(e.body))["id"]: ev for e in actors.app.state.audit_log.events() if e.body}


def test_a_checker_lets_the_requester_see_a_field_once(actors: Actors) -> None:
    ids = actors.app.state.vault.identities
    ids.add_account("sec-1", kind="service", roles=["security"], tenant="platform", party="platform.sec",
                    scopes=["vault:approve"])
    checker = actors.client(ids.new_api_key("sec-1"))
    record = actors.service.create("customer", "c-1", CUSTOMERS[0]).id
    secret = CUSTOMERS[0]["id_number"]

    before = actors.cs.get(record, reveal=["id_number"]).record
    assert before.pending_approval == ["id_number"] and before.values["id_number"] != secret
    asked = actors.cs.request_reveal(record, "id_number", "customer asks to confirm the ID on file")
    a = asked["approval"]
    assert a["status"] == "pending" and a["requester"] == "cs-0042"
    with pytest.raises(VaultApiError) as no_scope:  # the requester holds no vault:approve
        actors.cs.decide_reveal(a["id"], True)
    assert no_scope.value.status == 403
    with pytest.raises(BadRequest, match="maker"):  # nor may a checker decide a request of its own
        actors.app.state.vault.approvals.decide(Caller("cs-0042", "platform.cs", "customer_service", "platform"),
                                                a["id"], True)
    with pytest.raises(VaultApiError) as needless:  # phone is revealed by the rules: nothing to approve
        actors.cs.request_reveal(record, "phone")
    assert needless.value.status == 422
    assert [x["id"] for x in checker.approvals("pending")] == [a["id"]]

    decided = checker.decide_reveal(a["id"], True, "verified with the ticket")
    assert decided["approval"]["status"] == "approved" and decided["approval"]["checker"] == "sec-1"
    shown = actors.cs.get(record, reveal=["id_number"])
    assert shown.record.values["id_number"] == secret and shown.record.clear == ["id_number"]
    again = actors.cs.get(record, reveal=["id_number"]).record  # one read only
    assert again.values["id_number"] != secret and again.pending_approval == ["id_number"]
    assert checker.approvals()[0]["status"] == "used"

    logged = events(actors)
    steps = [logged[asked["event_id"]], logged[decided["event_id"]], logged[shown.event_id]]
    assert [(e["actor"], e["result"], e["fields"]) for e in steps] == [
        ("cs-0042", "pending_approval", []), ("sec-1", "allowed", []), ("cs-0042", "allowed", ["id_number"])]
    assert steps[0]["ticket"] == "CS-1001" and steps[1]["ticket"] == a["id"]
    assert secret not in json.dumps(logged, ensure_ascii=False)

    refused = checker.decide_reveal(actors.cs.request_reveal(record, "id_number")["approval"]["id"], False)
    assert refused["approval"]["status"] == "refused"
    assert actors.cs.get(record, reveal=["id_number"]).record.values["id_number"] != secret
