"""``piwarden serve``: the service, every API of piwarden in one app (the audit log now, the vault next).

``service_options`` is the one place the CLI reads where to listen and the write token;
``run_service`` builds the app with ``piwarden.server.create_app`` and runs it under uvicorn
(``piwarden audit serve`` too, with the audit routes only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

import typer
from rich.console import Console

from piwarden.cli.common import DbOption, cli_settings

err = Console(stderr=True)
TOKEN_ENV = "PIWARDEN_AUDIT_TOKEN"
LOOPBACK = ("127.0.0.1", "localhost", "::1")

HostOption = Annotated[str | None, typer.Option(help="Address to listen on (default: service.host, 127.0.0.1).")]
PortOption = Annotated[int | None, typer.Option(min=0, max=65535, help="TCP port (default: service.port, 8470).")]
TokenEnvOption = Annotated[str | None, typer.Option(
    help="Environment variable holding the bearer token that writes (POSTs) must carry (default: service.token, "
         "i.e. PIWARDEN__SERVICE__TOKEN or PIWARDEN_AUDIT_TOKEN; unset: no token needed).")]
SignOption = Annotated[bool, typer.Option(help="Allow POST /audit/checkpoint to sign heads with the configured "
                                               "key.")]


@dataclass(frozen=True)
class ServiceOptions:
    """Where the service listens and the token its writes need (None: no token)."""

    host: str
    port: int
    token: str | None = field(repr=False)
    token_source: str  # named in warnings, never the token itself


def service_options(host: str | None, port: int | None, token_env: str | None = None) -> ServiceOptions:
    """The service's address and token: the flags, else the settings' ``service`` section; a
    ``--token-env`` names another variable to read the token from."""
    from piwarden.settings import environment_value

    service = cli_settings(service={"host": host, "port": port}).service
    if token_env is None:
        token = service.token.get_secret_value() if service.token is not None else None
        return ServiceOptions(service.host, service.port, token or None, TOKEN_ENV)
    return ServiceOptions(service.host, service.port, environment_value(token_env) or None, token_env)


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
    settings = cli_settings(database={"url": db})
    db = settings.db_url
    try:
        open_log(db).close()  # fail here, in words, rather than in the server's startup
        signer = signer_from_settings(settings.audit) if sign else None
        application = create_app(db, token=options.token, signer=signer, plugins=plugins)
    except (AuditStoreError, NoteError) as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(2) from None
    uvicorn.run(application, host=options.host, port=options.port, log_level="warning", access_log=False)


def serve(host: HostOption = None, port: PortOption = None, db: DbOption = None,
          token_env: TokenEnvOption = None, sign: SignOption = True) -> None:
    """Serve piwarden's HTTP API (docs/server.md): the audit log's ingest and proofs, and every plugin's routes."""
    run_service(service_options(host, port, token_env), db, sign=sign, plugins=True)
