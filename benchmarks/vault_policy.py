"""Vault policy decisions per second with 10,000 rules: the vault's own evaluator against Cedar and Casbin.

One generated policy set (roles x purposes x ticket x grade x ownership), the same question to
each engine: "may this caller reveal this field?" (our evaluator: ``decide(...).effect ==
"reveal"``; Cedar: reveal rules as ``permit``, deny and needs_approval rules as ``forbid``, with
every attribute in the context and the policy set parsed once; Casbin: one policy line per
rule and an ABAC matcher, allow-and-no-deny effect). The answers are compared request by
request before anything is timed. Medians of --repeat runs; ratios against our evaluator.

    .venv/bin/python benchmarks/vault_policy.py [--rules 10000] [--requests 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from piwarden.vault.policy import Ask, parse_policy

RESOURCES = ["customer", "order", "waybill", "policy", "certification"]
FIELDS = ["name", "phone", "address", "id_number", "bank_card", "photo"]
GRADE = {"name": 2, "phone": 2, "address": 2, "id_number": 3, "bank_card": 3, "photo": 4}
OWNERS = ["platform", "M0001", "M0002"]


def make_rules(n: int, rng: random.Random, roles: list[str], purposes: list[str]) -> list[dict[str, Any]]:
    rules = []
    for i in range(n):
        effect = rng.choices(["reveal", "deny", "needs_approval", "masked"], [6, 1, 1, 2])[0]
        rules.append({"id": f"r{i}", "effect": effect, "roles": [rng.choice(roles)],
                      "purposes": rng.sample(purposes, rng.randint(1, 3)),
                      "ticket": rng.choice(["required", "any"]), "resources": rng.sample(RESOURCES, rng.randint(1, 3)),
                      "max_grade": f"L{rng.randint(1, 4)}", "owner": rng.choice(["own", "any", "other"]),
                      "actions": ["reveal"]})
    return rules


def make_asks(n: int, rng: random.Random, roles: list[str], purposes: list[str]) -> list[Ask]:
    at = datetime(2026, 3, 4, 2, 30, tzinfo=UTC)
    out = []
    for _ in range(n):
        field = rng.choice(FIELDS)
        out.append(Ask(role=rng.choice(roles), purpose=rng.choice(purposes), ticket=rng.choice([None, "T-1"]),
                       tenant=rng.choice(OWNERS), owner=rng.choice(OWNERS), resource=rng.choice(RESOURCES),
                       field=field, grade=GRADE[field], sensitive=False, action="reveal", at=at))
    return out


def _set(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def cedar_policies(rules: list[dict[str, Any]]) -> str:
    out = []
    for r in rules:
        if r["effect"] == "masked":
            continue
        kind = "permit" if r["effect"] == "reveal" else "forbid"
        cond = [f'context.role == "{r["roles"][0]}"', f"{_set(r['purposes'])}.contains(context.purpose)",
                f"{_set(r['resources'])}.contains(context.resource)", f"context.grade <= {r['max_grade'][1]}"]
        if r["ticket"] == "required":
            cond.append("context.has_ticket")
        if r["owner"] == "own":
            cond.append("context.tenant == context.owner")
        elif r["owner"] == "other":
            cond.append("context.tenant != context.owner")
        out.append(f'@id("{r["id"]}")\n{kind}(principal, action == Action::"reveal", resource) when {{ '
                   + " && ".join(cond) + " };")
    return "\n".join(out)


def cedar_request(a: Ask) -> dict[str, Any]:
    return {"principal": 'User::"u"', "action": 'Action::"reveal"', "resource": 'Field::"f"',
            "context": {"role": a.role, "purpose": a.purpose, "has_ticket": bool(a.ticket), "tenant": a.tenant,
                        "owner": a.owner, "resource": a.resource, "grade": a.grade}}


CASBIN_MODEL = """
[request_definition]
r = sub, obj

