"""Every built-in table declaration, collected in one place."""

from __future__ import annotations

from leadsdk.entities.declare import TableDecl
from leadsdk.entities.model import ManyToManyRelationshipMetadata
from leadsdk.entities.tables import activities, org, related, relationships, sales, service

__all__ = ["MANY_TO_MANY", "TABLES"]

TABLES: list[TableDecl] = [*org.TABLES, *sales.TABLES, *service.TABLES, *activities.TABLES, *related.TABLES]

MANY_TO_MANY: list[tuple[ManyToManyRelationshipMetadata, TableDecl]] = [*relationships.MANY_TO_MANY]
