"""Masking policies: which operator each role gets for each entity type (and purpose).

A policy is YAML::

    name: order-desk
    clear_roles: [dpo]            # roles that may see sensitive types in clear
    default: by_grade             # types a role does not name: by_grade, by_grade_token, or a rule
    roles:
      customer_service:
        PERSON: partial
        PHONE: {operator: partial}
        CN_RESIDENT_ID: {operator: token}
      analyst:
        "*": {operator: hash, params: {length: 12}}      # every type this role does not name
        DATE_OF_BIRTH:
          operator: generalize
          purposes: {marketing: redact}                  # per-purpose override
      "*": {}                      # any role not listed: the default

Resolution for (role, type, purpose): the role's rule for the type (its purpose override if
any), else the role's ``"*"`` rule, else the policy's ``default``. A role that is neither
listed nor covered by a ``"*"`` role is an error: nobody gets data by a typo.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from piwarden import entities
from piwarden.entities import EntityType, Grade
from piwarden.inputs import read_text
from piwarden.mask.errors import PolicyError
from piwarden.mask.keys import KeyRing
from piwarden.mask.operators import Operator, get_operator

ANY = "*"


class Rule(BaseModel):
    """An operator, its parameters, and per-purpose overrides."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    operator: str
    params: dict[str, Any] = Field(default_factory=dict)
    purposes: dict[str, Rule] = Field(default_factory=dict)

    @field_validator("purposes", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {k: _rule_input(v) for k, v in value.items()} if isinstance(value, dict) else value

    def for_purpose(self, purpose: str | None) -> Rule:
        return self.purposes.get(purpose, self) if purpose else self


def _rule_input(value: Any) -> Any:
    """``partial`` is short for ``{operator: partial}``."""
    return {"operator": value} if isinstance(value, str) else value


def rule_by_grade(entity: EntityType, *, l3: str = "partial") -> Rule:
    """The default: context types and L1 kept or partial, L2 partial, L3 ``l3``, L4 redacted."""
    if not entity.is_pi:
        return Rule(operator="keep")
    if entity.grade >= Grade.L4:
        return Rule(operator="redact")
    if entity.grade == Grade.L3:
        return Rule(operator=l3)
    return Rule(operator="partial")


class Policy(BaseModel):
    """A role x type (x purpose) -> operator table; see the module docstring for the YAML."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    name: str = ""
    clear_roles: list[str] = Field(default_factory=list)
    default: Literal["by_grade", "by_grade_token"] | Rule = "by_grade"
    roles: dict[str, dict[str, Rule]] = Field(default_factory=lambda: {ANY: dict[str, Rule]()})

    @field_validator("roles", mode="before")
    @classmethod
    def _roles_shorthand(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {role: {str(t): _rule_input(r) for t, r in (rules or {}).items()} for role, rules in value.items()}

    @field_validator("default", mode="before")
    @classmethod
    def _default_shorthand(cls, value: Any) -> Any:
        return value if value in ("by_grade", "by_grade_token") else _rule_input(value)

    def role_rules(self, role: str) -> dict[str, Rule]:
        """The rules of ``role``, canonical type names as keys (unknown names raise)."""
        rules = self.roles.get(role, self.roles.get(ANY))
        if rules is None:
            raise PolicyError(f"role {role!r} is not in the policy (and it has no '*' role)")
        return {t if t == ANY else entities.canonical(t): r for t, r in rules.items()}

    def rule_for(self, role: str, entity: str, purpose: str | None = None) -> Rule:
        """The rule that applies to ``entity`` for ``role`` and ``purpose``."""
        entity = entities.canonical(entity)
        rules = self.role_rules(role)
        rule = rules.get(entity) or rules.get(ANY)
        if rule is None:
            if isinstance(self.default, Rule):
                rule = self.default
            else:
                rule = rule_by_grade(entities.get(entity), l3="token" if self.default == "by_grade_token" else "partial")
        return rule.for_purpose(purpose)

    def needs_key(self, role: str, purpose: str | None = None) -> bool:
        """Whether any rule that applies to ``role`` uses a keyed operator."""
        return any(get_operator(self.rule_for(role, t, purpose).operator).keyed for t in entities.ENTITY_TYPES)

    def ruleset(self, role: str = ANY, purpose: str | None = None, keys: KeyRing | None = None) -> Ruleset:
        """The operators for one role and purpose, built once (raises on what lint reports)."""
        return Ruleset(self, role, purpose, keys)


class Ruleset:
    """A policy resolved for one role and purpose: entity type -> operator instance."""

    def __init__(self, policy: Policy, role: str, purpose: str | None, keys: KeyRing | None) -> None:
        self.role, self.purpose = role, purpose
        self.operators: dict[str, Operator] = {}
        built: dict[str, Operator] = {}
        for entity in entities.ENTITY_TYPES:
            rule = policy.rule_for(role, entity, purpose)
            signature = rule.model_dump_json(exclude={"purposes"})
            if signature not in built:
                built[signature] = get_operator(rule.operator)(rule.params, keys=keys, purpose=purpose or "default")
            self.operators[entity] = built[signature]

    def operator(self, entity: str) -> Operator:
        return self.operators[entities.canonical(entity)]


MAX_POLICY_BYTES = 1_000_000  # a policy is a page of rules; a larger file is a wrong argument, not parsed


def _yaml_where(exc: yaml.YAMLError) -> str:
    """Where and what the YAML error is, without the snippet of the file PyYAML would quote."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or type(exc).__name__
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" if mark is not None else str(problem)


def load_policy(source: str | Path | dict[str, Any]) -> Policy:
    """A policy from a YAML file, a YAML string, or a dict (structure checked, names not yet)."""
    if isinstance(source, dict):
        data: Any = source
    else:
        path = Path(source)
        try:
            is_file = isinstance(source, Path) or ("\n" not in source and path.is_file())
            if is_file and path.is_file() and path.stat().st_size > MAX_POLICY_BYTES:
                raise PolicyError(f"{path}: {path.stat().st_size / 1e6:.1f} MB is not a policy (at most "
                                  f"{MAX_POLICY_BYTES // 1_000_000} MB)")
            text = read_text(path) if is_file else str(source)  # InputError: not text, named by file
        except OSError as exc:
            raise PolicyError(f"cannot read policy {path}: {exc.strerror}") from None
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise PolicyError(f"policy is not valid YAML: {_yaml_where(exc)}") from None
    if not isinstance(data, dict):
        raise PolicyError("a policy is a YAML mapping")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise PolicyError(f"policy does not fit the schema: {problems}") from None


def default_policy(*, tokens: bool = False) -> Policy:
    """One role ``*``, every type by grade (L3 tokenized when ``tokens``)."""
    return Policy(name="default", default="by_grade_token" if tokens else "by_grade")