[policy_definition]
p = role, purposes, ticket, resources, grades, owner, eft

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = r.sub.role == p.role && regexMatch(r.sub.purpose, p.purposes) && (p.ticket == "any" || r.sub.ticket == "yes") \
&& regexMatch(r.obj.resource, p.resources) && regexMatch(r.obj.grade, p.grades) \
&& (p.owner == "any" || (p.owner == "own" && r.sub.tenant == r.obj.owner) || (p.owner == "other" && r.sub.tenant != r.obj.owner))
"""


def casbin_enforcer(rules: list[dict[str, Any]]) -> Any:
    import casbin

    model = casbin.Enforcer.new_model(text=CASBIN_MODEL)
    enforcer = casbin.Enforcer(model)
    for r in rules:
        if r["effect"] == "masked":
            continue
        enforcer.add_policy(r["roles"][0], "^(" + "|".join(r["purposes"]) + ")$", r["ticket"],
                            "^(" + "|".join(r["resources"]) + ")$", f"^[1-{r['max_grade'][1]}]$", r["owner"],
                            "allow" if r["effect"] == "reveal" else "deny")
    return enforcer


def casbin_args(a: Ask) -> tuple[Any, Any]:
    return (SimpleNamespace(role=a.role, purpose=a.purpose, ticket="yes" if a.ticket else "no", tenant=a.tenant),
            SimpleNamespace(resource=a.resource, grade=str(a.grade), owner=a.owner))


def rate(fn: Callable[[], int], repeat: int) -> float:
    rates = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        n = fn()
        rates.append(n / (time.perf_counter() - t0))
    return statistics.median(rates)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", type=int, default=10_000)
    ap.add_argument("--requests", type=int, default=2_000)
    ap.add_argument("--slow-requests", type=int, default=100,
                    help="requests for Cedar and Casbin (about 10 decisions/s each with 10,000 rules)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rng = random.Random(17)
    roles = [f"role_{i}" for i in range(200)]
    purposes = [f"purpose_{i}" for i in range(20)]
    rules = make_rules(args.rules, rng, roles, purposes)
    asks = make_asks(args.requests, rng, roles, purposes)
    t0 = time.perf_counter()
    policy = parse_policy({"rules": rules})
    own_load = time.perf_counter() - t0
    ours = [policy.decide(a).effect == "reveal" for a in asks]
    print(f"{args.rules} rules, {args.requests} requests, {sum(ours)} reveals; policy parsed in {own_load:.2f} s")

    results: dict[str, float] = {"piwarden": rate(lambda: sum(1 for a in asks if policy.decide(a)), args.repeat)}
    try:
        import cedarpy

        t0 = time.perf_counter()
        pset = cedarpy.PolicySet.from_str(cedar_policies(rules)) if hasattr(cedarpy, "PolicySet") else cedar_policies(rules)
        entities = cedarpy.Entities.from_json_str("[]") if hasattr(cedarpy, "Entities") else "[]"
        cedar_load = time.perf_counter() - t0
        requests = [cedar_request(a) for a in asks[:args.slow_requests]]
        answers = [r.allowed for r in cedarpy.is_authorized_batch(requests, pset, entities)]
        assert answers == ours[:len(requests)], "cedar disagrees"
        results["cedar (batch)"] = rate(lambda: len(cedarpy.is_authorized_batch(requests, pset, entities)), args.repeat)
        results["cedar (one call each)"] = rate(
            lambda: sum(1 for r in requests if cedarpy.is_authorized(r, pset, entities) or True), args.repeat)
        print(f"cedar: policy set parsed in {cedar_load:.2f} s; answers agree")
    except ImportError:
        print("cedarpy not installed: skipped")
    try:
        t0 = time.perf_counter()
        enforcer = casbin_enforcer(rules)
        casbin_load = time.perf_counter() - t0
        sample = asks[:args.slow_requests]
        answers = [enforcer.enforce(*casbin_args(a)) for a in sample]
        assert answers == ours[:len(sample)], "casbin disagrees"
        results["casbin"] = rate(lambda: sum(1 for a in sample if enforcer.enforce(*casbin_args(a)) or True),
                                 max(1, args.repeat // 2))
        print(f"casbin: policies loaded in {casbin_load:.2f} s; answers agree")
    except ImportError:
        print("pycasbin not installed: skipped")
    base = results["piwarden"]
    print(f"{'engine':24} {'decisions/s':>12} {'vs piwarden':>12}")
    for name, r in results.items():
        print(f"{name:24} {r:12,.0f} {r / base:12.4f}")


if __name__ == "__main__":
    main()
