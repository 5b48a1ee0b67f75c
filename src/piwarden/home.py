"""The one place for piwarden's state: the home (``--home``, ``PIWARDEN_HOME``, default ``~/.piwarden``).

It holds the embedded SQLite database, ``keys/``, ``cache/``, ``documents/`` and
``piwarden.toml``. Every command that touches a database takes ``--db URL`` (an SQLAlchemy URL)
and defaults to the SQLite file here. Naming a directory never creates it: the code about to
write there calls ``ensure_home``, ``private_dir`` or ``ensure_db_dir`` first (owner-only, 0700).
"""

from __future__ import annotations

from pathlib import Path

from piwarden.settings import Settings, get_settings

ENV_HOME = "PIWARDEN_HOME"
ENV_DB = "PIWARDEN_DB"


def home_dir() -> Path:
    """The home directory of the current settings (not created: see ``ensure_home``)."""
    return get_settings().home


def default_db_url() -> str:
    """The database URL of the current settings: ``database.url`` (``PIWARDEN_DB``), else SQLite in the home."""
    return get_settings().db_url


def private_dir(path: Path) -> Path:
    """``path``, created owner-only (0700) with each missing parent, for keys, caches and the database."""
    missing, parent = [], path
    while not parent.exists() and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
    return path


def ensure_home(settings: Settings | None = None) -> Path:
    """The home directory, created owner-only if absent: for code about to write there."""
    return private_dir((settings or get_settings()).home)


def ensure_db_dir(url: str, settings: Settings | None = None) -> str:
    """``url``; if it is an SQLite file in the home, the home is created first (owner-only)."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
        database = parsed.database if parsed.get_backend_name() == "sqlite" else None
    except Exception:  # the caller reports a malformed URL (redacted)
        return url
    if database and database != ":memory:" and not database.startswith("file:"):
        home = (settings or get_settings()).home
        if Path(database).expanduser().absolute().parent == home.absolute():
            ensure_home(settings)
    return url


def redact_url(url: str) -> str:
    """The URL with any password replaced, fit for logs and messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a malformed URL must not leak through the error path either
        return "<unparseable database URL>"
