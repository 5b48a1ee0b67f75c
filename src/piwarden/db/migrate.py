"""Named migrations (alembic, shipped in ``piwarden/db/migrations/``), run from Python.

When a part opens the database (``open_engine``, ``prepare``):

- at the head revision: nothing to do (one read of ``alembic_version``);
- SQLite (the embedded home): upgraded on the spot, inside one ``BEGIN IMMEDIATE``
  transaction, so a second process opening the same fresh home waits and then finds it done;
- any other database that is empty (no piwarden table, no ``alembic_version``): created;
- any other database at an older revision, or made before migrations: left alone, and
  ``SchemaOutdated`` tells the operator to run ``piwarden db upgrade`` (a production schema
  change is a decision, not a side effect of opening it).

Every upgrade runs in one transaction holding a lock (PostgreSQL: an advisory lock), reads
the revision under that lock and adopts a pre-migration database (the baseline revision
creates the tables it lacks and brings an old audit log to its schema 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from piwarden.db.engine import DatabaseError, make_engine, parse_url
from piwarden.db.errors import describe
from piwarden.db.models import TABLES, VERSION_TABLE
from piwarden.home import default_db_url, ensure_db_dir, redact_url

if TYPE_CHECKING:
    from alembic.config import Config

HEAD = "a6c2d8e0f913"  # the newest revision in migrations/versions (tests/test_migrations.py checks it)
BASELINE = "9d76dca4b533"  # the schema of the release before migrations (it adopts databases made by it)
MIGRATIONS = Path(__file__).with_name("migrations")
PG_LOCK_KEY = 0x70697764  # pg_advisory_xact_lock key held while migrating ("piwd")
# Date-stamped revision files: 2026_12_06_0900-<rev>_<slug>.py (``%%``: configparser escaping).
FILE_TEMPLATE = "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s"


class SchemaOutdated(DatabaseError):
    """The database is at an older revision (or predates migrations) and is not migrated implicitly."""


@dataclass(frozen=True, slots=True)
class SchemaState:
    """Which revision a database is at, and which piwarden tables it holds."""

    revision: str | None
    tables: frozenset[str]

    @property
    def empty(self) -> bool:
        return self.revision is None and not self.tables

    @property
    def legacy(self) -> bool:
        """Made before migrations: piwarden tables, no revision."""
        return self.revision is None and bool(self.tables)

    def describe(self) -> str:
        if self.empty:
            return "empty (no piwarden tables)"
        if self.legacy:
            return "made before migrations (no revision; `piwarden db upgrade` adopts it)"
        return f"{self.revision}{' (head)' if self.revision == HEAD else ''}"


def read_state(conn: Connection) -> SchemaState:
    names = set(inspect(conn).get_table_names())
    revision = None
    if VERSION_TABLE in names:
        revision = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()  # one row: no branches
    return SchemaState(revision, frozenset(names & set(TABLES)))


def open_engine(url: str | None = None) -> Engine:
    """An engine on the piwarden database (default: the home's), its schema checked or brought
    to the head revision as the rules above say. Raises ``DatabaseError`` / ``SchemaOutdated``."""
    parsed = parse_url(ensure_db_dir(url or default_db_url()))  # the home is created (0700) only to write in it
    engine = make_engine(parsed)
    try:
        ensure_schema(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def prepare(url: str | None = None) -> None:
    """Check or create the schema for a part that talks to the database through its own driver."""
    open_engine(url).dispose()


def ensure_schema(engine: Engine) -> None:
    url = engine.url
    try:
        with engine.connect() as conn:
            state = read_state(conn)
        if state.revision == HEAD:
            return
        _check_known(state)
        embedded = url.get_backend_name() == "sqlite"
        if not (embedded or state.empty):
            raise SchemaOutdated(_outdated(url, state))
        _upgrade(url, "head", only_if_empty=not embedded, engine=engine if _in_memory(url) else None)
    except DatabaseError:
        raise
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot open database {describe(url, exc)}") from None


def upgrade(url: str | None = None, to: str = "head") -> tuple[SchemaState, SchemaState]:
    """``piwarden db upgrade``: bring the database to revision ``to``; the states before and after."""
    parsed = parse_url(ensure_db_dir(url or default_db_url()))
    try:
        return _upgrade(parsed, to, only_if_empty=False)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot upgrade database {describe(parsed, exc)}") from None


def current(url: str | None = None) -> SchemaState | None:
    """The database's state, changing nothing; None for an SQLite file that does not exist yet."""
    parsed = parse_url(url or default_db_url())
    if parsed.get_backend_name() == "sqlite" and not _in_memory(parsed) and not Path(parsed.database or "").exists():
        return None
    engine = make_engine(parsed)
    try:
        with engine.connect() as conn:
            return read_state(conn)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot read database {describe(parsed, exc)}") from None
    finally:
        engine.dispose()


@dataclass(frozen=True, slots=True)
class Revision:
    revision: str
    down_revision: str | None
    message: str
    file: str


def history() -> list[Revision]:
    """Every shipped revision, newest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    out = []
    for rev in script.walk_revisions():
        down = rev.down_revision
        out.append(Revision(rev.revision, down if isinstance(down, str) or down is None else ",".join(down),
                            (rev.doc or "").strip(), Path(rev.path).name))
    return out


def revision(message: str, url: str, autogenerate: bool = True) -> Path:
    """Write a new revision file (for developers): with ``autogenerate``, the operations that take
    a database at head (``url``, e.g. a scratch SQLite file) to what the models declare."""
    from alembic import command

    prepare(url)
    cfg = alembic_config(parse_url(url))
    scripts = command.revision(cfg, message=message, autogenerate=autogenerate)
    first = scripts[0] if isinstance(scripts, list) else scripts
    if first is None:
        raise DatabaseError("alembic wrote no revision")
    return Path(first.path)


def _upgrade(url: URL, to: str, *, only_if_empty: bool, engine: Engine | None = None) -> tuple[SchemaState, SchemaState]:
    """Upgrade under the migration lock, re-reading the state once the lock is held."""
    from alembic import command
    from alembic.util import CommandError

    own = engine is None
    engine = engine or make_engine(url, locking=True)
    try:
        with engine.connect() as conn, conn.begin():  # SQLite (locking engine): BEGIN IMMEDIATE
            _lock(conn)
            before = read_state(conn)
            _check_known(before)
            if before.revision == HEAD and to in ("head", HEAD):
                return before, before
            if only_if_empty and not before.empty:
                raise SchemaOutdated(_outdated(url, before))
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            try:
                command.upgrade(cfg, to)
            except CommandError as exc:
                raise DatabaseError(f"cannot upgrade {_safe(url)}: {exc}") from None
            after = read_state(conn)
        return before, after
    finally:
        if own:
            engine.dispose()


def _lock(conn: Connection) -> None:
    """Serialise migrations across processes (SQLite: the locking engine's BEGIN IMMEDIATE)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})


def _check_known(state: SchemaState) -> None:
    if state.revision is not None and state.revision not in _known():
        raise DatabaseError(f"the database is at revision {state.revision}, which this piwarden does not know "
                            "(made by a newer release?)")


def _known() -> set[str]:
    return {r.revision for r in history()}


def alembic_config(url: URL | None = None) -> Config:
    """alembic's configuration for piwarden's migrations (no ``alembic.ini``), on ``url`` if given."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("file_template", FILE_TEMPLATE)
    cfg.set_main_option("timezone", "UTC")
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def _outdated(url: URL, state: SchemaState) -> str:
    where = "was made before migrations" if state.legacy else f"is at revision {state.revision}"
    return (f"database {_safe(url)} {where}; this piwarden needs revision {HEAD}: "
            f"run `piwarden db upgrade --db {_safe(url)}` (back it up first)")


def _in_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _safe(url: URL) -> str:
    return redact_url(url.render_as_string(hide_password=True))
