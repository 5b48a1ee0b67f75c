"""``hash``: a keyed pseudonym, HMAC-SHA256 under a key derived for the purpose.

The same value gives the same pseudonym under one key and purpose (joins work inside one
release), and unrelated pseudonyms under another key or purpose (two releases cannot be
joined unless they were made for the same purpose). Unlike a salted hash per entity, the
pseudonym is stable; unlike a bare hash, nobody without the key can test guesses (an 11-digit
phone space is searched in minutes without one).

Identifiers are compacted first, so ``138 1234 5678`` and ``13812345678`` get one pseudonym.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Literal

from pydantic import Field

from piwarden.mask.keys import KeyRing
from piwarden.mask.normalize import normalize
from piwarden.mask.operators.base import Operator, Params


class HashParams(Params):
    encoding: Literal["hex", "base32", "base64url"] = Field("hex", description="Alphabet of the digest.")
    length: int = Field(16, ge=8, le=64, description="Characters of the digest kept.")
    template: str = Field("{digest}", description="Output template with {digest} and {type}, e.g. 'P_{digest}'.")


class Hash(Operator):
    """HMAC-SHA256(key(purpose), normalized value), truncated and encoded."""

    name = "hash"
    Params = HashParams
    params: HashParams
    keyed = True

    def _setup(self, keys: KeyRing | None) -> None:
        assert keys is not None
        self._key = keys.derive(self.name, self.purpose)

    def mask(self, value: str, entity: str, subject: str | None = None) -> str:
        mac = hmac.new(self._key, normalize(value, entity).encode(), hashlib.sha256).digest()
        if self.params.encoding == "hex":
            digest = mac.hex()
        elif self.params.encoding == "base32":
            digest = base64.b32encode(mac).decode().rstrip("=").lower()
        else:
            digest = base64.urlsafe_b64encode(mac).decode().rstrip("=")
        return self.params.template.format(digest=digest[: self.params.length], type=entity)
