"""Each operator on a table of examples; the registry; keys."""

from __future__ import annotations

import datetime
import os
import stat

import pytest

from piwarden.detect.ids import bank_card, imei
from piwarden.detect.ids.cn import mobile, ric
from piwarden.mask import KeyRing, MaskError, MissingKey, NotReversible, PolicyError, get_operator, operator_names
from piwarden.mask.keys import ENV_KEY, KeyFileError, key_available, load_keys, parse_key
from piwarden.mask.operators import Operator, register
from piwarden.mask.tokens import detokenize, detokenize_text

KEYS = KeyRing(bytes(range(32)))
OTHER_KEYS = KeyRing(bytes(range(1, 33)))
RID = "11010519491231002X"  # GB 11643-1999's example


def op(name: str, params: dict[str, object] | None = None, keys: KeyRing | None = KEYS, purpose: str = "default") -> Operator:
    return get_operator(name)(params, keys=keys, purpose=purpose)


@pytest.mark.parametrize(("entity", "value", "expected"), [
    ("PERSON", "张三", "张*"),
    ("PERSON", "张三丰", "张*丰"),
    ("PERSON", "欧阳娜娜", "欧阳**"),  # compound surname
    ("PERSON", "诸葛亮", "诸葛*"),
    ("PERSON", "John Smith", "J*** S****"),
    ("PHONE", "13812345678", "138****5678"),
    ("PHONE", "+86 138-1234-5678", "+86 138-****-5678"),  # country code and separators kept
    ("PHONE", "16101234567", "1610***4567"),  # a 4-digit block
    ("PHONE", "010-12345678", "010-****5678"),
    ("CN_RESIDENT_ID", "11010119900307123X", "110101********123X"),
    ("BANK_CARD", "6222021234561234", "6222 **** **** 1234"),
    ("BANK_CARD", "6222021234567890128", "6222 **** **** **** 128"),  # hutool: the last group kept
    ("EMAIL", "zhao@example.com", "z***@example.com"),
    ("ADDRESS", "浙江省杭州市西湖区文三路90号", "浙江省杭州市*********"),  # kept to the city
    ("ADDRESS", "北京市朝阳区", "北京市***"),  # a municipality is province and city
    ("ADDRESS", "杭州西湖区文三路90号", "杭州*********"),  # the city as written, its province left out
    ("ADDRESS", "某某小区3栋", "******"),  # a community and building, no province or city: all hidden
    ("ADDRESS", "Flat 3, 12 High St", "F*** *, ** **** **"),  # not read by the parser: the first character kept
    ("ADDRESS", "文三路90号3号楼", "*********"),  # an address naming no province or city: all hidden
    ("CN_LICENSE_PLATE", "苏D12345", "苏D****5"),
    ("QQ_ID", "12", "*2"),  # never the whole value
])
def test_partial_defaults(entity: str, value: str, expected: str) -> None:
    assert op("partial").mask(value, entity) == expected


def test_partial_generic_and_params() -> None:
    assert op("partial", {"keep_first": 2, "keep_last": 3}).mask("ABCDEFGHIJ", "ORDER_ID") == "AB*****HIJ"
    assert op("partial", {"keep_first": 0, "mask_char": "#"}).mask("abc", "WECHAT_ID") == "###"
    with pytest.raises(PolicyError, match="partial"):
        op("partial", {"keep_first": -1})
    with pytest.raises(PolicyError, match="partial"):
        op("partial", {"nonsense": 1})


def test_redact_replace_keep() -> None:
    assert op("redact").mask("13812345678", "PHONE") == ""
    assert op("replace").mask("13812345678", "PHONE") == "<PHONE>"
    assert op("replace", {"template": "[{zh}]"}).mask("13812345678", "PHONE") == "[电话号码]"
    assert op("replace", {"value": "***"}).mask("x", "PERSON") == "***"
    assert op("keep").mask("x", "PERSON") == "x"
    with pytest.raises(NotReversible):
        op("partial").unmask("1", "PHONE")


def test_hash_is_keyed_per_purpose_and_normalized() -> None:
    h = op("hash")
    assert h.mask("138 1234 5678", "PHONE") == h.mask("13812345678", "PHONE")
    assert len(h.mask("13812345678", "PHONE")) == 16
    assert h.mask("13812345678", "PHONE") != op("hash", keys=OTHER_KEYS).mask("13812345678", "PHONE")
    assert h.mask("13812345678", "PHONE") != op("hash", purpose="marketing").mask("13812345678", "PHONE")
    tagged = op("hash", {"template": "{type}_{digest}", "length": 10, "encoding": "base32"}).mask("a@b.cn", "EMAIL")
    assert tagged.startswith("EMAIL_") and len(tagged) == 16
    with pytest.raises(MissingKey):
        get_operator("hash")()


def test_token_round_trip_and_tamper() -> None:
    t = op("token")
    token = t.mask("13812345678", "PHONE")
    assert token.startswith("tok_") and token == t.mask("13812345678", "PHONE")
    assert t.unmask(token, "PHONE") == "13812345678"
    assert detokenize(token, KEYS) == "13812345678"
    assert detokenize_text(f"电话{token}，", KEYS) == "电话13812345678，"
    with pytest.raises(MaskError):
        op("token", keys=OTHER_KEYS).unmask(token, "PHONE")
    with pytest.raises(MaskError):
        t.unmask(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1], "PHONE")
    with pytest.raises(MaskError):
        op("token", purpose="other").unmask(token, "PHONE")


