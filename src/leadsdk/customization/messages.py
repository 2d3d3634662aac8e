"""Metadata messages (RetrieveEntity, CreateAttribute, ...) and views (ExecuteByIdSavedQuery, ...).

Customizations change the store's one metadata registry, migrate the storage schema (add table or
column: a schema change, never a rewrite of existing rows) and are recorded in the store so they
survive reopening it. System tables and columns can be relabelled but not deleted.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import attrs

from leadsdk.customization.definitions import EntityDefinition, EntityMetadataInfo, info, metadata_id
from leadsdk.entities import serialize as ser
from leadsdk.entities.declare import LookupDecl, many_to_many, states, table
from leadsdk.entities.model import (
    AttributeMetadata,
    AttributeType,
    CascadeConfiguration,
    ManyToManyRelationshipMetadata,
    OneToManyRelationshipMetadata,
    RequiredLevel,
)
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import HandlerContext, OrganizationRequest, OrganizationResponse, handler
from leadsdk.messages.crud import run_view
from leadsdk.messages.privileges import Customize
from leadsdk.records.coherence import customized
from leadsdk.records.write import create_record
from leadsdk.storage.customizations import TABLE as CUSTOMIZATION_TABLE
from leadsdk.storage.customizations import apply as apply_customization
from leadsdk.types import Entity, EntityCollection, EntityReference, to_uuid

__all__ = [
    "CreateAttributeRequest",
    "CreateAttributeResponse",
    "CreateEntityRequest",
    "CreateEntityResponse",
    "CreateManyToManyRequest",
    "CreateManyToManyResponse",
    "CreateOneToManyRequest",
    "CreateOneToManyResponse",
    "DeleteAttributeRequest",
    "DeleteAttributeResponse",
    "ExecuteByIdSavedQueryRequest",
    "ExecuteByIdSavedQueryResponse",
    "ExecuteByIdUserQueryRequest",
    "ExecuteByIdUserQueryResponse",
    "RetrieveAllEntitiesRequest",
    "RetrieveAllEntitiesResponse",
    "RetrieveAttributeRequest",
    "RetrieveAttributeResponse",
    "RetrieveEntityRequest",
    "RetrieveEntityResponse",
    "UpdateAttributeRequest",
    "UpdateAttributeResponse",
    "UpdateEntityRequest",
    "UpdateEntityResponse",
]


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveAllEntitiesRequest(OrganizationRequest["RetrieveAllEntitiesResponse"]):
    request_name = "RetrieveAllEntities"
    read_only = True
    retrieve_as_if_published: bool = True


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveAllEntitiesResponse(OrganizationResponse):
    entity_metadata: list[EntityMetadataInfo] = attrs.field(factory=list)


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveEntityRequest(OrganizationRequest["RetrieveEntityResponse"]):
    request_name = "RetrieveEntity"
    read_only = True
    logical_name: str | None = None
    retrieve_as_if_published: bool = True


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveEntityResponse(OrganizationResponse):
    entity_metadata: EntityMetadataInfo | None = None


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveAttributeRequest(OrganizationRequest["RetrieveAttributeResponse"]):
    request_name = "RetrieveAttribute"
    read_only = True
    entity_logical_name: str | None = None
    logical_name: str | None = None


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveAttributeResponse(OrganizationResponse):
    attribute_metadata: AttributeMetadata | None = None


@attrs.define(eq=False, repr=False, slots=False)
class CreateEntityRequest(OrganizationRequest["CreateEntityResponse"]):
    request_name = "CreateEntity"
    requires = (Customize("prvCreateEntity"),)
    entity: EntityDefinition | None = None
    primary_attribute: AttributeMetadata | None = None
    has_activities: bool = False
    has_notes: bool = False
    publisher_prefix: str = "new"


@attrs.define(eq=False, repr=False, slots=False)
class CreateEntityResponse(OrganizationResponse):
    entity_id: uuid.UUID | None = None
    attribute_id: uuid.UUID | None = None


@attrs.define(eq=False, repr=False, slots=False)
class CreateAttributeRequest(OrganizationRequest["CreateAttributeResponse"]):
    request_name = "CreateAttribute"
    requires = (Customize("prvCreateAttribute"),)
    entity_name: str | None = None
    attribute: AttributeMetadata | LookupDecl | None = None
    publisher_prefix: str = "new"


@attrs.define(eq=False, repr=False, slots=False)
class CreateAttributeResponse(OrganizationResponse):
    attribute_id: uuid.UUID | None = None


@attrs.define(eq=False, repr=False, slots=False)
class UpdateEntityRequest(OrganizationRequest["UpdateEntityResponse"]):
    request_name = "UpdateEntity"
    requires = (Customize("prvWriteEntity"),)
    entity: EntityDefinition | None = None


@attrs.define(eq=False, repr=False, slots=False)
class UpdateEntityResponse(OrganizationResponse):
    pass


@attrs.define(eq=False, repr=False, slots=False)
class UpdateAttributeRequest(OrganizationRequest["UpdateAttributeResponse"]):
    request_name = "UpdateAttribute"
    requires = (Customize("prvWriteAttribute"),)
    entity_name: str | None = None
    attribute: AttributeMetadata | None = None


@attrs.define(eq=False, repr=False, slots=False)
class UpdateAttributeResponse(OrganizationResponse):
    pass


@attrs.define(eq=False, repr=False, slots=False)
class DeleteAttributeRequest(OrganizationRequest["DeleteAttributeResponse"]):
    request_name = "DeleteAttribute"
    requires = (Customize("prvDeleteAttribute"),)
    entity_logical_name: str | None = None
    logical_name: str | None = None


@attrs.define(eq=False, repr=False, slots=False)
class DeleteAttributeResponse(OrganizationResponse):
    pass


@attrs.define(eq=False, repr=False, slots=False)
class CreateOneToManyRequest(OrganizationRequest["CreateOneToManyResponse"]):
    request_name = "CreateOneToMany"
    requires = (Customize("prvCreateRelationship"),)
    one_to_many_relationship: OneToManyRelationshipMetadata | None = None
    lookup: AttributeMetadata | None = None
    publisher_prefix: str = "new"


@attrs.define(eq=False, repr=False, slots=False)
class CreateOneToManyResponse(OrganizationResponse):
    relationship_id: uuid.UUID | None = None
    attribute_id: uuid.UUID | None = None


@attrs.define(eq=False, repr=False, slots=False)
class CreateManyToManyRequest(OrganizationRequest["CreateManyToManyResponse"]):
    request_name = "CreateManyToMany"
    requires = (Customize("prvCreateRelationship"),)
    many_to_many_relationship: ManyToManyRelationshipMetadata | None = None
    intersect_entity_schema_name: str | None = None
    publisher_prefix: str = "new"


@attrs.define(eq=False, repr=False, slots=False)
class CreateManyToManyResponse(OrganizationResponse):
    many_to_many_relationship_id: uuid.UUID | None = None


@attrs.define(eq=False, repr=False, slots=False)
class ExecuteByIdSavedQueryRequest(OrganizationRequest["ExecuteByIdSavedQueryResponse"]):
    request_name = "ExecuteByIdSavedQuery"
    read_only = True
    entity_id: uuid.UUID | str | None = None


@attrs.define(eq=False, repr=False, slots=False)
class ExecuteByIdSavedQueryResponse(OrganizationResponse):
    entity_collection: EntityCollection = attrs.field(factory=EntityCollection)


@attrs.define(eq=False, repr=False, slots=False)
class ExecuteByIdUserQueryRequest(OrganizationRequest["ExecuteByIdUserQueryResponse"]):
    request_name = "ExecuteByIdUserQuery"
    read_only = True
    entity_id: uuid.UUID | str | EntityReference | None = None


@attrs.define(eq=False, repr=False, slots=False)
class ExecuteByIdUserQueryResponse(OrganizationResponse):
    entity_collection: EntityCollection = attrs.field(factory=EntityCollection)


def _required(value: Any, field: str, request: str) -> Any:
    if value is None or value == "":
        raise OrganizationServiceFault(ErrorCodes.REQUIRED_FIELD_MISSING, f"{request} needs '{field}'.")
    return value


def _check_custom_name(name: str, prefix: str, what: str) -> None:
    """Custom names start with the publisher's customization prefix (`new_` by default), as in Dataverse."""
    if not re.fullmatch(r"[a-z][a-z0-9]{1,7}", prefix or ""):
        raise OrganizationServiceFault(ErrorCodes.INVALID_CUSTOMIZATION_PREFIX,
                                       f"'{prefix}' is not a valid customization prefix (2 to 8 letters or digits).")
    if not name.startswith(prefix + "_") or not re.fullmatch(r"[a-z0-9_]{1,50}", name) or name == prefix + "_":
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_CUSTOMIZATION_PREFIX,
            f"The {what} name '{name}' must start with the customization prefix '{prefix}_' and use only "
            "lower-case letters, digits and underscores (at most 50 characters).",
        )


