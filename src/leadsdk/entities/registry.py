"""The metadata registry: every table and relationship a store knows, built-in and custom."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

from leadsdk.entities.declare import TableDecl
from leadsdk.entities.model import (
    AttributeMetadata,
    EntityMetadata,
    ManyToManyRelationshipMetadata,
    OneToManyRelationshipMetadata,
)
from leadsdk.errors import ErrorCodes, OrganizationServiceFault

__all__ = ["Metadata"]

RelationshipMetadata = OneToManyRelationshipMetadata | ManyToManyRelationshipMetadata


class Metadata:
    """Tables by logical name and relationships by schema name.

    `version` grows with every change so that caches derived from metadata (compiled SQL,
    converters) know when to rebuild.
    """

    def __init__(
        self,
        tables: Iterable[TableDecl] = (),
        many_to_many: Iterable[tuple[ManyToManyRelationshipMetadata, TableDecl]] = (),
    ) -> None:
        self.tables: dict[str, EntityMetadata] = {}
        self.one_to_many: dict[str, OneToManyRelationshipMetadata] = {}
        self.many_to_many: dict[str, ManyToManyRelationshipMetadata] = {}
        self.version = 0
        for decl in tables:
            self.add_table(decl)
        for rel, decl in many_to_many:
            self.add_many_to_many(rel, decl)

    # lookups ----------------------------------------------------------------------
    def get(self, logical_name: str) -> EntityMetadata | None:
        return self.tables.get(logical_name)

    def table(self, logical_name: str) -> EntityMetadata:
        """The table, or the fault Dataverse gives for an unknown entity name."""
        t = self.tables.get(logical_name) if isinstance(logical_name, str) else None
        if t is None:
            raise OrganizationServiceFault(
                ErrorCodes.QUERY_BUILDER_NO_ENTITY,
                f"The entity with a name = '{logical_name}' with namemapping = 'Logical' was not found "
                "in the MetadataCache.",
            )
        return t

    def attribute(self, table: str | EntityMetadata, column: str) -> AttributeMetadata:
        """The column, or the fault Dataverse gives for an unknown attribute."""
        t = self.table(table) if isinstance(table, str) else table
        a = t.attributes.get(column) if isinstance(column, str) else None
        if a is None:
            raise OrganizationServiceFault(
                ErrorCodes.QUERY_BUILDER_NO_ATTRIBUTE,
                f"'{t.logical_name}' entity doesn't contain attribute with Name = '{column}' "
                "and NameMapping = 'Logical'.",
            )
        return a

    def relationship(self, schema_name: str) -> RelationshipMetadata:
        r: RelationshipMetadata | None = self.one_to_many.get(schema_name)
        if r is None:
            r = self.many_to_many.get(schema_name)
        if r is None:
            low = schema_name.lower() if isinstance(schema_name, str) else ""
            candidates: list[tuple[str, RelationshipMetadata]] = [
                *self.one_to_many.items(), *self.many_to_many.items()
            ]
            for name, rel in candidates:
                if name.lower() == low:
                    return rel
            raise OrganizationServiceFault(
                ErrorCodes.OBJECT_DOES_NOT_EXIST,
                f"There is no relationship named '{schema_name}'.",
            )
        return r

    def referencing(self, referenced_entity: str) -> list[OneToManyRelationshipMetadata]:
        """The 1:N relationships whose lookups point at `referenced_entity` (its children)."""
        return [r for r in self.one_to_many.values() if r.referenced_entity == referenced_entity]

    def lookups_of(self, referencing_entity: str) -> list[OneToManyRelationshipMetadata]:
        return [r for r in self.one_to_many.values() if r.referencing_entity == referencing_entity]

    def many_to_many_of(self, entity: str) -> list[ManyToManyRelationshipMetadata]:
        return [
            r
            for r in self.many_to_many.values()
            if entity in (r.entity1_logical_name, r.entity2_logical_name)
        ]

    def __iter__(self) -> Iterator[EntityMetadata]:
        return iter(self.tables.values())

    def __contains__(self, name: object) -> bool:
        return name in self.tables

    # changes -----------------------------------------------------------------------
    def add_table(self, decl: TableDecl) -> EntityMetadata:
        self.tables[decl.metadata.logical_name] = decl.metadata
        for r in decl.one_to_many:
            self.one_to_many[r.schema_name] = r
        self._resolve_referenced_attributes()
        self.version += 1
        return decl.metadata

    def _resolve_referenced_attributes(self) -> None:
        """A lookup is declared without knowing its target's key and assumes `{target}id`; point each
        relationship at the referenced table's real primary id (activities use `activityid`)."""
        for name, r in self.one_to_many.items():
            t = self.tables.get(r.referenced_entity)
            if t is not None and r.referenced_attribute != t.primary_id_attribute:
                self.one_to_many[name] = attrs.evolve(r, referenced_attribute=t.primary_id_attribute)

    def add_many_to_many(self, rel: ManyToManyRelationshipMetadata, decl: TableDecl) -> None:
        self.add_table(decl)
        self.many_to_many[rel.schema_name] = rel
        self.version += 1

    def add_attribute(
        self,
        table: str,
        attribute: AttributeMetadata,
        relationships: Iterable[OneToManyRelationshipMetadata] = (),
    ) -> None:
        t = self.table(table)
        t.attributes[attribute.logical_name] = attribute
        for r in relationships:
            self.one_to_many[r.schema_name] = r
        self._resolve_referenced_attributes()
        self.version += 1

    def replace_attribute(self, table: str, attribute: AttributeMetadata) -> None:
        self.table(table).attributes[attribute.logical_name] = attribute
        self.version += 1

    def remove_attribute(self, table: str, column: str) -> None:
        t = self.table(table)
        t.attributes.pop(column, None)
        for name, r in list(self.one_to_many.items()):
            if r.referencing_entity == table and r.referencing_attribute == column:
                del self.one_to_many[name]
        self.version += 1
