"""The synthetic labeled text: deterministic, exact spans, values valid by their real rules.

Check digits are verified with python-stdnum (cn.ric, cn.uscc, iban, luhn, us.ssn, imei),
phonenumbers, and, where stdnum has no module, against published examples.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re

import phonenumbers
import pytest
from stdnum import iban, imei, luhn
from stdnum.cn import ric, uscc
from stdnum.us import ssn

from piwarden.demo import textgen_values as V
from piwarden.demo.textgen import generate, write_jsonl

N = 900


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return list(generate(N, seed=20260301, with_values=True))


def _values(records: list[dict], label: str) -> list[tuple[str, str]]:
    return [(s["value"], r["lang"]) for r in records for s in r["spans"] if s["label"] == label]


def test_same_seed_same_records_other_seed_other_records() -> None:
    a = list(generate(40, seed=5))
    assert a == list(generate(40, seed=5))
    assert a != list(generate(40, seed=6))


def test_record_form(records: list[dict]) -> None:
    for r in records[:50]:
        assert set(r) >= {"id", "text", "spans", "genre", "lang"}
    plain = next(generate(1, seed=1))
    assert all(set(s) == {"start", "end", "label"} for s in plain["spans"])


def test_every_span_is_the_generated_value(records: list[dict]) -> None:
    for r in records:
        end = 0
        for s in r["spans"]:
            assert r["text"][s["start"]:s["end"]] == s["value"]
            assert s["start"] >= end, "spans are sorted and do not overlap"
            assert s["value"] == s["value"].strip() and s["value"]
            end = s["end"]


def test_languages_and_genres(records: list[dict]) -> None:
    assert {r["lang"] for r in records} == {"zh", "en"}
    assert {r["genre"] for r in records} >= {"chat", "waybill", "log", "json", "kyc", "sms", "judgment",
                                             "insurance", "transfer"}
    assert all(r["lang"] == "en" for r in generate(30, seed=2, lang="en"))
    with pytest.raises(ValueError):
        next(generate(1, seed=1, lang="fr"))


def test_hard_negatives_are_frequent_and_unlabeled(records: list[dict]) -> None:
    hard = [r for r in records if r.get("hard_negative")]
    assert len(hard) >= 0.15 * len(records)
    assert all(not r["spans"] for r in hard)
    # their look-alikes really fail: no 18-digit run passes MOD 11-2, no 16-19-digit run passes Luhn
    for r in hard:
        for run in re.findall(r"\d+X?", r["text"]):
            if len(run) == 18:
                assert not ric.is_valid(run)
            if 16 <= len(run) <= 19:
                assert not luhn.is_valid(run)


def test_numbers_glued_to_chinese_are_common(records: list[dict]) -> None:
    glued = sum(1 for r in records if r["lang"] == "zh" for s in r["spans"]
                if s["start"] and "\u4e00" <= r["text"][s["start"] - 1] <= "\u9fff"
                and s["value"][0].isdigit())
    assert glued >= 100


def test_resident_ids(records: list[dict]) -> None:
    values = [v for v, _ in _values(records, "CN_RESIDENT_ID")]
    assert sum(len(v) == 15 for v in values) >= 3
    for v in values:
        if len(v) == 18:
            assert ric.is_valid(v), v
        else:
            assert len(v) == 15 and dt.datetime.strptime("19" + v[6:12], "%Y%m%d")


def test_cards_imei_iban_ssn_uscc(records: list[dict]) -> None:
    cards = [v for v, _ in _values(records, "BANK_CARD")]
    assert any(" " in c for c in cards) and any(c.startswith("62") and len(c) == 19 for c in cards)
    assert all(luhn.is_valid(re.sub(r"[ -]", "", c)) for c in cards)
    assert all(imei.is_valid(v) for v, _ in _values(records, "IMEI"))
    assert all(iban.is_valid(v) for v, _ in _values(records, "IBAN"))
    assert all(ssn.is_valid(v) for v, _ in _values(records, "US_SSN"))
    codes = [v for v, _ in _values(records, "CN_USCC")]
    assert {c[0] for c in codes} >= {"9", "1", "5", "A", "N", "Y"}
    for c in codes:
        assert uscc.calc_check_digit(c) == c[-1]
        assert V.org_code_check(c[8:16]) == c[16]
        if c[:8].isdigit():  # stdnum only accepts digits before the organisation code
            assert uscc.is_valid(c)


def test_phones_are_valid_numbers(records: list[dict]) -> None:
    values = _values(records, "PHONE")
    forms = {re.sub(r"\d", "9", v) for v, lang in values if lang == "zh"}
    assert {"99999999999", "+99 999 9999 9999", "999-9999-9999"} <= forms
    assert any(v.startswith("0086") for v, _ in values)
    for v, lang in values:
        region = "US" if lang == "en" else "CN"
        num = v if not v.startswith("0086") else "+" + v[2:]
        assert phonenumbers.is_valid_number(phonenumbers.parse(num, region)), v


def test_network_and_device_values(records: list[dict]) -> None:
    ips = [ipaddress.ip_address(v) for v, _ in _values(records, "IP_ADDRESS")]
    assert {ip.version for ip in ips} == {4, 6} and all(ip.is_global for ip in ips)
    for v, _ in _values(records, "MAC_ADDRESS"):
        assert len(re.sub(r"[:.\-]", "", v)) == 12
    for v, _ in _values(records, "EMAIL"):
        assert re.fullmatch(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", v), v


def test_documents_plates_and_logistics(records: list[dict]) -> None:
    assert all(re.fullmatch(r"E(\d{8}|[A-HJ-NP-Z]\d{7})", v) for v, _ in _values(records, "PASSPORT"))
    assert all(re.fullmatch(r"C\d{8}", v) for v, _ in _values(records, "CN_HKMO_PERMIT"))
    for v, _ in _values(records, "HK_ID"):
        m = re.fullmatch(r"([A-Z]{1,2})(\d{6})\(([0-9A])\)", v)
        assert m and V.hk_id_check(m[1], m[2]) == m[3]
    for v, _ in _values(records, "TW_ID"):
        assert re.fullmatch(r"[A-Z][12]\d{8}", v) and _tw_ok(v)
    plates = [v for v, _ in _values(records, "CN_LICENSE_PLATE")]
    assert all(re.fullmatch(r"[\u4e00-\u9fff][A-Z][· ]?[A-Z0-9]{5,6}", p) for p in plates)
    assert any(len(p.replace("·", "").replace(" ", "")) == 8 for p in plates)
    for v, _ in _values(records, "WAYBILL_NO"):
        if re.fullmatch(r"[A-Z]{2}\d{9}[A-Z]{2}", v):
            assert V.s10_check(v[2:10]) == v[10]
        else:
            assert re.fullmatch(r"(SF|YT|JT)\d{13}|[57]\d{11}|4\d{14}", v), v


def test_gps_dates_and_context_ids(records: list[dict]) -> None:
    for v, _ in _values(records, "GPS_COORDINATE"):
        assert len(re.findall(r"-?\d+\.\d+", v)) == 2, v
    for r in records:
        for s in r["spans"]:
            before = r["text"][max(0, s["start"] - 20):s["start"]].lower()
            if s["label"] == "DATE_OF_BIRTH":
                after = r["text"][s["end"]:s["end"] + 2]
                assert re.search(r"出生|生日|birth|dob|born", before + after), before
            if s["label"] == "QQ_ID":
                assert re.search(r"qq|扣扣", before)
            if s["label"] == "WECHAT_ID":
                assert re.search(r"微信|vx|wechat", before)
            if s["label"] == "PAYMENT_ACCOUNT":
                assert re.search(r"支付宝|alipay", before)
            if s["label"] == "ORDER_ID":
                assert re.search(r"订单|order", before)


def test_check_digit_helpers_on_published_examples() -> None:
    assert V.hk_id_check("G", "123456") == "A"  # G123456(A)
    assert V.hk_id_check("AB", "987654") == "3"  # AB987654(3)
    assert V.tw_id_check("A", "12345678") == "9"  # A123456789
    assert V.s10_check("47312482") == "9"  # AA473124829GB
    assert V.mod11_2_check("11010519491231002") == "X"  # GB 11643 example
    assert V.iban_check("GB", "WEST12345698765432") == "82"  # GB82 WEST 1234 5698 7654 32
    assert V.luhn_check_digit("7992739871") == "3"
    assert uscc.is_valid("91110000600037341L") and V.uscc_check("91110000600037341") == "L"
    assert V.org_code_check("60003734") == "1"


def test_write_jsonl(tmp_path) -> None:
    path = write_jsonl(tmp_path / "out" / "synth.jsonl", 12, seed=3)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == list(generate(12, seed=3))


def _tw_ok(v: str) -> bool:
    n = V.TW_LETTERS[v[0]]
    total = n // 10 + 9 * (n % 10) + sum(int(c) * w for c, w in zip(v[1:], (8, 7, 6, 5, 4, 3, 2, 1, 1), strict=True))
    return total % 10 == 0
