"""``piwarden audit``: append, import, sign heads, prove, verify, query and export the log."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from piwarden.audit.bundle import FILES, BundleError, export_bundle
from piwarden.audit.checkpoint import InconsistentHead, sign_head
from piwarden.audit.ingest import Importer
from piwarden.audit.log import AuditLog, open_log
from piwarden.audit.note import NoteError, NoteVerifier
from piwarden.audit.signer import signer_from_settings
from piwarden.audit.store_base import AuditStoreError, Query
from piwarden.audit.verify import verify_bundle
from piwarden.cli.common import DbOption, EncodingOption, ExitCode, fail, on_interrupt
from piwarden.cli.serve import HostOption, PortOption, SignOption, TokenEnvOption, run_service, service_options
from piwarden.cli.witness import app as witness_app
from piwarden.events import EventError, parse_ts
from piwarden.inputs import InputError, check_path, label, open_text, read_text
from piwarden.progress import ByteProgress

app = typer.Typer(name="audit", help="The tamper-evident audit log of every access to personal data.",
                  no_args_is_help=True, add_completion=False)
app.add_typer(witness_app, name="witness")
err = Console(stderr=True, soft_wrap=True)


def _open(db: str | None) -> AuditLog:
    try:
        return open_log(db)
    except AuditStoreError as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(2) from None


def _b64(h: bytes) -> str:
    return base64.b64encode(h).decode()


def _event_text(event: str | None, encoding: str | None) -> tuple[str, str]:
    """The event's JSON text and how messages name it: the argument itself, a file, or standard input.

    Files and standard input go through the input layer, so a GBK, GB18030 or UTF-16 event (or a
    byte-order mark) reads as it does for ``import``.
    """
    if event is not None and event.lstrip().startswith("{"):
        return event, "event"
    source = "-" if event is None else event
    try:
        return read_text(source, encoding), label(source)
    except InputError as exc:
        raise fail(exc) from None


@app.command()
def append(event: Annotated[str | None, typer.Argument(help="One event: JSON text, a file holding it, or - "
                                                            "(the default) for standard input.")] = None,
           db: DbOption = None, encoding: EncodingOption = None) -> None:
    """Append one access event; print its leaf index. Exit 2 if it is not a valid event (nothing appended)."""
    raw, name = _event_text(event, encoding)
    with _open(db) as log:
        try:
            typer.echo(log.append(raw.strip()))
        except EventError as exc:
            raise fail(exc if name == "event" else f"{name}: {exc}") from None
        except AuditStoreError as exc:
            err.print(f"error: {exc}", highlight=False)
            raise typer.Exit(1) from None


@app.command("import")
def import_(source: Annotated[str, typer.Argument(help="JSONL file of events, or - for standard input.")],
            db: DbOption = None,
            progress: Annotated[bool | None, typer.Option(help="Progress on standard error (default: when it "
                                                               "is a terminal).")] = None,
            encoding: EncodingOption = None) -> None:
    """Bulk-import events: bad lines are reported by number and field, good lines are kept.

    Idempotent: events already in the log (same id, same content) are not appended again, so an
    interrupted import is finished by running it again; an id the log holds for a different event
    is refused. Exit 0: every line imported (or already there); 3: some lines refused; 2: none
    could be read; 130: interrupted (what was committed is said).
    """
    try:
        total = None if source == "-" else check_path(source).stat().st_size
    except InputError as exc:
        raise fail(exc) from None

    def problem(number: int, problems: list[tuple[str, str]]) -> None:
        err.print(f"line {number}: " + "; ".join(f"{f}: {p}" for f, p in problems), highlight=False)

    importer: Importer | None = None

    def finished() -> str:
        if importer is None:
            return "nothing imported"
        c = importer.counts
        upto = f" (input up to line {c.last_line})" if c.last_line else ""
        return (f"{c.appended} events committed{upto}, {c.duplicates} already in the log; run the same import "
                "again to finish: events already in the log are not appended twice")

    try:
        with on_interrupt(finished), open_text(source, encoding) as src, _open(db) as log, \
                ByteProgress("import", total, enabled=progress, console=err) as bar, \
                Importer(log, on_problem=problem) as importer:
            for number, line in src.lines():
                bar.advance(len(line))
                importer.add(number, line)
    except InputError as exc:
        err.print(f"error: {exc}; {finished()}", highlight=False)
        raise typer.Exit(ExitCode.PARTIAL if importer and importer.counts.appended else ExitCode.USAGE) from None
    c = importer.counts
    err.print(f"imported {c.appended} events, rejected {c.refused} lines, {c.duplicates} already in the log",
              highlight=False)
    if c.refused:
        raise typer.Exit(ExitCode.PARTIAL if c.appended or c.duplicates else ExitCode.USAGE)


@app.command()
def head(db: DbOption = None,
         origin: Annotated[str | None, typer.Option(help="Origin line (default: the key name).")] = None) -> None:
    """Sign a checkpoint of the log as it is now and print it (refused if history changed)."""
    with _open(db) as log:
        try:
            typer.echo(sign_head(log, signer_from_settings(), origin).note, nl=False)
        except (InconsistentHead, NoteError) as exc:
            err.print(f"refused: {exc}", highlight=False)
            raise typer.Exit(1) from None


@app.command()
def prove(index: Annotated[int | None, typer.Option(help="Inclusion proof for this leaf index.")] = None,
          old: Annotated[int | None, typer.Option(help="Consistency proof from this older tree size.")] = None,
          size: Annotated[int | None, typer.Option(help="Tree size to prove against (default: now).")] = None,
          db: DbOption = None) -> None:
    """Print an inclusion proof (--index) or a consistency proof (--old) as JSON."""
    if (index is None) == (old is None):
        raise typer.BadParameter("give exactly one of --index and --old")
    with _open(db) as log:
        n = log.size() if size is None else size
        try:
            if index is not None:
                out = {"index": index, "size": n, "leaf_hash": _b64(log.leaf_hash(index)),
                       "root": _b64(log.root(n)), "proof": [_b64(h) for h in log.inclusion_proof(index, n)]}
            else:
                assert old is not None
                out = {"old": old, "size": n, "old_root": _b64(log.root(old)), "root": _b64(log.root(n)),
                       "proof": [_b64(h) for h in log.consistency_proof(old, n)]}
        except (ValueError, AuditStoreError) as exc:
            err.print(f"error: {exc}", highlight=False)
            raise typer.Exit(1) from None
    typer.echo(json.dumps(out))


@app.command()
def verify(bundle: Annotated[Path, typer.Argument(help="Bundle directory written by `export`.")],
           key: Annotated[str | None, typer.Option(help="Pinned verifier key (text form, or a file holding "
                                                        "it); default: the bundle's own key.")] = None,
           checkpoint: Annotated[list[Path] | None, typer.Option(help="Extra trusted signed checkpoint "
                                                                      "(e.g. from a witness); repeatable.")] = None,
           witness_file: Annotated[list[Path] | None, typer.Option(help="A directory witness's "
                                                                        "checkpoints.jsonl: its checkpoints "
                                                                        "are trusted too; repeatable.")] = None,
           witness_key: Annotated[list[str] | None, typer.Option(help="A witness's cosigner vkey: one of the "
                                                                      "bundle's checkpoints must carry its "
                                                                      "cosignature; repeatable.")] = None,
           ) -> None:
    """Check a bundle offline; exit 1 and name the first bad index if it does not verify."""
    from piwarden.audit.witness import WitnessError, read_witness_file

    if not bundle.is_dir():
        raise fail(f"{bundle}: no such bundle (a folder written by `piwarden audit export`)")
    try:
        if key and Path(key).is_file():
            key = read_text(key).strip()
            if not key:
                typer.echo("FAILED: the --key file is empty (no verifier key in it)")
                raise typer.Exit(ExitCode.FOUND)
        elif key and "+" not in key and ("/" in key or Path(key).suffix):  # a verifier key always holds '+'
            # and this looks like a path: it was meant as a file
            raise InputError(f"--key {key}: no such file (and not a verifier key)")
        extra = [read_text(p) for p in checkpoint or []]
    except InputError as exc:
        raise fail(exc) from None
    try:
        log_key = NoteVerifier.from_vkey(key or (bundle / FILES["key"]).read_text(encoding="ascii"))
    except OSError:
        typer.echo(f"FAILED: unreadable bundle: {FILES['key']} is missing")
        raise typer.Exit(ExitCode.FOUND) from None
    except (ValueError, NoteError) as exc:
        where = "--key" if key else f"the bundle's {FILES['key']}"
        typer.echo(f"FAILED: {where} is not a verifier key ({exc if isinstance(exc, NoteError) else 'malformed'})")
        raise typer.Exit(ExitCode.FOUND) from None
    for wf in witness_file or []:
        try:
            extra += read_witness_file(wf, log_key)
        except InputError as exc:  # names the file and what is wrong with it: missing, binary, undecodable
            typer.echo(f"FAILED: witness file {exc}")
            raise typer.Exit(ExitCode.FOUND) from None
        except (OSError, ValueError, KeyError, WitnessError) as exc:
            reason = exc if isinstance(exc, WitnessError | NoteError) else (
                "no such file" if isinstance(exc, FileNotFoundError) else type(exc).__name__)
            typer.echo(f"FAILED: witness file {wf}: {reason}")
            raise typer.Exit(ExitCode.FOUND) from None
    report = verify_bundle(bundle, key, extra, witness_key or [])
    if report.ok:
        typer.echo(f"OK: {report.size} events, {report.checkpoints} checkpoints, key {report.key}")
        for name, size in report.witnessed.items():
            typer.echo(f"witness {name} cosigned the tree up to size {size}")
        if key is None:
            err.print("note: no --key given; the bundle's own key was trusted", highlight=False)
        return
    where = "" if report.first_bad_index is None else f"first bad index: {report.first_bad_index}; "
    typer.echo(f"FAILED: {where}" + "; ".join(report.problems))
    raise typer.Exit(1)


def _micros(ts: str | None, name: str) -> int | None:
    if ts is None:
        return None
    try:
        return int(parse_ts(ts).timestamp() * 1_000_000)
    except ValueError:
        raise typer.BadParameter("RFC 3339 time with offset expected", param_hint=name) from None


@app.command()
def query(subject: Annotated[str | None, typer.Option(help="Data subject id.")] = None,
          actor: Annotated[str | None, typer.Option(help="Acting account.")] = None,
          action: Annotated[str | None, typer.Option(help="view, reveal, export, ...")] = None,
          export_id: Annotated[str | None, typer.Option(help="Export artifact id.")] = None,
          since: Annotated[str | None, typer.Option(help="From this time (RFC 3339, inclusive).")] = None,
          until: Annotated[str | None, typer.Option(help="Until this time (RFC 3339, exclusive).")] = None,
          limit: Annotated[int, typer.Option(min=1, help="At most this many events.")] = 1000,
          proofs: Annotated[bool, typer.Option(help="Attach an inclusion proof against the current "
                                                    "tree to each event.")] = False,
          db: DbOption = None) -> None:
    """Print matching events as JSONL: {"index", "event", ...}, oldest first."""
    q = Query(subject, actor, action, export_id, _micros(since, "--since"), _micros(until, "--until"), limit)
    with _open(db) as log:
        size = log.size()
        for e in log.query(q):
            row: dict[str, object] = {"index": e.index, "leaf_hash": _b64(e.leaf_hash),
                                      "event": None if e.body is None else json.loads(e.body)}
            if proofs:
                row.update(size=size, proof=[_b64(h) for h in log.inclusion_proof(e.index, size)])
            typer.echo(json.dumps(row, ensure_ascii=False, separators=(",", ":")))


@app.command()
def export(out: Annotated[Path, typer.Argument(help="New directory to write the bundle into.")],
           db: DbOption = None) -> None:
    """Write a bundle (events, checkpoints, key, proofs) that `verify` checks offline.

    Written into a temporary folder beside OUT and renamed when complete: interrupted (exit 130),
    nothing is left under OUT; run it again.
    """
    with on_interrupt(lambda: f"nothing written to {out}; run the export again"), _open(db) as log:
        try:
            manifest = export_bundle(log, out, signer_from_settings())
        except (BundleError, InconsistentHead, NoteError) as exc:
            err.print(f"error: {exc}", highlight=False)
            raise typer.Exit(1) from None
    typer.echo(f"wrote {out}: {manifest['size']} events")


@app.command()
def purge(before: Annotated[str | None, typer.Option(help="Purge bodies of events with ts before this time "
                                                          "(RFC 3339 with offset).")] = None,
          below_index: Annotated[int | None, typer.Option(min=0, help="Purge bodies of leaves below this "
                                                                      "index.")] = None,
          vacuum: Annotated[bool, typer.Option(help="Give the space back afterwards (SQLite: VACUUM; "
                                                    "PostgreSQL: VACUUM).")] = True,
          full: Annotated[bool, typer.Option(help="PostgreSQL: VACUUM FULL, returning space to the operating "
                                                  "system under an exclusive lock.")] = False,
          db: DbOption = None) -> None:
    """Retention: drop old event bodies but keep their leaf hashes, so the tree and proofs still verify."""
    from piwarden.audit.retention import purge as purge_bodies

    if before is None and below_index is None:
        raise typer.BadParameter("give --before and/or --below-index")
    with _open(db) as log:
        result = purge_bodies(log, _micros(before, "--before"), below_index, vacuum=vacuum, full=full)
    typer.echo(f"purged {result.purged} event bodies; database {result.bytes_before} -> "
               f"{result.bytes_after} bytes")


@app.command()
def serve(host: HostOption = None, port: PortOption = None, db: DbOption = None,
          token_env: TokenEnvOption = None, sign: SignOption = True) -> None:
    """Serve the HTTP ingest and proof API (docs/audit.md): POST events, GET head and proofs."""
    run_service(service_options(host, port, token_env), db, sign=sign, plugins=False)
