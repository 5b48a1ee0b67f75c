"""The registry of API paths and permission scopes, and the check that every route has one.

A route declares its scope with FastAPI's ``Security``: ``dependencies=[requires(Scope.X)]``,
or a parameter typed with one of the ``deps`` aliases (``WriterDep``, ``ReaderDep``). That
dependency is the enforcement: ``authorize`` refuses a caller without the scope before
anything else of the route runs. ``route_table`` reads the app's OpenAPI document and
its routes, and raises ``UndeclaredRoute`` for any route with no scope, several, no
description, or left out of the document; the app factory calls it, so a plugin router that
forgets fails the service at start, not in use.

>>> RULES[Scope.AUDIT_WRITE].needs_token, RULES[Scope.AUDIT_READ].needs_token
(True, False)
>>> str(AuditPath.INCLUSION)
'/audit/proof/inclusion'
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Any

import fastapi.routing
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes
from starlette.routing import BaseRoute

from piwarden.server.config import ServiceConfig
from piwarden.server.errors import ApiError

SCOPE_KEY = "x-piwarden-scope"  # the OpenAPI extension naming each operation's scope
SCHEME = "token"  # the bearer security scheme's name in the OpenAPI document


class Scope(StrEnum):
    """What a route lets its caller do; one per route."""

    AUDIT_READ = "audit:read"
    AUDIT_WRITE = "audit:write"
    SERVICE_HEALTH = "service:health"
    VAULT_LOGIN = "vault:login"
    VAULT_SESSION = "vault:session"
    VAULT_READ = "vault:read"
    VAULT_WRITE = "vault:write"
    VAULT_ERASE = "vault:erase"
    VAULT_ADMIN = "vault:admin"
    VAULT_EXPORT = "vault:export"
    VAULT_APPROVE = "vault:approve"
    VAULT_TICKETS = "vault:tickets"
    VAULT_TELEPHONY = "vault:telephony"
    DETECT_ANALYZE = "detect:analyze"
    MASK_ANONYMIZE = "mask:anonymize"


KNOWN = frozenset(s.value for s in Scope)


@dataclass(frozen=True)
class ScopeRule:
    """Who holds a scope: ``needs_token`` scopes need a bearer credential: the service's token (when one is
    set), or for ``vault`` scopes a vault account's session token or API key holding the scope."""

    description: str
    needs_token: bool
    refusal: str  # ends "a valid bearer token is required ..."
    vault: bool = False  # checked by the vault's own guard (server/routers/vault_auth.py), not the service token


RULES: Mapping[Scope, ScopeRule] = MappingProxyType({
    Scope.AUDIT_READ: ScopeRule("Read the audit log's sizes, hashes, proofs and signed checkpoints (never event "
                                "bodies): open to anyone who can reach the service.", False, "to read the audit log"),
    Scope.AUDIT_WRITE: ScopeRule("Append access events to the audit log and sign checkpoints: needs the bearer "
                                 "token.", True, "to write to the audit log"),
    Scope.SERVICE_HEALTH: ScopeRule("Whether the service is alive and ready: open to anyone who can reach it.", False,
                                    "to read the service's health"),
    Scope.VAULT_LOGIN: ScopeRule("Log in to the vault with a staff account's password: open (the answer is a session "
                                 "token).", False, "to log in"),
    Scope.VAULT_SESSION: ScopeRule("See and end one's own vault session: a vault session token or API key.", True,
                                   "for the vault", vault=True),
    Scope.VAULT_READ: ScopeRule("Read and search vault records, each field decided by the vault policy and logged: a "
                                "vault account holding the scope.", True, "for the vault", vault=True),
    Scope.VAULT_WRITE: ScopeRule("Create and change vault records (decided and logged): a vault account holding the "
                                 "scope (services).", True, "for the vault", vault=True),
    Scope.VAULT_ERASE: ScopeRule("Erase a data subject (crypto-shredding; decided and logged): a vault account "
                                 "holding the scope.", True, "for the vault", vault=True),
    Scope.VAULT_ADMIN: ScopeRule("See the vault's alerts, hold actors to approval-only and release them: a vault "
                                 "account holding the scope (security staff).", True, "for the vault", vault=True),
    Scope.VAULT_EXPORT: ScopeRule("Ask for bulk exports and download them (watermarked, logged): a vault account "
                                  "holding the scope.", True, "for the vault", vault=True),
    Scope.VAULT_APPROVE: ScopeRule("Approve or refuse other accounts' bulk exports (maker-checker): a vault account "
                                   "holding the scope.", True, "for the vault", vault=True),
    Scope.VAULT_TICKETS: ScopeRule("Register and close business tickets and the subjects they name (the ticketing "
                                   "system): a vault account holding the scope.", True, "for the vault", vault=True),
    Scope.VAULT_TELEPHONY: ScopeRule("Resolve a dialled virtual number to the phone its live binding forwards to "
                                     "(each resolution logged as a reveal): a vault account holding the scope (the "
                                     "telephony platform).", True, "for the vault", vault=True),
    Scope.DETECT_ANALYZE: ScopeRule("Find PI in submitted text (Presidio's analyzer API; nothing is stored): needs the "
                                    "bearer token when one is set.", True, "to analyze text"),
    Scope.MASK_ANONYMIZE: ScopeRule("Anonymize or decrypt submitted text (Presidio's anonymizer API; nothing is "
                                    "stored): needs the bearer token when one is set.", True, "to anonymize text"),
})


