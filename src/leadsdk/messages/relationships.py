"""Associate and Disassociate: N:N by intersect rows, 1:N by setting or clearing the lookup.

Works for every relationship in metadata, whichever side the caller makes the target. Associating an
N:N pair that is already associated faults with DuplicateRecord; disassociating a pair that is not
associated does nothing, as in Dataverse. An unknown relationship faults with the
"The relationship does not exist" code (unManagedidsmetadatanorelationship, 0x80040E02).
Importing this module also registers the related-record rules of `leadsdk.related.rules`.
"""

from __future__ import annotations

import uuid
from typing import Any

import attrs

from leadsdk.entities.model import ManyToManyRelationshipMetadata, OneToManyRelationshipMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import HandlerContext, OrganizationRequest, OrganizationResponse, as_reference, handler
from leadsdk.messages.crud import UpdateRequest
from leadsdk.messages.privileges import AppendLinks, target
from leadsdk.query.model import ConditionOperator, QueryExpression
from leadsdk.records.settings import not_found
from leadsdk.types import Entity, EntityReference, Relationship

__all__ = ["AssociateRequest", "AssociateResponse", "DisassociateRequest", "DisassociateResponse"]


@attrs.define(eq=False, repr=False, slots=False)
class AssociateRequest(OrganizationRequest["AssociateResponse"]):
    request_name = "Associate"
    requires = (AppendLinks(),)
    target: EntityReference | None = target()
    relationship: Relationship | str | None = None
    related_entities: list[EntityReference] = attrs.field(factory=list)


@attrs.define(eq=False, repr=False, slots=False)
class AssociateResponse(OrganizationResponse):
    pass


@attrs.define(eq=False, repr=False, slots=False)
class DisassociateRequest(AssociateRequest):
    request_name = "Disassociate"


@attrs.define(eq=False, repr=False, slots=False)
class DisassociateResponse(AssociateResponse):
    pass


def _schema(rel: Relationship | str | None) -> str:
    if isinstance(rel, Relationship):
        return rel.schema_name
    if isinstance(rel, str) and rel:
        return rel
    raise OrganizationServiceFault(ErrorCodes.REQUIRED_FIELD_MISSING, "The request needs a relationship.")


def _check_exists(ctx: HandlerContext, ref: EntityReference) -> None:
    t = ctx.metadata.table(ref.logical_name)
    if not ctx.storage.exists(t, ref.id):
        raise not_found(ref.logical_name, ref.id)


def _relationship(ctx: HandlerContext, schema_name: str) -> Any:
    try:
        return ctx.metadata.relationship(schema_name)
    except OrganizationServiceFault:
        raise OrganizationServiceFault(
            ErrorCodes.UN_MANAGEDIDSMETADATANORELATIONSHIP,
            f"The relationship does not exist: no relationship is named '{schema_name}'.",
        ) from None


def _pairs(ctx: HandlerContext, req: AssociateRequest, name: str) -> tuple[Any, EntityReference, list[EntityReference]]:
    target = as_reference(req.target, "target", name)
    rel = _relationship(ctx, _schema(req.relationship))
    related = [as_reference(r, "related_entities", name) for r in (req.related_entities or [])]
    if not related:
        raise OrganizationServiceFault(ErrorCodes.REQUIRED_FIELD_MISSING, f"{name} needs at least one related record.")
    return rel, target, related


def _m2m_sides(rel: ManyToManyRelationshipMetadata, target: EntityReference, other: EntityReference
               ) -> tuple[uuid.UUID, uuid.UUID]:
    e1, e2 = rel.entity1_logical_name, rel.entity2_logical_name
    if target.logical_name == e1 and other.logical_name == e2:
        return target.id, other.id
    if target.logical_name == e2 and other.logical_name == e1:
        return other.id, target.id
    raise OrganizationServiceFault(
        ErrorCodes.INVALID_ARGUMENT,
        f"The relationship {rel.schema_name} links {e1} and {e2}; it cannot link a {target.logical_name} "
        f"with a {other.logical_name}.",
    )


