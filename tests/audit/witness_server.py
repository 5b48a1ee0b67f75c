"""A small C2SP tlog-witness on 127.0.0.1 for tests: checks consistency, cosigns, remembers.

It trusts one log key per origin, keeps the latest cosigned (size, root) per origin, and
answers ``POST /add-checkpoint`` as c2sp.org/tlog-witness says: 404 unknown origin, 403 no
trusted signature, 400 old size above the checkpoint, 409 (with ``text/x.tlog.size``) when
the old size is not the one it holds or a same-size root differs, 422 bad proof, else 200 and
a cosignature line. The check and the update happen under one lock.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from piwarden.audit.checkpoint import Checkpoint
from piwarden.audit.cosign import Cosigner
from piwarden.audit.note import NoteError, NoteVerifier, open_note, split_note
from piwarden.audit.proof import ProofError, verify_consistency


class LocalWitness:
    def __init__(self, name: str, logs: dict[str, NoteVerifier]) -> None:
        self.cosigner = Cosigner.generate(name)
        self.logs = logs
        self.state: dict[str, tuple[int, bytes]] = {}
        self.requests: list[int] = []  # HTTP status of every answer, in order
        self._lock = threading.Lock()

    def add_checkpoint(self, body: str) -> tuple[int, str, str]:
        """(status, content type, body) for one add-checkpoint request."""
        head, sep, note = body.partition("\n\n")
        lines = head.split("\n")
        if not sep or not lines[0].startswith("old ") or not lines[0][4:].isdigit():
            return 400, "text/plain", "bad request\n"
        old = int(lines[0][4:])
        try:
            proof = [base64.b64decode(x, validate=True) for x in lines[1:]]
            text, _ = split_note(note)
            cp = Checkpoint.parse(text)
        except (NoteError, ValueError):
            return 400, "text/plain", "bad checkpoint\n"
        verifier = self.logs.get(cp.origin)
        if verifier is None:
            return 404, "text/plain", "unknown log\n"
        try:
            open_note(note, verifier)
        except NoteError:
            return 403, "text/plain", "no trusted signature\n"
        if old > cp.size:
            return 400, "text/plain", "old size above checkpoint size\n"
        with self._lock:
            size, root = self.state.get(cp.origin, (0, b""))
            if old != size:
                return 409, "text/x.tlog.size", f"{size}\n"
            if old == cp.size and old and root != cp.root:
                return 409, "text/x.tlog.size", f"{size}\n"
            if old:
                try:
                    verify_consistency(old, cp.size, proof, root, cp.root)
                except ProofError:
                    return 422, "text/plain", "consistency proof does not verify\n"
            elif proof:
                return 422, "text/plain", "proof must be empty from size 0\n"
            self.state[cp.origin] = (cp.size, cp.root)
        return 200, "text/plain", self.cosigner.cosign(text, int(time.time()))


def _handler(witness: LocalWitness) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            status, ctype, text = (witness.add_checkpoint(body) if self.path == "/add-checkpoint"
                                   else (404, "text/plain", "not found\n"))
            witness.requests.append(status)
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

    return Handler


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Run a handler on 127.0.0.1 (a free port) in a thread; yield its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def running_witness(witness: LocalWitness) -> Iterator[str]:
    with serve(_handler(witness)) as url:
        yield url
