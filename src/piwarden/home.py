"""The one place for piwarden's state: ``PIWARDEN_HOME`` (default ``~/.piwarden``).

It holds the embedded SQLite database, keys and configuration. Every command that touches a
database takes ``--db URL`` (an SQLAlchemy URL) and defaults to the SQLite file here.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_HOME = "PIWARDEN_HOME"
ENV_DB = "PIWARDEN_DB"


def home_dir() -> Path:
    """The home directory, created (owner-only) on first use."""
    path = Path(os.environ.get(ENV_HOME) or Path.home() / ".piwarden").expanduser()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    (path / "keys").mkdir(mode=0o700, exist_ok=True)
    return path


def default_db_url() -> str:
    """``PIWARDEN_DB`` if set, else the SQLite file in the home directory."""
    return os.environ.get(ENV_DB) or f"sqlite:///{home_dir() / 'piwarden.db'}"


def redact_url(url: str) -> str:
    """The URL with any password replaced, fit for logs and messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a malformed URL must not leak through the error path either
        return "<unparseable database URL>"
