"""The routes' dependencies, as ``Annotated`` aliases: the open log, the services, the caller, the body.

``WriterDep``/``ReaderDep`` are the scope guards of ``scopes.py`` (``scopes.authorize``), giving the route its
``Caller``; declare them first in a route's parameters so the caller is checked before
anything is read.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from piwarden.audit.log import AuditLog
from piwarden.server.config import ServiceConfig
from piwarden.server.errors import ApiError
from piwarden.server.scopes import Caller, Scope, requires
from piwarden.server.services.audit import AuditService


async def service_config(request: Request) -> ServiceConfig:
    """The configuration the app was built with (``async``: a plain ``def`` dependency costs a worker-thread
    round trip per request)."""
    config: ServiceConfig = request.app.state.config
    return config


ConfigDep = Annotated[ServiceConfig, Depends(service_config)]


async def audit_log(request: Request) -> AuditLog:
    """The log the app's lifespan opened (or the one it was given)."""
    log: AuditLog | None = request.app.state.audit_log
    if log is None:  # e.g. the app mounted in another without its lifespan run
        raise ApiError(503, "the audit log is not open")
    return log


AuditLogDep = Annotated[AuditLog, Depends(audit_log)]


async def audit_service(log: AuditLogDep, config: ConfigDep) -> AuditService:
    return AuditService(log, config.signer)


AuditServiceDep = Annotated[AuditService, Depends(audit_service)]

ReaderDep = Annotated[Caller, requires(Scope.AUDIT_READ)]
WriterDep = Annotated[Caller, requires(Scope.AUDIT_WRITE)]


async def request_body(request: Request, config: ConfigDep) -> bytes:
    """The raw body, streamed, refused (413) as soon as it passes ``config.max_body``."""
    limit = config.max_body
    refused = ApiError(413, f"request body over {limit} bytes; send smaller batches")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise refused
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise refused
        chunks.append(chunk)
    return b"".join(chunks)


BodyDep = Annotated[bytes, Depends(request_body)]
