"""Database URLs that do not work say which part failed, with host:port, never the password."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from piwarden.cli import app
from piwarden.db.errors import describe, where

runner = CliRunner()

CASES = [
    ("mysql://root:pw-secret@127.0.0.1:3306/test", "use mysql+pymysql://"),
    ("postgresql+psycopg2://u:pw-secret@127.0.0.1/x", "use postgresql+psycopg://"),
    ("mysql+pymysql://root:pw-secret@127.0.0.1:1/test", "127.0.0.1:1/test: connection refused"),
    ("postgresql+psycopg://postgres:pw-secret@127.0.0.1:1/postgres", "127.0.0.1:1/postgres: connection refused"),
    ("postgresql+psycopg://postgres:pw-secret@no-such-host.invalid/postgres", "unknown host"),
]
LIVE = [  # need the test servers: wrong password, missing database, missing user
    ("mysql+pymysql://root:pw-secret@127.0.0.1:3306/test", "refused the user name or password"),
    ("mysql+pymysql://root@127.0.0.1:3306/no_such_db_piwarden", "no such database"),
    ("postgresql+psycopg://postgres@127.0.0.1:5432/no_such_db_piwarden", "no such database"),
    ("postgresql+psycopg://no_such_user_piwarden:pw-secret@127.0.0.1:5432/postgres", "no such user"),
]


def _scan(url: str, tmp_path: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["scan", url, "--db", f"sqlite:///{tmp_path / 'inv.db'}"])
    return result.exit_code, result.output


@pytest.mark.parametrize(("url", "said"), CASES)
def test_scan_names_what_failed(tmp_path: Path, url: str, said: str) -> None:
    code, out = _scan(url, tmp_path)
    assert code == 2 and said in out and "pw-secret" not in out and "Traceback" not in out, out


@pytest.mark.parametrize(("url", "said"), LIVE)
def test_live_servers_tell_password_database_and_user_apart(tmp_path: Path, url: str, said: str) -> None:
    from sqlalchemy import create_engine, text

    server = url.split("//")[0] + "//" + ("root@127.0.0.1:3306/test" if "mysql" in url
                                          else "postgres@127.0.0.1:5432/postgres")
    try:
        with create_engine(server).connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.skip(f"test server not reachable ({type(exc).__name__})")
    code, out = _scan(url, tmp_path)
    if "refused the user" in said and code == 0:
        pytest.skip("this server accepts any password for root (no password set)")
    assert code == 2 and said in out and "pw-secret" not in out, out


def test_database_errors_of_other_commands(tmp_path: Path) -> None:
    events = tmp_path / "e.jsonl"
    events.write_text("")
    result = runner.invoke(app, ["audit", "import", str(events), "--db", f"sqlite:///{tmp_path}/no/dir/a.db"])
    assert result.exit_code == 2 and "the folder" in result.output and "does not exist" in result.output
    assert not (tmp_path / "no").exists()
    result = runner.invoke(app, ["audit", "import", str(events), "--db", "postgresql://u:pw-secret@127.0.0.1:1/x"])
    assert result.exit_code == 2 and "127.0.0.1:1/x: connection refused" in result.output
    assert "pw-secret" not in result.output


def test_where_and_describe_hide_the_password() -> None:
    assert where("postgresql+psycopg://u:pw@db:6543/crm") == "postgresql+psycopg://u:***@db:6543/crm"
    assert where("mysql+pymysql://u:pw@db/crm") == "mysql+pymysql://u:***@db/crm (port 3306)"
    assert where("sqlite:///x.db") == "SQLite file x.db"
    assert "unparseable" in describe("::not a url::", RuntimeError())


def test_a_pool_error_logged_under_no_logging_setup_prints_nothing() -> None:
    """A SIGINT landing while the pool closes a connection made SQLAlchemy log the failure with its
    traceback; with no handler Python's last resort printed it on stderr (a flaky interrupt test)."""
    import subprocess
    import sys

    code = (
        "import logging\n"
        "from piwarden.db.engine import make_engine\n"
        "engine = make_engine('sqlite://')\n"
        "with engine.connect():\n"
        "    pass\n"
        "try:\n"
        "    raise KeyboardInterrupt\n"
        "except KeyboardInterrupt:\n"
        "    logging.getLogger('sqlalchemy.pool.impl.QueuePool').error(\n"
        "        'Exception closing connection %r', 'pw-secret', exc_info=True)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr[-2000:]
