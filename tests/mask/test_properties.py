"""Acceptance properties of issue 4, over generated values of every type each operator handles.

- the masked text never contains the original value, anywhere;
- tokens and FPE decrypt back to the original;
- pseudonyms are stable under one key and purpose, and differ across keys and purposes;
- FPE output passes the type's validator.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from piwarden.detect.ids import bank_card
from piwarden.detect.ids.cn import mobile, ric
from piwarden.detect.span import Span
from piwarden.mask import KeyRing, Policy, Ruleset, get_operator, mask_spans

from .values import BY_TYPE

KEYS = KeyRing(bytes(range(32)))
OTHER = KeyRing(bytes(range(100, 132)))
# filler that shares no character with any generated value
BEFORE = st.text("，。：请联系客户备注", max_size=6)
AFTER = st.text("，。；谢谢收到", max_size=6)
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

OPERATOR_TYPES = {
    "partial": list(BY_TYPE),
    "redact": list(BY_TYPE),
    "replace": list(BY_TYPE),
    "hash": list(BY_TYPE),
    "token": list(BY_TYPE),
    "fpe": ["PHONE", "CN_RESIDENT_ID", "BANK_CARD", "EMAIL", "PASSPORT"],
    "generalize": ["DATE_OF_BIRTH", "ADDRESS", "GPS_COORDINATE", "AMOUNT"],
    "date_shift": ["DATE_OF_BIRTH"],
}
CASES = [(op, entity) for op, types in OPERATOR_TYPES.items() for entity in types]
VALIDATORS = {"PHONE": mobile.is_valid, "CN_RESIDENT_ID": ric.is_valid, "BANK_CARD": bank_card.is_valid}


def _rules(operator: str, entity: str, keys: KeyRing = KEYS, purpose: str | None = None) -> Ruleset:
    return Policy.model_validate({"roles": {"r": {entity: operator}}}).ruleset("r", purpose, keys)


@pytest.mark.parametrize(("operator", "entity"), CASES, ids=[f"{o}-{e}" for o, e in CASES])
def test_masked_text_never_contains_the_value(operator: str, entity: str) -> None:
    rules = _rules(operator, entity)

    @SETTINGS
    @given(BEFORE, BY_TYPE[entity], AFTER)
    def check(before: str, value: str, after: str) -> None:
        text = before + value + after
        out = mask_spans(text, [Span(len(before), len(before) + len(value), entity, 1.0)], rules,
                         subject="s1", on_error="raise")
        assert value not in out.text
        assert out.text.startswith(before) and out.text.endswith(after)

    check()


@pytest.mark.parametrize(("operator", "entity"), [c for c in CASES if get_operator(c[0]).reversible],
                         ids=lambda c: str(c))
def test_reversible_operators_give_the_value_back(operator: str, entity: str) -> None:
    op = get_operator(operator)(keys=KEYS)

    @SETTINGS
    @given(BY_TYPE[entity])
    def check(value: str) -> None:
        masked = op.mask(value, entity, "s1")
        assert op.unmask(masked, entity, "s1") == value
        if operator == "fpe" and entity in VALIDATORS:
            assert VALIDATORS[entity](masked)
            assert len(masked) == len(value)

    check()


@SETTINGS
@given(st.sampled_from(list(BY_TYPE)).flatmap(lambda e: st.tuples(st.just(e), BY_TYPE[e])))
def test_pseudonyms_stable_per_key_and_purpose(case: tuple[str, str]) -> None:
    entity, value = case
    h = get_operator("hash")
    base = h(keys=KEYS, purpose="analytics").mask(value, entity)
    assert h(keys=KEYS, purpose="analytics").mask(value, entity) == base
    assert h(keys=OTHER, purpose="analytics").mask(value, entity) != base
    assert h(keys=KEYS, purpose="marketing").mask(value, entity) != base
