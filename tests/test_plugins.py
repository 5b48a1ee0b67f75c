"""The one extension system: every hook documented, sources looked up by claim, and a real plugin
package (tests/fixtures/plugin) installed with pip and used by the real CLI.

The package is installed into a throwaway ``--target`` directory that only the subprocesses
see (``PYTHONPATH``): the venv, and so every other test, never sees it.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from piwarden import hookspecs
from piwarden.detect.ids.checksums import luhn
from piwarden.plugins import BUILTIN_PLUGINS, hookimpl, new_plugin_manager
from piwarden.scan.sources import Asset, Document, Fingerprint, Scope, Source, SourceError, TableSample
from piwarden.scan.sources.registry import NoSourceError, Sources, from_plugins, sources

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "plugin"
PLUGINS_DOC = REPO / "docs" / "plugins.md"


def _hooks() -> list[str]:
    return sorted(name for name in dir(hookspecs) if hasattr(getattr(hookspecs, name), f"{hookspecs.PROJECT}_spec"))


def test_every_hook_is_documented() -> None:
    hooks = _hooks()
    assert "piwarden_scan_sources" in hooks and "piwarden_audit_witnesses" in hooks and len(hooks) >= 8
    text = PLUGINS_DOC.read_text("utf-8")
    headings = set(re.findall(r"^#+ `(piwarden_\w+)`", text, flags=re.M))
    assert [h for h in hooks if h not in headings] == []
    assert headings <= set(hooks), "docs/plugins.md describes a hook hookspecs.py does not declare"
    assert "docs/plugins.md" in (REPO / "README.md").read_text("utf-8")


def test_built_ins_register_through_the_hooks() -> None:
    pm = new_plugin_manager(entry_points=False)
    for name in BUILTIN_PLUGINS:
        plugin = pm.get_plugin(name)
        assert plugin is not None and pm.get_hookcallers(plugin), name
    assert from_plugins(pm).names() == ["files", "documents", "sql", "spark-parquet"]


def test_a_source_is_chosen_by_its_claim(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "lake").mkdir()
    pq.write_table(pa.table({"x": [1]}), tmp_path / "lake" / "part-0.parquet")
    (tmp_path / "notes.txt").write_text("nothing here\n", "utf-8")  # so tmp_path is no Parquet dataset
    registry = sources()
    assert registry.claiming(str(tmp_path)).name == "files"
    assert registry.claiming(f"sqlite:///{tmp_path / 'x.db'}").name == "sql"
    assert registry.claiming(str(tmp_path / "lake")).name == "files"
    assert registry.claiming(str(tmp_path / "lake"), engine="spark").name == "spark-parquet"
    assert registry.claiming(str(tmp_path), engine="spark").name == "files"  # the rest stays local
    with pytest.raises(NoSourceError) as url:
        registry.claiming("mongodb://scanner:s3cret@db.example/crm")
    assert "s3cret" not in str(url.value) and "mongodb://scanner:***@db.example/crm" in str(url.value)
    assert "known sources: files, documents, sql, spark-parquet" in str(url.value)
    with pytest.raises(NoSourceError, match="no such file or directory"):
        registry.claiming(str(tmp_path / "nope"))
    with pytest.raises(SourceError, match="no scan source named 'gone'"):
        registry.get("gone")


class EverythingSource(Source):
    """Claims every URL: asked before the built-ins, it takes SQLite URLs from them."""

    name = "everything"
    seen: ClassVar[list[str]] = []

    def claims(self, target: str) -> bool:
        return "://" in target

    def discover(self, target: str, scope: Scope) -> list[Asset]:
        return [Asset(target, "all", "thing", "text", target, source=self.name)]

    def fingerprint(self, asset: Asset, previous: Fingerprint | None) -> Fingerprint:
        return Fingerprint("same")

    def sample(self, asset: Asset, rows: int, fingerprint: Fingerprint) -> TableSample | Document:
        return TableSample({"phone": ["13812345678"]}, 1, 1)


class EverythingPlugin:
    @hookimpl
    def piwarden_scan_sources(self) -> list[type[Source]]:
        return [EverythingSource]


def test_plugin_sources_are_asked_first_and_names_are_unique() -> None:
    registry = from_plugins(new_plugin_manager(EverythingPlugin(), entry_points=False))
    assert registry.names()[0] == "everything" and registry.claiming("sqlite:///x.db").name == "everything"
    assert registry.claiming(".").name == "files"
    assert Sources([EverythingSource, EverythingSource]).names() == ["everything"]  # the same class twice: once

    class Impostor(EverythingSource):
        name = "sql"

    from piwarden.scan.sources.sql import SqlSource

    with pytest.raises(SourceError, match="two scan sources are named 'sql'"):
        Sources([SqlSource, Impostor])


# --- the plugin package, through the real CLI -------------------------------------------------


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("piwarden")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from piwarden.cli import main; main()"]


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment of a process that has the ACME plugin installed (and a home of its own)."""
    base = tmp_path_factory.mktemp("acme")
    src = base / "src"
    shutil.copytree(FIXTURE, src)  # builds in a copy: parallel test runs never share build/ or egg-info
    site = base / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                              "--no-index", "--no-cache-dir", "--target", str(site), str(src)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    assert list(site.glob("piwarden_acme-*.dist-info"))
    env = {**os.environ, "PYTHONPATH": str(site), "PIWARDEN_HOME": str(base / "home"), "COLUMNS": "200",
           "NO_COLOR": "1"}
    env.pop("PIWARDEN_AUDIT_KEY", None)
    yield env
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("piwarden-acme")  # this process (and its venv) never saw it