def _record(ctx: HandlerContext, kind: str, name: str, entity: str, payload: dict[str, Any]) -> None:
    """Keep the customization (applied here already) for reopening and for the store's other services."""
    row_id = create_record(ctx, Entity(CUSTOMIZATION_TABLE, attributes={
        "name": name[:400], "kind": kind, "entityname": entity, "payload": json.dumps(payload),
        "sequence": ctx.storage.next_version() % 2_000_000_000,
    }))
    customized(ctx, row_id)


def _customize(ctx: HandlerContext, kind: str, name: str, entity: str, payload: dict[str, Any]) -> None:
    """Apply a customization to the live metadata, migrate the schema and record it, all or nothing."""
    before = ctx.metadata.version
    snapshot = (dict(ctx.metadata.tables), dict(ctx.metadata.one_to_many), dict(ctx.metadata.many_to_many),
                {n: dict(t.attributes) for n, t in ctx.metadata.tables.items()},
                {n: (t.display_name, t.display_collection_name, t.description)
                 for n, t in ctx.metadata.tables.items()})
    try:
        apply_customization(ctx.metadata, kind, payload)
        ctx.storage.attach(ctx.metadata)
        _record(ctx, kind, name, entity, payload)
    except BaseException:
        tables, o2m, m2m, cols, labels = snapshot
        ctx.metadata.tables.clear()
        ctx.metadata.tables.update(tables)
        ctx.metadata.one_to_many.clear()
        ctx.metadata.one_to_many.update(o2m)
        ctx.metadata.many_to_many.clear()
        ctx.metadata.many_to_many.update(m2m)
        for n, t in ctx.metadata.tables.items():
            t.attributes.clear()
            t.attributes.update(cols[n])
            t.display_name, t.display_collection_name, t.description = labels[n]
        ctx.metadata.version = before + 1000
        raise


