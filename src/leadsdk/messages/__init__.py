"""Every request and response class, and the handlers that serve them.

Request fields are the Dataverse parameter names in snake_case (`QualifyLeadRequest.lead_id`).
Importing this package registers every handler.
"""

from __future__ import annotations

from leadsdk.messages import seed as _seed  # noqa: F401  (registers the store's seed rows)
from leadsdk.messages.base import (
    SYSTEM_USER_ID,
    HandlerContext,
    OrganizationRequest,
    OrganizationResponse,
)
from leadsdk.messages.crud import (
    ConcurrencyBehavior,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DeleteResponse,
    RetrieveMultipleRequest,
    RetrieveMultipleResponse,
    RetrieveRequest,
    RetrieveResponse,
    UpdateRequest,
    UpdateResponse,
    UpsertRequest,
    UpsertResponse,
)
from leadsdk.messages.relationships import (
    AssociateRequest,
    AssociateResponse,
    DisassociateRequest,
    DisassociateResponse,
)

__all__ = [
    "SYSTEM_USER_ID",
    "AssociateRequest",
    "AssociateResponse",
    "ConcurrencyBehavior",
    "CreateRequest",
    "CreateResponse",
    "DeleteRequest",
    "DeleteResponse",
    "DisassociateRequest",
    "DisassociateResponse",
    "HandlerContext",
    "OrganizationRequest",
    "OrganizationResponse",
    "RetrieveMultipleRequest",
    "RetrieveMultipleResponse",
    "RetrieveRequest",
    "RetrieveResponse",
    "UpdateRequest",
    "UpdateResponse",
    "UpsertRequest",
    "UpsertResponse",
]