def _one_to_many(rel: OneToManyRelationshipMetadata, target: EntityReference, other: EntityReference
                 ) -> tuple[EntityReference, EntityReference]:
    """(parent, child) of a 1:N pair, whichever side the caller made the target."""
    if target.logical_name == rel.referenced_entity and other.logical_name == rel.referencing_entity:
        return target, other
    if target.logical_name == rel.referencing_entity and other.logical_name == rel.referenced_entity:
        return other, target
    raise OrganizationServiceFault(
        ErrorCodes.INVALID_ARGUMENT,
        f"The relationship {rel.schema_name} links {rel.referenced_entity} to {rel.referencing_entity}; it cannot "
        f"link a {target.logical_name} with a {other.logical_name}.",
    )


def _intersect_rows(ctx: HandlerContext, rel: ManyToManyRelationshipMetadata, id1: uuid.UUID, id2: uuid.UUID
                    ) -> list[uuid.UUID]:
    """Ids of the intersect rows linking `id1` (entity1) and `id2` (entity2): one query, both columns."""
    inter = ctx.metadata.table(rel.intersect_entity_name)
    q = QueryExpression(inter.logical_name)
    q.criteria.add_condition(rel.entity1_intersect_attribute, ConditionOperator.EQUAL, id1)
    q.criteria.add_condition(rel.entity2_intersect_attribute, ConditionOperator.EQUAL, id2)
    pk = inter.primary_id_attribute
    return [r[pk] for r in ctx.storage.select(q).rows]


@handler(AssociateRequest)
def _associate(ctx: HandlerContext, req: AssociateRequest) -> AssociateResponse:
    rel, target, related = _pairs(ctx, req, "AssociateRequest")
    _check_exists(ctx, target)
    for other in related:
        _check_exists(ctx, other)
        if isinstance(rel, ManyToManyRelationshipMetadata):
            id1, id2 = _m2m_sides(rel, target, other)
            inter = ctx.metadata.table(rel.intersect_entity_name)
            if _intersect_rows(ctx, rel, id1, id2):
                raise OrganizationServiceFault(
                    ErrorCodes.DUPLICATE_RECORD,
                    f"Cannot insert duplicate key: the {rel.entity1_logical_name} {id1} and the "
                    f"{rel.entity2_logical_name} {id2} are already associated through {rel.schema_name}.",
                )
            ctx.storage.insert(inter, {
                inter.primary_id_attribute: uuid.uuid4(),
                rel.entity1_intersect_attribute: id1,
                rel.entity2_intersect_attribute: id2,
            })
            for hook in ctx.events.of("after_associate"):
                hook(ctx, rel.schema_name, id1, id2)
        else:
            parent, child = _one_to_many(rel, target, other)
            ctx.execute(UpdateRequest(target=Entity(child.logical_name, child.id,
                                                    {rel.referencing_attribute: parent})))
    return AssociateResponse()


@handler(DisassociateRequest)
def _disassociate(ctx: HandlerContext, req: DisassociateRequest) -> DisassociateResponse:
    rel, target, related = _pairs(ctx, req, "DisassociateRequest")
    _check_exists(ctx, target)
    for other in related:
        _check_exists(ctx, other)
        if isinstance(rel, ManyToManyRelationshipMetadata):
            id1, id2 = _m2m_sides(rel, target, other)
            inter = ctx.metadata.table(rel.intersect_entity_name)
            for iid in _intersect_rows(ctx, rel, id1, id2):
                if ctx.storage.delete(inter, iid):
                    for dhook in ctx.events.of("after_disassociate"):
                        dhook(ctx, rel.schema_name, id1, id2)
        else:
            parent, child = _one_to_many(rel, target, other)
            t = ctx.metadata.table(child.logical_name)
            row = ctx.storage.get(t, child.id, [rel.referencing_attribute])
            if row is not None and row.get(rel.referencing_attribute) == parent.id:
                ctx.execute(UpdateRequest(target=Entity(child.logical_name, child.id,
                                                        {rel.referencing_attribute: None})))
    return DisassociateResponse()