def _attribute_payload(entity: str, a: AttributeMetadata, rels: list[OneToManyRelationshipMetadata]
                       ) -> dict[str, Any]:
    return {"entity": entity, "attribute": ser.attribute_to_dict(a),
            "relationships": [ser.relationship_to_dict(r) for r in rels]}


_ALLOWED_TYPES = {
    AttributeType.STRING, AttributeType.MEMO, AttributeType.INTEGER, AttributeType.BIGINT, AttributeType.DECIMAL,
    AttributeType.MONEY, AttributeType.DOUBLE, AttributeType.BOOLEAN, AttributeType.DATETIME, AttributeType.DATE,
    AttributeType.PICKLIST, AttributeType.LOOKUP, AttributeType.CUSTOMER, AttributeType.UNIQUEIDENTIFIER,
    AttributeType.FILE, AttributeType.IMAGE,
}


@handler(RetrieveAllEntitiesRequest)
def _retrieve_all(ctx: HandlerContext, req: RetrieveAllEntitiesRequest) -> RetrieveAllEntitiesResponse:
    return RetrieveAllEntitiesResponse([info(ctx, t) for t in ctx.metadata])


@handler(RetrieveEntityRequest)
def _retrieve_entity(ctx: HandlerContext, req: RetrieveEntityRequest) -> RetrieveEntityResponse:
    name = _required(req.logical_name, "logical_name", "RetrieveEntityRequest")
    return RetrieveEntityResponse(info(ctx, ctx.metadata.table(name)))


