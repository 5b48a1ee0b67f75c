"""Privacy waybills, live: virtual-number bindings, resolution by telephony, rendering, expiry and the pool's limits,
through the API on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from piwarden.client import VaultApiError, VaultClient
from piwarden.detect import Analyzer
from piwarden.vault.numbers import Pool
from piwarden.vault.service import BadRequest

from .conftest import Actors

POOL = "17000000001..17000000006"
WAYBILLS = [
    {"waybill_no": f"SF12345678{k:02d}", "receiver_name": name, "receiver_phone": phone,
     "receiver_address": address, "sender_name": "李建国", "sender_phone": "13987654321"}
    for k, (name, phone, address) in enumerate([
        ("欧阳娜娜", "13812345678", "浙江省杭州市西湖区文三路90号"),
        ("张三丰", "13511112222", "广东省深圳市南山区科技园南路8号"),
        ("王小明", "13633334444", "北京市海淀区中关村大街27号"),
        ("赵丽", "13755556666", "上海市浦东新区世纪大道100号"),
        ("钱进", "15077778888", "江苏省南京市鼓楼区中山路1号"),
        ("孙悦", "15199990000", "四川省成都市武侯区人民南路4段"),
        ("周杰", "15212341234", "湖北省武汉市洪山区珞喻路129号"),
        ("吴倩", "18845674567", "山东省济南市历下区泉城路8号"),
    ])]


@pytest.fixture(autouse=True)
def small_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Six numbers, kept from other buyers for an hour after a binding ends (set before ``actors`` starts the app)."""
    monkeypatch.setenv("PIWARDEN__VAULT__VIRTUAL_NUMBERS", POOL)
    monkeypatch.setenv("PIWARDEN__VAULT__VIRTUAL_NUMBER_QUIET_S", "3600")


def telephony(actors: Actors) -> VaultClient:
    ids = actors.app.state.vault.identities
    ids.add_account("tel-1", kind="service", roles=["telephony"], tenant="platform", party="platform.telephony",
                    scopes=["vault:telephony"])
    return actors.client(ids.new_api_key("tel-1"), purpose="call_forwarding")


def events(actors: Actors) -> dict[str, dict[str, Any]]:
    return {(ev := json.loads(e.body))["id"]: ev for e in actors.app.state.audit_log.events() if e.body}


def waybill(actors: Actors, k: int) -> str:
    return actors.service.create("waybill", f"c-{k}", WAYBILLS[k]).id


