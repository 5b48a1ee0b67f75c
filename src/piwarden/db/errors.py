"""What went wrong reaching a database, in words: host and port, and which part failed.

"cannot list tables (OperationalError)" said the same for a wrong port, an unknown host, a
missing database and a wrong password. :func:`describe` tells them apart from the driver's
error (its class, its code, its text, read but never repeated, since a driver may quote the
user or the statement) and names only what the URL already says: the backend, host:port and
the database name; never the password.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import URL, make_url

DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306, "mssql": 1433, "oracle": 1521}
# drivers named by a bare scheme that piwarden does not install, and the URL to write instead
DRIVER_HINTS = {"mysql": "mysql+pymysql://", "mysql+mysqldb": "mysql+pymysql://", "mariadb": "mysql+pymysql://",
                "mariadb+mysqldb": "mysql+pymysql://", "postgresql+psycopg2": "postgresql+psycopg://"}


def where(url: str | URL) -> str:
    """``postgresql+psycopg://app:***@db.example:5432/crm``, ``SQLite file x.db``: the URL, password hidden,
    with the port it used when the URL gives none."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except Exception:  # never echo a malformed URL: it may hold a password
        return "the database (unparseable URL)"
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return f"SQLite file {parsed.database}" if parsed.database else "SQLite in memory"
    shown = parsed.render_as_string(hide_password=True)
    default = DEFAULT_PORTS.get(backend)
    return shown if parsed.port or not default else f"{shown} (port {default})"


def _codes(exc: BaseException) -> tuple[Any, str]:
    orig = getattr(exc, "orig", None) or exc
    args = getattr(orig, "args", ())
    code = args[0] if args and isinstance(args[0], int) else getattr(orig, "sqlstate", None)
    return code, " ".join(str(a) for a in args).lower() if args else str(orig).lower()


def reason(exc: BaseException) -> str:
    """Which part of reaching the database failed, from a driver's or SQLAlchemy's error."""
    if isinstance(exc, ImportError):
        return f"its driver is not installed ({exc.name or 'a module'} is missing)"
    code, text = _codes(exc)
    if code == 1045 or code == "28P01" or "password authentication failed" in text or "access denied" in text \
            or "authentication failed" in text:
        return "the server refused the user name or password"
    if "role" in text and "does not exist" in text:
        return "no such user on the server"
    if code == 1049 or code == "3D000" or "unknown database" in text or ("database" in text and "does not exist" in text):
        return "no such database on the server"
    if "name or service not known" in text or "could not translate host name" in text \
            or "nodename nor servname" in text or "temporary failure in name resolution" in text \
            or "getaddrinfo failed" in text or "[errno -2]" in text or "[errno -3]" in text \
            or "failed to resolve host" in text:
        return "unknown host (the name does not resolve)"
    if "connection refused" in text or "[errno 111]" in text:
        return "connection refused (no server listening there: is the host or port wrong, or the server down?)"
    if "timed out" in text or "timeout" in text:
        return "the connection timed out (a firewall, or the wrong host)"
    if "unable to open database file" in text:
        return "cannot open the file (its folder does not exist or is not writable)"
    if "file is not a database" in text or "file is encrypted" in text:
        return "the file is not an SQLite database"
    if code == 1044 or code == "42501" or "permission denied" in text:
        return "the user has no permission for this"
    return f"{type(getattr(exc, 'orig', None) or exc).__name__}"


def describe(url: str | URL, exc: BaseException) -> str:
    """``postgresql at db:5432/crm: the server refused the user name or password``, or the driver to name."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except Exception:
        return "unparseable database URL"
    if isinstance(exc, ImportError) and parsed.drivername in DRIVER_HINTS:
        return (f"{parsed.drivername}:// needs a driver piwarden does not install: use "
                f"{DRIVER_HINTS[parsed.drivername]}... instead")
    return f"{where(parsed)}: {reason(exc)}"