def run(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*_cli(), *args], env=env, capture_output=True, text=True, timeout=300)
    if ok:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def wallet(rng: random.Random) -> str:
    """An ACME Pay account: AP, nine digits, their Luhn check digit."""
    digits = "".join(rng.choice("0123456789") for _ in range(9))
    return f"AP{digits}{luhn.calc_check_digit(digits)}"


def test_plugin_recognizer_runs_and_is_configurable(acme: dict[str, str], tmp_path: Path) -> None:
    listed = run(acme, "recognizers").stdout
    assert "AcmePayRecognizer" in listed and "PAYMENT_ACCOUNT" in listed
    (tmp_path / "in.jsonl").write_text(json.dumps({"id": "r1", "text": TEXT}, ensure_ascii=False) + "\n", "utf-8")
    found = json.loads(run(acme, "detect", str(tmp_path / "in.jsonl")).stdout)["entities"]
    assert [(TEXT[e["start"]:e["end"]], e["type"]) for e in found] == [
        ("AP1234567897", "PAYMENT_ACCOUNT"), ("13812345678", "PHONE")]
    (tmp_path / "off.yaml").write_text("enabled: all\ndisabled: [NameAddressRecognizer, AcmePayRecognizer]\n", "utf-8")
    found = json.loads(run(acme, "detect", str(tmp_path / "in.jsonl"), "--config", str(tmp_path / "off.yaml"))
                       .stdout)["entities"]
    assert [e["type"] for e in found] == ["PHONE"]


TEXT = "ACME Pay 钱包账户 AP1234567897，手机13812345678"


