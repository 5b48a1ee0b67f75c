"""Masking polars, pandas and pyarrow tables."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from faker import Faker

from piwarden.mask import KeyRing, MaskError, Policy, default_policy, mask_record
from piwarden.mask.table import mask_table

KEYS = KeyRing(bytes(range(32)))
COLUMNS = {"xm": "PERSON", "sjhm": "PHONE", "sfzh": "CN_RESIDENT_ID", "email": "EMAIL", "dz": "ADDRESS"}


@pytest.fixture(scope="module")
def rows() -> list[dict[str, object]]:
    fake = Faker("zh_CN")
    fake.seed_instance(11)
    return [{"order": i, "xm": fake.name(), "sjhm": fake.phone_number(), "sfzh": fake.ssn(), "email": fake.email(),
             "dz": fake.address(), "amount": i * 1.5} for i in range(200)]


def _expected(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    rules = default_policy().ruleset()
    return [mask_record(r, COLUMNS, rules) for r in rows]


def test_polars_frame_matches_record_masking(rows: list[dict[str, object]]) -> None:
    out = mask_table(pl.DataFrame(rows), COLUMNS, default_policy().ruleset())
    assert isinstance(out, pl.DataFrame) and out.to_dicts() == _expected(rows)


def test_pandas_frame_keeps_its_index_and_kind(rows: list[dict[str, object]]) -> None:
    df = pd.DataFrame(rows, index=[f"r{i}" for i in range(len(rows))])
    out = mask_table(df, COLUMNS, default_policy().ruleset())
    assert isinstance(out, pd.DataFrame) and list(out.index) == list(df.index)
    assert out.to_dict("records") == _expected(rows)


def test_arrow_table_comes_back_as_arrow(rows: list[dict[str, object]]) -> None:
    out = mask_table(pa.Table.from_pylist(rows), COLUMNS, default_policy().ruleset())
    assert isinstance(out, pa.Table) and out.to_pylist() == _expected(rows)


def test_no_raw_value_survives(rows: list[dict[str, object]]) -> None:
    out = mask_table(pl.DataFrame(rows), COLUMNS, default_policy().ruleset())
    text = out.write_csv()
    for r in rows:
        for c in ("sjhm", "sfzh", "email"):
            assert str(r[c]) not in text


def test_subject_column_feeds_date_shift() -> None:
    policy = Policy.model_validate({"roles": {"*": {"DATE_OF_BIRTH": "date_shift"}}})
    df = pl.DataFrame({"cust": ["a", "b", "a"], "born": ["1990-01-01", "1990-01-01", "1990-01-01"]})
    out = mask_table(df, {"born": "DATE_OF_BIRTH"}, policy.ruleset(keys=KEYS), subject_column="cust")
    assert out["born"][0] == out["born"][2] != out["born"][1]


def test_nulls_stay_null_and_unknown_columns_are_named() -> None:
    df = pl.DataFrame({"sjhm": [None, "13812345678"]})
    assert mask_table(df, {"sjhm": "PHONE"}, default_policy().ruleset())["sjhm"].to_list() == [None, "138****5678"]
    with pytest.raises(MaskError, match="'tel'"):
        mask_table(df, {"tel": "PHONE"}, default_policy().ruleset())


def test_unsupported_table_kind_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="polars or pandas"):
        mask_table([{"a": 1}], {"a": "PHONE"}, default_policy().ruleset())


def test_text_columns_are_detected_then_masked() -> None:
    df = pl.DataFrame({"note": ["客户手机13812345678要求改地址", None, "", "无", "客户手机13812345678要求改地址"]})
    out = mask_table(df, {"note": "TEXT"}, default_policy().ruleset())
    assert out["note"].to_list() == ["客户手机138****5678要求改地址", None, "", "无", "客户手机138****5678要求改地址"]
