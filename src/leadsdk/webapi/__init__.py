"""Dataverse's Web API (OData v4 at `/api/data/v9.2/`) served over an OrganizationService.

`create_app(svc)` returns an ASGI app (Starlette; install the `[server]` extra);
`leadsdk.webapi.server.serve(...)` runs it with uvicorn, over HTTPS when asked.
"""

from __future__ import annotations

from leadsdk.webapi.app import create_app

__all__ = ["create_app"]
