"""The piwarden service: one FastAPI app that every HTTP API of piwarden goes into.

``create_app`` (``app.py``) is the one factory: it opens the audit log in its lifespan, mounts
the built-in routers (``routers/``) and every plugin's (the ``piwarden_api_routers`` hook), and
refuses to build if any route lacks a permission scope (``scopes.py``) or a description.
``piwarden serve`` and ``piwarden audit serve`` run it under uvicorn; ``docs/server.md`` lists
every route with its scope.
"""

from __future__ import annotations

from piwarden.server.app import create_app

__all__ = ["create_app"]
