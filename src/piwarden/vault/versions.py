"""Which policy and record types the vault ran with, and since when: recorded each time a vault opens.

A pack built next year must show the policy in force *then*, not the file as it reads today; so
every distinct content (by SHA-256) is kept with when it was first and last seen in use.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from piwarden.db import writing
from piwarden.db.base import table_of
from piwarden.db.vault import VaultConfigVersion

VERSIONS = table_of(VaultConfigVersion)


@dataclass(frozen=True)
class Version:
    kind: str
    sha256: str
    source: str
    content: str
    first_seen_us: int
    last_seen_us: int


def record(writer: Engine, kind: str, path: Path, source: str) -> str:
    """Note that the vault runs with the file at ``path`` now; returns its SHA-256."""
    content = path.read_text("utf-8")
    digest = hashlib.sha256(content.encode()).hexdigest()
    now = time.time_ns() // 1000
    with writing(writer) as conn:
        key = (VERSIONS.c.kind == kind) & (VERSIONS.c.sha256 == digest)
        if conn.execute(select(VERSIONS.c.sha256).where(key)).first() is None:
            conn.execute(insert(VERSIONS).values(kind=kind, sha256=digest, source=source[:1000], content=content,
                                                 first_seen_us=now, last_seen_us=now))
        else:
            conn.execute(update(VERSIONS).where(key).values(last_seen_us=now))
    return digest


def history(engine: Engine, kind: str) -> list[Version]:
    """Every version of ``kind`` the vault ran with, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(VERSIONS).where(VERSIONS.c.kind == kind).order_by(VERSIONS.c.first_seen_us)).all()
    return [Version(r.kind, r.sha256, r.source, r.content, r.first_seen_us, r.last_seen_us) for r in rows]
