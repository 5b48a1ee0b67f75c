"""Bulk exports: maker-checker by weight, watermarked files, every step logged; a leaked part traced to its
recipient by ``piwarden forensics trace --watermarks``."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from faker import Faker
from fastapi.testclient import TestClient

from piwarden.client import VaultApiError, VaultClient
from piwarden.server import create_app
from piwarden.settings import clear_settings_cache
from piwarden.vault import Caller

from .conftest import PASSWORD, timeless_policy

SVC = Caller("svc", "platform.ops", "service", "platform")


def people(n: int, seed: int = 5) -> list[dict[str, str]]:
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    return [{"name": fake.name(), "phone": f"13{seed}{i:08d}"[:11], "address": fake.address().split(" ")[0],
             "email": f"u{i}@example.com"} for i in range(n)]


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: Any) -> Iterator[dict[str, Any]]:
    rows = getattr(request, "param", 60)
    db = f"sqlite:///{tmp_path / 'piwarden.db'}"
    monkeypatch.setenv("PIWARDEN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PIWARDEN__DATABASE__URL", db)
    policy = timeless_policy(tmp_path)
    data = yaml.safe_load(policy.read_text("utf-8"))
    data["exports"] = {"approval_over": 250}
    policy.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    monkeypatch.setenv("PIWARDEN__VAULT__POLICY", str(policy))
    clear_settings_cache()
    app = create_app(db, plugins=False)
    with TestClient(app) as http:
        rt = app.state.vault
        customers = people(rows)
        for i, c in enumerate(customers):
            rt.vault.create(SVC, "customer", f"c-{i:05d}", c)
        ids = rt.identities
        ids.add_account("ops-1", kind="service", roles=["service"], tenant="platform", party="platform.ops",
                        scopes=["vault:read", "vault:export"])
        ids.add_account("ops-2", kind="service", roles=["service"], tenant="platform", party="platform.ops",
                        scopes=["vault:read", "vault:export", "vault:approve"])
        ids.add_account("sec-1", kind="staff", roles=["security"], tenant="platform", party="platform.sec",
                        scopes=["vault:admin", "vault:session"], password=PASSWORD)
        maker = VaultClient("http://testserver", ids.new_api_key("ops-1"), http=http)
        checker = VaultClient("http://testserver", ids.new_api_key("ops-2"), http=http)
        sec = VaultClient("http://testserver", http=http)
        sec.login("sec-1", PASSWORD)
        yield {"app": app, "maker": maker, "checker": checker, "sec": sec, "customers": customers, "db": db,
               "home": tmp_path / "home", "tmp": tmp_path}
    clear_settings_cache()


def logged(app: Any) -> list[dict[str, Any]]:
    return [json.loads(e.body) for e in app.state.audit_log.events() if e.body]


def test_light_exports_are_ready_heavy_ones_wait_for_another_checker(platform: dict[str, Any]) -> None:
    maker, checker = platform["maker"], platform["checker"]
    light = maker.export("customer", ["email"], recipient="partner:mail")  # 60 rows x L2 = 120
    assert light["status"] == "ready" and light["clear"] == ["email"] and light["rows"] == 60
    heavy = maker.export("customer", ["*"], recipient="partner:insureco", reason="claims data transfer")
    assert heavy["status"] == "pending" and heavy["weight"] == 60 * 5  # id numbers (L3) in clear: 5 a row
    with pytest.raises(VaultApiError) as caught:
        maker.download_export(heavy["id"])
    assert caught.value.status == 403 and caught.value.result == "pending_approval"
    with pytest.raises(VaultApiError) as caught:  # the maker holds no vault:approve
        maker.decide_export(heavy["id"], True)
    assert caught.value.status == 403
    decided = checker.decide_export(heavy["id"], True, "contract 2026-17")
    assert decided["status"] == "ready" and decided["checker"] == "ops-2"
    with pytest.raises(VaultApiError) as caught:
        checker.decide_export(heavy["id"], False)
    assert caught.value.status == 422
    text, event_id = maker.download_export(heavy["id"])
    rows = list(csv.DictReader(io.StringIO(text)))
    real = {f"c-{i:05d}" for i in range(60)}
    decoys = [r for r in rows if r["subject"] not in real]  # one decoy per 250 rows, at least one
    assert len(rows) == 61 and {r["subject"] for r in rows} >= real and len(decoys) == 1
    assert re.fullmatch(r"c-\d{5}", decoys[0]["subject"]) and all(decoys[0][f] for f in ("name", "phone", "address"))
    events = {e["id"]: e for e in logged(platform["app"])}
    ev = events[event_id]
    assert ev["action"] == "export" and ev["export_id"] == heavy["id"] and ev["count"] == 60
    assert len(ev["subjects"]) == 60 and "phone" in ev["fields"]
    trail = [e for e in events.values() if e.get("export_id") == heavy["id"]]
    assert [(e["actor"], e["result"]) for e in trail] == [("ops-1", "pending_approval"), ("ops-1", "denied"),
                                                          ("ops-2", "allowed"), ("ops-1", "allowed")]
    assert platform["customers"][0]["phone"] not in json.dumps(list(events.values()), ensure_ascii=False)
    registry = platform["sec"].export_registry()
    assert {e["export_id"]: e["party"] for e in registry["exports"]} == {light["id"]: "partner:mail",
                                                                        heavy["id"]: "partner:insureco"}
    assert decoys[0]["phone"] not in json.dumps(registry)  # fingerprints only
    assert all(len(e["decoys"]) >= 1 for e in registry["exports"])


def trace(platform: dict[str, Any], leak: Path, fields: tuple[str, ...]) -> dict[str, Any]:
    """``piwarden forensics trace --watermarks`` on a leak of the platform's customers, with the registry the
    vault writes; its JSON output."""
    tmp = platform["tmp"]
    records = tmp / "records.jsonl"
    parties = ("platform.ops", "partner:insureco", "partner:broker")
    with records.open("w", encoding="utf-8") as f:
        for i, c in enumerate(platform["customers"]):
            f.write(json.dumps({"subject": f"c-{i:05d}", "record": f"c-{i:05d}", "resource": "customer",
                                "fields": {k: c[k] for k in fields}, "recipients": list(parties)},
                               ensure_ascii=False) + "\n")
    types = {"name": "PERSON", "phone": "PHONE", "address": "ADDRESS", "email": "EMAIL"}
    datamap = tmp / "datamap.yaml"
    datamap.write_text(yaml.safe_dump({"v": 1, "fields": {f: types[f] for f in fields},
                                       "parties": [{"id": p, "kind": k, "receives": list(fields)}
                                                   for p, k in zip(parties, ("platform", "partner", "partner"),
                                                                   strict=True)]}), "utf-8")
    events = tmp / "events.jsonl"
    events.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in logged(platform["app"])), "utf-8")
    registry = tmp / "registry.json"
    env = {**os.environ, "PIWARDEN_HOME": str(platform["home"])}
    run = subprocess.run([sys.executable, "-m", "piwarden.cli", "vault", "exports", "--registry", str(registry)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    run = subprocess.run([sys.executable, "-m", "piwarden.cli", "forensics", "trace", "--leak", str(leak),
                          "--datamap", str(datamap), "--records", str(records), "--events", str(events),
                          "--watermarks", str(registry)], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    out: dict[str, Any] = json.loads(run.stdout)
    return out


def test_a_decoy_names_the_export_when_the_leaker_retyped_every_value(platform: dict[str, Any]) -> None:
    """Phones and e-mails re-typed (separators gone, case changed): the marks read as noise, but the decoy
    row that sits in the leak was planted in one export only."""
    maker, checker = platform["maker"], platform["checker"]
    exports = {}
    for recipient in ("partner:insureco", "partner:broker"):
        e = maker.export("customer", ["name", "phone", "email"], recipient=recipient)
        if e["status"] == "pending":
            checker.decide_export(e["id"], True)
        exports[recipient] = e["id"]
    text, _ = maker.download_export(exports["partner:insureco"])
    maker.download_export(exports["partner:broker"])
    rows = list(csv.DictReader(io.StringIO(text)))
    real = {f"c-{i:05d}" for i in range(60)}
    leaked = [r for r in rows if r["subject"] not in real] + [r for r in rows if r["subject"] in real][:25]
    leak = platform["tmp"] / "leak.csv"
    with leak.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["phone", "email", "name"])
        for r in random.Random(3).sample(leaked, len(leaked)):
            w.writerow([r["phone"].replace("-", ""), r["email"].upper(), r["name"]])
    out = trace(platform, leak, ("name", "phone", "email"))
    best = out["watermarks"][0]
    assert best["export_id"] == exports["partner:insureco"] and best["found"] and best["decoys"] == 1
    assert not any(w["found"] for w in out["watermarks"][1:])
    assert out["candidates"][0]["party"] == "partner:insureco"
    assert any("decoy" in line for line in out["candidates"][0]["evidence"])


@pytest.mark.slow
@pytest.mark.parametrize("platform", [5000], indirect=True)
def test_a_leaked_part_of_an_export_is_traced_to_its_recipient(platform: dict[str, Any]) -> None:
    """200 of 5,000 rows leak, columns dropped and reordered, a few values masked: trace names the recipient."""
    maker, checker, tmp = platform["maker"], platform["checker"], platform["tmp"]
    exports = {}
    for recipient in ("partner:insureco", "partner:broker"):
        e = maker.export("customer", ["name", "phone", "address"], recipient=recipient)
        checker.decide_export(e["id"], True)
        exports[recipient] = e["id"]
    text, _ = maker.download_export(exports["partner:insureco"])
    maker.download_export(exports["partner:broker"])
    rng = random.Random(7)
    rows = rng.sample(list(csv.DictReader(io.StringIO(text))), 200)
    leak = tmp / "leak.csv"
    with leak.open("w", encoding="utf-8", newline="") as f:  # no subject column, reordered, some phones masked
        w = csv.writer(f)
        w.writerow(["address", "phone", "name"])
        for r in rows:
            phone = r["phone"][:3] + "****" + r["phone"][-4:] if rng.random() < 0.1 else r["phone"]
            w.writerow([r["address"], phone, r["name"]])
    out = trace(platform, leak, ("name", "phone", "address"))
    assert out["candidates"][0]["party"] == "partner:insureco"
    best = out["watermarks"][0]
    assert best["export_id"] == exports["partner:insureco"] and best["found"] and best["rows"] >= 150
    assert not any(w["found"] for w in out["watermarks"][1:])
