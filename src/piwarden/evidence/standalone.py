"""The evidence pack's own verifier: Python's standard library and ``cryptography``, nothing else.

A copy of this file travels in every pack as ``verify_pack.py``, so a judge, a regulator or
the other side's expert checks the pack without piwarden: ``python3 verify_pack.py PACK``
(``--key VKEY`` pins the platform's published key; without it the pack's own key is used and
its id printed to compare). ``piwarden evidence verify`` runs this same code.

What is checked, each failure naming the file and the item:

1. ``manifest.sig``: the platform's signature (a C2SP signed note) over the SHA-256 of
   ``manifest.json``; then every file the manifest lists against its SHA-256.
2. ``checkpoint.txt``: the signed checkpoint (tree size and root of the audit log) and any
   witness cosignatures (C2SP tlog-cosignature) by the keys in ``witnesses.txt``.
3. ``events.jsonl``: each event's RFC 9162 inclusion proof against the checkpoint root; and,
   when the pack holds a complete range of leaves, that the frontier before the range plus
   every leaf of the range rebuild the root: no event of the range left out or added.
4. ``pack.json``: every access it lists is a proven event, and every claim ("no view or export
   of fields X by anyone but Y") gives the same answer when re-run over the proven events.

It deliberately repeats the few lines of RFC 9162 and signed-note code it needs rather than
importing piwarden's: the point is a verifier that stands alone.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import fnmatch
import hashlib
import json
import re
import struct
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "piwarden-evidence-pack"
VERSION = 1
SIGNED_FILES = ("manifest.json", "manifest.sig")
DOCUMENT_KINDS = ("pipia",)
_SIG_LINE = re.compile(r"\u2014 (\S+) (\S+)\n")
_FRACTION = re.compile(r"(\.\d{6})\d+")


class PackError(ValueError):
    """A problem that stops verification of one part (named in the message)."""


@dataclass
class Report:
    """What was checked and every failure, each naming its file and item."""

    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    key: str = ""
    size: int = 0
    events: int = 0
    range: tuple[int, int] | None = None
    claims: int = 0
    stamped: int = 0
    witnessed: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, item: str, problem: str) -> None:
        self.failures.append(f"{item}: {problem}")


# --- RFC 9162 hashing and proofs ---------------------------------------------------------------

def hash_leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.3.2: the root an inclusion proof leads to."""
    if not 0 <= index < size:
        raise PackError("leaf index beyond the tree size")
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    if len(proof) != inner + border or any(len(h) != 32 for h in proof):
        raise PackError("inclusion proof has the wrong shape")
    h = leaf
    for i, p in enumerate(proof[:inner]):
        h = hash_children(p, h) if (index >> i) & 1 else hash_children(h, p)
    for p in proof[inner:]:
        h = hash_children(p, h)
    return h


def frontier_levels(size: int) -> list[int]:
    """Levels of the perfect subtrees covering ``[0, size)``, largest first."""
    return [lv for lv in range(size.bit_length() - 1, -1, -1) if (size >> lv) & 1]


def root_from_range(begin: int, frontier: list[bytes], leaves: list[bytes]) -> bytes:
    """The root of ``[0, begin + len(leaves))`` from the frontier of ``[0, begin)`` and the leaves after it."""
    levels = frontier_levels(begin)
    if len(frontier) != len(levels) or any(len(h) != 32 for h in frontier):
        raise PackError("frontier does not match the range's start")
    stack = list(zip(levels, frontier, strict=True))
    for leaf in leaves:
        lv, h = 0, leaf
        while stack and stack[-1][0] == lv:
            h = hash_children(stack.pop()[1], h)
            lv += 1
        stack.append((lv, h))
    if not stack:
        return hashlib.sha256(b"").digest()
    root = stack[-1][1]
    for _, h in reversed(stack[:-1]):
        root = hash_children(h, root)
    return root


# --- signed notes (c2sp.org/signed-note, tlog-cosignature) --------------------------------------

