"""C2SP ``tlog-cosignature`` v1 (Ed25519): a witness's timestamped signature on a checkpoint.

A cosignature is one more signature line on the checkpoint note. Its key ID is
``SHA-256(name || 0x0A || 0x04 || public key)[:4]`` (type 0x04, not the log's 0x01); its
signature blob is an 8-byte big-endian POSIX time followed by the Ed25519 signature of::

    cosignature/v1
    time <that time in decimal>
    <the checkpoint text: origin, size, root, any extension lines>

so a witness states "as of this time, this is the largest consistent tree I have seen".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from piwarden.audit.note import NoteError, split_note

COSIGNATURE_V1 = b"\x04"


def cosigner_key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + COSIGNATURE_V1 + public).digest()[:4]


def signed_message(checkpoint_text: str, timestamp: int) -> bytes:
    """What a v1 cosignature signs: header line, time line, then the checkpoint text."""
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode()


class Cosigner:
    """A witness's Ed25519 key; ``repr`` shows only the public key."""

    def __init__(self, name: str, key: Ed25519PrivateKey) -> None:
        self.name, self._key = name, key
        self.verifier = CosignatureVerifier(name, key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

    @classmethod
    def generate(cls, name: str) -> Cosigner:
        return cls(name, Ed25519PrivateKey.generate())

    def cosign(self, checkpoint_text: str, timestamp: int) -> str:
        """One signature line (with its newline) over the checkpoint text at ``timestamp``."""
        sig = self._key.sign(signed_message(checkpoint_text, timestamp))
        blob = self.verifier.key_id + struct.pack(">Q", timestamp) + sig
        return f"\u2014 {self.name} {base64.b64encode(blob).decode()}\n"

    def __repr__(self) -> str:
        return f"Cosigner({self.verifier.vkey()!r})"


class CosignatureVerifier:
    """A witness's public key, in vkey form ``<name>+<id hex>+<base64(0x04 || public key)>``."""

    def __init__(self, name: str, public: bytes) -> None:
        if len(public) != 32:
            raise NoteError("an Ed25519 public key is 32 bytes")
        self.name, self.public = name, public
        self.key_id = cosigner_key_id(name, public)
        self._key = Ed25519PublicKey.from_public_bytes(public)

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignatureVerifier:
        name, _, rest = vkey.strip().partition("+")
        hex_id, _, b64 = rest.partition("+")
        try:
            blob = base64.b64decode(b64, validate=True)
        except binascii.Error:
            raise NoteError("witness key is not valid base64") from None
        if blob[:1] != COSIGNATURE_V1:
            raise NoteError("not an Ed25519 cosignature/v1 witness key (type 0x04)")
        verifier = cls(name, blob[1:])
        if verifier.key_id.hex() != hex_id.lower():
            raise NoteError("witness key ID does not match its key")
        return verifier

    def vkey(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(COSIGNATURE_V1 + self.public).decode()}"

    def verify(self, note: str) -> int:
        """The time of this witness's valid cosignature on ``note``; raises ``NoteError`` if none."""
        text, sigs = split_note(note)
        for name, blob in sigs:
            if name != self.name or blob[:4] != self.key_id or len(blob) != 4 + 8 + 64:
                continue
            (timestamp,) = struct.unpack(">Q", blob[4:12])
            try:
                self._key.verify(blob[12:], signed_message(text, timestamp))
            except InvalidSignature:
                raise NoteError("witness cosignature does not verify") from None
            return int(timestamp)
        raise NoteError("note carries no cosignature of this witness")
