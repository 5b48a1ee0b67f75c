"""The piwarden database's migrations: what they build, when they run, and who they refuse.

PostgreSQL tests use a scratch database of their own and skip when the server is unreachable,
except under ``CI=true`` where they fail. The second half upgrades a home and a PostgreSQL
database made by the release before migrations (``tests/fixtures/legacy/make_legacy.py``).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from typer.testing import CliRunner

from piwarden.cli import app
from piwarden.db import HEAD, DatabaseError, SchemaOutdated, current, open_engine, parse_url, upgrade
from piwarden.db.migrate import MIGRATIONS, history
from piwarden.db.models import OWN_TABLES, TABLES, metadata

PG_HOST = os.environ.get("PIWARDEN_TEST_PG_HOST", "127.0.0.1")
runner = CliRunner()


def pg_scratch(suffix: str) -> str:
    """A new empty PostgreSQL database for this worker (dropped and created again); its URL."""
    name = (f"piwarden_test_{suffix}_" + os.environ.get("PIWARDEN_TEST_DB_TAG", "")
            + os.environ.get("PYTEST_XDIST_WORKER", "main"))
    try:
        import psycopg

        with psycopg.connect(host=PG_HOST, port=5432, user="postgres", dbname="test", connect_timeout=3,
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # any failure to reach the server means "no PostgreSQL here"
        reason = f"PostgreSQL not reachable at {PG_HOST}:5432 ({type(exc).__name__})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " and CI=true requires it")
        pytest.skip(reason)
    return f"postgresql+psycopg://postgres@{PG_HOST}:5432/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: Any, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'piwarden.db'}" if request.param == "sqlite" else pg_scratch("mig")


def pre_migration(url: str) -> None:
    """Make a database at head look like one the release before migrations made: the revisions
    after the baseline undone (their tables did not exist), no ``alembic_version``."""
    from alembic import command

    from piwarden.db.migrate import BASELINE, alembic_config

    command.downgrade(alembic_config(parse_url(url)), BASELINE)
    execute(url, "DROP TABLE alembic_version")


def execute(url: str, *statements: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql))
    engine.dispose()


def test_head_is_the_newest_revision_and_files_are_date_stamped() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_heads() == [HEAD]
    revs = history()
    assert revs[0].revision == HEAD and revs[-1].down_revision is None
    for rev in revs:
        assert re.fullmatch(rf"\d{{4}}_\d\d_\d\d_\d{{4}}-{rev.revision}_\w+\.py", rev.file), rev.file


def test_a_database_built_by_the_migrations_is_what_the_models_declare(empty_url: str) -> None:
    """Same tables, columns, types, keys and indexes: alembic's autogenerate finds nothing to do."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    open_engine(empty_url).dispose()
    engine = create_engine(empty_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, metadata) == []
        assert set(inspect(conn).get_table_names()) == set(OWN_TABLES)
    engine.dispose()


