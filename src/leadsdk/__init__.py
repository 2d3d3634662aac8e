"""leadsdk: the Dataverse SDK for Dynamics 365 Sales lead-to-opportunity work, on SQLite or PostgreSQL.

    from leadsdk import OrganizationService, Entity
    svc = OrganizationService()                       # in-memory SQLite
    lead_id = svc.create(Entity("lead", firstname="Ada", lastname="Lovelace", subject="Engines"))
"""

from __future__ import annotations

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.service import OrganizationService
from leadsdk.types import (
    AliasedValue,
    ColumnSet,
    Entity,
    EntityCollection,
    EntityReference,
    Money,
    OptionSetValue,
    Relationship,
)

__version__ = "0.1.0"

__all__ = [
    "AliasedValue",
    "ColumnSet",
    "Entity",
    "EntityCollection",
    "EntityReference",
    "ErrorCodes",
    "Money",
    "OptionSetValue",
    "OrganizationService",
    "OrganizationServiceFault",
    "Relationship",
]
