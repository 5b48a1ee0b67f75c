"""The one settings object: its sources and their order, the old variables, errors that hide values,
`piwarden config`, and the rules that keep the environment and directory creation in one place."""

from __future__ import annotations

import ast
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from piwarden.audit.settings import AuditSettings
from piwarden.cli import app
from piwarden.home import default_db_url, ensure_db_dir, home_dir
from piwarden.settings import (
    LEGACY_ENV,
    SECTIONS,
    Settings,
    SettingsError,
    clear_settings_cache,
    env_name,
    get_settings,
    load_settings,
    setting_names,
    setting_origins,
    use_settings,
)

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "piwarden"
SECRET = "s3cret-Value-42"
runner = CliRunner()


def write_toml(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "piwarden.toml"
    path.write_text(text, "utf-8")
    return path


def test_precedence_default_toml_environment_flag(piwarden_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().audit.witness_timeout_s == 10.0  # default
    write_toml(piwarden_home, "[audit]\nwitness_timeout_s = 2\nsigner = 'file'\n")
    assert load_settings().audit.witness_timeout_s == 2.0  # piwarden.toml over the default
    monkeypatch.setenv("PIWARDEN__AUDIT__WITNESS_TIMEOUT_S", "3")
    s = load_settings()
    assert (s.audit.witness_timeout_s, s.audit.signer) == (3.0, "file")  # environment over the file, merged
    assert load_settings(audit={"witness_timeout_s": 4}).audit.witness_timeout_s == 4.0  # flag over all
    origins = setting_origins(audit={"witness_timeout_s": 4})
    assert origins["audit.witness_timeout_s"] == "flag" and origins["audit.signer"] == "piwarden.toml"
    assert setting_origins()["audit.witness_timeout_s"] == "environment (PIWARDEN__AUDIT__WITNESS_TIMEOUT_S)"
    assert origins["service.port"] == "default"


@pytest.mark.parametrize(("variable", "dotted"), sorted(LEGACY_ENV.items()))
def test_every_old_variable_keeps_working(variable: str, dotted: str, monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    value = str(tmp_path / "x") if dotted == "home" else "sqlite:///x.db" if dotted == "database.url" else SECRET
    monkeypatch.setenv(variable, value)
    section, _, name = dotted.partition(".")
    got = getattr(getattr(load_settings(), section), name) if name else load_settings().home
    assert (got.get_secret_value() if hasattr(got, "get_secret_value") else str(got)) == value
    assert setting_origins()[dotted] == f"environment ({variable})"
    new = str(tmp_path / "y") if dotted == "home" else "sqlite:///y.db" if dotted == "database.url" else "other"
    monkeypatch.setenv(env_name(dotted), new)  # both set: the PIWARDEN__ name wins
    got = getattr(getattr(load_settings(), section), name) if name else load_settings().home
    assert (got.get_secret_value() if hasattr(got, "get_secret_value") else str(got)) == new


def test_empty_variables_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIWARDEN_MASK_KEY", "")
    monkeypatch.setenv("PIWARDEN__SERVICE__HOST", "")
    s = load_settings()
    assert s.keys.mask_key is None and s.service.host == "127.0.0.1"


def test_the_home_is_resolved_first(piwarden_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert load_settings().home == piwarden_home == home_dir()  # PIWARDEN_HOME (conftest)
    monkeypatch.setenv("PIWARDEN__HOME", str(tmp_path / "new"))
    assert load_settings().home == tmp_path / "new"
    flag_home = tmp_path / "flag"
    write_toml(flag_home, "[service]\nport = 9000\n")
    write_toml(tmp_path / "new", "[service]\nport = 9001\n")
    s = load_settings(home=flag_home)
    assert (s.home, s.service.port) == (flag_home, 9000)  # the toml of the flag's home, not the environment's
    monkeypatch.delenv("PIWARDEN__HOME")
    monkeypatch.delenv("PIWARDEN_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert load_settings().home == tmp_path / "user" / ".piwarden"
    assert load_settings(home="~/elsewhere").home == tmp_path / "user" / "elsewhere"


def test_database_url(piwarden_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_db_url() == f"sqlite:///{piwarden_home / 'piwarden.db'}"
    monkeypatch.setenv("PIWARDEN_DB", "postgresql://u:pw@db/x")
    assert default_db_url() == "postgresql://u:pw@db/x"  # the cache is keyed on the environment
    assert "pw" not in repr(get_settings())


def test_relative_paths_in_the_file_are_relative_to_the_home(piwarden_home: Path) -> None:
    write_toml(piwarden_home, "[audit]\nkey_file = 'keys/other.key'\nwitness_dir = '/abs/w'\n"
                              "[detect]\ncache_dir = 'c'\n")
    s = load_settings()
    assert s.audit.key_file == piwarden_home / "keys" / "other.key" and s.audit.witness_dir == Path("/abs/w")
    assert s.cache_dir == piwarden_home / "c"


@pytest.mark.parametrize(("text", "problem"), [
    (f'[keys]\nmask_key = "{SECRET}\n', "not valid TOML"),
    (f'[keys]\nmask_key = "{SECRET}\x01"\n', "not valid TOML"),
    (f"[keys]\nmask_key = {SECRET}\n", "not valid TOML"),
    ("[audit]\nwitnes_dir = '/x'\n", "unknown setting 'witnes_dir' in [audit]"),
    ("[nosuch]\nx = 1\n", "unknown table [nosuch]"),
    (f"home = '/{SECRET}'\n", "'home' cannot be set"),
    (f"[audit]\nwitness_timeout_s = '{SECRET}'\n", "audit.witness_timeout_s from"),
    (f"[service]\nport = '{SECRET}'\n", "service.port from"),
    ("[forensics]\nincident_tickets = '(INC'\n", "not a regular expression"),
])
def test_a_bad_file_names_itself_and_the_problem_never_a_value(piwarden_home: Path, text: str,
                                                               problem: str) -> None:
    path = write_toml(piwarden_home, text)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert str(path) in message and problem in message, message
    assert SECRET not in message and "\x01" not in message
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 2 and str(path) in result.output and SECRET not in result.output


def test_a_bad_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIWARDEN__SERVICE__PORT", SECRET)
    with pytest.raises(SettingsError, match="PIWARDEN__SERVICE__PORT") as caught:
        load_settings()
    assert SECRET not in str(caught.value)


def test_secrets_are_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("PIWARDEN_MASK_KEY", "PIWARDEN_AUDIT_KEY", "PIWARDEN_HONEYTOKEN_KEY", "PIWARDEN_AUDIT_TOKEN"):
        monkeypatch.setenv(variable, SECRET)
    monkeypatch.setenv("PIWARDEN_DB", f"postgresql://u:{SECRET}@db/x")
    assert SECRET not in repr(load_settings()) + str(load_settings())
    monkeypatch.setenv("PIWARDEN__AUDIT__TSA_URL", f"https://u:{SECRET}@tsa.example/ts")
    for args in (["config", "show"], ["config", "show", "--json"], ["home"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and SECRET not in result.output, result.output
    shown = json.loads(runner.invoke(app, ["config", "show", "--json"]).stdout)["settings"]
    assert shown["keys.mask_key"] == {"value": "**********", "source": "environment (PIWARDEN_MASK_KEY)"}
    assert shown["database.url"]["value"] == "postgresql://u:***@db/x"
    assert shown["audit.tsa_url"]["value"] == "https://u:***@tsa.example/ts"
    assert shown["keys.audit_key"]["value"] == "**********" and shown["keys.provider"]["value"] is None


def test_config_show_says_where_each_value_comes_from(piwarden_home: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other-home"
    write_toml(other, "[service]\nport = 9100\n")
    monkeypatch.setenv("PIWARDEN__AUDIT__SIGNER", "env")
    result = runner.invoke(app, ["--home", str(other), "config", "show", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    shown = doc["settings"]
    assert doc["file"] == str(other / "piwarden.toml") and list(shown) == setting_names()
    assert shown["home"] == {"value": str(other), "source": "flag"}
    assert shown["service.port"] == {"value": 9100, "source": "piwarden.toml"}
    assert shown["audit.signer"] == {"value": "env", "source": "environment (PIWARDEN__AUDIT__SIGNER)"}
    assert shown["service.host"] == {"value": "127.0.0.1", "source": "default"}
    assert shown["detect.cache_dir"]["value"] == str(other / "cache")
    text = runner.invoke(app, ["--home", str(other), "config", "show"]).stdout
    assert any(line.split()[:3] == ["service.port", "9100", "piwarden.toml"] for line in text.splitlines())
    assert runner.invoke(app, ["--home", str(other), "config", "path"]).stdout.strip() == str(other / "piwarden.toml")
    home = runner.invoke(app, ["--home", str(other), "home", "--db", "sqlite:///x.db"]).stdout
    assert f"home: {other}" in home and "database: sqlite:///x.db" in home
    assert not piwarden_home.exists()  # none of this wrote anything


def test_cached_settings_follow_the_environment_and_the_cli(piwarden_home: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    first = get_settings()
    assert get_settings() is first
    monkeypatch.setenv("PIWARDEN__SERVICE__PORT", "9200")
    assert get_settings().service.port == 9200
    mine = load_settings(home=tmp_path / "mine")
    with use_settings(mine):
        assert get_settings() is mine and home_dir() == tmp_path / "mine"
    assert get_settings().home == piwarden_home
    write_toml(piwarden_home, "[service]\nport = 9300\n")
    clear_settings_cache()
    monkeypatch.delenv("PIWARDEN__SERVICE__PORT")
    assert get_settings().service.port == 9300


def test_audit_settings_stay_importable_and_read_every_source(piwarden_home: Path) -> None:
    write_toml(piwarden_home, "[audit]\nwitness_url = 'https://w.example'\n")
    clear_settings_cache()
    s = AuditSettings(signer="kms")
    assert (s.signer, s.witness_url, s.witness_timeout_s) == ("kms", "https://w.example", 10.0)
    assert get_settings().audit.witness_url == "https://w.example"


def test_every_setting_has_a_description() -> None:
    assert all(f.description for f in Settings.model_fields.values())
    for model in SECTIONS.values():
        assert model.__doc__ and all(f.description for f in model.model_fields.values()), model


def test_every_setting_is_documented() -> None:
    docs = (REPO / "docs" / "configuration.md").read_text("utf-8")
    missing = [d for d in setting_names() if f"`{env_name(d)}`" not in docs or f"`{d}`" not in docs]
    missing += [v for v in LEGACY_ENV if f"`{v}`" not in docs]
    assert missing == []
    assert "piwarden config show" in docs and "piwarden config path" in docs


def test_directories_are_created_only_to_write(piwarden_home: Path) -> None:
    from piwarden.audit.log import open_log

    assert not piwarden_home.exists()
    with open_log() as log:  # the embedded database: the home is made owner-only
        assert log.store.frontier().size == 0
    assert stat.S_IMODE(piwarden_home.stat().st_mode) == 0o700 and not (piwarden_home / "keys").exists()
    assert ensure_db_dir("postgresql://db/x") == "postgresql://db/x"


def test_importing_piwarden_creates_no_directory(tmp_path: Path) -> None:
    home, user = tmp_path / "no-home", tmp_path / "user"
    user.mkdir()
    code = (
        "import importlib, pkgutil, piwarden\n"
        "failed = []\n"
        "for m in pkgutil.walk_packages(piwarden.__path__, 'piwarden.'):\n"
        "    try:\n"
        "        importlib.import_module(m.name)\n"
        "    except ImportError as exc:\n"
        "        failed.append(f'{m.name}: {exc.name}')\n"
        "print('\\n'.join(failed))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIWARDEN")}
    env.update(PIWARDEN_HOME=str(home), HOME=str(user))
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600,
                            check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    skipped = [line for line in result.stdout.splitlines() if line]
    assert all(line.split(": ")[1].split(".")[0] in {"torch", "cpca", "jieba", "pyspark"} for line in skipped), skipped
    assert not home.exists() and list(user.iterdir()) == []


ENV_NAMES = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}
ENV_WRITERS = {"scan/spark.py"}  # sets SPARK_LOCAL_IP / PYSPARK_PYTHON for the Spark child processes


def _environment_uses(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        reads = isinstance(node, ast.Attribute) and node.attr in ENV_NAMES
        imports = isinstance(node, ast.ImportFrom) and node.module == "os" and any(a.name in ENV_NAMES
                                                                                   for a in node.names)
        if reads or imports:
            lines.append(node.lineno)
    return lines


def test_only_the_settings_module_reads_the_environment() -> None:
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel in {"settings.py", *ENV_WRITERS}:
            continue
        lines = _environment_uses(ast.parse(path.read_text("utf-8")))
        if lines:
            found[rel] = lines
    assert found == {}
    assert _environment_uses(ast.parse((SRC / "settings.py").read_text("utf-8")))  # the check does see it
