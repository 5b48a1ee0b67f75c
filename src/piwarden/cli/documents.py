"""``piwarden forensics documents``: index certification images, check submissions, stamp copies."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from piwarden.cli.common import DbOption, fail, on_interrupt, outcome
from piwarden.inputs import open_text
from piwarden.outputs import atomic_path, check_output
from piwarden.progress import ByteProgress

if TYPE_CHECKING:
    from PIL.Image import Image

    from piwarden.forensics.documents.registry import Marks

app = typer.Typer(name="documents", help="Reused identity documents: index, check, stamp, mark.",
                  no_args_is_help=True, add_completion=False)
err = Console(stderr=True, soft_wrap=True)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}

IndexOption = Annotated[Path | None, typer.Option("--index", help="Index directory (default: "
                                                                  "forensics.documents_dir, HOME/documents).")]
KeyOption = Annotated[Path | None, typer.Option("--key-file", help="Mark key (default: HOME/keys/documents-mark.key, "
                                                                   "else the key provider, else created 0600).")]


def _index_dir(index: Path | None) -> Path:
    from piwarden.settings import get_settings

    return index or get_settings().documents_dir


def _key(path: Path | None) -> bytes:
    """The mark key: --key-file, else HOME/keys/documents-mark.key, else the key provider, else a new key file."""
    from piwarden.keys import DOCUMENTS_MARK_KEY, EVERY_SOURCE, FILE_ONLY, KeySourceError, load_key

    try:
        key = load_key(DOCUMENTS_MARK_KEY, path=path, sources=FILE_ONLY if path else EVERY_SOURCE,
                       create=lambda: os.urandom(32))
    except KeySourceError as exc:
        raise typer.BadParameter(str(exc), param_hint="--key-file") from None
    if key is None:  # not reached: an absent key is created
        raise typer.BadParameter("no mark key", param_hint="--key-file")
    return key.material


def _rgb(image: Path) -> Image:
    """The image at ``image`` as RGB, or a usage error naming the argument."""
    from PIL import Image as pil

    if not image.is_file():
        raise typer.BadParameter(f"no such file: {image}", param_hint="IMAGE")
    from piwarden.forensics.documents.check import unreadable_image

    try:
        with pil.open(image) as im:
            return im.convert("RGB")
    except (OSError, ValueError, pil.DecompressionBombError) as exc:
        raise fail(f"{image}: {unreadable_image(exc)}") from None


@contextmanager
def _database() -> Iterator[None]:
    """The piwarden database failing (unreachable, or at an older revision), or an index this piwarden cannot
    read (a newer format): the message, exit 2."""
    from piwarden.db import DatabaseError
    from piwarden.forensics.documents.index import IndexFormatError

    try:
        yield
    except (DatabaseError, IndexFormatError) as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(2) from None


@contextmanager
def _marks(index: Path, db: str | None) -> Iterator[Marks]:
    """The marks of the index at ``index`` (in the piwarden database, keyed by the directory)."""
    from piwarden.forensics.documents.registry import Marks

    with _database():
        marks = Marks(index, db)
        try:
            yield marks
        finally:
            marks.close()


LogOption = Annotated[bool, typer.Option("--log/--no-log", help="Record it in the audit log (an access event about the "
                                                             "subjects), so evidence packs show it.")]


def _log(db: str | None, event: dict[str, object]) -> int | None:
    """Append one access event to the audit log of the piwarden database; its leaf."""
    import uuid
    from datetime import UTC, datetime

    from piwarden.audit.log import open_log
    from piwarden.audit.store_base import AuditStoreError
    from piwarden.cli.common import cli_settings

    event = {"id": f"doc-{uuid.uuid4().hex}", "ts": datetime.now(UTC).isoformat(timespec="microseconds"),
             "resource": "certification", "fields": ["document_image"], **event}
    try:
        with open_log(cli_settings(database={"url": db}).db_url) as log:
            return log.append(event)
    except AuditStoreError as exc:
        raise fail(exc) from None


@app.command("index")
def index_cmd(
    directory: Annotated[Path, typer.Argument(help="Directory of certification images.")],
    subject_map: Annotated[Path, typer.Option("--subject-map", help="CSV with columns file,subject,account "
                                                                    "(optional doc_id); file relative to DIR.")],
    index: IndexOption = None,
    db: DbOption = None,
    progress: Annotated[bool | None, typer.Option(help="Progress on standard error (default: when it is a "
                                                       "terminal).")] = None,
) -> None:
    """Hash every image listed in the subject map into the index (templates are learnt on first use).

    All or nothing per run: interrupted (exit 130), the index is as it was before; run it again.
    Re-running adds only the documents not yet there.
    """
    from piwarden.forensics.documents.check import DocumentStore

    if not directory.is_dir():
        raise typer.BadParameter(f"no such directory: {directory}", param_hint="DIR")
    items, missing = [], 0
    with open_text(subject_map) as src, src.text() as f:
        reader = csv.DictReader(f)
        if not {"file", "subject", "account"} <= set(reader.fieldnames or ()):
            raise fail(f"{subject_map}: the subject map needs the columns file, subject and account")
        for rec in reader:
            path = directory / rec["file"]
            if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
                missing += 1
                continue
            items.append((path, rec.get("doc_id") or path.stem, rec["subject"], rec["account"]))
    with _database():
        store = DocumentStore(_index_dir(index), db)
    unreadable: list[str] = []

    def skip(path: str, reason: str) -> None:
        unreadable.append(path)
        err.print(f"[yellow]skipped[/] {path}: {reason}", highlight=False)

    known: set[str] = set()
    added = -1

    def finished() -> str:
        if added >= 0:  # stopped after the index and its registry rows were saved
            return f"{added} documents indexed, {len(known)} already there"
        return f"nothing indexed in this run ({len(known)} documents were already there); run it again"

    try:
        with on_interrupt(finished), \
                ByteProgress("index", sum(p.stat().st_size for p, *_ in items), enabled=progress, console=err) as bar:
            known = store.registry.known(doc_id for _, doc_id, _, _ in items)
            new = [it for it in items if it[1] not in known]
            added = store.add(new, on_skip=skip, on_done=lambda p: bar.advance(Path(str(p)).stat().st_size)) \
                if new else 0
        total = len(store.index)
    finally:
        store.close()
    err.print(f"{added} documents indexed, {len(known)} already there, {missing + len(unreadable)} rows skipped, "
              f"{total} in the index", highlight=False)
    raise typer.Exit(outcome(added + len(known), missing + len(unreadable)))


@app.command()
def check(
    image: Annotated[Path, typer.Argument(help="The submitted image.")],
    subject: Annotated[str, typer.Option("--subject", help="Subject id the submission claims.")],
    account: Annotated[str, typer.Option("--account", help="Account id it is submitted for.")],
    index: IndexOption = None,
    target: Annotated[float, typer.Option("--target-false-match", min=1e-9, max=0.5,
                                          help="False-match rate the decision threshold is set for (a never-stored "
                                               "document of the same template matching).")] = 1e-3,
    log: LogOption = True,
    db: DbOption = None,
) -> None:
    """Is this the same document as a stored one of another subject or account? Exit 1 when flagged. The check is
    recorded in the audit log (about the claimed subject and every subject it matched) unless --no-log."""
    from piwarden.forensics.documents.check import DocumentStore

    if not image.is_file():
        raise typer.BadParameter(f"no such file: {image}", param_hint="IMAGE")
    with _database():
        store = DocumentStore(_index_dir(index), db, target)
    try:
        result = store.check(_rgb(image), subject, account)
    finally:
        store.close()
    typer.echo(json.dumps(result.to_json(), ensure_ascii=False))
    if log:
        matches = [{"doc": m.row.doc_id, "subject": m.row.subject, "account": m.row.account, "relation": m.relation}
                   for m in result.matches]
        _log(db, {"actor": "document-check", "party": "platform.documents", "role": "service", "action": "search",
                  "subjects": sorted({subject, *(m["subject"] for m in matches)}), "purpose": "certification_review",
                  "query": {"by": "document_image", "check": "reused" if result.flagged else "clear",
                            "account": account, "claimed_subject": subject, "matches": matches}})
    if result.flagged:
        raise typer.Exit(1)


@app.command("stamp")
def stamp_cmd(
    image: Annotated[Path, typer.Argument(help="The document image to hand out.")],
    purpose: Annotated[str, typer.Option("--purpose", help="Visible text, e.g. 仅供XX平台企业认证使用.")],
    recipient: Annotated[str, typer.Option("--recipient", help="Who receives this copy (id; carried invisibly).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Stamped copy (PNG or JPEG by suffix).")],
    subject: Annotated[str | None, typer.Option("--subject", help="Whose document it is: the hand-over is then "
                                                                  "recorded in the audit log as the recipient's "
                                                                  "download.")] = None,
    doc_id: Annotated[str | None, typer.Option("--doc-id", help="The document's id (recorded with it).")] = None,
    party: Annotated[str | None, typer.Option("--party", help="The recipient's data-map party (default: the "
                                                              "recipient).")] = None,
    index: IndexOption = None,
    key_file: KeyOption = None,
    db: DbOption = None,
) -> None:
    """Write a copy with the visible purpose text and an invisible mark naming the recipient."""
    from piwarden.forensics.documents.stamp import stamp

    check_output(out)  # before any work: the folder must be there and writable (exit 2)
    stamped, number = stamp(_rgb(image), purpose, recipient, _key(key_file))
    jpeg = out.suffix.lower() in {".jpg", ".jpeg"}
    # the copy is renamed into place only once its mark is recorded: no copy whose recipient is unknown
    with atomic_path(out, out.suffix) as tmp, _marks(_index_dir(index), db) as marks:
        stamped.save(tmp, format="JPEG" if jpeg else "PNG", **({"quality": 95} if jpeg else {}))
        marks.put(number, recipient)
    if subject is not None:
        _log(db, {"actor": recipient, "party": party or recipient, "role": "recipient", "action": "download",
                  "subjects": [subject], **({"records": [doc_id]} if doc_id else {}), "purpose": purpose,
                  "query": {"mark": f"{number:06x}", "stamped": True}})
    err.print(f"stamped for {recipient} (mark {number:06x}) -> {out}", highlight=False)


@app.command()
def mark(
    image: Annotated[Path, typer.Argument(help="A stamped copy found somewhere (same size as stamped).")],
    index: IndexOption = None,
    key_file: KeyOption = None,
    db: DbOption = None,
) -> None:
    """Decode the invisible mark: which recipient was this copy stamped for? Exit 1 when none is found."""
    from piwarden.forensics.documents.stamp import decode

    rgb, material = _rgb(image), _key(key_file)
    with _marks(_index_dir(index), db) as marks:  # opened first: an unusable database is said even without a mark
        d = decode(rgb, material)
        recipient = marks.recipient(d.number) if d.valid else None
    typer.echo(json.dumps({"mark": f"{d.number:06x}" if d.valid else None, "recipient": recipient,
                           "confidence": round(d.confidence, 2)}, ensure_ascii=False))
    if not d.valid:
        raise typer.Exit(1)
