"""Guards against insiders: quotas (shared counters on SQLite, PostgreSQL and Redis), alerts with evidence, holds.

The insurance scenario through the API: an agent looking policies up by number without a ticket
is stopped at the quota, an alert with its evidence is raised, the agent is held to approval-only,
and every attempt, allowed or refused, is in the audit log with an inclusion proof.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from piwarden.audit.proof import verify_inclusion
from piwarden.client import VaultApiError, VaultClient
from piwarden.db import open_engine, upgrade
from piwarden.server import create_app
from piwarden.settings import clear_settings_cache, load_settings
from piwarden.vault import open_vault
from piwarden.vault.policy import BUNDLED as BUNDLED_POLICY
from piwarden.vault.policy import PolicyFileError, parse_policy
from piwarden.vault.quotas import DbCounter, QuotaDecl, Quotas, RedisCounter, Usage

from .conftest import PASSWORD, pg_scratch, server

SHANGHAI = datetime.fromisoformat("2026-03-04T10:30:20+08:00")


def use(**kw: Any) -> Usage:
    base: dict[str, Any] = {"actor": "cs-1", "role": "customer_service", "actions": frozenset({"search"}),
                            "resource": "policy", "ticket": None, "grades": frozenset(), "amount": 1, "at": SHANGHAI}
    return Usage(**{**base, **kw})


def quotas(*decls: dict[str, Any]) -> Quotas:
    return parse_policy({"timezone": "Asia/Shanghai", "quotas": list(decls)}).quotas


# -- declarations and matching --------------------------------------------------------------
def test_quota_matching_by_role_action_ticket_and_grade() -> None:
    q = quotas({"id": "a", "roles": ["customer_service"], "actions": ["search"], "ticket": "absent", "per_day": 5},
               {"id": "b", "actions": ["reveal"], "grades": ["L3", "L4"], "per_minute": 2},
               {"id": "c", "roles": ["analyst"], "per_day": 1})
    assert [d.id for d in q.matching(use())] == ["a"]
    assert [d.id for d in q.matching(use(ticket="T-1"))] == []
    assert [d.id for d in q.matching(use(actions=frozenset({"search", "reveal"}), grades=frozenset({2})))] == ["a"]
    assert [d.id for d in q.matching(use(actions=frozenset({"view", "reveal"}), grades=frozenset({4})))] == ["b"]
    assert [d.id for d in q.matching(use(role="analyst", actions=frozenset({"view"})))] == ["c"]


def test_windows_follow_the_policys_clock() -> None:
    q = quotas({"id": "a", "per_minute": 3, "per_day": 9})
    minute, day = q.windows(q.decls[0], SHANGHAI)
    assert (minute.name, minute.limit, minute.key) == ("minute", 3, "m202603041030")
    assert (day.name, day.key) == ("day", "d20260304")
    assert day.ends == datetime.fromisoformat("2026-03-05T00:00:00+08:00")
    late = datetime.fromisoformat("2026-03-04T16:30:00+00:00")  # 00:30 the next day in Shanghai
    assert q.windows(q.decls[0], late)[1].key == "d20260305"


@pytest.mark.parametrize(("decl", "words"), [
    ({"id": "a"}, "per_minute, per_day or both"),
    ({"id": "a", "per_day": 0}, "greater than 0"),
    ({"id": "a", "per_day": 1, "actions": ["delete"]}, "actions"),
    ({"id": "a", "per_day": 1, "grades": ["L7"]}, "grade is L1"),
    ({"id": "a", "per_day": 1, "roles": []}, "roles is empty"),
])
def test_bad_quotas_are_named(decl: dict[str, Any], words: str) -> None:
    with pytest.raises(PolicyFileError) as caught:
        parse_policy({"quotas": [decl]}, "p.yaml")
    assert "quota 1 (a)" in str(caught.value) and words in str(caught.value)


def test_quota_ids_are_unique_and_the_bundled_policy_has_quotas() -> None:
    with pytest.raises(PolicyFileError, match=r"quota 2 \(a\): id used twice"):
        parse_policy({"quotas": [{"id": "a", "per_day": 1}, {"id": "a", "per_day": 2}]})
    bundled = yaml.safe_load(BUNDLED_POLICY.read_text("utf-8"))
    assert {q["id"] for q in bundled["quotas"]} >= {"cs-ticketless-lookups"}
    assert QuotaDecl.model_validate(bundled["quotas"][0]).on_exceed == "hold"


# -- counters: atomic under concurrency ------------------------------------------------------
def _hammer(hit: Any, threads: int = 8, each: int = 25) -> list[int]:
    seen: list[int] = []
    lock = threading.Lock()

    def run() -> None:
        for _ in range(each):
            (n,) = hit()
            with lock:
                seen.append(n)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sorted(seen)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_database_counter_counts_every_hit_once(backend: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}" if backend == "sqlite" else pg_scratch("quota")
    upgrade(url)
    engine = open_engine(url)
    ends = datetime(2099, 1, 1, tzinfo=UTC)
    counter = DbCounter(engine)
    seen = _hammer(lambda: counter.hit([("q|a|d1", ends, 1)]))
    assert seen == list(range(1, 201))  # every count handed out exactly once: no two callers passed the same limit
    assert counter.hit([("q|a|d1", ends, 5), ("q|b|d1", ends, 3)]) == [205, 3]
    engine.dispose()


def _redis_url() -> str:
    url = os.environ.get("PIWARDEN_TEST_REDIS", "redis://127.0.0.1:6379/15")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:
        reason = f"Redis not reachable at {url} ({type(exc).__name__})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " and CI=true requires it")
        pytest.skip(reason)
    return url


def test_redis_counter_counts_every_hit_once() -> None:
    counter = RedisCounter(_redis_url())
    key = f"test|{os.getpid()}|{datetime.now(UTC).timestamp()}"
    ends = datetime.now(UTC).replace(microsecond=0)
    ends = ends.replace(year=ends.year + 1)
    seen = _hammer(lambda: counter.hit([(key, ends, 1)]))
    assert seen == list(range(1, 201))
    ttl = counter.client.ttl(f"piwarden:quota:{key}")
    assert 0 < int(ttl) <= 366 * 86400  # type: ignore[arg-type]
    counter.client.delete(f"piwarden:quota:{key}")
    counter.close()


# -- the insurance scenario through the API --------------------------------------------------
def guarded_policy(tmp_path: Path, per_day: int = 5) -> Path:
    """The bundled rules (no time windows) and one ticketless-look-up quota per day that holds the actor."""
    data = yaml.safe_load(BUNDLED_POLICY.read_text("utf-8"))
    for rule in data["rules"]:
        rule.pop("hours", None)
        rule.pop("days", None)
    data["quotas"] = [{"id": "cs-ticketless-lookups", "roles": ["customer_service"], "actions": ["search"],
                       "ticket": "absent", "per_day": per_day, "on_exceed": "hold"}]
    path = tmp_path / "guarded.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def insurance(request: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    db = f"sqlite:///{tmp_path / 'piwarden.db'}" if request.param == "sqlite" else pg_scratch("guards")
    monkeypatch.setenv("PIWARDEN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PIWARDEN__DATABASE__URL", db)
    monkeypatch.setenv("PIWARDEN__VAULT__POLICY", str(guarded_policy(tmp_path)))
    clear_settings_cache()
    app = create_app(db, plugins=False)
    with TestClient(app) as http:
        ids = app.state.vault.identities
        ids.add_account("svc", kind="service", roles=["service"], tenant="platform", party="platform.ops")
        ids.add_account("agent-7", kind="staff", roles=["customer_service"], tenant="platform", party="platform.cs",
                        password=PASSWORD)
        ids.add_account("sec-1", kind="staff", roles=["security"], tenant="platform", party="platform.sec",
                        scopes=["vault:admin", "vault:session"], password=PASSWORD)
        svc = VaultClient("http://testserver", ids.new_api_key("svc"), http=http)
        numbers = [f"PL2026{n:08d}" for n in range(12)]
        for n, number in enumerate(numbers):
            svc.create("policy", f"h-{n}", {"policy_no": number, "holder_name": "测试", "holder_phone": f"139{n:08d}"})
        agent = VaultClient("http://testserver", http=http, purpose="claims")
        agent.login("agent-7", PASSWORD)
        sec = VaultClient("http://testserver", http=http)
        sec.login("sec-1", PASSWORD)
        yield {"app": app, "agent": agent, "sec": sec, "numbers": numbers}
    clear_settings_cache()


def test_a_ticketless_look_up_seller_is_stopped_alerted_held_and_every_attempt_proved(
        insurance: dict[str, Any]) -> None:
    agent, sec, numbers, app = insurance["agent"], insurance["sec"], insurance["numbers"], insurance["app"]
    allowed, refused = [], []
    for number in numbers[:8]:
        try:
            allowed.append(agent.search("policy", "policy_no", number, reveal=["holder_phone"]).event_id)
        except VaultApiError as exc:
            assert exc.status == 429 and "quota cs-ticketless-lookups exceeded" in exc.error
            assert number not in exc.error and exc.event_id
            refused.append(exc.event_id)
    assert len(allowed) == 5 and len(refused) == 3  # stopped at the quota, every later attempt refused

    (alert,) = sec.alerts(actor="agent-7")  # one alert per actor, quota and window
    assert alert["rule"] == "cs-ticketless-lookups" and alert["held"] and alert["count"] == 6
    assert alert["limit"] == 5 and alert["window"] == "day" and alert["event_id"] == refused[0]
    cited = {e["event_id"] for e in alert["evidence"]}
    assert set(allowed) <= cited and refused[0] in cited  # the evidence: the look-ups of the window
    assert [h["actor"] for h in sec.holds()] == ["agent-7"]

    log = app.state.audit_log
    size, root = log.size(), log.root()
    by_id = {json.loads(e.body)["id"]: (e.index, e.leaf_hash, json.loads(e.body)) for e in log.events() if e.body}
    for event_id in allowed + refused:  # every attempt is in the log, with a proof against the root
        index, leaf, ev = by_id[event_id]
        assert ev["actor"] == "agent-7" and ev["ticket"] is None
        assert ev["result"] == ("allowed" if event_id in allowed else "denied")
        verify_inclusion(index, size, leaf, log.inclusion_proof(index, size), root)  # raises if not proved
    assert all(by_id[e][2]["subjects"] != ["-"] for e in refused)  # a refused attempt still names whom it sought

    # held: with a ticket (no quota) the agent sees policies masked, its reveals pending approval
    ticketed = agent.with_context(ticket="CL-9")
    (view,) = ticketed.search("policy", "policy_no", numbers[0], reveal=["holder_phone"]).records
    assert view.clear == [] and view.pending_approval == ["holder_phone"]
    assert sec.release("agent-7") and not sec.release("agent-7")
    (view,) = ticketed.search("policy", "policy_no", numbers[0], reveal=["holder_phone"]).records
    assert view.clear == ["holder_phone"]
    with pytest.raises(VaultApiError) as caught:  # guards are for security staff only
        agent.alerts()
    assert caught.value.status == 403


def test_holds_by_hand_and_the_cli(insurance: dict[str, Any], tmp_path: Path) -> None:
    sec, agent = insurance["sec"], insurance["agent"]
    assert sec.hold("agent-7", "ticket reuse under review") and not sec.hold("agent-7", "again")
    (view,) = agent.with_context(ticket="CL-1").search("policy", "policy_no", insurance["numbers"][1],
                                                        reveal=["holder_phone"]).records
    assert view.pending_approval == ["holder_phone"]
    env = {**os.environ}
    run = subprocess.run([sys.executable, "-m", "piwarden.cli", "vault", "holds"], capture_output=True, text=True,
                         env=env, timeout=120)
    assert run.returncode == 0 and "agent-7" in run.stdout and "ticket reuse under review" in run.stdout
    run = subprocess.run([sys.executable, "-m", "piwarden.cli", "vault", "release", "agent-7"], capture_output=True,
                         text=True, env=env, timeout=120)
    assert run.returncode == 0 and "agent-7 released" in run.stdout
    assert sec.holds() == []


# -- enforced across worker processes ---------------------------------------------------------
@pytest.mark.slow
def test_quota_holds_across_two_workers(tmp_path: Path) -> None:
    home, db = tmp_path / "home", f"sqlite:///{tmp_path / 'piwarden.db'}"
    policy = guarded_policy(tmp_path, per_day=10)
    env = {"PIWARDEN__VAULT__POLICY": str(policy)}
    rt = open_vault(load_settings(home=home, vault={"policy": policy}), db=db)
    try:
        rt.identities.add_account("svc", kind="service", roles=["service"], tenant="platform", party="p.ops")
        rt.identities.add_account("agent", kind="service", roles=["customer_service"], tenant="platform",
                                  party="p.cs", scopes=["vault:read"])
        wkey, akey = rt.identities.new_api_key("svc"), rt.identities.new_api_key("agent")
    finally:
        rt.close()
    with server(home, db, "--workers", "2", env=env, log=tmp_path / "server.log") as (base, _):
        VaultClient(base, wkey).create("policy", "h-1", {"policy_no": "PL202600000001"})
        results: list[int] = []
        lock = threading.Lock()

        def look(n: int) -> None:
            c = VaultClient(base, akey, purpose="claims", timeout=60)
            for _ in range(n):
                try:
                    c.search("policy", "policy_no", "PL202600000001")
                    code = 200
                except VaultApiError as exc:
                    code = exc.status
                with lock:
                    results.append(code)
            c.close()

        threads = [threading.Thread(target=look, args=(8,)) for _ in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results).count(200) == 10 and results.count(429) == 30, results


@pytest.mark.parametrize(("limit", "exact"), [(60, True), (1000, False)])
def test_two_workers_share_a_window_without_exceeding_it(tmp_path: Path, limit: int, exact: bool) -> None:
    """Two workers' guards over one database: never more than the limit; tight quotas exact, loose ones within
    one reservation per worker of it (reservations spare the shared counter a write on every call)."""
    from piwarden.audit.log import open_log
    from piwarden.vault.quotas import Guards, reserve

    url = f"sqlite:///{tmp_path / 'g.db'}"
    upgrade(url)
    q = quotas({"id": "a", "per_day": limit})
    log = open_log(url)
    workers = [Guards(q, DbCounter(open_engine(url)), open_engine(url), log) for _ in range(2)]
    allowed = [0, 0]
    for n in range(limit + 50):
        w = n % 2 if n % 7 else 1  # uneven interleaving
        if workers[w].charge(use(at=None)) is None:  # now: the counter sweeps windows that ended
            allowed[w] += 1
    assert sum(allowed) <= limit
    assert sum(allowed) == limit if exact else sum(allowed) >= limit - 2 * reserve(limit)
    assert reserve(limit) == (1 if exact else 20)
    log.close()