def test_plugin_operator_masks_through_a_policy(acme: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text(json.dumps({"id": "r1", "text": TEXT}, ensure_ascii=False) + "\n", "utf-8")
    (tmp_path / "policy.yaml").write_text(
        "name: acme-desk\nroles:\n  desk:\n    PAYMENT_ACCOUNT: {operator: acme_tag, params: {label: WALLET}}\n"
        "    '*': redact\n", "utf-8")
    # the rules only: what is tested is the plugin's operator (the names model reads "A" of ACME as a name)
    out = run(acme, "mask", "run", str(tmp_path / "in.jsonl"), "--policy", str(tmp_path / "policy.yaml"),
              "--role", "desk", "--no-names").stdout
    assert json.loads(out)["text"] == "ACME Pay 钱包账户 [WALLET:PAYMENT_ACCOUNT]，手机"
    lint = run(acme, "policy", "lint", str(tmp_path / "policy.yaml"), ok=False)
    assert "unknown operator" not in lint.stdout + lint.stderr


def _collections(root: Path) -> set[str]:
    """Two collections of records: customers (phone, ACME Pay wallet, tier) and notes."""
    rng = random.Random(7)
    raw: set[str] = set()
    root.mkdir()
    with (root / "customers.ndjson").open("w", encoding="utf-8") as fh:
        for i in range(40):
            phone, account = rng.choice(["138", "139", "150", "186"]) + f"{rng.randrange(10**8):08d}", wallet(rng)
            raw.update([phone, account])
            record = {"id": i, "sjhm": phone, "wallet": account, "tier": rng.choice(["gold", "silver", "basic"])}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    (root / "notes.ndjson").write_text("".join(json.dumps({"n": i, "text": "nothing here"}) + "\n"
                                               for i in range(5)), "utf-8")
    return raw


def test_plugin_source_scans_a_new_store(acme: dict[str, str], tmp_path: Path) -> None:
    raw = _collections(tmp_path / "store")
    target, db = f"ndjson://{tmp_path / 'store'}", f"sqlite:///{tmp_path / 'inv.db'}"
    first = run(acme, "scan", target, "--sample", "10", "--db", db, "--json", str(tmp_path / "s.json"))
    assert "2 assets: 2 scanned, 0 unchanged, 0 errors" in first.stderr
    doc = json.loads((tmp_path / "s.json").read_text("utf-8"))
    assets = {a["asset"]: a for a in doc["assets"]}
    customers = assets["customers"]
    assert (customers["store"], customers["kind"], customers["format"]) == (target, "collection", "ndjson")
    assert (customers["rows"], customers["sampled"]) == (40, 10)
    types = {c["column"]: c["type"] for c in customers["columns"]}
    assert types == {"id": None, "sjhm": "PHONE", "wallet": "PAYMENT_ACCOUNT", "tier": None}  # the plugin's recognizer
    assert assets["notes"]["grade"] is None or assets["notes"]["types"] == {}
    assert doc["run"]["targets"] == [target]
    again = run(acme, "scan", target, "--sample", "10", "--db", db)
    assert "2 assets: 0 scanned, 2 unchanged" in again.stderr  # the plugin's fingerprints
    every = run(acme, "scan", target, "--all-rows", "--jobs", "2", "--chunk-rows", "7", "--db", db,
                "--json", str(tmp_path / "all.json"))
    assert "2 assets: 1 scanned, 1 unchanged" in every.stderr  # notes: every row was in its sample already
    rows = {a["asset"]: (a["rows"], a["sampled"]) for a in json.loads((tmp_path / "all.json").read_text("utf-8"))["assets"]}
    assert rows == {"customers": (40, 40), "notes": (5, 5)}  # every line, in ranges on two processes
    everything = "\n".join([first.stdout, first.stderr, every.stdout, every.stderr,
                            (tmp_path / "s.json").read_text("utf-8"), (tmp_path / "all.json").read_text("utf-8")])
    assert not [v for v in raw if v in everything]
    unknown = run(acme, "scan", "nosuch://u:pw@host/x", "--db", db, ok=False)
    assert unknown.returncode == 2 and "acme-ndjson" in unknown.stderr and ":pw@" not in unknown.stderr


def test_plugin_witness_is_published_to(acme: dict[str, str], tmp_path: Path) -> None:
    events = [{"id": f"e-{i}", "ts": f"2026-03-0{1 + i}T10:00:00+08:00", "actor": "cs-1", "party": "platform.cs",
               "role": "customer_service", "action": "view", "resource": "order", "subjects": [f"c-{i}"],
               "fields": ["phone"]} for i in range(3)]
    (tmp_path / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events), "utf-8")
    db = f"sqlite:///{tmp_path / 'audit.db'}"
    run(acme, "audit", "import", str(tmp_path / "events.jsonl"), "--db", db)
    assert run(acme, "audit", "witness", "publish", "--db", db, ok=False).returncode == 2  # none configured
    notary = tmp_path / "notary.jsonl"
    out = run({**acme, "ACME_NOTARY_FILE": str(notary)}, "audit", "witness", "publish", "--db", db).stdout
    assert "checkpoint of size 3" in out and "witness acme-notary: notarised size 3" in out
    assert [json.loads(line)["size"] for line in notary.read_text("utf-8").splitlines()] == [3]
