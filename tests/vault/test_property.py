"""No reveal the policy does not grant: generated callers against the API, checked by a direct reading of the policy.

The reading below is deliberately naive (the YAML as dicts, every rule tried, no index): if the
service's evaluator, its views or its routes ever show a field in clear that no rule grants (or
that a stronger rule forbids), the API's answer and this reading disagree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from piwarden.client import VaultApiError, VaultClient
from piwarden.server import create_app
from piwarden.settings import clear_settings_cache
from piwarden.vault.record_types import bundled_record_types

from .conftest import CUSTOMERS, timeless_policy

STRENGTH = {"masked": 1, "reveal": 2, "needs_approval": 3, "deny": 4}
TYPES = bundled_record_types()
SAMPLE = {
    "customer": CUSTOMERS[0],
    "order": {"order_no": "O-1", "buyer_name": "欧阳娜娜", "buyer_phone": "13812345678", "ship_address": "杭州市文三路90号",
              "goods": "茶叶", "amount": "128.00", "payment_account": "6222020200112233445"},
    "waybill": {"waybill_no": "SF1234567890", "receiver_name": "欧阳娜娜", "receiver_phone": "13812345678",
                "receiver_address": "杭州市文三路90号", "sender_name": "李建国", "sender_phone": "13987654321"},
    "policy": {"policy_no": "P-2020-118273", "holder_name": "欧阳娜娜", "holder_phone": "13812345678",
               "holder_id_number": "11010519491231002X", "bank_card": "6222020200112233445", "health_notes": "无"},
    "certification": {"holder_name": "欧阳娜娜", "id_number": "11010519491231002X", "licence_no": "91330100MA27XXXX0A"},
}


def grade(g: object) -> int:
    return int(g) if isinstance(g, int) else int(str(g)[1])


def naive(rules: list[dict], default: str, *, role: str, purpose: str | None, ticket: str | None, tenant: str,
          owner: str, resource: str, field: str, action: str) -> str:
    """The policy read straight from its YAML (no time windows: the policy under test has none)."""
    spec = TYPES[resource].fields[field]
    best = None
    for r in rules:
        def within(key: str, value: object, r: dict = r) -> bool:
            allowed = r.get(key, "*")
            return allowed == "*" or value in allowed
        if not (within("roles", role) and within("purposes", purpose) and within("resources", resource)
                and within("fields", field)):
            continue
        if action not in r.get("actions", ["view", "reveal", "search"]):
            continue
        if "grades" in r and spec.grade not in [grade(g) for g in r["grades"]]:
            continue
        if "max_grade" in r and spec.grade > grade(r["max_grade"]):
            continue
        if "sensitive" in r and r["sensitive"] != spec.entity.sensitive:
            continue
        t = r.get("ticket", "any")
        if (t == "required" and not ticket) or (t == "absent" and ticket):
            continue
        o = r.get("owner", "own")
        if (o == "own" and owner != tenant) or (o == "other" and owner == tenant):
            continue
        if best is None or STRENGTH[r["effect"]] > STRENGTH[best]:
            best = r["effect"]
    return best or default


@dataclass
class World:
    http: TestClient
    keys: dict[str, str]
    records: list[tuple[str, str, str]]  # (id, type, owner)
    rules: list[dict]
    default: str
    roles: list[str]
    purposes: list[str]
    log: object


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("prop")
    mp = pytest.MonkeyPatch()
    mp.setenv("PIWARDEN_HOME", str(tmp / "home"))
    path = timeless_policy(tmp)
    mp.setenv("PIWARDEN__VAULT__POLICY", str(path))
    clear_settings_cache()
    doc = yaml.safe_load(path.read_text("utf-8"))
    roles = sorted({r for rule in doc["rules"] for r in (rule.get("roles") if rule.get("roles") != "*" else [])})
    purposes = sorted({p for rule in doc["rules"] for p in (rule.get("purposes") or []) if rule.get("purposes") != "*"})
    app = create_app(f"sqlite:///{tmp / 'p.db'}", plugins=False)
    try:
        with TestClient(app) as http:
            ids = app.state.vault.identities
            keys = {}
            for tenant in ("platform", "M0001", "SF"):
                ids.add_account(f"all-{tenant}", kind="service", roles=[*roles, "stranger"], tenant=tenant,
                                party=f"p.{tenant}", scopes=["vault:read", "vault:write"])
                keys[tenant] = ids.new_api_key(f"all-{tenant}")
            writer = VaultClient("http://testserver", keys["platform"], http=http, role="service")
            records = []
            for owner in ("platform", "M0001"):
                for tname, values in SAMPLE.items():
                    w = writer.create(tname, f"c-{owner}-{tname}", values, owner=owner)
                    records.append((w.id, tname, owner))
            yield World(http, keys, records, doc["rules"], doc.get("default", "masked"), [*roles, "stranger"],
                        purposes, app.state.audit_log)
    finally:
        mp.undo()
        clear_settings_cache()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_no_reveal_the_policy_does_not_grant(world: World, data: st.DataObject) -> None:
    tenant = data.draw(st.sampled_from(sorted(world.keys)))
    role = data.draw(st.sampled_from(world.roles))
    purpose = data.draw(st.one_of(st.none(), st.sampled_from([*world.purposes, "marketing"])))
    ticket = data.draw(st.sampled_from([None, "T-1001"]))
    record_id, tname, owner = data.draw(st.sampled_from(world.records))
    fields = sorted(TYPES[tname].fields)
    reveal = data.draw(st.one_of(st.just(["*"]), st.lists(st.sampled_from(fields), unique=True, max_size=4)))
    client = VaultClient("http://testserver", world.keys[tenant], http=world.http, role=role, purpose=purpose,
                         ticket=ticket)
    wanted = set(fields) if reveal == ["*"] else set(reveal)
    present = set(SAMPLE[tname])

    def reading(field: str) -> str:
        return naive(world.rules, world.default, role=role, purpose=purpose, ticket=ticket, tenant=tenant,
                     owner=owner, resource=tname, field=field, action="reveal" if field in wanted else "view")

    expected_clear = {f for f in present & wanted if reading(f) == "reveal"}
    expected_withheld = {f for f in present if reading(f) == "deny"}
    try:
        answer = client.get(record_id, reveal=reveal)
    except VaultApiError as exc:
        assert exc.status == 403 and expected_withheld == present, (role, tname, exc.error)
        event_id = exc.event_id
        clear: set[str] = set()
    else:
        clear = set(answer.record.clear)
        assert clear == expected_clear, (role, tenant, purpose, ticket, tname, owner)
        assert set(answer.record.withheld) == expected_withheld
        for f in present - clear - expected_withheld:
            assert answer.record.values[f] != SAMPLE[tname][f] or len(SAMPLE[tname][f]) <= 2, f  # masked for real
        event_id = answer.event_id
    logged = [json.loads(e.body) for e in world.log.events(max(0, world.log.size() - 5)) if e.body]  # type: ignore[attr-defined]
    ev = next(e for e in logged if e["id"] == event_id)
    assert set(ev["fields"]) == clear and ev["role"] == role and ev.get("ticket") == ticket
