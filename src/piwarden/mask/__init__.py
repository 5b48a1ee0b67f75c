"""Masking and de-identification: operators, policies, and masking of text.

>>> from piwarden.detect import Span
>>> mask_text("手机13812345678", [Span(2, 13, "PHONE", 1.0)])
'手机138****5678'
"""

from piwarden.mask.errors import MaskError, MissingKey, NotReversible, PolicyError
from piwarden.mask.keys import KeyRing, load_keys
from piwarden.mask.lint import LintIssue, lint_policy
from piwarden.mask.operators import Operator, Params, get_operator, operator_names, register
from piwarden.mask.policy import Policy, Rule, Ruleset, default_policy, load_policy
from piwarden.mask.records import mask_record
from piwarden.mask.text import MaskedSpan, MaskedText, Masker, mask_spans, mask_text
from piwarden.mask.tokens import detokenize

__all__ = [
    "KeyRing", "LintIssue", "MaskError", "MaskedSpan", "MaskedText", "Masker", "MissingKey", "NotReversible",
    "Operator", "Params", "Policy", "PolicyError", "Rule", "Ruleset", "default_policy", "detokenize",
    "get_operator", "lint_policy", "load_keys", "load_policy", "mask_record", "mask_spans", "mask_text", "operator_names",
    "register",
]
