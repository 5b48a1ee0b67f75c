"""Health (the process answers) and readiness (the audit log and, when mounted, the vault are open and reachable)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from piwarden.server.schemas.vault import Health
from piwarden.server.scopes import Scope, requires

router = APIRouter(tags=["health"], dependencies=[requires(Scope.SERVICE_HEALTH)])
_UNMOUNTED = object()


@router.get("/health", summary="Alive", response_model=Health)
def health() -> Health:
    """The process is up and answering."""
    return Health(status="ok")


@router.get("/ready", summary="Ready", response_model=Health, responses={503: {"model": Health,
                                                                             "description": "Not ready."}})
def ready(request: Request) -> JSONResponse:
    """The audit log is open and answers; the vault too where it is mounted. 503 until then."""
    checks: dict[str, str] = {}
    log = getattr(request.app.state, "audit_log", None)
    try:
        checks["audit_log"] = "ok" if log is not None and log.size() >= 0 else "not open"
    except Exception as exc:  # the kind of failure only
        checks["audit_log"] = f"failing ({type(exc).__name__})"
    rt: Any = getattr(request.app.state, "vault", _UNMOUNTED)
    if rt is not _UNMOUNTED:  # the vault router's lifespan set it (None once closed)
        try:
            checks["vault"] = "ok" if rt is not None and rt.vault.evidence.pending() >= 0 else "not open"
        except Exception as exc:
            checks["vault"] = f"failing ({type(exc).__name__})"
    ok = all(v == "ok" for v in checks.values())
    body = Health(status="ok" if ok else "not ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