@handler(RetrieveAttributeRequest)
def _retrieve_attribute(ctx: HandlerContext, req: RetrieveAttributeRequest) -> RetrieveAttributeResponse:
    ent = _required(req.entity_logical_name, "entity_logical_name", "RetrieveAttributeRequest")
    col = _required(req.logical_name, "logical_name", "RetrieveAttributeRequest")
    return RetrieveAttributeResponse(ctx.metadata.attribute(ent, col))


@handler(CreateEntityRequest)
def _create_entity(ctx: HandlerContext, req: CreateEntityRequest) -> CreateEntityResponse:
    ent: EntityDefinition = _required(req.entity, "entity", "CreateEntityRequest")
    prim: AttributeMetadata = _required(req.primary_attribute, "primary_attribute", "CreateEntityRequest")
    name = ent.logical_name
    _check_custom_name(name, req.publisher_prefix, "table")
    _check_custom_name(prim.logical_name, req.publisher_prefix, "column")
    if name in ctx.metadata:
        raise OrganizationServiceFault(ErrorCodes.DUPLICATE_ENTITY_NAME,
                                       f"A table named '{name}' already exists.")
    if prim.type is not AttributeType.STRING:
        raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT,
                                       "The primary column of a table must be a string column.")
    primary = attrs.evolve(prim, is_custom=True, is_primary_name=True,
                           required_level=RequiredLevel.APPLICATION_REQUIRED)
    decl = table(
        name, ent.display_name or name, ent.display_collection_name or ent.display_name or name, [primary],
        primary_name=primary.logical_name, ownership=ent.ownership_type, custom=True,
        state_model=states((0, "Active", {1: "Active"}), (1, "Inactive", {2: "Inactive"})),
        description=ent.description, activity=ent.is_activity,
    )
    payload = {"entity": ser.entity_to_dict(decl.metadata),
               "attributes": [ser.attribute_to_dict(a) for a in decl.metadata.attributes.values()],
               "relationships": [ser.relationship_to_dict(r) for r in decl.one_to_many]}
    _customize(ctx, "table", name, name, payload)
    return CreateEntityResponse(metadata_id(name), metadata_id(name, primary.logical_name))


