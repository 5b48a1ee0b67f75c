"""One router per resource; ``BUILTIN_ROUTERS`` is what every app gets (plugins add theirs)."""

from __future__ import annotations

from fastapi import APIRouter

from piwarden.server.routers import audit, presidio, vault, vault_approvals, vault_health, vault_numbers

BUILTIN_ROUTERS: tuple[APIRouter, ...] = (audit.router, vault_health.router, vault.router, vault_numbers.router,
                                              vault_approvals.router,
                                              presidio.analyzer, presidio.anonymizer)
