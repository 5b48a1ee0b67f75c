"""Column names, single values and column classification, without any store."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from scan_seed import bank_card, mobile, order_id, resident_id

from piwarden.scan import names
from piwarden.scan.classify import Classifier, estimate_distinct
from piwarden.scan.values import Level, ValueMatcher


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


@pytest.mark.parametrize("name, tokens", [
    ("customerMobilePhone", ["customer", "mobile", "phone"]),  # camelCase
    ("user_sfzh_2", ["user", "sfzh"]),  # snake_case, digits dropped
    ("IDCardNo", ["id", "card", "no"]),  # an acronym before a word
    ("手机号码", []),  # Chinese names match as substrings, not tokens
])
def test_tokens(name: str, tokens: list[str]) -> None:
    assert names.tokens(name) == tokens


@pytest.mark.parametrize("name, entity", [
    ("xm", "PERSON"), ("xingming", "PERSON"), ("姓名", "PERSON"), ("customer_name", "PERSON"),
    ("sjhm", "PHONE"), ("shouji", "PHONE"), ("lxdh", "PHONE"), ("手机号", "PHONE"), ("mobilePhone", "PHONE"),
    ("sfzh", "CN_RESIDENT_ID"), ("zjhm", "CN_RESIDENT_ID"), ("id_card_no", "CN_RESIDENT_ID"),
    ("身份证号码", "CN_RESIDENT_ID"),
    ("dz", "ADDRESS"), ("jtdz", "ADDRESS"), ("home_address", "ADDRESS"), ("住址", "ADDRESS"),
    ("yhkh", "BANK_CARD"), ("yx", "EMAIL"), ("email_addr", "EMAIL"), ("csrq", "DATE_OF_BIRTH"),
    ("order_no", "ORDER_ID"), ("zhenduan", "HEALTH"),
])
def test_name_hints(name: str, entity: str) -> None:
    best = names.best_hint(name)
    assert best is not None and best[0] == entity


@pytest.mark.parametrize("name", ["id", "user_id", "status", "created_by", "remark"])
def test_names_without_hint(name: str) -> None:
    assert names.best_hint(name) is None


def test_order_number_names_are_not_phones() -> None:
    assert "PHONE" not in names.hints("order_phone_no_ddh")


@pytest.mark.parametrize("value, entity, level", [
    ("11010519491231002X", "CN_RESIDENT_ID", Level.CHECKED),  # GB 11643's own example
    ("13812345678", "PHONE", Level.CHECKED),
    ("zhang.san@example.com", "EMAIL", Level.CHECKED),
    ("张三丰", "PERSON", Level.SHAPED),
    ("浙江省杭州市西湖区文三路100号", "ADDRESS", Level.SHAPED),
    ("DD20260315123456789", "ORDER_ID", Level.SHAPED),  # date-prefixed order number
    ("123456789", "QQ_ID", Level.WEAK),  # any digits could be a QQ number
    ("1990-03-07", "DATE_OF_BIRTH", Level.WEAK),  # any date could be a birth date
])
def test_value_types(value: str, entity: str, level: Level) -> None:
    assert ValueMatcher().types(value).get(entity) == level


@pytest.mark.parametrize("value", ["11010519491231002Y", "1381234567", "杭州市", "", "  "])
def test_values_that_are_not_pi(value: str) -> None:
    types = ValueMatcher().types(value)
    assert not {"CN_RESIDENT_ID", "PHONE", "PERSON"} & {t for t, lv in types.items() if lv >= Level.SHAPED}


def test_misleading_name_loses_to_values(classifier: Classifier) -> None:
    rng = random.Random(1)
    col = classifier.column("phone", [order_id(rng) for _ in range(200)])
    assert col.entity == "ORDER_ID" and col.hint == "PHONE"


def test_values_alone_classify_a_meaningless_name(classifier: Classifier) -> None:
    rng = random.Random(2)
    col = classifier.column("c7", [resident_id(rng) for _ in range(100)])
    assert (col.entity, col.basis, col.share) == ("CN_RESIDENT_ID", "values", 1.0)
    assert col.grade == 3 and all(len(e) == 18 and "*" in e for e in col.examples)


def test_null_heavy_column_uses_non_null_share(classifier: Classifier) -> None:
    rng = random.Random(3)
    values = [mobile(rng) if i % 10 == 0 else None for i in range(500)]
    col = classifier.column("backup", values)
    assert (col.entity, col.share, col.non_null, col.sampled) == ("PHONE", 1.0, 50, 500)


def test_mixed_column_reports_both(classifier: Classifier) -> None:
    rng = random.Random(4)
    values = [mobile(rng) if i % 3 else bank_card(rng) for i in range(300)]
    col = classifier.column("contact", values)
    assert col.entity == "PHONE" and col.also == ["BANK_CARD"] and 0.6 < col.share < 0.7
    assert col.grade == 3  # the bank cards grade the column


def test_free_text_counts_spans(classifier: Classifier) -> None:
    rng = random.Random(5)
    values = [f"客户来电说包裹没收到，回拨号码{mobile(rng)}，已登记。" for _ in range(50)]
    col = classifier.column("remark", values)
    assert col.free_text and col.entity is None and col.types == {"PHONE": 50}


def test_name_only_types_and_empty_columns(classifier: Classifier) -> None:
    assert classifier.column("zhenduan", ["感冒", "高血压", None]).entity == "HEALTH"
    empty = classifier.column("sfzh", [None] * 20)
    assert (empty.entity, empty.basis, empty.non_null) == ("CN_RESIDENT_ID", "name", 0)
    assert classifier.column("sjhm", ["n/a", "unknown", "-"] * 10).entity is None  # values refute the name


def test_numbers_stored_as_numbers(classifier: Classifier) -> None:
    rng = random.Random(6)
    assert classifier.column("mobile", [int(mobile(rng)) for _ in range(50)]).entity == "PHONE"
    assert classifier.column("mobile", [float(mobile(rng)) for _ in range(50)]).entity == "PHONE"


@pytest.mark.parametrize("counts, n, population, expected", [
    (Counter({f"v{i}": 1 for i in range(100)}), 100, 10_000, 10_000),  # no repeats: all distinct
    (Counter({"a": 50, "b": 50}), 100, 10_000, 2),  # only repeats: what was seen
    (Counter({f"v{i}": 1 for i in range(10)}), 10, 10, 10),  # the whole table
])
def test_estimate_distinct(counts: Counter[str], n: int, population: int, expected: int) -> None:
    assert estimate_distinct(counts, n, population) == expected
