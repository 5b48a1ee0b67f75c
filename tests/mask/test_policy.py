"""Policies: resolution by role, type and purpose; the default by grade; lint; text masking."""

from __future__ import annotations

import pytest

from piwarden.detect.span import Span
from piwarden.mask import (
    KeyRing,
    Masker,
    MaskError,
    MissingKey,
    PolicyError,
    default_policy,
    lint_policy,
    load_policy,
    mask_spans,
    mask_text,
)

KEYS = KeyRing(bytes(range(32)))
POLICY = """
name: order-desk
clear_roles: [dpo]
roles:
  customer_service:
    PERSON: partial
    phone_number: {operator: partial}     # an alias, resolved to PHONE
    CN_RESIDENT_ID: token
  analyst:
    "*": {operator: hash, params: {length: 12}}
    DATE_OF_BIRTH:
      operator: generalize
      purposes: {marketing: redact}
  dpo:
    "*": keep
"""
TEXT = "手机13812345678，身份证号330106198803051239。"
SPANS = [Span(2, 13, "PHONE", 1.0), Span(18, 36, "CN_RESIDENT_ID", 1.0)]


def test_resolution() -> None:
    p = load_policy(POLICY)
    assert p.rule_for("customer_service", "PHONE").operator == "partial"
    assert p.rule_for("customer_service", "EMAIL").operator == "partial"  # by grade (L2)
    assert p.rule_for("customer_service", "HEALTH").operator == "redact"  # by grade (L4)
    assert p.rule_for("customer_service", "ORG").operator == "keep"  # not PI
    assert p.rule_for("analyst", "PHONE").params == {"length": 12}
    assert p.rule_for("analyst", "DATE_OF_BIRTH", "marketing").operator == "redact"
    assert p.rule_for("analyst", "DATE_OF_BIRTH", "research").operator == "generalize"
    with pytest.raises(PolicyError, match="courier"):
        p.rule_for("courier", "PHONE")  # not listed and no "*" role
    assert p.needs_key("analyst") and not p.needs_key("dpo")


def test_default_policy_by_grade() -> None:
    p = default_policy()
    assert [p.rule_for("*", t).operator for t in ("ORG", "CN_USCC", "PHONE", "BANK_CARD", "BIOMETRIC")] == [
        "keep", "partial", "partial", "partial", "redact"]
    assert default_policy(tokens=True).rule_for("anyone", "BANK_CARD").operator == "token"


def test_mask_text_right_to_left_with_offsets() -> None:
    rules = load_policy(POLICY).ruleset("customer_service", keys=KEYS)
    out = mask_spans(TEXT, SPANS, rules)
    assert out.text.startswith("手机138****5678，身份证号tok_") and out.text.endswith("。")
    token_span = out.spans[1]
    token = out.text[token_span.start : token_span.end]
    assert rules.operator("CN_RESIDENT_ID").unmask(token, "CN_RESIDENT_ID") == "330106198803051239"
    assert mask_text(TEXT, SPANS) == "手机138****5678，身份证号330106********1239。"  # default policy


def test_overlapping_spans_never_leave_a_tail() -> None:
    out = mask_text("abc13812345678xyz", [Span(3, 14, "PHONE", 1.0), Span(5, 17, "ORDER_ID", 0.6)],
                    default_policy())
    assert out.startswith("abc138****5678") and "xyz" not in out  # the overhang is masked as ORDER_ID


def test_operator_failures_fall_back_or_raise() -> None:
    rules = load_policy({"roles": {"r": {"ORDER_ID": "fpe"}}}).ruleset("r", keys=KEYS)
    out = mask_spans("单号12345", [Span(2, 7, "ORDER_ID", 1.0)], rules)  # too short for FF1
    assert out.text == "单号<ORDER_ID>" and out.fallbacks == 1
    with pytest.raises(MaskError) as info:
        mask_spans("单号12345", [Span(2, 7, "ORDER_ID", 1.0)], rules, on_error="raise")
    assert "12345" not in str(info.value)


