"""Export a verifiable bundle of the log: a directory an auditor checks with no database.

Layout (``docs/audit.md`` is the normative description)::

    manifest.json      format, version, origin, size, key, file names
    events.jsonl       line i = the canonical bytes of leaf i, then "\\n" (empty if purged)
    leaf-hashes.bin    the stored leaf hashes, 32 bytes each, in index order
    checkpoints.txt    every signed checkpoint (signed note), smallest tree first, each
                       followed by a line holding only "%%"
    key.vkey           the log's verifier key (signed-note text form)
    proofs.json        consistency proofs between consecutive checkpoints (base64)
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import tempfile
from pathlib import Path

from piwarden.audit.checkpoint import open_checkpoint, sign_head
from piwarden.audit.log import AuditLog
from piwarden.audit.note import NoteError, NoteSigner
from piwarden.audit.store_base import HeadRecord

FORMAT = "piwarden-audit-bundle"
VERSION = 1
SEPARATOR = "%%\n"
FILES = {"events": "events.jsonl", "leaf_hashes": "leaf-hashes.bin", "checkpoints": "checkpoints.txt",
         "key": "key.vkey", "proofs": "proofs.json"}


class BundleError(RuntimeError):
    """The bundle cannot be written or read (not: it does not verify; see ``verify.py``)."""


def _b64(items: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in items]


def _own_heads(log: AuditLog, signer: NoteSigner) -> list[HeadRecord]:
    """The stored heads this signer's key verifies, one per size, smallest first."""
    heads: list[HeadRecord] = []
    for h in log.store.heads():
        try:
            open_checkpoint(h.note, signer.verifier)
        except NoteError:
            continue  # signed by another key (rotated): not verifiable with this bundle's key
        if not heads or h.size != heads[-1].size:
            heads.append(h)
    return heads


def export_bundle(log: AuditLog, out: Path, signer: NoteSigner) -> dict[str, object]:
    """Write the whole log, signing a fresh head first if needed; return the manifest."""
    if out.exists():
        raise BundleError(f"{out} exists; choose a new directory")
    heads = _own_heads(log, signer)
    if not heads or heads[-1].size < log.size():  # (a head by another key, rotated, does not count)
        sign_head(log, signer)
        heads = _own_heads(log, signer)
    size = heads[-1].size
    tmp: Path | None = None
    try:  # the temporary folder is made inside: an interruption right after it is made removes it too
        tmp = Path(tempfile.mkdtemp(prefix=".bundle-", dir=out.parent))
        purged = 0
        with (tmp / FILES["events"]).open("wb") as ev, (tmp / FILES["leaf_hashes"]).open("wb") as lh:
            for e in log.events(0, size):
                ev.write((e.body or b"") + b"\n")  # an empty line: body purged by retention
                lh.write(e.leaf_hash)
                purged += e.body is None
        (tmp / FILES["checkpoints"]).write_text("".join(h.note + SEPARATOR for h in heads), encoding="utf-8")
        (tmp / FILES["key"]).write_text(signer.verifier.vkey() + "\n", encoding="ascii")
        proofs = [{"old": a.size, "new": b.size, "proof": _b64(log.consistency_proof(a.size, b.size))}
                  for a, b in itertools.pairwise(heads)]
        (tmp / FILES["proofs"]).write_text(json.dumps({"consistency": proofs}, indent=1), encoding="utf-8")
        manifest = {"format": FORMAT, "version": VERSION, "origin": open_checkpoint(heads[-1].note,
                    signer.verifier).origin, "size": size, "purged": purged, "key": signer.verifier.vkey(),
                    "files": FILES}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        for f in tmp.iterdir():
            with f.open("rb") as fh:
                os.fsync(fh.fileno())
        tmp.rename(out)
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest
