"""The vault policy: format and its errors, the decision rules, the explanation, the CLI test bench."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from piwarden.cli import app
from piwarden.vault.policy import Ask, Policy, PolicyFileError, bundled_policy, load_policy_file, parse_policy

runner = CliRunner()
ASK = Ask(role="customer_service", purpose="after_sales", ticket="T-1", tenant="platform", owner="platform",
          resource="customer", field="phone", grade=2, sensitive=False, action="reveal",
          at=datetime.fromisoformat("2026-03-04T10:30:00+08:00"))


def policy(*rules: dict, **top: object) -> Policy:
    return parse_policy({"rules": list(rules), **top})


def test_least_privilege_default_and_strongest_effect_wins() -> None:
    p = policy({"id": "grant", "effect": "reveal", "roles": ["customer_service"]},
               {"id": "stop", "effect": "deny", "grades": ["L2"], "purposes": ["marketing"]},
               {"id": "ask", "effect": "needs_approval", "fields": ["phone"], "ticket": "absent"})
    assert p.decide(ASK).effect == "reveal"
    assert p.decide(ASK.but(role="analyst")).effect == "masked"
    d = p.decide(ASK.but(purpose="marketing"))
    assert (d.effect, d.rule, d.matched) == ("deny", "stop", ("grant", "stop"))
    assert p.decide(ASK.but(ticket=None)).effect == "needs_approval"
    assert policy(default="deny").decide(ASK).effect == "deny"


def test_ownership_ticket_and_actions() -> None:
    p = policy({"id": "own", "effect": "reveal"}, {"id": "theirs", "effect": "deny", "owner": "other"},
               {"id": "writes", "effect": "deny", "actions": ["delete"], "owner": "any"})
    assert p.decide(ASK).rule == "own"
    assert p.decide(ASK.but(owner="M0001")).effect == "deny"
    assert p.decide(ASK.but(action="delete")).effect == "deny"
    assert p.decide(ASK.but(action="create")).effect == "masked"  # read-only rules


@pytest.mark.parametrize(("hours", "days", "at", "inside"), [
    ("08:00-22:00", None, "2026-03-04T21:59:00+08:00", True),
    ("08:00-22:00", None, "2026-03-04T22:01:00+08:00", False),
    ("08:00-22:00", None, "2026-03-04T13:30:00+00:00", True),  # 21:30 in Shanghai
    ("22:00-06:00", None, "2026-03-04T23:30:00+08:00", True),  # wraps midnight
    ("22:00-06:00", None, "2026-03-04T12:00:00+08:00", False),
    (None, ["sat", "sun"], "2026-03-04T12:00:00+08:00", False),  # a Wednesday
    (None, ["wed"], "2026-03-04T12:00:00+08:00", True),
])
def test_time_windows_in_the_policy_zone(hours: str | None, days: list[str] | None, at: str, inside: bool) -> None:
    rule: dict = {"id": "w", "effect": "reveal", **({"hours": hours} if hours else {}), **({"days": days} if days else {})}
    p = policy(rule, timezone="Asia/Shanghai")
    assert (p.decide(ASK.but(at=datetime.fromisoformat(at))).effect == "reveal") is inside


def test_validity_dates() -> None:
    p = policy({"id": "w", "effect": "reveal", "from": "2026-01-01", "until": "2026-02-28"})
    assert p.decide(ASK).effect == "masked"
    assert p.decide(ASK.but(at=datetime.fromisoformat("2026-02-01T00:00:00+00:00"))).effect == "reveal"


@pytest.mark.parametrize(("doc", "message"), [
    ({"rules": [{"id": "a", "effect": "show"}]}, "rule 1 (a): effect"),
    ({"rules": [{"id": "a", "effect": "reveal", "grades": ["L5"]}]}, "a grade is L1, L2, L3 or L4"),
    ({"rules": [{"id": "a", "effect": "reveal", "hours": "9-17"}]}, "hours are 'HH:MM-HH:MM'"),
    ({"rules": [{"id": "a", "effect": "reveal"}, {"id": "a", "effect": "deny"}]}, "rule 2 (a): id used twice"),
    ({"rules": [{"id": "a", "effect": "reveal", "roles": []}]}, "roles is empty"),
    ({"rules": [{"id": "a", "effect": "reveal", "colour": "red"}]}, "rule 1 (a): colour: Extra inputs"),
    ({"timezone": "Mars/Olympus"}, "unknown time zone"),
    ({"default": "reveal"}, "default"),
    (["not", "a", "mapping"], "a policy is a YAML mapping"),
])
def test_errors_name_the_rule_and_the_key(doc: object, message: str) -> None:
    with pytest.raises(PolicyFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_policy(doc, "p.yaml")


def test_bundled_policy_and_files(tmp_path: Path) -> None:
    assert len(bundled_policy().rules) >= 10
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [\n", "utf-8")
    with pytest.raises(PolicyFileError, match=r"bad.yaml: not valid YAML at line"):
        load_policy_file(bad)


def test_cli_policy_test_explains_the_decision(tmp_path: Path) -> None:
    r = runner.invoke(app, ["vault", "policy", "test", "--role", "customer_service", "--resource", "customer",
                            "--field", "phone", "--purpose", "after_sales", "--ticket", "CS-1",
                            "--at", "2026-03-04T10:30:00+08:00", "-v"])
    assert r.exit_code == 0, r.output
    assert "decision: reveal" in r.output and "because: rule cs-after-sales (reveal)" in r.output
    assert "matches  cs-after-sales" in r.output and "skips    courier-delivery (reveal): role" in r.output
    late = runner.invoke(app, ["vault", "policy", "test", "--role", "customer_service", "--resource", "customer",
                               "--field", "phone", "--purpose", "after_sales", "--ticket", "CS-1",
                               "--at", "2026-03-04T23:30:00+08:00", "-v"])
    assert "decision: masked" in late.output and "cs-after-sales (reveal): hours" in late.output
    idn = runner.invoke(app, ["vault", "policy", "test", "--role", "customer_service", "--resource", "customer",
                              "--field", "id_number", "--purpose", "after_sales"])
    assert "decision: needs_approval" in idn.output
    unknown = runner.invoke(app, ["vault", "policy", "test", "--role", "x", "--resource", "customer", "--field", "z"])
    assert unknown.exit_code == 2 and "no field 'z'" in unknown.output
    bad = tmp_path / "p.yaml"
    bad.write_text("rules:\n  - id: a\n    effect: show\n", "utf-8")
    checked = runner.invoke(app, ["vault", "policy", "check", str(bad)])
    assert checked.exit_code == 1 and "rule 1 (a): effect" in checked.output
    ok = runner.invoke(app, ["vault", "policy", "check"])
    assert ok.exit_code == 0 and "rules, default masked, time zone Asia/Shanghai" in ok.output
