"""``piwarden audit witness``: publish signed checkpoints to witnesses and a TSA, check what they hold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from piwarden.audit.checkpoint import InconsistentHead
from piwarden.audit.log import open_log
from piwarden.audit.note import NoteError, NoteVerifier, split_note
from piwarden.audit.settings import AuditSettings
from piwarden.audit.signer import signer_from_settings
from piwarden.audit.store_base import AuditStoreError
from piwarden.audit.timestamp import TimestampError, imprint, verify_token
from piwarden.audit.witness import DirectoryWitness, HttpWitness, WitnessError, publish, read_witness_file, witnesses
from piwarden.cli.common import DbOption, fail
from piwarden.inputs import check_path, read_text

app = typer.Typer(name="witness", help="Publish signed checkpoints where the operator cannot rewrite them.",
                  no_args_is_help=True, add_completion=False)
err = Console(stderr=True)


@app.command("publish")
def publish_cmd(
        dir: Annotated[Path | None, typer.Option("--dir", help="Directory witness (overrides "
                                                               "PIWARDEN__AUDIT__WITNESS_DIR).")] = None,
        url: Annotated[str | None, typer.Option(help="tlog-witness submission prefix (overrides "
                                                     "PIWARDEN__AUDIT__WITNESS_URL).")] = None,
        witness_key: Annotated[str | None, typer.Option(help="The HTTP witness's vkey (overrides "
                                                             "PIWARDEN__AUDIT__WITNESS_KEY).")] = None,
        tsa_url: Annotated[str | None, typer.Option(help="RFC 3161 TSA URL (overrides "
                                                         "PIWARDEN__AUDIT__TSA_URL).")] = None,
        tsa_cert: Annotated[Path | None, typer.Option(help="TSA certificate, PEM (overrides "
                                                           "PIWARDEN__AUDIT__TSA_CERT).")] = None,
        db: DbOption = None) -> None:
    """Sign a checkpoint if the log grew, then publish it to every configured witness."""
    given = {"witness_dir": dir, "witness_url": url, "witness_key": witness_key, "tsa_url": tsa_url,
             "tsa_cert": tsa_cert}
    settings = AuditSettings(**{k: v for k, v in given.items() if v is not None})
    try:
        configured = bool(settings.tsa_url) or bool(witnesses(settings))
    except WitnessError as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(1) from None
    if not configured:
        raise typer.BadParameter("no witness configured: give --dir, --url or --tsa-url (or set "
                                 "PIWARDEN__AUDIT__WITNESS_DIR, _WITNESS_URL, _TSA_URL, or install a "
                                 "witness plugin)")
    try:
        with open_log(db) as log:
            out = publish(log, signer_from_settings(settings), settings)
    except AuditStoreError as exc:  # the log's database unreachable or refused: an input error
        raise fail(exc) from None
    except (InconsistentHead, NoteError, WitnessError, TimestampError) as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(1) from None
    typer.echo(f"checkpoint of size {out.head.size}")
    if out.directory is not None:
        typer.echo(f"directory witness: {'appended' if out.directory else 'already held it'}")
    if out.cosigned is not None:
        typer.echo("HTTP witness: cosigned")
    for name, answer in out.witnessed.items():
        if name not in (DirectoryWitness.name, HttpWitness.name):
            typer.echo(f"witness {name}: {answer}")
    if out.timestamp is not None:
        typer.echo(f"timestamp: {out.timestamp.gen_time.isoformat()} serial {out.timestamp.serial}")


@app.command("check-file")
def check_file(path: Annotated[Path, typer.Argument(help="A directory witness's checkpoints.jsonl.")],
               key: Annotated[str, typer.Option(help="The log's verifier key (text form, or a file).")]) -> None:
    """Re-check a directory witness's file: every signature and every consistency proof."""
    check_path(path)  # missing or unreadable: an input error (exit 2)
    if Path(key).is_file():
        key = read_text(key).strip()
    try:
        verifier = NoteVerifier.from_vkey(key)
    except (ValueError, NoteError) as exc:
        raise fail(f"--key is not a verifier key ({exc if isinstance(exc, NoteError) else 'malformed'})") from None
    try:
        notes = read_witness_file(path, verifier)
    except (ValueError, KeyError, WitnessError) as exc:
        typer.echo(f"FAILED: {exc if isinstance(exc, WitnessError | NoteError) else type(exc).__name__}")
        raise typer.Exit(1) from None
    typer.echo(f"OK: {len(notes)} checkpoints, each extending the one before")


@app.command("timestamps")
def timestamps(tsa_cert: Annotated[Path, typer.Option(help="TSA certificate (PEM) to verify tokens with.")],
               db: DbOption = None) -> None:
    """List the kept RFC 3161 timestamps as JSONL, each verified against its stored checkpoint."""
    pem = tsa_cert.read_bytes()
    bad = 0
    with open_log(db) as log:
        notes = {(h.size, h.root): h.note for h in log.store.heads()}
        for size, root, tsa, token in log.store.timestamps():
            row: dict[str, object] = {"size": size, "tsa": tsa}
            try:
                text, _ = split_note(notes[(size, root)])
                ts = verify_token(token, imprint(text), pem)
                row.update(gen_time=ts.gen_time.isoformat(), serial=ts.serial, ok=True)
            except (KeyError, NoteError, TimestampError) as exc:
                bad += 1
                row.update(ok=False, problem=str(exc) if not isinstance(exc, KeyError) else "no such head")
            typer.echo(json.dumps(row))
    if bad:
        raise typer.Exit(1)
