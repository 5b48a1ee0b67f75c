"""The vault's access policy: role x purpose x ticket x field grade x ownership x time -> a decision.

A policy is YAML (docs/vault.md#the-policy)::

    version: 1
    default: masked              # no rule matched: masked (least privilege) or deny
    timezone: Asia/Shanghai      # for `hours` and `days`
    rules:
      - id: cs-reveal-contact
        effect: reveal           # deny | needs_approval | reveal | masked
        roles: [customer_service]
        purposes: [after_sales]
        ticket: required         # required | bound (registered, naming the subject) | absent | any (default)
        resources: [customer, order]
        max_grade: L2            # or grades: [L1, L2]
        owner: any               # own (default) | other | any: the record's tenant against the caller's
        hours: "08:00-22:00"     # and days: [mon, tue, ...], from: 2026-01-01, until: 2026-12-31

Every rule that matches a request counts; the strongest effect wins: ``deny`` over
``needs_approval`` over ``reveal`` over ``masked``. No match: ``default``. So a grant
(``reveal``) never overrides a prohibition, and nobody sees a value in clear unless a rule
says so. ``Decision`` keeps the deciding rule and every matching one, for ``explain``.

>>> p = parse_policy({"rules": [{"id": "cs", "effect": "reveal", "roles": ["cs"], "max_grade": "L2",
...                              "ticket": "required"}]})
>>> ask = Ask(role="cs", purpose="after_sales", ticket="T-1", tenant="platform", owner="platform",
...           resource="customer", field="phone", grade=2, sensitive=False, action="reveal")
>>> p.decide(ask).effect, p.decide(ask).rule
('reveal', 'cs')
>>> p.decide(ask.but(ticket=None)).effect
'masked'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from datetime import time as dtime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from piwarden.vault.files import read_yaml
from piwarden.vault.quotas import QuotaDecl, Quotas

BUNDLED = Path(__file__).with_name("policy.yaml")
Effect = Literal["deny", "needs_approval", "reveal", "masked"]
STRENGTH: dict[str, int] = {"masked": 1, "reveal": 2, "needs_approval": 3, "deny": 4}
ActionName = Literal["view", "reveal", "search", "create", "update", "delete"]
READ_ACTIONS: tuple[ActionName, ...] = ("view", "reveal", "search")
WRITE_ACTIONS: tuple[ActionName, ...] = ("create", "update", "delete")
ACTIONS = (*READ_ACTIONS, *WRITE_ACTIONS)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
ANY = "*"


class PolicyFileError(ValueError):
    """A policy that cannot be used: names the file, the rule and the key, and what is wrong."""


@dataclass(frozen=True, slots=True)
class Ask:
    """What is decided: who (role, tenant), why (purpose, ticket), what (resource, field, grade, owner), when."""

    role: str
    purpose: str | None
    ticket: str | None
    tenant: str
    owner: str
    resource: str
    field: str
    grade: int
    sensitive: bool
    action: str
    at: datetime | None = None
    ticket_bound: bool = False  # the ticket is registered, open and names this record's subject (vault/tickets.py)

    def but(self, **changes: Any) -> Ask:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Decision:
    """The effect, the rule that decided it (None: the default) and every rule that matched."""

    effect: Effect
    rule: str | None
    matched: tuple[str, ...]
    reason: str


def _grade(value: Any) -> int:
    if isinstance(value, int) and 1 <= value <= 4:
        return value
    if isinstance(value, str) and re.fullmatch(r"[Ll][1-4]", value):
        return int(value[1])
    raise ValueError("a grade is L1, L2, L3 or L4")


class RuleDecl(BaseModel):
    """One rule as written in the file."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(min_length=1, max_length=120)
    effect: Effect
    description: str = ""
    roles: list[str] | Literal["*"] = "*"
    purposes: list[str] | Literal["*"] = "*"
    ticket: Literal["required", "bound", "absent", "any"] = "any"
    resources: list[str] | Literal["*"] = "*"
    fields: list[str] | Literal["*"] = "*"
    grades: list[int] | None = None
    max_grade: int | None = None
    sensitive: bool | None = None
    actions: list[ActionName] = Field(default_factory=lambda: list(READ_ACTIONS))
    owner: Literal["own", "other", "any"] = "own"
    hours: str | None = None
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] | None = None
    valid_from: date | None = Field(default=None, alias="from")
    valid_until: date | None = Field(default=None, alias="until")

    @field_validator("grades", mode="before")
    @classmethod
    def _grades(cls, value: Any) -> Any:
        return [_grade(v) for v in value] if isinstance(value, list) else value

    @field_validator("max_grade", mode="before")
    @classmethod
    def _max_grade(cls, value: Any) -> Any:
        return None if value is None else _grade(value)

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str | None) -> str | None:
        if value is not None and not _HOURS.match(value):
            raise ValueError("hours are 'HH:MM-HH:MM' (24-hour clock; may wrap past midnight)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> RuleDecl:
        if self.grades is not None and self.max_grade is not None:
            raise ValueError("give grades or max_grade, not both")
        for name in ("roles", "purposes", "resources", "fields"):
            value = getattr(self, name)
            if isinstance(value, list) and not value:
                raise ValueError(f"{name} is empty: write '*' for any, or leave it out")
        return self


class ExportsDecl(BaseModel):
    """Bulk exports: over this weight (rows x the grade weight of the most sensitive field in clear) a checker
    must approve."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    approval_over: int = Field(default=2000, ge=0)


class PolicyDecl(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1
    name: str = ""
    default: Literal["masked", "deny"] = "masked"
    timezone: str = "UTC"
    rules: list[RuleDecl] = Field(default_factory=list)
    quotas: list[QuotaDecl] = Field(default_factory=list)
    exports: ExportsDecl = Field(default_factory=ExportsDecl)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone (an IANA name such as Asia/Shanghai)") from None
        return value


def _set(value: list[str] | str) -> frozenset[str] | None:
    return None if value == ANY else frozenset(value)


class CompiledRule:
    """A rule ready to match: sets instead of lists, the time window parsed."""

    __slots__ = ("actions", "days", "decl", "effect", "fields", "grades", "hours", "id", "order", "owner",
                 "purposes", "resources", "roles", "sensitive", "strength", "ticket", "timed", "valid_from",
                 "valid_until")

    def __init__(self, decl: RuleDecl, order: int) -> None:
        self.decl, self.order, self.id, self.effect = decl, order, decl.id, decl.effect
        self.strength = STRENGTH[decl.effect]
        self.roles, self.purposes = _set(decl.roles), _set(decl.purposes)
        self.resources, self.fields = _set(decl.resources), _set(decl.fields)
        if decl.grades is not None:
            self.grades: frozenset[int] | None = frozenset(decl.grades)
        elif decl.max_grade is not None:
            self.grades = frozenset(range(1, decl.max_grade + 1))
        else:
            self.grades = None
        self.sensitive, self.ticket, self.owner = decl.sensitive, decl.ticket, decl.owner
        self.actions = frozenset(decl.actions)
        self.days = None if decl.days is None else frozenset(DAYS.index(d) for d in decl.days)
        self.hours: tuple[dtime, dtime] | None = None
        if decl.hours:
            m = _HOURS.match(decl.hours)
            assert m is not None
            end = dtime(23, 59, 59, 999999) if m.group(3) == "24" else dtime(int(m.group(3)), int(m.group(4)))
            self.hours = (dtime(int(m.group(1)), int(m.group(2))), end)
        self.valid_from, self.valid_until = decl.valid_from, decl.valid_until
        self.timed = self.days is not None or self.hours is not None or self.valid_from is not None or (
            self.valid_until is not None)

    def mismatch(self, ask: Ask, local: datetime) -> str | None:
        """Why the rule does not apply (None: it does)."""
        if self.roles is not None and ask.role not in self.roles:
            return "role"
        if ask.action not in self.actions:
            return "action"
        if self.resources is not None and ask.resource not in self.resources:
            return "resource"
        if self.fields is not None and ask.field not in self.fields:
            return "field"
        if self.grades is not None and ask.grade not in self.grades:
            return "grade"
        if self.sensitive is not None and ask.sensitive != self.sensitive:
            return "sensitive"
        if self.purposes is not None and ask.purpose not in self.purposes:
            return "purpose"
        if self.ticket == "required" and not ask.ticket:
            return "ticket (required)"
        if self.ticket == "bound" and not ask.ticket_bound:
            return "ticket (must be registered and name the subject)"
        if self.ticket == "absent" and ask.ticket:
            return "ticket (must be absent)"
        own = ask.owner == ask.tenant
        if (self.owner == "own" and not own) or (self.owner == "other" and own):
            return f"owner ({self.owner})"
        if not self.timed:
            return None
        if self.days is not None and local.weekday() not in self.days:
            return "day"
        if self.hours is not None:
            t, (start, end) = local.time(), self.hours
            inside = start <= t <= end if start <= end else (t >= start or t <= end)
            if not inside:
                return "hours"
        if self.valid_from is not None and local.date() < self.valid_from:
            return "not yet valid"
        if self.valid_until is not None and local.date() > self.valid_until:
            return "expired"
        return None


class Policy:
    """A parsed policy; ``decide`` is the hot path (rules indexed by role)."""

    def __init__(self, decl: PolicyDecl, source: str = "policy") -> None:
        self.decl, self.source = decl, source
        self.zone = ZoneInfo(decl.timezone)
        self.default: Effect = decl.default
        self.rules = [CompiledRule(r, i) for i, r in enumerate(decl.rules)]
        self.quotas = Quotas(decl.quotas, self.zone)
        # index: role -> resource -> rules (None: rules for any role / any resource), each list in file order
        self._index: dict[str | None, dict[str | None, list[CompiledRule]]] = {}
        for r in self.rules:
            for role in r.roles or (None,):
                by_resource = self._index.setdefault(role, {})
                for resource in r.resources or (None,):
                    by_resource.setdefault(resource, []).append(r)

    def _local(self, at: datetime | None) -> datetime:
        return (at or datetime.now(UTC)).astimezone(self.zone)

    def candidates(self, role: str, resource: str) -> Iterable[CompiledRule]:
        """The rules that could match a role and resource (the others name other roles or resources)."""
        for by_resource in (self._index.get(role), self._index.get(None)):
            if by_resource:
                yield from by_resource.get(resource, ())
                yield from by_resource.get(None, ())

    def decide(self, ask: Ask) -> Decision:
        local = self._local(ask.at)
        best: CompiledRule | None = None
        matched: list[CompiledRule] = []
        for rule in self.candidates(ask.role, ask.resource):
            if rule.mismatch(ask, local) is None:
                matched.append(rule)
                if best is None or rule.strength > best.strength or (
                        rule.strength == best.strength and rule.order < best.order):
                    best = rule
        names = tuple(r.id for r in sorted(matched, key=lambda r: r.order))
        if best is None:
            return Decision(self.default, None, (), f"no rule matched: the policy's default ({self.default})")
        why = f"rule {best.id} ({best.effect})"
        if len(matched) > 1:
            why += " is the strongest of the matching rules " + ", ".join(names)
        return Decision(best.effect, best.id, names, why)

    def explain(self, ask: Ask) -> list[tuple[str, str, str | None]]:
        """Every rule in file order: (id, effect, why it does not apply or None)."""
        local = self._local(ask.at)
        return [(r.id, r.effect, r.mismatch(ask, local)) for r in self.rules]


def _problems(exc: ValidationError, decl: Any) -> str:
    out = []
    for e in exc.errors(include_input=False):
        loc = list(e["loc"])
        where = ".".join(map(str, loc))
        if len(loc) >= 2 and loc[0] in ("rules", "quotas") and isinstance(loc[1], int):
            items = decl.get(loc[0]) if isinstance(decl, dict) else None
            rid = items[loc[1]].get("id") if isinstance(items, list) and isinstance(items[loc[1]], dict) else None
            where = f"{loc[0][:-1]} {loc[1] + 1}" + (f" ({rid})" if isinstance(rid, str) else "")
            if len(loc) > 2:
                where += ": " + ".".join(map(str, loc[2:]))
        out.append(f"{where}: {e['msg']}")
    return "; ".join(out)


def parse_policy(data: Any, source: str = "policy") -> Policy:
    """A policy from a parsed YAML document; ``PolicyFileError`` names what is wrong and where."""
    if not isinstance(data, dict):
        raise PolicyFileError(f"{source}: a policy is a YAML mapping with 'rules'")
    try:
        decl = PolicyDecl.model_validate(data)
    except ValidationError as exc:
        raise PolicyFileError(f"{source}: {_problems(exc, data)}") from None
    for kind, ids in (("rule", [r.id for r in decl.rules]), ("quota", [q.id for q in decl.quotas])):
        seen: set[str] = set()
        for i, ident in enumerate(ids, start=1):
            if ident in seen:
                raise PolicyFileError(f"{source}: {kind} {i} ({ident}): id used twice")
            seen.add(ident)
    return Policy(decl, source)


def load_policy_file(path: str | Path) -> Policy:
    return parse_policy(read_yaml(path, PolicyFileError), str(path))


@lru_cache(maxsize=1)
def bundled_policy() -> Policy:
    return load_policy_file(BUNDLED)


def strongest(effects: Sequence[str]) -> str:
    return max(effects, key=STRENGTH.__getitem__)
