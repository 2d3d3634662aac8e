"""The ASGI app: Starlette in front of the framework-free dispatcher (`WebApi`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from leadsdk.errors import ErrorCodes
from leadsdk.webapi.api import WebApi
from leadsdk.webapi.errors import error_body
from leadsdk.webapi.http import ApiRequest, ApiResponse

if TYPE_CHECKING:
    from leadsdk.service import OrganizationService

__all__ = ["MAX_BODY", "ROOT", "create_app"]

ROOT = "/api/data/v9.2/"
MAX_BODY = 32 * 1024 * 1024
"""Larger request bodies are refused with 413, as Dataverse refuses requests over its limit."""


def create_app(service: OrganizationService, token: str | None = None) -> Any:
    """An ASGI app serving Dataverse's Web API at `/api/data/v9.2/` over `service`.

    With `token`, only `Authorization: Bearer <token>` is accepted; without, any bearer token is.
    """
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    api = WebApi(service, token)

    async def endpoint(request: Request) -> Any:
        denied = api.authorize(request.headers.get("authorization", ""))
        if denied is not None:
            return _to_starlette(denied, Response)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY:
            return _to_starlette(ApiResponse(413, error_body(ErrorCodes.REQUEST_LENGTH_TOO_LARGE,
                                                             "The request body is too large.")), Response)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return _to_starlette(ApiResponse(413, error_body(ErrorCodes.REQUEST_LENGTH_TOO_LARGE,
                                                                 "The request body is too large.")), Response)
        base = str(request.base_url).rstrip("/") + ROOT
        req = ApiRequest(
            method=request.method.upper(),
            path=request.path_params.get("path", ""),
            query=dict(request.query_params),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            base_url=base,
        )
        resp = await run_in_threadpool(api.handle, req)
        return _to_starlette(resp, Response)

    methods = ["GET", "POST", "PATCH", "PUT", "DELETE"]
    routes = [Route(ROOT.rstrip("/"), endpoint, methods=methods),
              Route(ROOT + "{path:path}", endpoint, methods=methods)]
    app = Starlette(routes=routes)
    app.state.webapi = api
    return app


def _to_starlette(resp: ApiResponse, response_cls: Any) -> Any:
    content = resp.content()
    media = resp.media_type if content or resp.status not in (204, 304) else None
    return response_cls(content=content, status_code=resp.status, headers=resp.headers, media_type=media)
