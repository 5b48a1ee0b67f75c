"""k-anonymity, l-diversity and the greedy generalization that reaches a target k."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piwarden.mask import MaskError
from piwarden.mask.risk import HIERARCHIES, anonymize, assess


def _frame() -> pl.DataFrame:
    return pl.DataFrame({
        "age": [23, 24, 25, 31, 33, 38, 41, 41],
        "zip": ["310012", "310013", "310014", "100020", "100021", "100022", "200001", "200002"],
        "sex": ["F", "F", "F", "M", "M", "M", "F", "F"],
        "dx": ["flu", "cold", "flu", "hiv", "flu", "cold", "flu", "flu"],
    })


def test_assess_counts_classes_uniques_k_and_l() -> None:
    df = _frame()
    r = assess(df, ["sex"], sensitive="dx", k=4)
    assert (r.rows, r.classes, r.k, r.unique_share, r.below_k, r.l_diversity) == (8, 2, 3, 0.0, 3, 2)
    r = assess(df, ["age", "zip"])
    assert r.k == 1 and r.unique_share == 1.0 and r.classes == 8
    assert assess(df.clear(), ["age"]).k == 0


def test_anonymize_reaches_k_by_generalizing_and_reports_the_loss() -> None:
    out = anonymize(_frame(), ["age", "zip", "sex"], 2, hierarchies={"age": "age", "zip": "postcode"},
                    max_suppression=0.0)
    assert out.after.k >= 2 and out.before.k == 1 and out.suppressed == 0
    assert out.levels["age"] != "value" or out.levels["zip"] != "value"
    assert 0 < out.generalization_loss <= 1
    assert set(out.report()) >= {"levels", "suppressed", "suppressed_share", "generalization_loss", "before", "after"}


def test_l_diversity_is_enforced_when_asked() -> None:
    out = anonymize(_frame(), ["sex", "zip"], 2, hierarchies={"zip": "postcode"}, sensitive="dx", l_diversity=2,
                    max_suppression=0.0)
    assert out.after.l_diversity is not None and out.after.l_diversity >= 2


def test_suppression_budget_is_used_before_generalizing_further() -> None:
    df = pl.DataFrame({"city": ["杭州"] * 50 + ["北京"] * 50 + ["拉萨"], "n": range(101)})
    out = anonymize(df, ["city"], 5, max_suppression=0.02)
    assert out.levels == {"city": "value"} and out.suppressed == 1 and out.frame["city"][-1] == "*"
    assert out.after.k == 50 and out.after.rows == 100
    dropped = anonymize(df, ["city"], 5, max_suppression=0.02, drop_suppressed=True)
    assert dropped.frame.height == 100 and dropped.after.k == 50


def test_hierarchies_generalize_dates_addresses_and_postcodes() -> None:
    df = pl.DataFrame({"born": ["1990-03-05", "19900305", None, "not a date"],
                       "addr": ["浙江省杭州市西湖区文三路1号", "北京市朝阳区建国路8号", "浙江省杭州市", "某地"],
                       "zip": ["310012", "100020", "31", None]})
    date, addr, zip_ = HIERARCHIES["date"], HIERARCHIES["address"], HIERARCHIES["postcode"]
    assert df.select(date.apply("born", 1))["born"].to_list() == ["1990-03", "1990-03", None, "*"]
    assert df.select(date.apply("born", 3))["born"].to_list() == ["1990s", "1990s", None, "*"]
    assert df.select(addr.apply("addr", 1))["addr"].to_list() == ["浙江省杭州市西湖区", "北京市朝阳区", "*", "*"]
    assert df.select(addr.apply("addr", 2))["addr"].to_list() == ["浙江省杭州市", "*", "浙江省杭州市", "*"]
    assert df.select(addr.apply("addr", 3))["addr"].to_list() == ["浙江省", "北京市", "浙江省", "*"]
    assert df.select(zip_.apply("zip", 2))["zip"].to_list() == ["310***", "100***", "31", None]


def test_errors_are_clear() -> None:
    df = _frame()
    with pytest.raises(MaskError, match="'nope'"):
        assess(df, ["nope"])
    with pytest.raises(MaskError, match="k must"):
        anonymize(df, ["age"], 0)
    with pytest.raises(MaskError, match="sensitive"):
        anonymize(df, ["age"], 2, l_diversity=2)
    with pytest.raises(MaskError, match="unknown hierarchy"):
        anonymize(df, ["age"], 2, hierarchies={"age": "decades"})


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(18, 90), st.sampled_from(["310012", "310013", "100020", "200001"]),
                               st.sampled_from("FM")), min_size=1, max_size=60),
       k=st.integers(2, 6), budget=st.sampled_from([0.0, 0.05, 0.2]))
def test_every_released_class_has_k_records(rows: list[tuple[int, str, str]], k: int, budget: float) -> None:
    df = pl.DataFrame(rows, schema=["age", "zip", "sex"], orient="row")
    out = anonymize(df, ["age", "zip", "sex"], k, hierarchies={"age": "age", "zip": "postcode"},
                    max_suppression=budget, drop_suppressed=True)
    assert out.frame.height == 0 or out.after.k >= k
    assert out.frame.height + out.suppressed == df.height
    kept = anonymize(df, ["age", "zip", "sex"], k, hierarchies={"age": "age", "zip": "postcode"},
                     max_suppression=budget)
    sizes = kept.frame.filter(pl.col("sex") != "*").group_by(["age", "zip", "sex"]).len()["len"]
    assert sizes.len() == 0 or sizes.min() >= k
