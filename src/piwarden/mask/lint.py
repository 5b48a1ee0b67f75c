"""``lint_policy``: what is wrong with a policy, before it masks anything.

Errors: unknown entity types, unknown operators, parameters an operator refuses, keyed
operators without a key, and a sensitive type (PIPL Art. 28, or grade L3 and above) left in
clear (``keep``) for a role that is not in ``clear_roles``. Warnings: an operator named for a
type it does not handle (its values would fall back to ``<TYPE>``), ``clear_roles`` naming a
role the policy does not list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError

from piwarden import entities
from piwarden.entities import Grade
from piwarden.mask.errors import PolicyError
from piwarden.mask.operators import get_operator
from piwarden.mask.policy import ANY, Policy, Rule


@dataclass(frozen=True, slots=True)
class LintIssue:
    severity: Literal["error", "warning"]
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.where}: {self.message}"


def _sensitive(name: str) -> bool:
    e = entities.ENTITY_TYPES[name]
    return e.sensitive or e.grade >= Grade.L3


def _check_rule(rule: Rule, where: str, entity: str | None, key_available: bool | None) -> list[LintIssue]:
    issues: list[LintIssue] = []
    for purpose, sub in rule.purposes.items():
        issues += _check_rule(sub, f"{where}.purposes.{purpose}", entity, key_available)
    try:
        cls = get_operator(rule.operator)
    except PolicyError as exc:
        return [*issues, LintIssue("error", where, str(exc))]
    try:
        cls.Params.model_validate(rule.params)
    except ValidationError as exc:
        fields = ", ".join(".".join(map(str, e["loc"])) or "params" for e in exc.errors())
        issues.append(LintIssue("error", where, f"operator {rule.operator}: invalid parameters: {fields}"))
    if cls.keyed and key_available is False:
        issues.append(LintIssue("error", where, f"operator {rule.operator} needs a key and none is available "
                                                "(--key-file, PIWARDEN_MASK_KEY or PIWARDEN_HOME/keys/mask.key)"))
    if entity is not None and cls.types is not None and entity not in cls.types:
        issues.append(LintIssue("warning", where, f"operator {rule.operator} does not handle {entity}; "
                                                  f"values fall back to <{entity}>"))
    elif entity is not None and rule.operator == "fpe" and entity in _fpe_text_types():
        issues.append(LintIssue("warning", where, f"operator fpe does not handle {entity}"))
    return issues


def _fpe_text_types() -> frozenset[str]:
    from piwarden.mask.operators.fpe import TEXT_TYPES

    return TEXT_TYPES


def lint_policy(policy: Policy, *, key_available: bool | None = None,
                created_on_use: str | None = None) -> list[LintIssue]:
    """Everything wrong with ``policy``; ``key_available=None`` skips the key check.

    ``created_on_use``: where the missing key will be created when the policy is first used
    (``mask run`` creates it); a keyed operator without a key is then a warning, not an error.
    """
    issues = _lint(policy, key_available)
    if created_on_use is None:
        return issues
    return [LintIssue("warning", i.where, i.message.split(" and none is available")[0]
                      + f"; there is no key yet: `piwarden mask run` creates {created_on_use} (0600) on first use")
            if i.severity == "error" and "needs a key" in i.message else i for i in issues]


def _lint(policy: Policy, key_available: bool | None) -> list[LintIssue]:
    issues: list[LintIssue] = []
    default_rule = policy.default if isinstance(policy.default, Rule) else None
    if default_rule is not None:
        issues += _check_rule(default_rule, "default", None, key_available)
    elif policy.default == "by_grade_token" and key_available is False:
        issues.append(LintIssue("error", "default", "by_grade_token tokenizes L3 types and needs a key"))
    known_only: dict[str, dict[str, Rule]] = {}
    for role, rules in policy.roles.items():
        known_only[role] = {}
        for name, rule in rules.items():
            where = f"roles.{role}.{name}"
            entity = None
            if name != ANY:
                try:
                    entity = entities.canonical(name)
                except entities.UnknownEntityType:
                    issues.append(LintIssue("error", where, f"unknown entity type {name!r}"))
                    continue
            known_only[role][name] = rule
            issues += _check_rule(rule, where, entity, key_available)
    resolvable = policy.model_copy(update={"roles": known_only})
    for role in policy.roles:
        if role not in policy.clear_roles:
            issues += _clear_sensitive(resolvable, role)
    for role in policy.clear_roles:
        if role not in policy.roles:
            issues.append(LintIssue("warning", "clear_roles", f"role {role!r} is not in roles"))
    return issues


def _clear_sensitive(policy: Policy, role: str) -> list[LintIssue]:
    """Sensitive types that ``role`` would see in clear, for any purpose its rules name."""
    purposes: set[str | None] = {None}
    for rule in policy.roles[role].values():
        purposes.update(rule.purposes)
    issues = []
    for entity in entities.ENTITY_TYPES:
        if not _sensitive(entity):
            continue
        for purpose in sorted(purposes, key=lambda p: p or ""):
            try:
                rule = policy.rule_for(role, entity, purpose)
            except PolicyError:
                continue
            if rule.operator == "keep":
                scope = f" for purpose {purpose!r}" if purpose else ""
                issues.append(LintIssue("error", f"roles.{role}", f"leaves sensitive type {entity} in clear"
                                        f"{scope}; mask it or add the role to clear_roles"))
    return issues
