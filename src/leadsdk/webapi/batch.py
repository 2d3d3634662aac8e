"""`$batch`: multipart/mixed requests, change sets (atomic), `Content-ID` references, continue-on-error."""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadsdk.errors import ErrorCodes
from leadsdk.webapi.errors import ApiError
from leadsdk.webapi.http import ApiRequest, ApiResponse

if TYPE_CHECKING:
    from leadsdk.service import OrganizationService
    from leadsdk.webapi.api import WebApi

__all__ = ["run"]


def run(api: WebApi, svc: OrganizationService, req: ApiRequest) -> ApiResponse:
    raise ApiError(501, ErrorCodes.NOT_SUPPORTED, "$batch is not supported yet.")
