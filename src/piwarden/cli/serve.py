"""``piwarden serve``: the service, every API of piwarden in one app (the audit log now, the vault next).

``service_options`` is the one place the CLI reads where to listen and the write token;
``run_service`` builds the app with ``piwarden.server.create_app`` and runs it under uvicorn
(``piwarden audit serve`` too, with the audit routes only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from piwarden.cli.common import DbOption, cli_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from piwarden.settings import Settings

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
WorkersOption = Annotated[int, typer.Option(min=1, max=64, help="Worker processes (uvicorn's multi-process mode; "
                                                                "each builds the app from the settings).")]
# Worker processes build their app from the settings and these (non-secret) variables, which the
# parent hands them through uvicorn's env file (loaded into its environment before it spawns them).
WORKER_TOKEN_ENV, WORKER_SIGN = "PIWARDEN_SERVE_TOKEN_ENV", "PIWARDEN_SERVE_SIGN"


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


def worker_app() -> FastAPI:
    """The app of one worker process (``--workers N``): from the settings and the parent's hand-over variables."""
    from piwarden.audit.signer import signer_from_settings
    from piwarden.server import create_app
    from piwarden.settings import environment_value, get_settings

    settings = get_settings()
    token_env = environment_value(WORKER_TOKEN_ENV)
    token = environment_value(token_env) if token_env else (
        settings.service.token.get_secret_value() if settings.service.token is not None else None)
    signer = signer_from_settings(settings.audit) if environment_value(WORKER_SIGN) == "1" else None
    return create_app(settings.db_url, token=token or None, signer=signer, plugins=True)


def _serve_workers(options: ServiceOptions, settings: Settings, workers: int, sign: bool) -> None:
    """uvicorn's multi-process mode over ``worker_app``: the parent binds the socket, each worker builds the app."""
    import tempfile

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    lines = {"PIWARDEN__HOME": str(settings.home), "PIWARDEN__DATABASE__URL": settings.db_url,
             WORKER_SIGN: "1" if sign else "0"}
    if options.token_source != TOKEN_ENV:
        lines[WORKER_TOKEN_ENV] = options.token_source
    fd, name = tempfile.mkstemp(prefix="piwarden-serve-", suffix=".env")  # 0600: the URL may hold a password
    try:
        with open(fd, "w", encoding="utf-8") as fh:
            fh.writelines(f"{k}='{v}'\n" for k, v in lines.items())
        config = uvicorn.Config("piwarden.cli.serve:worker_app", factory=True, host=options.host, port=options.port,
                                workers=workers, env_file=name, log_level="warning", access_log=False)
    finally:
        Path(name).unlink(missing_ok=True)
    Multiprocess(config, sockets=[config.bind_socket()]).run()


def run_service(options: ServiceOptions, db: str | None, *, sign: bool, plugins: bool, workers: int = 1) -> None:
    """Build the app (audit log at ``db``) and serve it until interrupted; exit 2 on a bad database or key."""
    import uvicorn

    from piwarden.audit.log import open_log
    from piwarden.audit.note import NoteError
    from piwarden.audit.signer import signer_from_settings
    from piwarden.audit.store_base import AuditStoreError
    from piwarden.db import DatabaseError
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
        if any(str(getattr(r, "path", "")).startswith("/vault/") for r in application.state.routes):
            from piwarden.vault import open_vault

            open_vault(settings, db=db).close()  # keys, tables, record types and policy checked before listening
    except (AuditStoreError, NoteError) as exc:
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(2) from None
    except (ValueError, LookupError, DatabaseError) as exc:  # the vault's policy, record types, keys (no values)
        err.print(f"error: {exc}", highlight=False)
        raise typer.Exit(2) from None
    if workers > 1:
        _serve_workers(options, settings, workers, sign)
        return
    uvicorn.run(application, host=options.host, port=options.port, log_level="warning", access_log=False)


def serve(host: HostOption = None, port: PortOption = None, db: DbOption = None,
          token_env: TokenEnvOption = None, sign: SignOption = True, workers: WorkersOption = 1) -> None:
    """Serve piwarden's HTTP API (docs/server.md): the audit log, the vault (docs/vault.md), every plugin's routes."""
    run_service(service_options(host, port, token_env), db, sign=sign, plugins=True, workers=workers)