@handler(CreateAttributeRequest)
def _create_attribute(ctx: HandlerContext, req: CreateAttributeRequest) -> CreateAttributeResponse:
    ent = _required(req.entity_name, "entity_name", "CreateAttributeRequest")
    item = _required(req.attribute, "attribute", "CreateAttributeRequest")
    t = ctx.metadata.table(ent)
    rels: list[OneToManyRelationshipMetadata] = []
    if isinstance(item, LookupDecl):
        a = item.attribute
        for target, schema, cascade in item.relationships:
            ctx.metadata.table(target)
            rels.append(OneToManyRelationshipMetadata(
                schema or f"{req.publisher_prefix}_{target}_{ent}_{a.logical_name}", target,
                ctx.metadata.table(target).primary_id_attribute, ent, a.logical_name, cascade, is_custom=True))
    else:
        a = item
        if a.type.is_lookup:
            for target in a.targets:
                rels.append(OneToManyRelationshipMetadata(
                    f"{req.publisher_prefix}_{target}_{ent}_{a.logical_name}", target,
                    ctx.metadata.table(target).primary_id_attribute, ent, a.logical_name, CascadeConfiguration(),
                    is_custom=True))
    _check_custom_name(a.logical_name, req.publisher_prefix, "column")
    if a.type not in _ALLOWED_TYPES:
        raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT,
                                       f"A column of type {a.type.value} cannot be created.")
    if a.logical_name in t.attributes:
        raise OrganizationServiceFault(ErrorCodes.DUPLICATE_ATTRIBUTE_NAME,
                                       f"The table '{ent}' already has a column named '{a.logical_name}'.")
    a = attrs.evolve(a, is_custom=True, is_primary_id=False, is_primary_name=False, is_system=False)
    for r in rels:
        ctx.metadata.table(r.referenced_entity)
    _customize(ctx, "attribute", f"{ent}.{a.logical_name}", ent, _attribute_payload(ent, a, rels))
    return CreateAttributeResponse(metadata_id(ent, a.logical_name))


@handler(UpdateEntityRequest)
def _update_entity(ctx: HandlerContext, req: UpdateEntityRequest) -> UpdateEntityResponse:
    ent: EntityDefinition = _required(req.entity, "entity", "UpdateEntityRequest")
    t = ctx.metadata.table(ent.logical_name)
    changes = {k: v for k, v in (("display_name", ent.display_name),
                                 ("display_collection_name", ent.display_collection_name),
                                 ("description", ent.description)) if v}
    if changes:
        _customize(ctx, "entity_update", t.logical_name, t.logical_name,
                   {"entity": t.logical_name, "changes": changes})
    return UpdateEntityResponse()


@handler(UpdateAttributeRequest)
def _update_attribute(ctx: HandlerContext, req: UpdateAttributeRequest) -> UpdateAttributeResponse:
    ent = _required(req.entity_name, "entity_name", "UpdateAttributeRequest")
    new: AttributeMetadata = _required(req.attribute, "attribute", "UpdateAttributeRequest")
    old = ctx.metadata.attribute(ent, new.logical_name)
    if new.type is not old.type:
        raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT,
                                       f"The type of column '{ent}.{old.logical_name}' cannot be changed.")
    if old.max_length is not None and new.max_length is not None and new.max_length < old.max_length:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"The maximum length of '{ent}.{old.logical_name}' can grow but not shrink "
            f"({old.max_length} -> {new.max_length}).")
    merged = attrs.evolve(
        old,
        display_name=new.display_name or old.display_name,
        description=new.description or old.description,
        max_length=new.max_length if new.max_length is not None else old.max_length,
        required_level=new.required_level,
    )
    _customize(ctx, "attribute_update", f"{ent}.{old.logical_name}", ent,
               {"entity": ent, "attribute": ser.attribute_to_dict(merged)})
    return UpdateAttributeResponse()


@handler(DeleteAttributeRequest)
def _delete_attribute(ctx: HandlerContext, req: DeleteAttributeRequest) -> DeleteAttributeResponse:
    ent = _required(req.entity_logical_name, "entity_logical_name", "DeleteAttributeRequest")
    col = _required(req.logical_name, "logical_name", "DeleteAttributeRequest")
    a = ctx.metadata.attribute(ent, col)
    if not a.is_custom:
        raise OrganizationServiceFault(
            ErrorCodes.CANNOT_DELETE_SYSTEM_ATTRIBUTE,
            f"The column '{ent}.{col}' is a system column and cannot be deleted.")
    _customize(ctx, "attribute_delete", f"{ent}.{col}", ent, {"entity": ent, "logical_name": col})
    return DeleteAttributeResponse()


