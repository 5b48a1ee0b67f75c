"""The vault's guard: the caller's account from its bearer credential, its role, purpose and ticket from headers.

``vault_guard(Scope.X)`` is a ``Security`` dependency on the service's bearer scheme, so the
OpenAPI document names each vault route's one scope. It refuses (401) a missing, unknown,
expired or revoked credential and (403) an account without the scope, before the route runs.
Role, purpose and ticket come from ``X-Piwarden-Role`` / ``-Purpose`` / ``-Ticket`` headers of
the authenticated request; the same names in the query string are refused, never read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, SecurityScopes

from piwarden.server.errors import ApiError
from piwarden.server.scopes import Scope, bearer
from piwarden.vault import Caller, VaultRuntime
from piwarden.vault.identity import Principal

TOKEN_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:/#-]{0,127}$"
ROLE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$"
RoleHeader = Annotated[str | None, Header(alias="X-Piwarden-Role", pattern=ROLE_PATTERN,
                                          description="The role to act in (one of the account's; default its first).")]
PurposeHeader = Annotated[str | None, Header(alias="X-Piwarden-Purpose", pattern=TOKEN_PATTERN,
                                             description="The declared purpose, e.g. after_sales, delivery, claims.")]
TicketHeader = Annotated[str | None, Header(alias="X-Piwarden-Ticket", pattern=TOKEN_PATTERN,
                                            description="The business ticket that justifies the access.")]
OtpHeader = Annotated[str | None, Header(alias="X-Piwarden-OTP", pattern=r"^[0-9]{6}$",
                                         description="A TOTP code from the staff member's authenticator: L4 fields "
                                                     "are shown in clear to a session only with one (step-up).")]
_QUERY_NAMES = ("role", "purpose", "ticket", "actor", "tenant")


async def runtime(request: Request) -> VaultRuntime:
    """The vault the app's lifespan opened (``async``: FastAPI runs a plain ``def`` dependency in a worker
    thread, a round trip that cost more than the lookup, once per request)."""
    found: VaultRuntime | None = getattr(request.app.state, "vault", None)
    if found is None:
        raise ApiError(503, "the vault is not open")
    return found


RuntimeDep = Annotated[VaultRuntime, Depends(runtime)]


@dataclass(frozen=True)
class VaultCaller:
    """The authenticated principal and the ``Caller`` the vault decides for."""

    principal: Principal
    caller: Caller
    credential: str


def _unauthorized(why: str) -> ApiError:
    return ApiError(401, why, headers={"WWW-Authenticate": "Bearer"})


async def guard(security_scopes: SecurityScopes, request: Request, rt: RuntimeDep,
                credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
                role: RoleHeader = None, purpose: PurposeHeader = None, ticket: TicketHeader = None,
                otp: OtpHeader = None) -> VaultCaller:
    """Authenticate, check the scope, and build the caller from the headers."""
    if credentials is None:
        raise _unauthorized("a vault session token or API key is required")
    from starlette.concurrency import run_in_threadpool

    principal = rt.identities.cached(credentials.credentials) or await run_in_threadpool(
        rt.identities.authenticate, credentials.credentials)
    if principal is None:
        raise _unauthorized("the credential is unknown, expired or revoked")
    account = principal.account
    missing = [s for s in security_scopes.scopes if s not in account.scopes]
    if missing:
        raise ApiError(403, f"account lacks scope {missing[0]}")
    if any(name in request.query_params for name in _QUERY_NAMES):
        raise ApiError(400, "role, purpose and ticket come from the X-Piwarden-* headers, never the query string")
    chosen = role or account.roles[0]
    if chosen not in account.roles:
        raise ApiError(403, "the account may not act in that role")
    client = request.client.host if request.client else None
    stepped_up = principal.via == "api_key"  # services hold no authenticator
    if otp is not None and not stepped_up:
        step_up = rt.step_up
        if step_up is None or not await run_in_threadpool(step_up.verify, account.id, otp):
            raise _unauthorized("the one-time code is wrong, expired or already used")
        stepped_up = True
    return vault_caller(principal, credentials.credentials, chosen, purpose, ticket, client, stepped_up)


def vault_caller(principal: Principal, credential: str, role: str, purpose: str | None, ticket: str | None,
                 client: str | None, stepped_up: bool) -> VaultCaller:
    """The caller an authenticated, authorized request acts as (``role`` checked against the account's)."""
    account = principal.account
    caller = Caller(actor=account.id, party=account.party, role=role, tenant=account.tenant, purpose=purpose,
                    ticket=ticket, client_ip=client, stepped_up=stepped_up)
    return VaultCaller(principal, caller, credential)


def vault_guard(scope: Scope) -> Any:
    """``Annotated[VaultCaller, vault_guard(Scope.X)]``: the route needs vault scope X."""
    return Security(guard, scopes=[scope.value])


ReadCaller = Annotated[VaultCaller, vault_guard(Scope.VAULT_READ)]
WriteCaller = Annotated[VaultCaller, vault_guard(Scope.VAULT_WRITE)]
EraseCaller = Annotated[VaultCaller, vault_guard(Scope.VAULT_ERASE)]
SessionCaller = Annotated[VaultCaller, vault_guard(Scope.VAULT_SESSION)]
AdminCaller = Annotated[VaultCaller, vault_guard(Scope.VAULT_ADMIN)]
ExportCaller = Annotated[VaultCaller, vault_guard(Scope.VAULT_EXPORT)]
ApproveCaller = Annotated[VaultCaller, vault_guard(Scope.VAULT_APPROVE)]
TicketsCaller = Annotated[VaultCaller, vault_guard(Scope.VAULT_TICKETS)]
TelephonyCaller = Annotated[VaultCaller, vault_guard(Scope.VAULT_TELEPHONY)]
