"""``piwarden db``: the schema of the piwarden database (named alembic migrations)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from piwarden.cli.common import DbOption

app = typer.Typer(name="db", help="The piwarden database's schema: upgrade it, show its revision.",
                  no_args_is_help=True, add_completion=False)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@app.command()
def upgrade(db: DbOption = None,
            to: Annotated[str, typer.Option("--to", help="Target revision (default: head, the newest).")] = "head",
            ) -> None:
    """Bring the database to the newest schema (or --to REV); adopts a database made before migrations.

    Also imports the legacy registry.sqlite / marks.sqlite of the default documents index
    (PIWARDEN_HOME/documents); other index directories are imported when first opened.
    """
    from piwarden.db import DatabaseError
    from piwarden.db import upgrade as run_upgrade
    from piwarden.home import default_db_url, redact_url

    url = db or default_db_url()
    try:
        before, after = run_upgrade(url, to)
        imported = _import_home_documents(url, after.tables)
    except DatabaseError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2) from None
    if before == after:
        out.print(f"{redact_url(url)}: already at {after.describe()}")
    else:
        out.print(f"{redact_url(url)}: {before.describe()} -> {after.describe()}")
    if imported:
        out.print(imported)


def _import_home_documents(url: str, tables: frozenset[str]) -> str | None:
    """Move the default documents index's legacy files into the database, if there are any."""
    from sqlalchemy.exc import SQLAlchemyError

    from piwarden.db import DatabaseError, make_engine
    from piwarden.db.documents import DocumentEntry
    from piwarden.db.legacy import MARKS_FILE, REGISTRY_FILE, import_documents
    from piwarden.home import home_dir, redact_url

    directory = home_dir() / "documents"
    if DocumentEntry.__tablename__ not in tables or not any(
            (directory / name).is_file() for name in (REGISTRY_FILE, MARKS_FILE)):
        return None
    engine = make_engine(url)
    try:
        done = import_documents(engine, directory)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot import the documents index into {redact_url(url)}: "
                            f"{type(exc).__name__}") from None
    finally:
        engine.dispose()
    return f"documents index {directory}: {done.rows} registry rows and {done.marks} marks imported"


@app.command()
def current(db: DbOption = None) -> None:
    """Show the revision the database is at (changes nothing)."""
    from piwarden.db import DatabaseError
    from piwarden.db import current as read_current
    from piwarden.home import default_db_url, redact_url

    url = db or default_db_url()
    try:
        state = read_current(url)
    except DatabaseError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2) from None
    out.print(f"{redact_url(url)}: {'no database yet' if state is None else state.describe()}")


@app.command()
def history() -> None:
    """List the shipped migrations, newest first."""
    from piwarden.db.migrate import history as revisions

    for rev in revisions():
        out.print(f"{rev.revision}  {rev.file}  {rev.message.splitlines()[0] if rev.message else ''}")
