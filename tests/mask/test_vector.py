"""Column masking gives exactly what the operator gives value by value: fast paths cannot drift."""

from __future__ import annotations

import polars as pl
import pytest
from faker import Faker
from hypothesis import given, settings
from hypothesis import strategies as st

from piwarden import entities
from piwarden.mask import KeyRing, MaskError, get_operator
from piwarden.mask.vector import mask_series

from .values import BY_TYPE

KEYS = KeyRing(bytes(range(32)))
ODD = st.text(st.sampled_from("0123456789Xx张欧阳三丰市区县省路号 -@._#（）·Ab\t"), max_size=24)
PARTIAL_PARAMS = [{}, {"keep_first": 2, "keep_last": 1}, {"keep_first": 0, "keep_last": 4, "mask_char": "#"},
                  {"mask_char": "×"}]
TYPES = [*sorted(BY_TYPE), "CN_USCC", "ORDER_ID", "CREDIT_CARD", "CN_LICENSE_PLATE", "US_SSN"]


def _values(type_: str) -> st.SearchStrategy[list[str | None]]:
    own = BY_TYPE.get(type_, st.text("0123456789ABCDEFGH", min_size=1, max_size=20))
    return st.lists(st.one_of(own, ODD, st.none()), max_size=30)


def _expected(operator: object, values: list[str | None], entity: str, subjects: list[str] | None = None) -> list:
    out = []
    for i, v in enumerate(values):
        if not v:
            out.append(v)
            continue
        try:
            out.append(operator.mask(v, entity, subjects[i] if subjects else None))  # type: ignore[attr-defined]
        except MaskError:
            out.append(f"<{entity}>")
    return out


@pytest.mark.parametrize("params", PARTIAL_PARAMS)
@pytest.mark.parametrize("type_", TYPES)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_partial_column_equals_values(params: dict, type_: str, data: st.DataObject) -> None:
    entity = entities.canonical(type_)
    values = data.draw(_values(type_))
    op = get_operator("partial")(params)
    assert mask_series(op, pl.Series(values, dtype=pl.String), entity).to_list() == _expected(op, values, entity)


@pytest.mark.parametrize("params", PARTIAL_PARAMS)
@pytest.mark.parametrize(("type_", "values"), [("PERSON", ["王丽", "", "王丽"]), ("PERSON", ["", "欧阳三丰"]),
                                               ("EMAIL_ADDRESS", ["ab@x.cn", "no-at-sign", ""])])
def test_partial_column_with_a_row_its_fast_path_does_not_fit(params: dict, type_: str, values: list[str]) -> None:
    """polars evaluates a ``then`` on every row: a row it does not fit (empty, no ``@``) gave a negative length
    of stars, which the cast to an unsigned length refused (CI, found by hypothesis as ``['王丽', '', '王丽']``)."""
    from piwarden.mask.vector import _stars

    entity = entities.canonical(type_)
    op = get_operator("partial")(params)
    assert mask_series(op, pl.Series(values, dtype=pl.String), entity).to_list() == _expected(op, values, entity)
    # whichever rows polars evaluates it on, a negative count of stars is no stars, not an error
    assert pl.select(_stars("×", pl.lit(-2, pl.Int64)).alias("s")).to_series().to_list() == [""]


@pytest.mark.parametrize("name", ["keep", "redact", "replace", "hash", "token", "fpe", "generalize", "date_shift"])
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_other_operators_column_equals_values(name: str, data: st.DataObject) -> None:
    type_ = data.draw(st.sampled_from(sorted(BY_TYPE)))
    values = data.draw(_values(type_))
    subjects = [f"u{i % 3}" for i in range(len(values))]
    op = get_operator(name)(keys=KEYS)
    got = mask_series(op, pl.Series(values, dtype=pl.String), type_, pl.Series(subjects)).to_list()
    assert got == _expected(op, values, type_, subjects)


def test_faker_values_take_the_fast_path_and_agree() -> None:
    fake = Faker("zh_CN")
    fake.seed_instance(7)
    op = get_operator("partial")()
    cols = {"PERSON": [fake.name() for _ in range(300)], "PHONE": [fake.phone_number() for _ in range(300)],
            "ADDRESS": [fake.address() for _ in range(300)], "EMAIL": [fake.email() for _ in range(300)],
            "CN_RESIDENT_ID": [fake.ssn() for _ in range(300)], "BANK_CARD": [fake.credit_card_number() for _ in
                                                                              range(300)]}
    for entity, values in cols.items():
        assert mask_series(op, pl.Series(values), entity).to_list() == _expected(op, values, entity), entity


def test_non_string_columns_are_masked_as_text() -> None:
    op = get_operator("partial")()
    got = mask_series(op, pl.Series("phone", [13812345678, None]), "PHONE")
    assert got.to_list() == ["138****5678", None] and got.name == "phone"


def test_rejected_values_become_tags_or_raise_naming_the_column() -> None:
    op = get_operator("fpe")(keys=KEYS)
    assert mask_series(op, pl.Series(["12因为"]), "PHONE").to_list() == ["<PHONE>"]
    with pytest.raises(MaskError, match="column 'tel'") as info:
        mask_series(op, pl.Series(["12因为"]), "PHONE", on_error="raise", column="tel")
    assert "因为" not in str(info.value)


def test_per_subject_operators_see_each_rows_subject() -> None:
    op = get_operator("date_shift")(keys=KEYS)
    got = mask_series(op, pl.Series(["2024-03-05"] * 4), "DATE", pl.Series(["a", "b", "a", "b"])).to_list()
    assert got[0] == got[2] and got[1] == got[3] and got[0] != got[1]