class AuditPath(StrEnum):
    """The audit log's API paths."""

    EVENTS = "/audit/events"
    CHECKPOINT = "/audit/checkpoint"
    HEAD = "/audit/head"
    INCLUSION = "/audit/proof/inclusion"
    CONSISTENCY = "/audit/proof/consistency"


# FastAPI's own documentation routes: public, no scope, and they describe the others.
DOC_PATHS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect"})

bearer = HTTPBearer(auto_error=False, scheme_name=SCHEME,
                    description="The service's bearer token (`piwarden serve` reads it from PIWARDEN_AUDIT_TOKEN); "
                                "needed by every scope that writes.")


@dataclass(frozen=True)
class Caller:
    """Who is calling, as far as the service knows: the scopes granted, whether they showed its token."""

    scopes: tuple[str, ...]
    authenticated: bool


def refusal(scopes: Iterable[str]) -> str | None:
    """Why these scopes need the token (None if they do not); unknown or no scopes need it too."""
    rules = [RULES[Scope(s)] if s in KNOWN else None for s in scopes] or [None]
    for rule in rules:
        if rule is None or rule.needs_token:
            return rule.refusal if rule else "for this route"
    return None


async def authorize(security_scopes: SecurityScopes, request: Request,
                    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Caller:
    """Grant the route's scopes, or refuse with 401 before the route runs."""
    config: ServiceConfig = request.app.state.config
    token = config.token
    # Constant-time compare: the time taken says nothing about how much of the token was right.
    shown = (token is not None and credentials is not None
             and hmac.compare_digest(credentials.credentials.encode(), token.encode()))
    why = refusal(security_scopes.scopes)
    if why is not None and token is not None and not shown:
        raise ApiError(401, f"a valid bearer token is required {why}", headers={"WWW-Authenticate": "Bearer"})
    return Caller(tuple(security_scopes.scopes), shown)


def requires(scope: Scope) -> Any:
    """``dependencies=[requires(Scope.X)]``: the route needs scope X."""
    return Security(authorize, scopes=[scope.value])


@dataclass(frozen=True)
class RouteEntry:
    """One row of the route table: method, path, scope and the route's summary."""

    method: str
    path: str
    scope: Scope
    summary: str


class UndeclaredRoute(RuntimeError):
    """A route without exactly one scope, without a description, or missing from the OpenAPI document."""


def operations(schema: dict[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) of every operation of an OpenAPI document."""
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            if isinstance(op, dict) and "responses" in op:
                yield method.upper(), path, op


def operation_scopes(op: dict[str, Any]) -> set[str]:
    """The scopes an OpenAPI operation's security requirements name."""
    return {s for requirement in op.get("security", []) for s in requirement.get(SCHEME, [])}


def _endpoints(routes: Iterable[BaseRoute]) -> set[tuple[str, str]]:
    """(method, path) of every route, those of included routers too."""
    # FastAPI >= 0.16x keeps an included router whole in app.routes; iter_route_contexts flattens it.
    flatten: Callable[[Any], Iterable[Any]] | None = getattr(fastapi.routing, "iter_route_contexts", None)
    out: set[tuple[str, str]] = set()
    for route in (flatten(list(routes)) if flatten else routes):
        path = str(getattr(route, "path", route))
        methods = getattr(route, "methods", None) or {"*"}
        out |= {(m, path) for m in methods if m != "HEAD"}
    return out


def route_table(schema: dict[str, Any], routes: Iterable[BaseRoute]) -> list[RouteEntry]:
    """Every operation's method, path and scope; raises ``UndeclaredRoute`` naming each route that breaks the rules."""
    table: list[RouteEntry] = []
    problems: list[str] = []
    for method, path, op in operations(schema):
        scopes = operation_scopes(op)
        known = scopes & KNOWN
        if len(scopes) != 1 or not known:
            problems.append(f"{method} {path}: declares {sorted(scopes) or 'no scope'}, needs exactly one known "
                            "scope (scopes.requires)")
        if not (op.get("description") or "").strip():
            problems.append(f"{method} {path}: has no description (give the endpoint a docstring)")
        if len(scopes) == 1 and known:
            table.append(RouteEntry(method, path, Scope(next(iter(known))), op.get("summary", "")))
    documented = {(e.method, e.path) for e in table} | {(m, p) for m, p, _ in operations(schema)}
    for method, path in sorted(_endpoints(routes) - documented):
        if path not in DOC_PATHS:
            problems.append(f"{method} {path}: not in the OpenAPI document, so its scope cannot be checked")
    if problems:
        raise UndeclaredRoute("; ".join(problems))
    return table