def test_courier_dials_a_virtual_number_that_only_telephony_resolves(actors: Actors) -> None:
    record = waybill(actors, 0)
    real = WAYBILLS[0]
    bound = actors.service.bind_number(record, "logistics:SF", ttl_s=600)
    b = bound["binding"]
    assert b["field"] == "receiver_phone" and b["live"] and b["party"] == "logistics:SF"
    number = b["number"]
    assert Pool.parse([POOL]).canonical(number) == number and number != real["receiver_phone"]
    assert actors.service.bind_number(record, "logistics:SF")["binding"]["id"] == b["id"]  # a reprint: same number

    shown = actors.courier.waybill(record)
    assert shown["virtual"] == {"receiver_phone": number} and shown["record"]["clear"] == []
    values = shown["record"]["values"]
    assert values["receiver_phone"] == number and values["receiver_name"] != real["receiver_name"]
    assert values["receiver_address"].startswith("浙江省杭州市") and values["receiver_address"] != real["receiver_address"]
    text = json.dumps(shown, ensure_ascii=False)
    assert not [v for v in real.values() if v in text and v != real["waybill_no"]]  # no raw value, not even masked-out
    spans = [text[s.start:s.end] for s in Analyzer().analyze(text)]
    assert real["receiver_phone"] not in spans and real["sender_phone"] not in spans and not shown["record"]["tokens"]

    tel = telephony(actors)
    resolved = tel.resolve_number(number[:3] + " " + number[3:])  # as dialled, spaces and all
    assert resolved["phone"] == real["receiver_phone"] and resolved["binding_id"] == b["id"]
    with pytest.raises(VaultApiError) as no_scope:
        actors.courier.resolve_number(number)
    assert no_scope.value.status == 403

    logged = events(actors)
    ev = logged[resolved["event_id"]]
    assert (ev["action"], ev["resource"], ev["actor"], ev["fields"], ev["query"], ev["result"]) == (
        "reveal", "waybill", "tel-1", ["receiver_phone"], {"by": "virtual_number"}, "allowed")
    assert ev["ticket"] == b["id"] and ev["subjects"] == ["c-0"] and ev["records"] == [record]
    printed = logged[shown["event_id"]]
    assert printed["action"] == "print" and printed["fields"] == [] and printed["actor"] == "courier-7"
    assert "receiver_phone" not in printed.get("masked_fields", [])
    assert logged[bound["event_id"]]["action"] == "create" and logged[bound["event_id"]]["resource"] == "virtual_number"
    assert real["receiver_phone"] not in json.dumps(logged, ensure_ascii=False)

    released = actors.service.release_number(b["id"])
    assert not released["binding"]["live"] and logged != events(actors)
    with pytest.raises(VaultApiError) as ended:
        tel.resolve_number(number)
    assert ended.value.status == 403 and ended.value.event_id and real["receiver_phone"] not in ended.value.error
    assert events(actors)[ended.value.event_id]["result"] == "denied"
    with pytest.raises(VaultApiError) as unbound:
        actors.courier.waybill(record)
    assert unbound.value.status == 403 and events(actors)[unbound.value.event_id]["action"] == "print"


def test_expiry_quiet_period_concurrency_and_exhaustion(actors: Actors) -> None:
    tel = telephony(actors)
    records = [waybill(actors, k) for k in range(8)]
    first = actors.service.bind_number(records[0], "logistics:SF", ttl_s=1)["binding"]
    time.sleep(1.1)
    with pytest.raises(VaultApiError) as expired:
        tel.resolve_number(first["number"])
    assert expired.value.status == 403 and events(actors)[expired.value.event_id]["result"] == "denied"

    # seven buyers at once for the five numbers left (the expired one is quiet): never one number twice
    start = threading.Barrier(7)
    got: list[str] = []
    refused: list[VaultApiError] = []

    def bind(record: str) -> None:
        start.wait()
        try:
            got.append(actors.service.bind_number(record, "logistics:SF")["binding"]["number"])
        except VaultApiError as exc:
            refused.append(exc)

    threads = [threading.Thread(target=bind, args=(r,)) for r in records[1:]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(got) == 5 and len(set(got)) == 5 and first["number"] not in got
    assert [e.status for e in refused] == [503, 503] and all("exhausted" in e.error for e in refused)
    assert not [v for w in WAYBILLS for v in w.values() for e in refused if v in e.error]

    again = actors.service.bind_number(records[0], "logistics:SF")["binding"]  # the same buyer may have it back
    assert again["number"] == first["number"]
    listed = actors.service.numbers(record_id=records[0])
    assert [x["live"] for x in listed] == [True, False] and all("phone" not in x for x in listed)
    with pytest.raises(VaultApiError) as foreign:  # a merchant's service manages its own records' bindings only
        actors.merchant_service.release_number(again["id"])
    assert foreign.value.status == 404


def test_the_pool_declaration() -> None:
    pool = Pool.parse(["17000000001..17000000002", "17100000009"], ext_digits=2)
    assert pool.size == 300 and pool.at(0) == "17000000001-00" and pool.at(299) == "17100000009-99"
    assert pool.canonical("170 0000 0002转07") == "17000000002-07"
    with pytest.raises(BadRequest):
        pool.canonical("17000000002")  # the extension is part of the number in AXE mode
    with pytest.raises(ValueError, match="entry 1"):
        Pool.parse(["1700..17000000001"])