def test_keyed_policy_without_key() -> None:
    with pytest.raises(MissingKey):
        load_policy(POLICY).ruleset("analyst")


def test_masker_detects_and_masks() -> None:
    m = Masker(load_policy(POLICY), role="analyst", keys=KEYS)
    out = m.mask_detailed(TEXT)
    assert "13812345678" not in out.text and "330106198803051239" not in out.text
    assert {s.operator for s in out.spans} == {"hash"}
    assert m.mask(TEXT) == out.text  # stable pseudonyms


def test_load_errors() -> None:
    with pytest.raises(PolicyError, match="schema"):
        load_policy("roles: [a, b]\nname: x\n")
    with pytest.raises(PolicyError, match="YAML"):
        load_policy("roles: {a: [\n  x")
    with pytest.raises(PolicyError, match="schema"):
        load_policy({"rolez": {}})


def _errors(text: str, key_available: bool | None = True) -> list[str]:
    return [str(i) for i in lint_policy(load_policy(text), key_available=key_available) if i.severity == "error"]


def test_lint_clean_policy() -> None:
    assert _errors(POLICY) == []


def test_lint_catches_each_problem() -> None:
    bad = """
clear_roles: [auditor]
roles:
  support:
    PHONE_NUMBR: partial
    EMAIL: scramble
    PERSON: {operator: partial, params: {keep_first: -2}}
    BANK_CARD: keep
    GPS_COORDINATE: {operator: redact, purposes: {ops: keep}}
"""
    errors = _errors(bad)
    assert any("unknown entity type 'PHONE_NUMBR'" in e for e in errors)
    assert any("unknown operator 'scramble'" in e for e in errors)
    assert any("roles.support.PERSON" in e and "keep_first" in e for e in errors)
    lint = lint_policy(load_policy(bad.replace("PHONE_NUMBR", "PHONE")), key_available=True)
    clear = [str(i) for i in lint if "in clear" in i.message]
    assert any("BANK_CARD" in c for c in clear)
    assert any("GPS_COORDINATE" in c and "'ops'" in c for c in clear)
    assert any(i.severity == "warning" and "auditor" in i.message for i in lint)


def test_lint_missing_keys_and_wildcard_clear() -> None:
    assert any("needs a key" in e for e in _errors(POLICY, key_available=False))
    assert _errors(POLICY, key_available=None) == []
    leaky = "roles:\n  intern:\n    '*': keep\n"
    assert any("intern" in e and "HEALTH" in e for e in _errors(leaky))
    assert _errors(leaky.replace("roles:", "clear_roles: [intern]\nroles:")) == []
    warned = lint_policy(load_policy({"roles": {"a": {"PERSON": "fpe", "PHONE": "generalize"}}}), key_available=True)
    assert {i.where for i in warned if i.severity == "warning"} == {"roles.a.PERSON", "roles.a.PHONE"}


def test_mask_record_by_field_types() -> None:
    from piwarden.mask import mask_record

    rules = load_policy(POLICY).ruleset("customer_service", keys=KEYS)
    row = {"name": "欧阳娜娜", "mobile": "13812345678", "order": "A1", "note": None, "short_id": "12345"}
    out = mask_record(row, {"name": "PERSON", "mobile": "PHONE", "note": "ADDRESS"}, rules)
    assert out == {"name": "欧阳**", "mobile": "138****5678", "order": "A1", "note": None, "short_id": "12345"}
    fpe = load_policy({"roles": {"r": {"ORDER_ID": "fpe"}}}).ruleset("r", keys=KEYS)
    assert mask_record(row, {"short_id": "ORDER_ID"}, fpe)["short_id"] == "<ORDER_ID>"
    with pytest.raises(MaskError, match="short_id") as info:
        mask_record(row, {"short_id": "ORDER_ID"}, fpe, on_error="raise")
    assert "12345" not in str(info.value)
