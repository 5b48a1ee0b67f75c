"""``piwarden serve``: the service, every API of piwarden in one app (the audit log now, the vault next).

``service_options`` is the one place the CLI reads where to listen and the write token;
``run_service`` builds the app with ``piwarden.server.create_app`` and runs it under uvicorn
(``piwarden audit serve`` too, with the audit routes only).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Annotated

import typer
from rich.console import Console

from piwarden.cli.common import DbOption

err = Console(stderr=True)
TOKEN_ENV = "PIWARDEN_AUDIT_TOKEN"
LOOPBACK = ("127.0.0.1", "localhost", "::1")

HostOption = Annotated[str, typer.Option(help="Address to listen on.")]
PortOption = Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")]
TokenEnvOption = Annotated[str, typer.Option(help="Environment variable holding the bearer token that writes "
                                                  "(POSTs) must carry (unset: no token needed).")]
SignOption = Annotated[bool, typer.Option(help="Allow POST /audit/checkpoint to sign heads with the configured "
                                               "key.")]


@dataclass(frozen=True)
class ServiceOptions:
    """Where the service listens and the token its writes need (None: no token)."""

    host: str
    port: int
    token: str | None = field(repr=False)
    token_source: str  # named in warnings, never the token itself


def service_options(host: str, port: int, token_env: str = TOKEN_ENV) -> ServiceOptions:
    """The service's address and token from the options and the environment (the settings object's
    ``service`` section can take this over)."""
    return ServiceOptions(host, port, os.environ.get(token_env) or None, token_env)


def run_service(options: ServiceOptions, db: str | None, *, sign: bool, plugins: bool) -> None:
    """Build the app (audit log at ``db``) and serve it until interrupted; exit 2 on a bad database or key."""
    import uvicorn

    from piwarden.audit.log import open_log
    from piwarden.audit.note import NoteError
    from piwarden.audit.signer import signer_from_settings
    from piwarden.audit.store_base import AuditStoreError
    from piwarden.server import create_app

    if options.token is None and options.host not in LOOPBACK:
        err.print(f"warning: {options.token_source} is not set; anyone who reaches {options.host}:{options.port} "
                  "can append", highlight=False)
    try:
        open_log(db).close()  # fail here, in words, rather than in the server's startup
        signer = signer_from_settings() if sign else None
        application = create_app(db, token=options.token, signer=signer, plugins=plugins)
    except (AuditStoreError, NoteError) as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(2) from None
    uvicorn.run(application, host=options.host, port=options.port, log_level="warning", access_log=False)


def serve(host: HostOption = "127.0.0.1", port: PortOption = 8470, db: DbOption = None,
          token_env: TokenEnvOption = TOKEN_ENV, sign: SignOption = True) -> None:
    """Serve piwarden's HTTP API (docs/server.md): the audit log's ingest and proofs, and every plugin's routes."""
    run_service(service_options(host, port, token_env), db, sign=sign, plugins=True)
