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
    """Bring the database to the newest schema (or --to REV); adopts a database made before migrations."""
    from piwarden.db import DatabaseError
    from piwarden.db import upgrade as run_upgrade
    from piwarden.home import default_db_url, redact_url

    url = db or default_db_url()
    try:
        before, after = run_upgrade(url, to)
    except DatabaseError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(1) from None
    if before == after:
        out.print(f"{redact_url(url)}: already at {after.describe()}")
    else:
        out.print(f"{redact_url(url)}: {before.describe()} -> {after.describe()}")


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
        raise typer.Exit(1) from None
    out.print(f"{redact_url(url)}: {'no database yet' if state is None else state.describe()}")


@app.command()
def history() -> None:
    """List the shipped migrations, newest first."""
    from piwarden.db.migrate import history as revisions

    for rev in revisions():
        out.print(f"{rev.revision}  {rev.file}  {rev.message.splitlines()[0] if rev.message else ''}")
