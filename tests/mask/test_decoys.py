"""Decoy records: valid-looking made-up people, reproducible from the key, recognisable by fingerprint only."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from piwarden.detect.ids import bank_card
from piwarden.detect.ids.cn import mobile, ric
from piwarden.mask.decoys import MAX_DECOYS, count, decoys, fingerprint, fingerprints

FIELDS = {"name": "PERSON", "phone": "PHONE", "id_number": "CN_RESIDENT_ID", "card": "BANK_CARD",
          "email": "EMAIL", "address": "ADDRESS", "photo": "ID_CARD_IMAGE"}
keys = st.binary(min_size=16, max_size=32)
export_ids = st.text("abcdef0123456789-", min_size=1, max_size=20)


@settings(max_examples=60, deadline=None)
@given(keys, export_ids, st.integers(0, 20_000), st.sampled_from(["c-000001", "cust_17", "u-9a", "abc"]))
def test_decoys_are_valid_reproducible_and_placed_among_the_rows(key: bytes, export_id: str, rows: int,
                                                                 like: str) -> None:
    made = decoys(key, export_id, FIELDS, rows, like, taken=[like])
    assert len(made) == count(rows) <= MAX_DECOYS
    assert made == decoys(key, export_id, FIELDS, rows, like, taken=[like])
    assert [d.position for d in made] == sorted(d.position for d in made)
    assert all(0 <= d.position <= rows for d in made)
    assert len({d.subject for d in made}) == len(made) and like not in {d.subject for d in made}
    for d in made:
        v = d.values
        assert ric.is_valid(v["id_number"]) and mobile.is_valid(v["phone"]) and bank_card.is_valid(v["card"])
        assert v["address"].startswith(("浙江省", "江苏省", "广东省", "四川省", "湖北省", "山东省"))
        assert "@" in v["email"] and 2 <= len(v["name"]) <= 3 and v["photo"] == ""
        if sum(c.isdigit() for c in like) >= 4:
            assert len(d.subject) == len(like)


@given(keys, export_ids)
def test_another_export_gets_other_people(key: bytes, export_id: str) -> None:
    a = fingerprints(key, decoys(key, export_id, FIELDS, 5000, "c-1"))
    b = fingerprints(key, decoys(key, export_id + "x", FIELDS, 5000, "c-1"))
    assert a and not set(a) & set(b)


@given(keys, st.from_regex(r"1[3-9]\d{9}", fullmatch=True), st.sampled_from(["-", " ", ""]))
def test_fingerprints_survive_retyping_but_need_the_key(key: bytes, phone: str, sep: str) -> None:
    typed = f"{phone[:3]}{sep}{phone[3:7]}{sep}{phone[7:]}"
    assert fingerprint(key, typed) == fingerprint(key, phone) is not None
    assert fingerprint(key + b"!", phone) != fingerprint(key, phone)
    assert fingerprint(key, "Mary@Example.com") == fingerprint(key, "mary@example.com")
    assert fingerprint(key, "张伟") is None and fingerprint(key, "1234567") is None