@pytest.mark.parametrize(("entity", "value", "validator"), [
    ("CN_RESIDENT_ID", RID, ric.is_valid),
    ("CN_RESIDENT_ID", "110105491231002", ric.is_valid),  # the 15-digit form
    ("PHONE", "13812345678", mobile.is_valid),
    ("BANK_CARD", "6222021234567890128", bank_card.is_valid),
    ("IMEI", "350000012345670", imei.is_valid),
])
def test_fpe_keeps_identifiers_valid(entity: str, value: str, validator: object) -> None:
    f = op("fpe")
    out = f.mask(value, entity)
    assert out != value and len(out) == len(value)
    assert validator(out)  # type: ignore[operator]
    assert f.unmask(out, entity) == value


def test_fpe_keeps_the_parts_that_must_stay() -> None:
    f = op("fpe")
    out = f.mask(RID, "CN_RESIDENT_ID")
    assert out[:6] == RID[:6] and ric.birth_date(out).year == 1949  # region and birth year kept
    assert f.mask("+86 138-1234-5678", "PHONE").startswith("+86 138-")
    assert f.mask("6222021234567890128", "BANK_CARD")[:6] == "622202"
    out = f.mask("苏D12345", "CN_LICENSE_PLATE")
    assert out[0] == "苏" and out[1].isupper() and out[2:].isdigit()
    assert f.mask("zhangsan@example.com", "EMAIL").endswith("@example.com")


def test_fpe_refusals() -> None:
    f = op("fpe")
    with pytest.raises(MaskError, match="PERSON"):
        f.mask("张三", "PERSON")
    with pytest.raises(MaskError):
        f.mask("12345", "ORDER_ID")  # below FF1's domain floor
    this_year = datetime.date.today().strftime("%Y") + "0101"
    body = "110105" + this_year + "002"
    with pytest.raises(MaskError, match="current year"):
        f.mask(body + ric.calc_check_digit(body), "CN_RESIDENT_ID")


@pytest.mark.parametrize(("entity", "params", "value", "expected"), [
    ("DATE_OF_BIRTH", {}, "1990-03-07", "1990"),
    ("DATE_OF_BIRTH", {"level": "age_band", "as_of": "2025-01-01"}, "1990年3月7日", "30-39"),
    ("DATETIME", {"level": "month"}, "2024/3/7 10:00", "2024-03"),
    ("ADDRESS", {}, "浙江省杭州市西湖区文三路90号", "浙江省杭州市"),
    ("ADDRESS", {"level": "province"}, "浙江省杭州市西湖区文三路90号", "浙江省"),
    ("ADDRESS", {"level": "province"}, "北京市朝阳区建国路88号", "北京市"),
    ("GPS_COORDINATE", {}, "39.904211,116.407395", "39.90,116.40"),
    ("GPS_COORDINATE", {"grid_degrees": 0.5}, "39.904211, -116.407395", "39.5,-116.5"),
    ("AMOUNT", {}, "¥1,234.50", "1000-10000"),
    ("AMOUNT", {}, "50元", "0-100"),
    ("AMOUNT", {}, "250000", ">=100000"),
])
def test_generalize(entity: str, params: dict[str, object], value: str, expected: str) -> None:
    assert op("generalize", params).mask(value, entity) == expected


def test_generalize_refuses_what_it_cannot_read() -> None:
    with pytest.raises(MaskError):
        op("generalize").mask("yesterday", "DATE_OF_BIRTH")
    with pytest.raises(MaskError):
        op("generalize").mask("x", "PHONE")


def test_date_shift_is_per_subject_and_reversible() -> None:
    d = op("date_shift", {"max_days": 30})
    a, b = d.mask("1990-03-07", "DATE_OF_BIRTH", "alice"), d.mask("1990-03-20", "DATE_OF_BIRTH", "alice")
    gap = datetime.date.fromisoformat(b) - datetime.date.fromisoformat(a)
    assert gap.days == 13  # intervals of one subject are kept
    assert a != "1990-03-07" and 1 <= abs(d.offset("alice")) <= 30
    assert d.unmask(a, "DATE_OF_BIRTH", "alice") == "1990-03-07"
    assert d.mask("1990年3月7日", "DATE_OF_BIRTH", "alice").startswith("19")
    offsets = {d.offset(f"s{i}") for i in range(50)}
    assert len(offsets) > 10 and 0 not in offsets


def test_registry_and_plugins() -> None:
    assert {"keep", "partial", "redact", "replace", "hash", "token", "fpe", "generalize", "date_shift"} <= set(
        operator_names())
    with pytest.raises(PolicyError, match="unknown operator"):
        get_operator("scramble")

    @register
    class Upper(Operator):
        name = "test_upper"

        def mask(self, value: str, entity: str, subject: str | None = None) -> str:
            return value.upper()

    assert get_operator("test_upper")().mask("ab", "WECHAT_ID") == "AB"
    with pytest.raises(PolicyError, match="already registered"):
        register(type("Other", (Upper,), {}))


def test_keys_are_hidden_and_files_private(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = load_keys()  # created in PIWARDEN_HOME/keys
    path = load_keys.__globals__["key_path"]()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_keys().key_id == keys.key_id
    assert keys.export() not in repr(keys) and "key_id" in repr(keys)
    monkeypatch.setenv(ENV_KEY, KEYS.export())
    assert load_keys().key_id == KEYS.key_id and key_available()
    assert parse_key(bytes(range(32)).hex()).key_id == KEYS.key_id
    with pytest.raises(KeyFileError):
        parse_key("c2hvcnQ")  # too short
    with pytest.raises(KeyFileError):
        load_keys("absent.key", create=False)
