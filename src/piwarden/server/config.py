"""What the service is built from: the database, the write token, the signer, the body limit.

The CLI fills it (``piwarden serve``); the settings object's ``service`` section can fill it
the same way. The token never appears in ``repr``.

>>> ServiceConfig(token="s3cret")
ServiceConfig(db=None, signer=None, max_body=67108864)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from piwarden.audit.note import NoteSigner

MAX_BODY = 64 * 1024 * 1024  # bytes per request; larger batches: split them


@dataclass(frozen=True)
class ServiceConfig:
    """The service's configuration; ``token=None`` lets anyone write (loopback use only)."""

    db: str | None = None
    token: str | None = field(default=None, repr=False)
    signer: NoteSigner | None = None
    max_body: int = MAX_BODY

    def __post_init__(self) -> None:
        if self.token == "":
            raise ValueError("an empty token would let anyone write; give None for no token")
        if self.max_body < 1:
            raise ValueError("max_body must be positive")