def test_sqlite_audit_tables_keep_the_measured_layout(tmp_path: Path) -> None:
    """``audit_events.idx`` is the rowid itself (no separate key index); the pure-key tables are
    ``WITHOUT ROWID``: the layout the append benchmarks measured."""
    url = f"sqlite:///{tmp_path / 'p.db'}"
    open_engine(url).dispose()
    engine = create_engine(url)
    with engine.connect() as conn:
        ddl = dict(conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
        for table in ("audit_events", "audit_blocks", "audit_state"):
            assert conn.execute(text(f"PRAGMA index_list({table})")).all() == [], table  # no key index of its own
        conn.execute(text("INSERT INTO audit_events (idx, leaf_hash, actor, action, ts_us) VALUES (7, x'00', "
                          "'a', 'view', 0)"))
        assert conn.execute(text("SELECT rowid, idx FROM audit_events")).all() == [(7, 7)]  # idx is the rowid
        conn.rollback()
    engine.dispose()
    for table in ("audit_event_subjects", "audit_nodes", "audit_postings"):
        assert "WITHOUT ROWID" in ddl[table], table
    for table in ("audit_events", "audit_blocks", "audit_heads", "audit_timestamps", "audit_state"):
        assert "WITHOUT ROWID" not in ddl[table], table
    assert re.search(r"\bidx INTEGER NOT NULL\b", ddl["audit_events"]) and "BIGINT" not in ddl["audit_events"]


def test_postgresql_audit_columns_are_bigint_and_bytea() -> None:
    url = pg_scratch("mig")
    open_engine(url).dispose()
    engine = create_engine(url)
    with engine.connect() as conn:
        types = {(t, c): d for t, c, d in conn.execute(text(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name LIKE 'audit_%'"))}
        defaults = conn.execute(text("SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                                     "'public' AND table_name LIKE 'audit_%' AND column_default IS NOT NULL"))
        assert defaults.scalar() == 0  # no sequences: leaf indices are the log's, not the database's
    engine.dispose()
    assert types["audit_events", "idx"] == types["audit_postings", "ts_us"] == "bigint"
    assert types["audit_events", "leaf_hash"] == types["audit_nodes", "hash"] == "bytea"
    assert types["audit_nodes", "level"] == "smallint" and types["audit_state", "id"] == "integer"


def test_sqlite_home_is_created_on_first_use_by_any_part(tmp_path: Path) -> None:
    from piwarden.audit.log import open_log
    from piwarden.scan.inventory import open_inventory
    from piwarden.store import open_db, record_detect_run

    for n, opener in enumerate((open_db, open_inventory)):
        url = f"sqlite:///{tmp_path / f'{n}.db'}"
        engine = opener(url)
        engine.dispose()
        assert current(url) is not None and current(url).revision == HEAD  # type: ignore[union-attr]
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    with open_log(url) as log:
        assert log.size() == 0
    engine = open_db(url)  # the same file holds every part's tables
    assert record_detect_run(engine, "x", 1, 2, 0.1, {"PHONE": 1}) == 1
    engine.dispose()


OPENER = """
import sys
from piwarden.audit.log import open_log
from piwarden.scan.inventory import open_inventory
from piwarden.store import open_db
url, which = sys.argv[1], sys.argv[2]
if which == "audit":
    with open_log(url) as log:
        log.append({"id": "e-" + sys.argv[3], "ts": "2026-03-01T09:15:02+08:00", "actor": "cs-1",
                    "party": "platform.cs", "role": "customer_service", "action": "view",
                    "resource": "order", "subjects": ["c-1"], "fields": ["name"]})
else:
    (open_db if which == "store" else open_inventory)(url).dispose()
"""


def test_processes_opening_a_fresh_home_at_once_migrate_it_once(tmp_path: Path) -> None:
    """Two audit imports, a scan and a demo started together on a new home: every one opens it,
    the schema is built once, and both audit appends are kept."""
    url = f"sqlite:///{tmp_path / 'home' / 'piwarden.db'}"
    (tmp_path / "home").mkdir()
    procs = [subprocess.Popen([sys.executable, "-c", OPENER, url, which, str(i)], stderr=subprocess.PIPE)
             for i, which in enumerate(("audit", "audit", "store", "inventory", "audit", "store"))]
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * len(procs), errors
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [(HEAD,)]
        assert conn.execute(text("SELECT count(*), max(idx) FROM audit_events")).one() == (3, 2)
    engine.dispose()


def test_postgresql_empty_database_is_created_but_an_old_one_is_refused() -> None:
    url = pg_scratch("mig")
    open_engine(url).dispose()  # empty: created on first use
    assert current(url).revision == HEAD  # type: ignore[union-attr]
    pre_migration(url)  # now it looks like a database made before migrations
    with pytest.raises(SchemaOutdated, match=r"was made before migrations; .* run `piwarden db upgrade --db postgresql\+psycopg://"):
        open_engine(url)
    from piwarden.store import StoreError, open_db

    with pytest.raises(StoreError, match="piwarden db upgrade"):
        open_db(url)
    assert current(url).legacy  # type: ignore[union-attr]  # nothing was changed by the refusals
    result = runner.invoke(app, ["db", "upgrade", "--db", url])
    assert result.exit_code == 0, result.output
    assert "made before migrations" in result.output and f"-> {HEAD} (head)" in result.output
    open_engine(url).dispose()


def test_upgrade_to_a_revision_then_on(empty_url: str) -> None:
    """`db upgrade --to REV` stops there; opening the database then upgrades SQLite and refuses
    PostgreSQL (an older revision is not altered implicitly) until `db upgrade` brings it on."""
    from piwarden.db.migrate import BASELINE

    result = runner.invoke(app, ["db", "upgrade", "--db", empty_url, "--to", BASELINE])
    assert result.exit_code == 0 and f"-> {BASELINE}" in result.output and "(head)" not in result.output
    assert current(empty_url).revision == BASELINE  # type: ignore[union-attr]
    if empty_url.startswith("postgresql"):
        with pytest.raises(SchemaOutdated, match=f"is at revision {BASELINE}; this piwarden needs revision {HEAD}"):
            open_engine(empty_url)
        assert current(empty_url).revision == BASELINE  # type: ignore[union-attr]
        assert runner.invoke(app, ["db", "upgrade", "--db", empty_url]).exit_code == 0
    open_engine(empty_url).dispose()
    assert current(empty_url).revision == HEAD  # type: ignore[union-attr]
    back = runner.invoke(app, ["db", "upgrade", "--db", empty_url, "--to", BASELINE])
    assert back.exit_code == 0 and current(empty_url).revision == HEAD  # type: ignore[union-attr]  # never back


def test_db_commands(tmp_path: Path, piwarden_home: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    assert "no database yet" in runner.invoke(app, ["db", "current", "--db", url]).output
    first = runner.invoke(app, ["db", "upgrade", "--db", url])
    assert first.exit_code == 0 and f"empty (no piwarden tables) -> {HEAD} (head)" in first.output
    again = runner.invoke(app, ["db", "upgrade", "--db", url])
    assert again.exit_code == 0 and f"already at {HEAD} (head)" in again.output
    assert f"{HEAD} (head)" in runner.invoke(app, ["db", "current", "--db", url]).output
    assert "baseline" in runner.invoke(app, ["db", "history"]).output
    # The default database is the home's.
    home = runner.invoke(app, ["db", "upgrade"])
    assert home.exit_code == 0 and str(piwarden_home / "piwarden.db") in home.output


def test_a_revision_this_release_does_not_know_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    upgrade(url)
    execute(url, "UPDATE alembic_version SET version_num = 'ffffffffffff'")
    with pytest.raises(DatabaseError, match="does not know"):
        open_engine(url)
    result = runner.invoke(app, ["db", "upgrade", "--db", url])
    assert result.exit_code == 2 and "does not know" in result.output


def test_passwords_stay_out_of_messages() -> None:
    with pytest.raises(DatabaseError) as info:
        open_engine("postgresql+psycopg://u:hunter2@127.0.0.1:1/x")
    assert "hunter2" not in str(info.value) and "***" in str(info.value)
    result = runner.invoke(app, ["db", "upgrade", "--db", "postgresql://u:hunter2@127.0.0.1:1/x"])
    assert result.exit_code == 2 and "hunter2" not in result.output
    docs = runner.invoke(app, ["forensics", "documents", "check", str(LEGACY / "manifest.json"), "--subject", "s",
                               "--account", "a", "--db", "postgresql://u:hunter2@127.0.0.1:1/x"])
    assert docs.exit_code == 2 and "cannot open database" in docs.output and "hunter2" not in docs.output


def test_a_scan_of_the_piwarden_database_leaves_out_the_inventory_and_alembic(tmp_path: Path) -> None:
    from piwarden.scan.runner import ScanOptions, scan
    from piwarden.store import open_db, record_detect_run

    url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = open_db(url)
    record_detect_run(engine, "x", 1, 2, 0.1, {"PHONE": 1})
    engine.dispose()
    assets = {a["asset"] for a in scan([url], ScanOptions(), url).inventory}
    assert "detect_runs" in assets and "audit_events" in assets  # the other parts' tables, as before
    assert not assets & {"scan_runs", "scan_assets", "scan_columns", "alembic_version"}


def test_tables_constant_names_every_model() -> None:
    assert set(TABLES) == set(metadata.tables) and "alembic_version" in OWN_TABLES


# -- databases made by the release before migrations (tests/fixtures/legacy, commit 8a0d104) ----

LEGACY = Path(__file__).parent / "fixtures" / "legacy"
MANIFEST = json.loads((LEGACY / "manifest.json").read_text("utf-8"))


def restore_home(dest: Path) -> Path:
    """The legacy home, unpacked under ``dest``; the image paths its registry recorded at build
    time (``built_at``) are moved with it, as restoring a backup to a new place would."""
    with tarfile.open(LEGACY / "home.tar.gz") as tar:
        tar.extractall(dest, filter="data")
    home = dest / "home"
    registry = home / "documents" / "registry.sqlite"
    with sqlite3.connect(registry) as db:
        db.execute("UPDATE docs SET path = replace(path, ?, ?)", (MANIFEST["built_at"], str(home)))
    db.close()
    return home


def restore_pg() -> str:
    """A scratch PostgreSQL database loaded from the legacy dump; its URL."""
    url = pg_scratch("legacy")
    import psycopg
    from sqlalchemy.engine import make_url

    dump = gzip.decompress((LEGACY / "pg.sql.gz").read_bytes()).decode()
    script = "\n".join(line for line in dump.splitlines() if not line.startswith("\\"))  # psql meta-commands
    u = make_url(url)
    with psycopg.connect(host=u.host, port=u.port, user=u.username, dbname=u.database, autocommit=True) as conn:
        conn.execute(script)  # type: ignore[call-overload]
    return url


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every piwarden table, in a stable order."""
    engine = create_engine(url)
    out = {}
    with engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
        for table in sorted(names & set(TABLES)):
            cols = [c["name"] for c in inspect(conn).get_columns(table)]
            listed = ", ".join(f'"{c}"' for c in cols)
            rows = conn.execute(text(f'SELECT {listed} FROM "{table}"'))
            out[table] = sorted((tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows),
                                key=repr)  # JSON columns have no order in PostgreSQL
    engine.dispose()
    return out


def physical_schema(url: str) -> dict[str, Any]:
    """Columns (name, type, nullable, key), indexes and SQLite's WITHOUT ROWID of every piwarden
    table, as the database itself reports them (sqlite_master / information_schema)."""
    engine = create_engine(url)
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            for name, sql in conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")):
                if name not in TABLES:
                    continue
                cols = [(c[1], c[2], bool(c[3]) or c[5] > 0, c[5])
                        for c in conn.execute(text(f"PRAGMA table_info({name})"))]
                indexes = sorted((i[1], i[2], tuple(r[2] for r in conn.execute(text(f"PRAGMA index_info('{i[1]}')"))))
                                 for i in conn.execute(text(f"PRAGMA index_list({name})")))
                out[name] = (cols, indexes, "WITHOUT ROWID" in sql.upper())
        else:
            for table, column, dtype, nullable, length in conn.execute(text(
                    "SELECT table_name, column_name, data_type, is_nullable, character_maximum_length "
                    "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, "
                    "ordinal_position")):
                if table in TABLES:
                    out.setdefault(table, []).append((column, dtype, nullable, length))
            out["constraints"] = sorted(conn.execute(text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> 'alembic_version'")).all())
            out["indexes"] = sorted(conn.execute(text(
                "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'")).all())
    engine.dispose()
    return out


@pytest.fixture(params=["sqlite", "postgresql"])
def legacy(request: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path, str]:
    """(backend, restored home, database URL): the home is PIWARDEN_HOME; on PostgreSQL the
    database is the restored dump and the home's own SQLite file is left out of it."""
    home = restore_home(tmp_path)
    monkeypatch.setenv("PIWARDEN_HOME", str(home))
    if request.param == "sqlite":
        return "sqlite", home, f"sqlite:///{home / 'piwarden.db'}"
    return "postgresql", home, restore_pg()


def test_legacy_database_is_upgraded_and_keeps_everything(legacy: tuple[str, Path, str], tmp_path: Path) -> None:
    """The acceptance test of the storage layer: a home and a PostgreSQL database made by the
    code before it are upgraded with ``piwarden db upgrade``; detect runs, inventory rows,
    audit events and signed checkpoints are all still there, proofs hold against the old
    checkpoints, and an exported bundle verifies."""
    from piwarden.audit.checkpoint import open_checkpoint
    from piwarden.audit.hasher import hash_leaf
    from piwarden.audit.log import open_log
    from piwarden.audit.note import NoteVerifier
    from piwarden.audit.proof import verify_consistency, verify_inclusion

    backend, home, url = legacy
    before = snapshot(url)
    assert current(url).legacy  # type: ignore[union-attr]
    assert len(before["detect_runs"]) == 2 and len(before["audit_events"]) == MANIFEST["events"]
    assert len(before["scan_assets"]) == 4 and before["scan_columns"] and len(before["audit_heads"]) == 3

    result = runner.invoke(app, ["db", "upgrade", "--db", url])
    assert result.exit_code == 0, result.output
    assert "made before migrations" in result.output and f"-> {HEAD} (head)" in result.output
    assert "3 registry rows and 1 marks imported" in result.output
    after = snapshot(url)
    assert {t: after[t] for t in before} == before  # every row of every table, unchanged
    assert f"{HEAD} (head)" in runner.invoke(app, ["db", "current", "--db", url]).output
    again = runner.invoke(app, ["db", "upgrade", "--db", url])
    assert again.exit_code == 0 and "already at" in again.output and "imported" not in again.output
    assert snapshot(url) == after
    check_documents(home, url, after)

    verifier = NoteVerifier.from_vkey((home / "keys" / "audit-ed25519.vkey").read_text("ascii"))
    heads = [open_checkpoint(c["note"], verifier) for c in MANIFEST["checkpoints"][backend]]
    bodies = {r[0]: r[2] for r in before["audit_events"]}
    with open_log(url) as log:
        assert log.size() == MANIFEST["events"]
        for old, new in pairwise(heads):
            verify_consistency(old.size, new.size, log.consistency_proof(old.size, new.size), old.root, new.root)
        for head in heads:
            assert log.root(head.size) == head.root
            for index in (0, head.size // 3, head.size - 1):
                verify_inclusion(index, head.size, hash_leaf(bodies[index]), log.inclusion_proof(index, head.size),
                                 head.root)
        log.append({"id": "after-upgrade", "ts": "2026-04-01T10:00:00+08:00", "actor": "cs-0001",
                    "party": "platform.cs", "role": "customer_service", "action": "view", "resource": "order",
                    "subjects": ["c-0001"], "fields": ["name"]})
    checkpoints = []
    for i, c in enumerate(MANIFEST["checkpoints"][backend]):
        checkpoints += ["--checkpoint", str(tmp_path / f"old-{i}.note")]
        (tmp_path / f"old-{i}.note").write_text(c["note"], "utf-8")
    exported = runner.invoke(app, ["audit", "export", str(tmp_path / "bundle"), "--db", url])
    assert exported.exit_code == 0, exported.output
    vkey = str(home / "keys" / "audit-ed25519.vkey")
    verified = runner.invoke(app, ["audit", "verify", str(tmp_path / "bundle"), "--key", vkey, *checkpoints])
    assert verified.exit_code == 0 and f"OK: {MANIFEST['events'] + 1} events" in verified.output, verified.output


def check_documents(home: Path, url: str, rows: dict[str, list[tuple[Any, ...]]],
                    index: Path | None = None) -> None:
    """The legacy documents index is in the database, its files set aside, and a check of one
    of its images (claimed by someone else) still finds the stored document."""
    from piwarden.forensics.documents.registry import Marks

    index = index or home / "documents"
    docs = MANIFEST["documents"]
    assert [r[2:5] for r in sorted(rows["document_registry"])] == list(
        zip(docs["doc_ids"], docs["subjects"], docs["accounts"], strict=True))
    assert rows["document_indexes"] == [(1, str(index.resolve()))]
    for name in ("registry.sqlite", "marks.sqlite"):
        assert not (index / name).exists() and (index / f"{name}.migrated").is_file()
    result = runner.invoke(app, ["forensics", "documents", "check", str(home / "images" / docs["images"][0]),
                                 "--subject", "someone-else", "--account", "acct-x", "--index", str(index),
                                 "--db", url, "--no-log"])  # the log's leaves are counted after this
    assert result.exit_code == 1, result.output  # flagged: another subject's document
    found = json.loads(result.output.splitlines()[-1])
    assert [m["doc_id"] for m in found["matches"]] == [docs["doc_ids"][0]]
    assert found["matches"][0]["relation"] == "other_subject"
    marks = Marks(index, url)
    assert marks.recipient(docs["mark"]["number"]) == docs["mark"]["recipient"] == "partner-7"
    marks.close()


def test_legacy_sqlite_home_is_adopted_on_first_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No `db upgrade` needed for the embedded home: the first command that opens it adopts it,
    and the first open of an index directory (here moved elsewhere: `--index DIR`) imports it."""
    home = restore_home(tmp_path)
    monkeypatch.setenv("PIWARDEN_HOME", str(home))
    url = f"sqlite:///{home / 'piwarden.db'}"
    before = snapshot(url)
    result = runner.invoke(app, ["audit", "query", "--actor", "cs-0003", "--limit", "5"])
    assert result.exit_code == 0 and len(result.output.splitlines()) == 5, result.output
    after = snapshot(url)
    assert current(url).revision == HEAD and {t: after[t] for t in before} == before  # type: ignore[union-attr]
    moved = tmp_path / "elsewhere" / "index"
    moved.parent.mkdir()
    (home / "documents").rename(moved)
    result = runner.invoke(app, ["forensics", "documents", "check", str(home / "images" / "id_card-2.jpg"),
                                 "--subject", "subj-2", "--account", "acct-2", "--index", str(moved)])
    assert result.exit_code == 0, result.output  # the same subject re-uploading: fine, but found
    assert [m["relation"] for m in json.loads(result.output.splitlines()[-1])["matches"]] == ["same_subject"]
    check_documents(home, url, snapshot(url), moved)


def test_legacy_documents_import_is_idempotent(tmp_path: Path) -> None:
    """An import interrupted after its commit (the file not yet set aside) is finished by the
    next open without duplicates; the set-aside files are never overwritten."""
    from piwarden.db.legacy import import_documents

    home = restore_home(tmp_path)
    url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = open_engine(url)
    index = home / "documents"
    first = import_documents(engine, index)
    assert (first.rows, first.marks) == (3, 1)
    shutil.copy(index / "registry.sqlite.migrated", index / "registry.sqlite")  # as if the rename never ran
    second = import_documents(engine, index)
    assert (second.rows, second.marks) == (0, 0)
    assert (index / "registry.sqlite.migrated.1").is_file() and not (index / "registry.sqlite").exists()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM document_registry")).scalar() == 3
    engine.dispose()


def test_migrations_build_the_schema_the_old_code_built(legacy: tuple[str, Path, str]) -> None:
    """Same physical schema: every table the release before migrations created has the same
    columns, types, nullability, keys, indexes (and on SQLite the same rowid layout) whether
    adopted from that release or built fresh by the migrations."""
    backend, _, url = legacy
    fresh = f"sqlite:///{legacy[1].parent / 'fresh.db'}" if backend == "sqlite" else pg_scratch("mig")
    upgrade(fresh)
    upgrade(url)
    assert physical_schema(url) == physical_schema(fresh)