@handler(CreateOneToManyRequest)
def _create_one_to_many(ctx: HandlerContext, req: CreateOneToManyRequest) -> CreateOneToManyResponse:
    rel: OneToManyRelationshipMetadata = _required(req.one_to_many_relationship, "one_to_many_relationship",
                                                   "CreateOneToManyRequest")
    lk: AttributeMetadata = _required(req.lookup, "lookup", "CreateOneToManyRequest")
    _check_custom_name(rel.schema_name.lower(), req.publisher_prefix, "relationship")
    parent = ctx.metadata.table(rel.referenced_entity)
    ctx.metadata.table(rel.referencing_entity)
    a = attrs.evolve(lk, type=AttributeType.LOOKUP, targets=(parent.logical_name,))
    r = attrs.evolve(rel, referenced_attribute=parent.primary_id_attribute, referencing_attribute=a.logical_name,
                     is_custom=True)
    resp = _create_attribute(ctx, CreateAttributeRequest(
        entity_name=rel.referencing_entity, attribute=LookupDecl(a, ((parent.logical_name, r.schema_name,
                                                                      r.cascade),)),
        publisher_prefix=req.publisher_prefix))
    return CreateOneToManyResponse(metadata_id(r.schema_name), resp.attribute_id)


@handler(CreateManyToManyRequest)
def _create_many_to_many(ctx: HandlerContext, req: CreateManyToManyRequest) -> CreateManyToManyResponse:
    rel: ManyToManyRelationshipMetadata = _required(req.many_to_many_relationship, "many_to_many_relationship",
                                                    "CreateManyToManyRequest")
    inter = (req.intersect_entity_schema_name or rel.intersect_entity_name or rel.schema_name).lower()
    _check_custom_name(rel.schema_name.lower(), req.publisher_prefix, "relationship")
    _check_custom_name(inter, req.publisher_prefix, "intersect table")
    e1, e2 = ctx.metadata.table(rel.entity1_logical_name), ctx.metadata.table(rel.entity2_logical_name)
    if inter in ctx.metadata or ctx.metadata.many_to_many.get(rel.schema_name):
        raise OrganizationServiceFault(ErrorCodes.DUPLICATE_ENTITY_NAME,
                                       f"A table or relationship named '{inter}' already exists.")
    a1 = rel.entity1_intersect_attribute or e1.primary_id_attribute
    a2 = rel.entity2_intersect_attribute or e2.primary_id_attribute
    if a1 == a2:
        a2 = a2 + "two"
    m2m, decl = many_to_many(rel.schema_name, e1.logical_name, e2.logical_name, inter, a1, a2, custom=True)
    payload = {"relationship": ser.relationship_to_dict(m2m), "entity": ser.entity_to_dict(decl.metadata),
               "attributes": [ser.attribute_to_dict(a) for a in decl.metadata.attributes.values()]}
    _customize(ctx, "many_to_many", rel.schema_name, inter, payload)
    return CreateManyToManyResponse(metadata_id(rel.schema_name))


def _view_id(value: Any, request: str) -> uuid.UUID:
    if isinstance(value, EntityReference):
        return value.id
    try:
        return to_uuid(_required(value, "entity_id", request))
    except ValueError:
        raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT, f"{request}.entity_id is not an id.") from None


@handler(ExecuteByIdSavedQueryRequest)
def _execute_saved(ctx: HandlerContext, req: ExecuteByIdSavedQueryRequest) -> ExecuteByIdSavedQueryResponse:
    return ExecuteByIdSavedQueryResponse(run_view(ctx, "savedquery", _view_id(req.entity_id,
                                                                               "ExecuteByIdSavedQueryRequest")))


@handler(ExecuteByIdUserQueryRequest)
def _execute_user(ctx: HandlerContext, req: ExecuteByIdUserQueryRequest) -> ExecuteByIdUserQueryResponse:
    return ExecuteByIdUserQueryResponse(run_view(ctx, "userquery", _view_id(req.entity_id,
                                                                             "ExecuteByIdUserQueryRequest")))


