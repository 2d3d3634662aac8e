"""Every built-in table declaration, collected in one place."""

from __future__ import annotations

from leadsdk.entities.declare import TableDecl
from leadsdk.entities.model import ManyToManyRelationshipMetadata
from leadsdk.entities.tables import activities, customization, org, related, relationships, sales, service
from leadsdk.entities.tables import audit as _audit
from leadsdk.entities.tables import duplicates as _duplicates
from leadsdk.entities.tables import jobs as _jobs
from leadsdk.entities.tables import lifecycle as _lifecycle
from leadsdk.entities.tables import scoring as _scoring
from leadsdk.entities.tables import security as _security

__all__ = ["MANY_TO_MANY", "TABLES"]

TABLES: list[TableDecl] = [*org.TABLES, *sales.TABLES, *service.TABLES, *activities.TABLES, *related.TABLES,
                          *customization.TABLES]
TABLES += _lifecycle.TABLES
TABLES += _duplicates.TABLES
TABLES += _audit.TABLES
TABLES += _scoring.TABLES
TABLES += _jobs.TABLES

MANY_TO_MANY: list[tuple[ManyToManyRelationshipMetadata, TableDecl]] = [*relationships.MANY_TO_MANY]

# security last: sharing (principalobjectaccess) can target every user-owned table declared above
TABLES += _security.security_tables(TABLES)
MANY_TO_MANY += _security.MANY_TO_MANY
