"""``token``: a reversible, stateless token by deterministic encryption (AES-SIV, RFC 5297).

The same value and key give the same token (so tokens join), and the key holder gets the
value back with ``unmask`` / :func:`piwarden.mask.detokenize`. SIV authenticates the token:
a changed token fails to decrypt instead of decrypting to something else. The vault will
back tokens with storage; this one needs none. Output: ``prefix`` + base64url, no padding.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from pydantic import Field

from piwarden.mask.errors import MaskError
from piwarden.mask.keys import KeyRing
from piwarden.mask.operators.base import Operator, Params

_AD = [b"piwarden-token-v1"]


class TokenParams(Params):
    prefix: str = Field("tok_", pattern=r"^[A-Za-z]*_?$", description="Marks tokens in text (letters and '_').")


class Token(Operator):
    """AES-256-SIV of the value under the purpose's key."""

    name = "token"
    Params = TokenParams
    params: TokenParams
    keyed = True
    reversible = True

    def _setup(self, keys: KeyRing | None) -> None:
        assert keys is not None
        self._siv = AESSIV(keys.derive(self.name, self.purpose, 64))

    def mask(self, value: str, entity: str, subject: str | None = None) -> str:
        sealed = self._siv.encrypt(value.encode(), _AD)
        return self.params.prefix + base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def unmask(self, masked: str, entity: str = "", subject: str | None = None) -> str:
        body = masked.removeprefix(self.params.prefix)
        try:
            sealed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            return self._siv.decrypt(sealed, _AD).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise MaskError("not a token of this key and purpose") from None
