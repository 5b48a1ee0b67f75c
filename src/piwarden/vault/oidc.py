"""OIDC login: a company's identity provider vouches for a staff member; the vault opens its own session.

The vault is not the OIDC client. The company's portal (or a script with ``piwarden.client``)
runs the authorization-code flow with its identity provider and hands the vault the ID token it
got. The vault checks the token's signature against the provider's keys (a JWKS file, or its
``jwks_uri`` fetched and cached), its issuer, audience, expiry and issue time (60 s leeway), and
that no session was opened with it before (``vault_oidc_tokens``); then maps one claim
(``preferred_username`` by default) to a staff account provisioned in piwarden. Roles, tenant,
party and scopes stay piwarden's: the provider proves who someone is, never what they may see.
Failures say which check failed, never the token or its claims' values.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt

LEEWAY_S = 60
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")


# the checks of jwt.decode, most specific first, and how a refusal names each (never a value)
_REFUSALS: tuple[tuple[type[jwt.InvalidTokenError], str], ...] = (
    (jwt.ExpiredSignatureError, "the ID token has expired"),
    (jwt.InvalidAudienceError, "the ID token is for another client (aud)"),
    (jwt.InvalidIssuerError, "the ID token is from another issuer (iss)"),
    (jwt.ImmatureSignatureError, "the ID token is not valid yet"),
    (jwt.InvalidSignatureError, "the ID token's signature does not verify"),
    (jwt.InvalidAlgorithmError, "the ID token is signed with an algorithm not allowed"),
)


class OidcError(ValueError):
    """The ID token was refused; the message names the check, never a value."""


@dataclass(frozen=True)
class Login:
    """A verified ID token: the piwarden account it names, when it expires, and its digest (one use)."""

    account: str
    expires_us: int
    digest: bytes


@dataclass
class OidcVerifier:
    """Verifies ID tokens of one provider (``issuer``) for one client (``audience``)."""

    issuer: str
    audience: str
    jwks: str  # a JWKS file's path, or an https:// (http:// on loopback) URL
    claim: str = "preferred_username"
    algorithms: tuple[str, ...] = ALGORITHMS
    _keys: Any = field(default=None, init=False, repr=False)

    def _signing_key(self, token: str) -> Any:
        if self.jwks.startswith(("https://", "http://")):
            if self._keys is None:
                self._keys = jwt.PyJWKClient(self.jwks, cache_keys=True, lifespan=300, timeout=10)
            try:
                return self._keys.get_signing_key_from_jwt(token).key
            except jwt.PyJWKClientConnectionError:
                raise OidcError("the identity provider's keys could not be fetched") from None
            except jwt.PyJWKClientError:
                raise OidcError("no key of the identity provider matches the token's key id") from None
        if self._keys is None:
            try:
                self._keys = jwt.PyJWKSet.from_dict(json.loads(Path(self.jwks).read_text("utf-8")))
            except OSError as exc:
                raise OidcError(f"cannot read the JWKS file ({exc.strerror})") from None
            except (ValueError, jwt.PyJWKSetError):
                raise OidcError("the JWKS file holds no usable key") from None
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.DecodeError:
            raise OidcError("not a JWT") from None
        keys = [k for k in self._keys.keys if kid is None or k.key_id == kid]
        if len(keys) != 1:
            raise OidcError("no key of the identity provider matches the token's key id")
        return keys[0].key

    def verify(self, token: str) -> Login:
        """The account an ID token names; ``OidcError`` saying which check failed."""
        key = self._signing_key(token)
        try:
            claims = jwt.decode(token, key, algorithms=list(self.algorithms), audience=self.audience,
                                issuer=self.issuer, leeway=LEEWAY_S,
                                options={"require": ["exp", "iat", "iss", "aud", "sub"]})
        except jwt.MissingRequiredClaimError as exc:
            raise OidcError(f"the ID token lacks the claim {exc.claim}") from None
        except jwt.InvalidTokenError as exc:
            raise OidcError(next((why for kind, why in _REFUSALS if isinstance(exc, kind)),
                                 "the ID token is malformed")) from None
        account = claims.get(self.claim)
        if not isinstance(account, str) or not account:
            raise OidcError(f"the ID token lacks the claim {self.claim}")
        return Login(account, int(claims["exp"]) * 1_000_000, hashlib.sha256(token.encode()).digest())
