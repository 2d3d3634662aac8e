"""Alternate keys: CreateEntityKey / DeleteEntityKey (keys feature).

A key is metadata (`EntityMetadata.keys`) kept as a customization of the store (replayed by
`storage.customizations.apply_key` when it opens) and backed by a unique index, so two records can
never share its values. Addressing records by key is `leadsdk.keys.rules`.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import attrs

from leadsdk.entities.keys import EntityKeyMetadata
from leadsdk.entities.model import AttributeType
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import HandlerContext, OrganizationRequest, OrganizationResponse, handler, require
from leadsdk.messages.privileges import Customize
from leadsdk.records.write import create_record
from leadsdk.storage.customizations import TABLE as CUSTOMIZATION_TABLE
from leadsdk.storage.customizations import apply_key
from leadsdk.types import Entity

__all__ = ["CreateEntityKeyRequest", "CreateEntityKeyResponse", "DeleteEntityKeyRequest", "DeleteEntityKeyResponse"]

_KEY_TYPES = frozenset({
    AttributeType.STRING, AttributeType.INTEGER, AttributeType.DECIMAL, AttributeType.DATETIME,
    AttributeType.LOOKUP, AttributeType.CUSTOMER, AttributeType.OWNER, AttributeType.PICKLIST,
    AttributeType.UNIQUEIDENTIFIER, AttributeType.BIGINT,
})
"""Column types a key may use (Dataverse: decimal, whole number, text, date, lookup, choice)."""


@attrs.define(eq=False, repr=False, slots=False)
class CreateEntityKeyRequest(OrganizationRequest["CreateEntityKeyResponse"]):
    """Declare an alternate key of a table; its unique index is built before the request returns."""

    request_name = "CreateEntityKey"
    requires = (Customize("prvWriteEntity"),)
    entity_name: str | None = None
    entity_key: EntityKeyMetadata | None = None


@attrs.define(eq=False, repr=False, slots=False)
class CreateEntityKeyResponse(OrganizationResponse):
    entity_key_id: uuid.UUID | None = None


@attrs.define(eq=False, repr=False, slots=False)
class DeleteEntityKeyRequest(OrganizationRequest["DeleteEntityKeyResponse"]):
    """Remove an alternate key of a table and its unique index."""

    request_name = "DeleteEntityKey"
    requires = (Customize("prvWriteEntity"),)
    entity_logical_name: str | None = None
    name: str | None = None


@attrs.define(eq=False, repr=False, slots=False)
class DeleteEntityKeyResponse(OrganizationResponse):
    pass


def _record(ctx: HandlerContext, kind: str, name: str, entity: str, payload: dict[str, Any]) -> None:
    create_record(ctx, Entity(CUSTOMIZATION_TABLE, attributes={
        "name": name[:400], "kind": kind, "entityname": entity, "payload": json.dumps(payload),
        "sequence": ctx.storage.next_version() % 2_000_000_000,
    }))


@handler(CreateEntityKeyRequest)
def _create_key(ctx: HandlerContext, req: CreateEntityKeyRequest) -> CreateEntityKeyResponse:
    entity = require(req.entity_name, "entity_name", "CreateEntityKeyRequest")
    key = require(req.entity_key, "entity_key", "CreateEntityKeyRequest")
    t = ctx.metadata.table(entity)
    if not key.schema_name or not key.key_attributes:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT, "An entity key needs a schema_name and at least one key attribute.")
    if any(k.logical_name == key.logical_name for k in t.keys):
        raise OrganizationServiceFault(
            ErrorCodes.ENTITY_KEY_NAME_EXISTS,
            f"An entity key with the name {key.logical_name} already exists on entity {entity}.")
    cols = [c.lower() for c in key.key_attributes]
    if len(set(cols)) != len(cols) or len(cols) > 16:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ENTITY_KEY_OPERATION,
            f"Invalid EntityKey Operation performed : a key takes up to 16 distinct columns, not {cols}.")
    for c in cols:
        a = t.attributes.get(c)
        if a is None:
            raise OrganizationServiceFault(ErrorCodes.QUERY_BUILDER_NO_ATTRIBUTE,
                                           f"The table {entity} has no column '{c}' to use in a key.")
        if a.type not in _KEY_TYPES or a.is_primary_id:
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ENTITY_KEY_OPERATION,
                f"Invalid EntityKey Operation performed : the column {c} ({a.type.value}) cannot be part of a key.")
    if any(sorted(k.key_attributes) == sorted(cols) for k in t.keys):
        raise OrganizationServiceFault(ErrorCodes.ENTITY_KEY_WITH_SELECTED_ATTRIBUTES_EXISTS,
                                       "An entity key with the selected attributes already exists on entity.")
    made = EntityKeyMetadata(key.schema_name, cols, key.display_name, t.logical_name)
    with ctx.storage.transaction():
        try:
            ctx.storage.create_index(t, cols, unique=True, name=made.index_name)
        except OrganizationServiceFault as f:
            if f.error_code != ErrorCodes.DUPLICATE_RECORD:
                raise
            raise OrganizationServiceFault(
                ErrorCodes.DUPLICATE_RECORD_ENTITY_KEY,
                f"Entity Key {made.logical_name} violated. A record with the same value for "
                f"{', '.join(cols)} already exists in {entity}, so the key cannot be activated; "
                "remove the duplicates and try again.",
            ) from f
    payload = {"entity": t.logical_name, "name": made.logical_name, "schema_name": made.schema_name,
               "key_attributes": cols, "display_name": made.display_name}
    apply_key(ctx.metadata, "entity_key", payload)
    try:
        _record(ctx, "entity_key", made.logical_name, t.logical_name, payload)
    except BaseException:
        apply_key(ctx.metadata, "entity_key_delete", payload)
        raise
    return CreateEntityKeyResponse(made.metadata_id)


@handler(DeleteEntityKeyRequest)
def _delete_key(ctx: HandlerContext, req: DeleteEntityKeyRequest) -> DeleteEntityKeyResponse:
    entity = require(req.entity_logical_name, "entity_logical_name", "DeleteEntityKeyRequest")
    name = str(require(req.name, "name", "DeleteEntityKeyRequest")).lower()
    t = ctx.metadata.table(entity)
    key = next((k for k in t.keys if k.logical_name == name), None)
    if key is None:
        raise OrganizationServiceFault(ErrorCodes.QUERY_BUILDER_NO_ENTITY_KEY,
                                       f"The specified entitykey was not found: {entity} has no key '{name}'.")
    payload = {"entity": t.logical_name, "name": name}
    ctx.storage.drop_index(key.index_name)
    _record(ctx, "entity_key_delete", name, t.logical_name, payload)
    apply_key(ctx.metadata, "entity_key_delete", payload)
    return DeleteEntityKeyResponse()


