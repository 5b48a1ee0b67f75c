"""C2SP signed notes with Ed25519 (c2sp.org/signed-note), as witnesses and Go's
``golang.org/x/mod/sumdb/note`` read and write them.

A note is UTF-8 text ending in a newline, a blank line, then signature lines
``— <key name> <base64(key ID || signature)>``; the key ID is
``SHA-256(name || 0x0A || 0x01 || public key)[:4]``. Keys use the same text encodings as Go:
``PRIVATE+KEY+<name>+<id hex>+<base64(0x01 || seed)>`` and ``<name>+<id hex>+<base64(0x01 || pub)>``.
Objects holding a private key never print it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

ED25519 = b"\x01"
_SIG_LINE = re.compile(r"\u2014 (\S+) (\S+)\n")


class NoteError(ValueError):
    """A malformed note or key, or a signature that does not verify."""


def key_id(name: str, public: bytes) -> bytes:
    """The 4-byte key ID of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError("key names must be non-empty, without spaces or '+'")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


class NoteVerifier:
    """A named Ed25519 public key; verifies note signatures."""

    def __init__(self, name: str, public: bytes) -> None:
        _check_name(name)
        if len(public) != 32:
            raise NoteError("an Ed25519 public key is 32 bytes")
        self.name, self.public = name, public
        self.key_id = key_id(name, public)
        self._key = Ed25519PublicKey.from_public_bytes(public)

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """Parse ``<name>+<id hex>+<base64(0x01 || public key)>``, checking the ID."""
        name, _, rest = vkey.strip().partition("+")
        hex_id, _, b64 = rest.partition("+")
        try:
            blob = base64.b64decode(b64, validate=True)
        except binascii.Error:
            raise NoteError("verifier key is not valid base64") from None
        if len(hex_id) != 8 or blob[:1] != ED25519:
            raise NoteError("not an Ed25519 verifier key")
        verifier = cls(name, blob[1:])
        if verifier.key_id.hex() != hex_id.lower():
            raise NoteError("verifier key ID does not match its key")
        return verifier

    def vkey(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(ED25519 + self.public).decode()}"

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            self._key.verify(signature, text)
            return True
        except InvalidSignature:
            return False


class NoteSigner:
    """A named Ed25519 private key. ``repr`` and ``str`` show only the public half."""

    def __init__(self, name: str, seed: bytes) -> None:
        _check_name(name)
        if len(seed) != 32:
            raise NoteError("an Ed25519 private key seed is 32 bytes")
        self._key: Ed25519PrivateKey | None = Ed25519PrivateKey.from_private_bytes(seed)
        self._sign: Callable[[bytes], bytes] = self._key.sign
        self.verifier = NoteVerifier(name, _raw_public(self._key.public_key()))
        self.name = name

    @classmethod
    def with_backend(cls, name: str, public: bytes, sign: Callable[[bytes], bytes]) -> NoteSigner:
        """A signer whose private key lives elsewhere (a KMS, an HSM): ``sign(message) -> 64-byte
        Ed25519 signature`` by the key whose raw public key is ``public``. Its key never leaves there."""
        _check_name(name)
        signer = cls.__new__(cls)
        signer._key, signer._sign, signer.name = None, sign, name
        signer.verifier = NoteVerifier(name, public)
        return signer

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        seed = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(name, seed)

    @classmethod
    def from_skey(cls, skey: str) -> NoteSigner:
        """Parse ``PRIVATE+KEY+<name>+<id hex>+<base64(0x01 || seed)>``; errors never quote it."""
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("not a signed-note private key")
        try:
            blob = base64.b64decode(parts[4], validate=True)
        except binascii.Error:
            raise NoteError("private key is not valid base64") from None
        if blob[:1] != ED25519:
            raise NoteError("not an Ed25519 private key")
        signer = cls(parts[2], blob[1:])
        if signer.verifier.key_id.hex() != parts[3].lower():
            raise NoteError("private key ID does not match its key")
        return signer

    def skey(self) -> str:
        """The private key's text form, for the key file only."""
        if self._key is None:
            raise NoteError("this signer's private key is held by its backend and cannot be exported")
        seed = self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{base64.b64encode(ED25519 + seed).decode()}"

    def sign(self, text: str) -> str:
        """The signed note: ``text`` (ending in a newline), a blank line, this key's signature."""
        _check_text(text)
        sig = self._sign(text.encode())
        if len(sig) != 64 or not self.verifier.verify(text.encode(), sig):
            raise NoteError("the signing backend returned a signature that does not verify")
        blob = base64.b64encode(self.verifier.key_id + sig).decode()
        return f"{text}\n\u2014 {self.name} {blob}\n"

    def __repr__(self) -> str:
        return f"NoteSigner({self.verifier.vkey()!r})"

    __str__ = __repr__


def _check_text(text: str) -> None:
    if not text.endswith("\n") or any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("note text must end in a newline and hold no control characters")


def split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """The text and its (key name, key ID || signature) pairs, without verifying anything."""
    text, sep, sigs = note.rpartition("\n\n")
    if not sep or not sigs:
        raise NoteError("a signed note needs text, a blank line and signature lines")
    text += "\n"
    _check_text(text)
    out = []
    for line in sigs.splitlines(keepends=True):
        m = _SIG_LINE.fullmatch(line)
        if m is None:
            raise NoteError("malformed signature line")
        try:
            out.append((m.group(1), base64.b64decode(m.group(2), validate=True)))
        except binascii.Error:
            raise NoteError("signature is not valid base64") from None
    return text, out


def open_note(note: str, verifier: NoteVerifier) -> str:
    """The note's text if ``verifier`` signed it; raises ``NoteError`` otherwise."""
    text, sigs = split_note(note)
    known = [blob for name, blob in sigs if name == verifier.name and blob[:4] == verifier.key_id]
    if not known:
        raise NoteError("note is not signed by the expected key")
    if not all(len(b) == 68 and verifier.verify(text.encode(), b[4:]) for b in known):
        raise NoteError("note signature does not verify")
    return text
