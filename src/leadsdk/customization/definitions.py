"""Table and column metadata as the metadata messages answer it (customization feature): stable metadata
ids, the table summary (`EntityMetadataInfo`) and the definition a CreateEntity takes (`EntityDefinition`)."""

from __future__ import annotations

import uuid

import attrs

from leadsdk.entities.keys import EntityKeyMetadata
from leadsdk.entities.model import (
    AttributeMetadata,
    EntityMetadata,
    ManyToManyRelationshipMetadata,
    OneToManyRelationshipMetadata,
    OwnershipType,
    StateModel,
)
from leadsdk.entities.registry import Metadata
from leadsdk.messages.base import HandlerContext

__all__ = ["EntityDefinition", "EntityMetadataInfo", "info_of", "metadata_id"]


_NS = uuid.UUID("6f1c2a52-7d0e-4c43-9a8e-5b0c3f6a1d10")


def metadata_id(*names: str) -> uuid.UUID:
    """A stable MetadataId for a table, column or relationship (derived from its names)."""
    return uuid.uuid5(_NS, "/".join(names))


@attrs.frozen
class EntityMetadataInfo:
    """What RetrieveEntity returns: a table's definition with its columns as a list (as the SDK's
    `EntityMetadata.Attributes` array) and its relationships."""

    logical_name: str
    schema_name: str
    metadata_id: uuid.UUID
    display_name: str
    display_collection_name: str
    description: str
    primary_id_attribute: str
    primary_name_attribute: str | None
    ownership_type: OwnershipType
    object_type_code: int | None
    entity_set_name: str
    is_custom_entity: bool
    is_activity: bool
    is_intersect: bool
    attributes: list[AttributeMetadata]
    one_to_many_relationships: list[OneToManyRelationshipMetadata]
    many_to_one_relationships: list[OneToManyRelationshipMetadata]
    many_to_many_relationships: list[ManyToManyRelationshipMetadata]
    state_model: StateModel | None
    keys: list[EntityKeyMetadata] = attrs.field(factory=list)
    """The table's alternate keys (CreateEntityKeyRequest)."""
    change_tracking_enabled: bool = False

    def attribute(self, logical_name: str) -> AttributeMetadata | None:
        return next((a for a in self.attributes if a.logical_name == logical_name), None)


def info(ctx: HandlerContext, t: EntityMetadata) -> EntityMetadataInfo:
    """RetrieveEntity's answer for `t` of the caller's store."""
    return info_of(ctx.metadata, t)


def info_of(md: Metadata, t: EntityMetadata) -> EntityMetadataInfo:
    """`t` with its relationships in `md` as RetrieveEntity answers it; also for tables outside a store (the
    Web API's read-only `sdkmessage` tables)."""
    return EntityMetadataInfo(
        t.logical_name, t.logical_name, metadata_id(t.logical_name), t.display_name, t.display_collection_name,
        t.description, t.primary_id_attribute, t.primary_name_attribute, t.ownership, t.object_type_code,
        t.entity_set_name, t.is_custom, t.is_activity, t.is_intersect, list(t.attributes.values()),
        md.referencing(t.logical_name), md.lookups_of(t.logical_name), md.many_to_many_of(t.logical_name),
        t.state_model, list(t.keys), t.change_tracking_enabled,
    )


@attrs.define
class EntityDefinition:
    """A new table for CreateEntityRequest (the SDK's EntityMetadata with what a caller sets)."""

    schema_name: str = ""
    display_name: str = ""
    display_collection_name: str = ""
    description: str = ""
    ownership_type: OwnershipType = OwnershipType.USER_OWNED
    is_activity: bool = False

    @property
    def logical_name(self) -> str:
        return self.schema_name.lower()
