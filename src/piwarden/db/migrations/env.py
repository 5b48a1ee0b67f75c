"""alembic's environment for piwarden: the models' metadata, one transaction per upgrade.

``piwarden.db.migrate`` runs alembic programmatically and hands over a connection that is
already inside a transaction holding the migration lock (``config.attributes["connection"]``):
the upgrade joins it, so the revision check, the migrations and the version stamp commit
together. Run without one (alembic's own command line, a developer writing a migration), it
connects to ``sqlalchemy.url``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from piwarden.db.engine import make_engine
from piwarden.db.models import metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, compare_type=True,
                      render_as_batch=connection.dialect.name == "sqlite")  # SQLite alters by copying tables
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "", locking=True)
    try:
        with engine.begin() as conn:  # one transaction, committed at the end
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("piwarden's migrations run against a database (no --sql mode)")
main()
