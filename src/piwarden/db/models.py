"""Every model of the piwarden database, imported so ``metadata`` holds every table.

>>> {'audit_events', 'scan_columns', 'vault_records'} <= set(TABLES)
True
"""

from __future__ import annotations

from piwarden.db import audit, documents, forensics, incidents, inventory, runs, vault
from piwarden.db.base import Base

metadata = Base.metadata
TABLES: tuple[str, ...] = tuple(metadata.tables)
VERSION_TABLE = "alembic_version"  # alembic's: which revision the database is at
OWN_TABLES = (*TABLES, VERSION_TABLE)  # every table a piwarden database holds

__all__ = ["OWN_TABLES", "TABLES", "VERSION_TABLE", "audit", "documents", "forensics", "incidents", "inventory",
           "metadata", "runs", "vault"]