@dataclass(frozen=True)
class Verifier:
    name: str
    key_id: bytes
    public: bytes
    kind: int  # 0x01: note signer, 0x04: cosignature/v1 witness

    @classmethod
    def parse(cls, vkey: str, kind: int = 0x01) -> Verifier:
        name, _, rest = vkey.strip().partition("+")
        hex_id, _, b64 = rest.partition("+")
        try:
            blob = base64.b64decode(b64, validate=True)
        except binascii.Error:
            raise PackError("key is not valid base64") from None
        if not name or len(blob) != 33 or blob[0] != kind:
            raise PackError("not an Ed25519 key of the expected type")
        key_id = hashlib.sha256(name.encode() + b"\n" + blob[:1] + blob[1:]).digest()[:4]
        if key_id.hex() != hex_id.lower():
            raise PackError("key id does not match the key")
        return cls(name, key_id, blob[1:], kind)

    def check(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
            return True
        except InvalidSignature:
            return False


def split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    text, sep, sigs = note.rpartition("\n\n")
    if not sep or not sigs:
        raise PackError("not a signed note")
    out = []
    for line in sigs.splitlines(keepends=True):
        m = _SIG_LINE.fullmatch(line)
        if m is None:
            raise PackError("malformed signature line")
        try:
            out.append((m.group(1), base64.b64decode(m.group(2), validate=True)))
        except binascii.Error:
            raise PackError("signature is not valid base64") from None
    return text + "\n", out


def open_note(note: str, signer: Verifier) -> str:
    text, sigs = split_note(note)
    mine = [b for name, b in sigs if name == signer.name and b[:4] == signer.key_id]
    if not mine or not all(len(b) == 68 and signer.check(text.encode(), b[4:]) for b in mine):
        raise PackError("signature does not verify with the key")
    return text


def cosigned_at(note: str, witness: Verifier) -> int | None:
    """The time of the witness's valid cosignature, None if it has none; a bad one raises."""
    text, sigs = split_note(note)
    for name, blob in sigs:
        if name == witness.name and blob[:4] == witness.key_id and len(blob) == 76:
            (when,) = struct.unpack(">Q", blob[4:12])
            if not witness.check(f"cosignature/v1\ntime {when}\n{text}".encode(), blob[12:]):
                raise PackError("cosignature does not verify")
            return int(when)
    return None


def manifest_statement(manifest_bytes: bytes) -> str:
    """The text the platform signs for a pack: the manifest's SHA-256."""
    return f"{FORMAT}/v{VERSION}\n{hashlib.sha256(manifest_bytes).hexdigest()}\n"


# --- claims -------------------------------------------------------------------------------------

def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(_FRACTION.sub(r"\1", text).replace("z", "Z"))


def event_matches(query: dict[str, Any], event: dict[str, Any]) -> bool:
    """Does ``event`` answer the claim's ``query``? (The same function builds the claim and checks it.)

    Query keys: ``subject``; ``fields`` (any of them); ``clear`` (only fields shown in clear count);
    ``actions``; ``parties`` / ``exclude_parties`` (shell patterns); ``since`` / ``until`` (RFC 3339,
    until exclusive); ``results`` (default: allowed only: a refused attempt showed nothing).
    """
    if query.get("subject") is not None and query["subject"] not in (event.get("subjects") or ()):
        return False
    if event.get("result", "allowed") not in query.get("results", ["allowed"]):
        return False
    if query.get("actions") is not None and event.get("action") not in query["actions"]:
        return False
    party = str(event.get("party", ""))
    if query.get("parties") is not None and not any(fnmatch.fnmatchcase(party, p) for p in query["parties"]):
        return False
    if any(fnmatch.fnmatchcase(party, p) for p in query.get("exclude_parties") or ()):
        return False
    if query.get("since") is not None or query.get("until") is not None:
        when = parse_time(str(event.get("ts")))
        if query.get("since") is not None and when < parse_time(query["since"]):
            return False
        if query.get("until") is not None and when >= parse_time(query["until"]):
            return False
    if query.get("fields") is not None:
        seen = set(event.get("fields") or ())
        if query.get("clear"):
            seen -= set(event.get("masked_fields") or ())
        if not seen & set(query["fields"]):
            return False
    return True


def evaluate(query: dict[str, Any], events: dict[int, dict[str, Any]]) -> list[int]:
    """The leaves answering a claim's query. With ``cover``, only the events of parties whose events together
    show *every* one of ``fields`` (in clear with ``clear``): who could have known the whole set."""
    hits = sorted(i for i, e in events.items() if event_matches(query, e))
    if not query.get("cover"):
        return hits
    wanted, seen = set(query.get("fields") or ()), {}  # type: ignore[var-annotated]
    for i in hits:
        e = events[i]
        shown = set(e.get("fields") or ()) - (set(e.get("masked_fields") or ()) if query.get("clear") else set())
        seen.setdefault(str(e.get("party")), set()).update(shown & wanted)
    return [i for i in hits if seen[str(events[i].get("party"))] >= wanted]


# --- the pack -----------------------------------------------------------------------------------

def _b64list(items: Any, what: str) -> list[bytes]:
    if not isinstance(items, list):
        raise PackError(f"{what} is not a list")
    try:
        return [base64.b64decode(x, validate=True) for x in items]
    except (binascii.Error, TypeError):
        raise PackError(f"{what} holds something that is not base64") from None


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except ValueError:
        raise PackError("not valid JSON") from None


def _check_manifest(root: Path, key: str | None, report: Report) -> tuple[Verifier | None, dict[str, Any]]:
    raw = (root / "manifest.json").read_bytes()
    try:
        manifest = json.loads(raw)
    except ValueError:
        report.fail("manifest.json", "not valid JSON (changed?)")
        return None, {}
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        report.fail("manifest.json", "not an evidence pack of a version this verifier reads")
        return None, {}
    try:
        signer = Verifier.parse(key or str(manifest.get("key", "")))
    except PackError as exc:
        report.fail("manifest.json" if key is None else "--key", f"platform key: {exc}")
        return None, manifest
    report.key = f"{signer.name}+{signer.key_id.hex()}"
    if key is not None and str(manifest.get("key", "")).strip() != key.strip():
        report.fail("manifest.json", "signed with a key other than the pinned one")
    try:
        if open_note((root / "manifest.sig").read_text("utf-8"), signer) != manifest_statement(raw):
            report.fail("manifest.json", "does not match the signed statement in manifest.sig (changed)")
    except (PackError, UnicodeDecodeError) as exc:
        report.fail("manifest.sig", f"{exc} (the manifest or its signature was changed)")
    files = manifest.get("files")
    if not isinstance(files, dict):
        report.fail("manifest.json", "lists no files")
        return signer, manifest
    for name, digest in sorted(files.items()):
        path = root / name
        if "/" in name or name.startswith(".") or name in SIGNED_FILES:
            report.fail("manifest.json", f"lists an unexpected file name {name!r}")
        elif not path.is_file():
            report.fail(name, "missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            report.fail(name, "changed since the pack was signed (SHA-256 differs from the manifest)")
    for path in sorted(root.iterdir()):
        if path.name not in files and path.name not in SIGNED_FILES and path.name != "__pycache__":
            report.notes.append(f"{path.name}: not part of the signed pack (ignored)")
    return signer, manifest


def _check_checkpoint(root: Path, signer: Verifier, report: Report) -> tuple[int, bytes] | None:
    note = (root / "checkpoint.txt").read_text("utf-8")
    try:
        lines = open_note(note, signer).split("\n")
        size, tree_root = int(lines[1]), base64.b64decode(lines[2], validate=True)
        if len(tree_root) != 32 or size < 0:
            raise PackError("not a checkpoint")
    except (PackError, IndexError, ValueError, binascii.Error) as exc:
        report.fail("checkpoint.txt", f"{exc}" if isinstance(exc, PackError) else "not a checkpoint")
        return None
    report.size = size
    wfile = root / "witnesses.txt"
    for n, line in enumerate(wfile.read_text("utf-8").splitlines() if wfile.is_file() else (), 1):
        if not line.strip():
            continue
        try:
            witness = Verifier.parse(line, kind=0x04)
            when = cosigned_at(note, witness)
        except PackError as exc:
            report.fail(f"witnesses.txt line {n} / checkpoint.txt", str(exc))
            continue
        if when is None:
            report.fail("checkpoint.txt", f"carries no cosignature of witness {witness.name}")
        else:
            report.witnessed[witness.name] = when
    return size, tree_root


def _read_events(root: Path, proofs: dict[str, Any], report: Report) -> dict[int, tuple[bytes, dict[str, Any] | None]]:
    leaves = proofs.get("leaves")
    if not isinstance(leaves, list) or not all(isinstance(i, int) for i in leaves):
        raise PackError("proofs.json: 'leaves' is not a list of leaf indexes")
    lines = (root / "events.jsonl").read_bytes().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if len(lines) != len(leaves):
        report.fail("events.jsonl", f"holds {len(lines)} lines, proofs.json names {len(leaves)} leaves")
    out: dict[int, tuple[bytes, dict[str, Any] | None]] = {}
    for k, (index, line) in enumerate(zip(leaves, lines, strict=False)):
        try:
            event = json.loads(line)
        except ValueError:
            event = None
            report.fail(f"events.jsonl line {k + 1} (leaf {index})", "not valid JSON (changed)")
        out[index] = (hash_leaf(line), event if isinstance(event, dict) else None)
    return out


def _event_name(index: int, event: dict[str, Any] | None) -> str:
    return f"event at leaf {index}" + (f" (id {event.get('id')})" if event and isinstance(event.get("id"), str) else "")


def _check_timestamps(root: Path | None, proofs: dict[str, Any], report: Report) -> None:
    """RFC 3161 tokens over the checkpoint: each must carry the checkpoint text's SHA-256 as its message imprint.
    (The TSA's signature is checked with its certificate, e.g. ``openssl ts -verify``: this verifier needs
    nothing but ``cryptography``, which reads no CMS.)"""
    if root is None:
        return
    text = split_note((root / "checkpoint.txt").read_text("utf-8"))[0]
    digest = hashlib.sha256(text.encode()).digest()
    for t in proofs.get("timestamps") or []:
        name = str(t.get("file"))
        path = root / name
        if "/" in name or not path.is_file():
            report.fail("proofs.json", f"names a time stamp {name!r} the pack does not hold")
        elif digest not in path.read_bytes():
            report.fail(name, "is not a time stamp of this checkpoint (its imprint differs)")
        else:
            report.stamped += 1


def _check_proofs(proofs: dict[str, Any], events: dict[int, tuple[bytes, dict[str, Any] | None]], size: int,
                  tree_root: bytes, report: Report, root_dir: Path | None = None) -> None:
    if proofs.get("size") != size:
        report.fail("proofs.json", "proves against a tree size other than the checkpoint's")
    inclusion = proofs.get("inclusion") or {}
    for key, path in inclusion.items():
        index = int(key)
        if index not in events:
            report.fail("proofs.json", f"an inclusion proof for leaf {index}, which events.jsonl does not hold")
            continue
        leaf, event = events[index]
        try:
            ok = root_from_inclusion(index, size, leaf, _b64list(path, f"proof of leaf {index}")) == tree_root
        except PackError as exc:
            report.fail(f"proofs.json, {_event_name(index, event)}", str(exc))
            continue
        if not ok:
            report.fail(_event_name(index, event), "its inclusion proof does not lead to the checkpoint root "
                                                   "(the event or its proof was changed)")
    _check_timestamps(root_dir, proofs, report)
    span = proofs.get("range")
    if span:
        begin, end = int(span["begin"]), int(span["end"])
        report.range = (begin, end)
        purged = {int(k): base64.b64decode(v) for k, v in (span.get("purged") or {}).items()}
        missing = [i for i in range(begin, end) if i not in events and i not in purged]
        if missing:
            report.fail("events.jsonl", f"the range of leaves {begin}..{end - 1} lacks leaf {missing[0]}"
                                        + (f" and {len(missing) - 1} more" if len(missing) > 1 else ""))
            return
        if end != size:
            report.fail("proofs.json", "the range does not end at the checkpoint's tree size")
            return
        leaves = [events[i][0] if i in events else purged[i] for i in range(begin, end)]
        try:
            rebuilt = root_from_range(begin, _b64list(span.get("frontier"), "range frontier"), leaves)
        except PackError as exc:
            report.fail("proofs.json range", str(exc))
            return
        if rebuilt != tree_root:
            report.fail(f"events.jsonl leaves {begin}..{end - 1}", "do not rebuild the checkpoint root: an event of "
                                                                  "the range was changed, added or left out")


def _check_pack(pack: dict[str, Any], events: dict[int, tuple[bytes, dict[str, Any] | None]],
                span: tuple[int, int] | None, report: Report) -> None:
    for a in pack.get("accesses") or []:
        index = a.get("leaf")
        if index not in events or events[index][1] is None:
            report.fail("pack.json", f"lists an access at leaf {index} that the pack does not prove")
        elif events[index][1].get("id") != a.get("id"):  # type: ignore[union-attr]
            report.fail("pack.json", f"names the access at leaf {index} by another event's id")
    for claim in pack.get("claims") or []:
        report.claims += 1
        name = f"pack.json claim {claim.get('id')}"
        basis = claim.get("basis")
        if basis == "range" and span is None:
            report.fail(name, "rests on a complete range of leaves the pack does not hold")
            continue
        pool = {i: e for i, (_, e) in events.items()
                if e is not None and (basis != "range" or (span is not None and span[0] <= i < span[1]))}
        try:
            got = evaluate(claim["query"], pool)
        except (KeyError, TypeError, ValueError):
            report.fail(name, "its query cannot be evaluated")
            continue
        if got != sorted(claim.get("matches", [])):
            report.fail(name, f"re-run over the proven events it matches {len(got)} events, the pack states "
                              f"{len(claim.get('matches', []))}")


def verify_pack(path: str | Path, key: str | None = None) -> Report:
    """Check a pack directory; ``key`` pins the platform's verifier key (vkey text)."""
    root, report = Path(path), Report()
    try:
        signer, manifest = _check_manifest(root, key, report)
        if signer is None or manifest.get("kind") in DOCUMENT_KINDS:
            return report  # a sealed document (an impact assessment): its files, no log evidence
        head = _check_checkpoint(root, signer, report)
        try:
            proofs = _json(root / "proofs.json")
        except PackError as exc:
            report.fail("proofs.json", str(exc))
            return report
        events = _read_events(root, proofs, report)
        report.events = len(events)
        if head is not None:
            _check_proofs(proofs, events, head[0], head[1], report, root)
        try:
            pack = _json(root / "pack.json")
        except PackError as exc:
            report.fail("pack.json", str(exc))
            return report
        span = (int(proofs["range"]["begin"]), int(proofs["range"]["end"])) if proofs.get("range") else None
        _check_pack(pack if isinstance(pack, dict) else {}, events, span, report)
    except FileNotFoundError as exc:
        report.fail(Path(exc.filename or "a file").name, "missing")
    except (OSError, UnicodeDecodeError) as exc:
        report.fail("pack", f"unreadable ({type(exc).__name__})")
    except PackError as exc:
        report.fail("pack", str(exc))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        report.fail("pack", f"malformed ({type(exc).__name__})")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a piwarden evidence pack offline.")
    parser.add_argument("pack", nargs="?", default=str(Path(__file__).resolve().parent),
                        help="the pack directory (default: the one holding this script)")
    parser.add_argument("--key", help="the platform's published verifier key (vkey); default: the pack's own")
    args = parser.parse_args(argv)
    report = verify_pack(args.pack, args.key)
    print(f"platform key: {report.key or '-'}" + ("" if args.key else " (the pack's own: compare it with the "
                                                                       "platform's published key)"))
    print(f"checkpoint: tree size {report.size}; {report.events} events proven"
          + (f"; complete range of leaves {report.range[0]}..{report.range[1] - 1}" if report.range else "")
          + f"; {report.claims} claims re-checked")
    if report.stamped:
        print(f"RFC 3161 time stamps over the checkpoint: {report.stamped} (check the TSA's signature with its "
              "certificate: openssl ts -verify)")
    for name, when in sorted(report.witnessed.items()):
        print(f"cosigned by witness {name} at {datetime.fromtimestamp(when, UTC).isoformat()}")
    for note in report.notes:
        print(f"note: {note}")
    for failure in report.failures:
        print(f"FAILED {failure}")
    print("OK: the pack verifies" if report.ok else f"NOT VERIFIED: {len(report.failures)} problem(s)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
