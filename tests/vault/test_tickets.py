"""Tickets bound to their subject: a rule with ``ticket: bound`` grants only for a registered, open, unexpired
ticket that names the record's subject, serves the purpose and is assigned to the caller."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from piwarden.client import VaultApiError, VaultClient
from piwarden.server import create_app
from piwarden.settings import clear_settings_cache
from piwarden.vault.policy import Ask, parse_policy

from .conftest import PASSWORD, pg_scratch

POLICY = {"version": 1, "default": "masked", "rules": [
    {"id": "cs-bound", "effect": "reveal", "roles": ["customer_service"], "purposes": ["after_sales"],
     "ticket": "bound", "max_grade": "L2", "owner": "any"}]}


def test_the_rule_wants_the_ticket_bound() -> None:
    p = parse_policy(POLICY)
    ask = Ask(role="customer_service", purpose="after_sales", ticket="T-1", tenant="platform", owner="platform",
              resource="customer", field="phone", grade=2, sensitive=False, action="reveal")
    assert p.decide(ask).effect == "masked"  # a ticket number alone is not enough
    assert p.decide(ask.but(ticket_bound=True)).effect == "reveal"
    (why,) = [m for _, _, m in p.explain(ask)]
    assert why == "ticket (must be registered and name the subject)"


@pytest.fixture(params=["sqlite", "postgresql"])
def desk(request: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    db = f"sqlite:///{tmp_path / 'piwarden.db'}" if request.param == "sqlite" else pg_scratch("tickets")
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(POLICY), "utf-8")
    monkeypatch.setenv("PIWARDEN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PIWARDEN__DATABASE__URL", db)
    monkeypatch.setenv("PIWARDEN__VAULT__POLICY", str(path))
    clear_settings_cache()
    app = create_app(db, plugins=False)
    with TestClient(app) as http:
        ids = app.state.vault.identities
        ids.add_account("svc", kind="service", roles=["service"], tenant="platform", party="p.ops")
        ids.add_account("desk", kind="service", roles=["service"], tenant="platform", party="p.tickets",
                        scopes=["vault:tickets"])
        for agent in ("cs-1", "cs-2"):
            ids.add_account(agent, kind="staff", roles=["customer_service"], tenant="platform", party="p.cs",
                            password=PASSWORD)
        svc = VaultClient("http://testserver", ids.new_api_key("svc"), http=http)
        for n in range(3):
            svc.create("customer", f"c-{n}", {"name": "测试", "phone": f"1390000000{n}"})
        agents = {}
        for agent in ("cs-1", "cs-2"):
            c = VaultClient("http://testserver", http=http, purpose="after_sales")
            c.login(agent, PASSWORD)
            agents[agent] = c
        yield {"desk": VaultClient("http://testserver", ids.new_api_key("desk"), http=http), "agents": agents,
               "app": app}
    clear_settings_cache()


def phone_of(client: VaultClient, n: int) -> list[str]:
    (view,) = client.search("customer", "phone", f"1390000000{n}", reveal=["phone"]).records
    return view.clear


def test_a_ticket_reveals_only_the_subjects_it_names_to_its_assignee(desk: dict[str, Any]) -> None:
    d, cs1, cs2 = desk["desk"], desk["agents"]["cs-1"], desk["agents"]["cs-2"]
    t = d.put_ticket("CS-77", ["c-0"], purpose="after_sales", assignee="cs-1", expires_in_s=3600)
    assert t["subjects"] == ["c-0"] and t["closed_us"] is None
    with_ticket = cs1.with_context(ticket="CS-77")
    assert phone_of(with_ticket, 0) == ["phone"]  # the subject the ticket names
    assert phone_of(with_ticket, 1) == []  # another customer: masked, whatever the ticket number
    assert phone_of(cs2.with_context(ticket="CS-77"), 0) == []  # not the assignee
    assert phone_of(cs1.with_context(ticket="CS-78"), 0) == []  # an unregistered number
    assert phone_of(cs1.with_context(ticket="CS-77", purpose="marketing"), 0) == []  # another purpose
    assert d.close_ticket("CS-77") and not d.close_ticket("CS-77")
    assert phone_of(with_ticket, 0) == []  # closed
    d.put_ticket("CS-79", ["c-2"], expires_in_s=1)
    time.sleep(1.2)
    assert phone_of(cs2.with_context(ticket="CS-79"), 2) == []  # expired
    with pytest.raises(VaultApiError) as caught:  # agents cannot register their own tickets
        cs1.put_ticket("CS-80", ["c-1"])
    assert caught.value.status == 403
