"""The vault API end to end through piwarden.client: records, decisions, evidence, identity."""

from __future__ import annotations

import base64
import json
import logging

import pyotp
import pytest

from piwarden.client import VaultApiError

from .conftest import CUSTOMERS, PASSWORD, Actors


def events(actors: Actors) -> dict[str, dict]:
    log = actors.app.state.audit_log
    return {(ev := json.loads(e.body))["id"]: ev for e in log.events() if e.body}


def test_create_search_reveal_and_every_answer_is_logged(actors: Actors) -> None:
    w = actors.service.create("customer", "c-1", CUSTOMERS[0])
    assert w.version == 1 and w.id.startswith("r-")
    # search by phone written with spaces and dashes: the blind index normalizes it
    found = actors.cs.search("customer", "phone", "138 1234-5678", reveal=["*"])
    (view,) = found.records
    assert view.id == w.id and view.values["phone"] == "13812345678" and view.values["name"] == "欧阳娜娜"
    assert set(view.clear) == {"name", "phone", "email", "address", "birth_date"}  # L2: cs-after-sales
    assert view.pending_approval == ["id_number"] and view.values["id_number"] != CUSTOMERS[0]["id_number"]
    assert view.rules["phone"] == "cs-after-sales"
    logged = events(actors)
    ev = logged[found.event_id]
    assert ev["action"] == "reveal" and ev["result"] == "pending_approval" and ev["query"] == {"by": "phone"}
    assert ev["actor"] == "cs-0042" and ev["party"] == "platform.cs" and ev["role"] == "customer_service"
    assert ev["purpose"] == "after_sales" and ev["ticket"] == "CS-1001" and ev["channel"] == "api"
    assert ev["subjects"] == ["c-1"] and ev["records"] == [w.id]
    assert set(ev["fields"]) == set(view.clear) and ev["masked_fields"] == ["id_number"]
    assert logged[w.event_id]["action"] == "create" and logged[w.event_id]["fields"] == []
    assert "13812345678" not in json.dumps(logged, ensure_ascii=False)  # events name fields, never values


def test_without_a_ticket_everything_is_masked(actors: Actors) -> None:
    w = actors.service.create("customer", "c-1", CUSTOMERS[0])
    no_ticket = actors.cs.with_context(ticket=None)
    a = no_ticket.get(w.id, reveal=["*"])
    assert a.record.clear == [] and a.record.values["phone"] == "138****5678"
    ev = events(actors)[a.event_id]
    assert ev["action"] == "view" and ev["fields"] == [] and ev["ticket"] is None and ev["result"] == "pending_approval"
    plain = no_ticket.get(w.id)  # asked nothing in clear
    assert plain.record.clear == [] and events(actors)[plain.event_id]["result"] == "allowed"


def test_tokens_and_search_by_token(actors: Actors) -> None:
    w = actors.service.create("customer", "c-1", CUSTOMERS[0])
    a = actors.service.get(w.id)
    token = a.record.tokens["id_number"]
    assert token.startswith("tok_") and len(a.record.tokens["phone"]) == 11  # FF1 keeps a phone's shape
    again = actors.service.search("customer", "id_number", token=token)
    assert [r.id for r in again.records] == [w.id]
    i = len(token) // 2  # a character in the middle: all six of its bits count (the last one's may be padding)
    forged = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
    with pytest.raises(VaultApiError) as caught:
        actors.service.search("customer", "id_number", token=forged)
    assert caught.value.status == 422 and token not in caught.value.error


def test_update_replaces_values_and_blind_indexes(actors: Actors) -> None:
    w = actors.service.create("customer", "c-1", CUSTOMERS[0])
    u = actors.service.update(w.id, {"phone": "13987654321"}, expected_version=1)
    assert u.version == 2
    assert actors.cs.search("customer", "phone", "13812345678").records == []
    assert [r.id for r in actors.cs.search("customer", "phone", "13987654321").records] == [w.id]
    with pytest.raises(VaultApiError) as stale:
        actors.service.update(w.id, {"name": "王五"}, expected_version=1)
    assert stale.value.status == 409


def test_files_are_stored_encrypted_and_never_shown_masked(actors: Actors) -> None:
    image = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    w = actors.service.create("certification", "c-9", {"holder_name": "李建国", "id_number": "440308199901010012",
                                                         "id_card_front": base64.b64encode(image).decode()})
    a = actors.cs.get(w.id, reveal=["id_card_front"])
    assert a.record.values["id_card_front"] == "<ID_CARD_IMAGE>" and a.record.pending_approval == ["id_card_front"]
    held_back = actors.dpo.get(w.id, reveal=["id_card_front"])  # L4 to a staff session: step-up first
    assert held_back.record.step_up == ["id_card_front"] and held_back.record.clear == []
    assert held_back.record.values["id_card_front"] == "<ID_CARD_IMAGE>"
    uri = actors.app.state.vault.step_up.enroll("dpo-1")
    code = pyotp.parse_uri(uri).now()
    dpo = actors.dpo.with_context(otp=code).get(w.id, reveal=["id_card_front"])
    assert base64.b64decode(dpo.record.values["id_card_front"] or "") == image and dpo.record.step_up == []
    with pytest.raises(VaultApiError) as caught:  # a code is good once
        actors.dpo.with_context(otp=code).get(w.id, reveal=["id_card_front"])
    assert caught.value.status == 401 and "already used" in caught.value.error
    with pytest.raises(VaultApiError) as caught:
        actors.dpo.with_context(otp="000000" if code != "000000" else "111111").get(w.id)
    assert caught.value.status == 401


