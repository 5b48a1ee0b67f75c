"""``create_app``: the one app factory of the piwarden service.

Configuration in, app out: the lifespan opens the audit log (``db``) when the app starts and
closes it when the app stops, unless an open ``log`` was given (then left open). The app gets
the built-in routers, then every plugin's (``piwarden_api_routers``), one error format for all
(``errors.py``), and is refused if a route has no scope or description (``scopes.route_table``).
OpenAPI is on: ``/openapi.json``, and ``/docs`` to read it.

>>> app = create_app("sqlite:///audit.db", token="t", plugins=False)  # opens the log only when started
>>> sorted({entry.scope.value.split(":")[0] for entry in app.state.routes})
['audit', 'detect', 'mask', 'service', 'vault']
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import pluggy
from fastapi import APIRouter, FastAPI
from starlette.concurrency import run_in_threadpool

from piwarden import __version__
from piwarden.audit.log import AuditLog, open_log
from piwarden.audit.note import NoteSigner
from piwarden.plugins import plugin_manager
from piwarden.server.config import MAX_BODY, ServiceConfig
from piwarden.server.errors import install_error_handlers
from piwarden.server.hot import HotRoutes
from piwarden.server.openapi import extend
from piwarden.server.routers import BUILTIN_ROUTERS, vault
from piwarden.server.scopes import RULES, route_table

DESCRIPTION = """piwarden's HTTP API. Every route has one permission scope (`x-piwarden-scope`):

""" + "\n".join(f"- `{scope.value}`: {rule.description}" for scope, rule in RULES.items()) + """

Errors are `{"error": "..."}` and name fields, line numbers and limits, never submitted values."""

TAGS = [{"name": "audit", "description": "The tamper-evident audit log: ingest access events, signed "
                                         "checkpoints, inclusion and consistency proofs."},
        {"name": "vault", "description": "The PI vault: encrypted records read through policy decisions, every "
                                         "decision in the audit log (docs/vault.md)."},
        {"name": "health", "description": "Liveness and readiness."},
        {"name": "presidio", "description": "Presidio's analyzer and anonymizer REST API, on piwarden's detection "
                                            "and masking (docs/presidio.md)."}]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    if app.state.audit_log is not None:  # given open: its owner closes it
        yield
        return
    log = await run_in_threadpool(open_log, app.state.config.db)
    app.state.audit_log = log
    try:
        yield
    finally:
        app.state.audit_log = None
        await run_in_threadpool(log.close)


def plugin_routers(pm: pluggy.PluginManager | None = None) -> list[APIRouter]:
    """The routers installed plugins contribute through ``piwarden_api_routers``."""
    found: list[APIRouter] = []
    for routers in (pm or plugin_manager()).hook.piwarden_api_routers():
        for r in routers:
            if not isinstance(r, APIRouter):
                raise TypeError(f"piwarden_api_routers gave a {type(r).__name__}, not a fastapi.APIRouter")
            found.append(r)
    return found


def create_app(db: str | None = None, *, token: str | None = None, signer: NoteSigner | None = None,
               log: AuditLog | None = None, plugins: bool = True, pm: pluggy.PluginManager | None = None,
               routers: Iterable[APIRouter] = BUILTIN_ROUTERS, max_body: int = MAX_BODY, hot: bool = True) -> FastAPI:
    """The service app over the audit log at ``db`` (or the open ``log``).

    ``token`` guards the scopes that write (None: anyone may write); ``signer`` signs
    checkpoints on request; ``plugins`` adds the routers of the plugins ``pm`` knows (default:
    the process's plugin manager); ``hot`` serves the vault's plain record reads and writes
    without FastAPI's routing and dependency solving (``server.hot``: same answers, less CPU).
    Raises ``scopes.UndeclaredRoute`` for a route without a scope.
    """
    app = FastAPI(title="piwarden", version=__version__, description=DESCRIPTION, openapi_tags=TAGS,
                  lifespan=_lifespan, redoc_url=None)
    app.state.config = ServiceConfig(db=db, token=token, signer=signer, max_body=max_body)
    app.state.audit_log = log
    install_error_handlers(app)
    routers = list(routers)
    for r in [*routers, *(plugin_routers(pm) if plugins else [])]:
        app.include_router(r)
    if hot and vault.router in routers:
        app.add_middleware(HotRoutes)
    extend(app)
    app.state.routes = route_table(app.openapi(), app.routes)
    return app