def test_ownership_merchants_and_couriers(actors: Actors) -> None:
    mine = actors.merchant_service.create("order", "c-1", {"order_no": "O-2026-0001", "buyer_name": "欧阳娜娜",
                                                           "buyer_phone": "13812345678", "goods": "茶叶",
                                                           "amount": "128.00"})
    with pytest.raises(VaultApiError) as foreign:  # a merchant service writes for itself only
        actors.merchant_service.create("order", "c-1", {"order_no": "O-2"}, owner="M0002")
    assert foreign.value.status == 403 and foreign.value.event_id
    wb = actors.service.create("waybill", "c-1", {"waybill_no": "SF1234567890", "receiver_name": "欧阳娜娜",
                                                  "receiver_phone": "13812345678",
                                                  "receiver_address": "浙江省杭州市西湖区文三路90号"}, owner="M0001")
    seen = actors.courier.get(wb.id, reveal=["*"]).record
    assert set(seen.clear) == {"waybill_no", "receiver_name", "receiver_address"}
    assert seen.values["receiver_phone"] == "138****5678"
    with pytest.raises(VaultApiError) as denied:  # couriers see waybills only
        actors.courier.get(mine.id)
    assert denied.value.status == 403 and denied.value.result == "denied"
    assert events(actors)[denied.value.event_id]["result"] == "denied"


def test_erasure_destroys_the_subject_key(actors: Actors) -> None:
    w = actors.service.create("customer", "c-1", CUSTOMERS[0])
    other = actors.service.create("customer", "c-2", CUSTOMERS[1])
    with pytest.raises(VaultApiError) as no_scope:
        actors.cs.erase("c-1")
    assert no_scope.value.status == 403
    e = actors.dpo.erase("c-1")
    assert e.records == [w.id] and events(actors)[e.event_id]["action"] == "delete"
    with pytest.raises(VaultApiError) as gone:
        actors.service.get(w.id)
    assert gone.value.status == 404 and gone.value.event_id
    with pytest.raises(VaultApiError) as shredded:
        actors.service.create("customer", "c-1", CUSTOMERS[0])
    assert shredded.value.status == 410
    assert actors.service.get(other.id).record.subject == "c-2"
    assert actors.app.state.vault.vault.store.keys.subject_key("c-1") is None


def test_identity_headers_and_query_string(actors: Actors) -> None:
    assert actors.cs.me().account == "cs-0042" and actors.cs.me().via == "session"
    r = actors.http.get("/vault/me?purpose=claims", headers=actors.cs.headers())
    assert r.status_code == 400 and "never the query string" in r.json()["error"]
    r = actors.http.get("/vault/me", headers={**actors.cs.headers(), "X-Piwarden-Role": "dpo"})
    assert r.status_code == 403
    assert actors.http.get("/vault/me").status_code == 401
    assert actors.http.get("/vault/me", headers={"Authorization": "Bearer pws_nope"}).status_code == 401
    with pytest.raises(VaultApiError) as bad:
        actors.cs.with_context(credential=None).login("cs-0042", "wrong")
    assert bad.value.status == 401
    actors.cs.logout()
    with pytest.raises(VaultApiError) as out:
        actors.cs.me()
    assert out.value.status == 401
    assert actors.http.get("/health").json()["status"] == "ok"
    assert actors.http.get("/ready").json()["checks"] == {"audit_log": "ok", "vault": "ok"}


def test_logins_are_logged_and_passwords_hashed(actors: Actors) -> None:
    rt = actors.app.state.vault
    with rt.vault.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM vault_accounts WHERE id = 'cs-0042'").scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    logins = [e for e in events(actors).values() if e["action"] == "login"]
    assert {e["actor"] for e in logins} >= {"cs-0042", "analyst-1", "dpo-1"} and logins[0]["subjects"] == []


def test_no_value_in_logs_or_errors(actors: Actors, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    w = actors.service.create("customer", "c-1", CUSTOMERS[0])
    bad = [("post", "/vault/records/customer", {"subject": "c-2", "fields": {"nope": "13812345678"}}),
           ("post", "/vault/records/customer", {"subject": "c-2", "fields": {"phone": 13812345678}}),
           ("post", "/vault/records/customer/search", {"by": "name", "value": "欧阳娜娜"}),
           ("post", "/vault/records/customer/search", {"by": "phone", "value": "13812345678", "token": "x"}),
           ("patch", f"/vault/records/{w.id}", {"fields": {"phone": "欧阳娜娜" * 2000}})]
    for method, path, body in bad:
        r = actors.http.request(method, path, json=body, headers=actors.service.headers())
        assert 400 <= r.status_code < 500, (path, r.status_code)
        assert "13812345678" not in r.text and "欧阳娜娜" not in r.text, r.text
    assert "13812345678" not in caplog.text and "欧阳娜娜" not in caplog.text
