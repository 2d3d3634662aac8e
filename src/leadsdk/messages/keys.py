"""Alternate keys: CreateEntityKey / DeleteEntityKey, and addressing records by key.

A key is metadata (`EntityMetadata.keys`) kept as a customization of the store and backed by a
unique index, so two records can never share its values. `EntityReference("lead",
key_attributes={"emailaddress1": "a@b.example"})` (and `Entity(..., key_attributes=...)`) address a
record by key in Retrieve, Update, Delete, Upsert, UpsertMultiple and as lookup values; the CRUD
handlers resolve them here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

import attrs

from leadsdk import customizations
from leadsdk.entities.keys import EntityKeyMetadata
from leadsdk.entities.model import AttributeType, EntityMetadata
from leadsdk.entities.registry import Metadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import HandlerContext, OrganizationRequest, OrganizationResponse, handler, require
from leadsdk.messages.records import create_record
from leadsdk.query.model import ConditionExpression, ConditionOperator, QueryExpression
from leadsdk.storage.base import Storage
from leadsdk.types import EMPTY_ID, Entity, EntityReference, Money, OptionSetValue

__all__ = [
    "CreateEntityKeyRequest",
    "CreateEntityKeyResponse",
    "DeleteEntityKeyRequest",
    "DeleteEntityKeyResponse",
    "bind_keyed_entity",
    "bind_targets",
    "resolve_key",
    "resolve_lookups",
    "resolve_reference",
]

class _Store(Protocol):
    """What key resolution reads: a HandlerContext, or the service core before a request runs."""

    @property
    def storage(self) -> Storage: ...
    @property
    def metadata(self) -> Metadata: ...


_KEY_TYPES = frozenset({
    AttributeType.STRING, AttributeType.INTEGER, AttributeType.DECIMAL, AttributeType.DATETIME,
    AttributeType.LOOKUP, AttributeType.CUSTOMER, AttributeType.OWNER, AttributeType.PICKLIST,
    AttributeType.UNIQUEIDENTIFIER, AttributeType.BIGINT,
})
"""Column types a key may use (Dataverse: decimal, whole number, text, date, lookup, choice)."""


@attrs.define
class CreateEntityKeyRequest(OrganizationRequest["CreateEntityKeyResponse"]):
    request_name = "CreateEntityKey"
    entity_name: str | None = None
    entity_key: EntityKeyMetadata | None = None


@attrs.define
class CreateEntityKeyResponse(OrganizationResponse):
    entity_key_id: uuid.UUID | None = None


@attrs.define
class DeleteEntityKeyRequest(OrganizationRequest["DeleteEntityKeyResponse"]):
    request_name = "DeleteEntityKey"
    entity_logical_name: str | None = None
    name: str | None = None


@attrs.define
class DeleteEntityKeyResponse(OrganizationResponse):
    pass


def apply_key(metadata: Metadata, kind: str, payload: Mapping[str, Any]) -> None:
    """Replay a recorded key customization ("entity_key" or "entity_key_delete") onto `metadata`."""
    t = metadata.table(str(payload["entity"]))
    name = str(payload["name"]).lower()
    keys = [k for k in t.keys if k.logical_name != name]  # a new list: built-in tables share the declared one
    if kind == "entity_key":
        keys.append(EntityKeyMetadata(payload["schema_name"], payload["key_attributes"],
                                      payload.get("display_name"), t.logical_name))
    t.keys = keys
    metadata.version += 1


customizations.APPLIERS["entity_key"] = apply_key
customizations.APPLIERS["entity_key_delete"] = apply_key


def _record(ctx: HandlerContext, kind: str, name: str, entity: str, payload: dict[str, Any]) -> None:
    create_record(ctx, Entity(customizations.TABLE, attributes={
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


# addressing records by key -----------------------------------------------------------------------
def _key_value(value: Any) -> Any:
    if isinstance(value, EntityReference):
        return value.id
    if isinstance(value, (OptionSetValue, Money)):
        return value.value
    return value


def _matching_key(t: EntityMetadata, names: frozenset[str]) -> bool:
    return names == {t.primary_id_attribute} or any(frozenset(k.key_attributes) == names for k in t.keys)


def resolve_key(ctx: _Store, logical_name: str, key_attributes: Mapping[str, Any]) -> uuid.UUID | None:
    """The id of the record whose key columns hold these values, None when there is none."""
    t = ctx.metadata.table(logical_name)
    values = {k.lower(): _key_value(v) for k, v in key_attributes.items()}
    if not _matching_key(t, frozenset(values)):
        defined = "; ".join(", ".join(k.key_attributes) for k in t.keys) or "none"
        raise OrganizationServiceFault(
            ErrorCodes.ENTITY_KEY_NOT_DEFINED,
            f"The specified key attributes ({', '.join(sorted(values))}) are not a defined key for the "
            f"{logical_name} entity (its keys: {defined}).")
    if any(v is None for v in values.values()):
        return None
    q = QueryExpression(logical_name)
    q.column_set.columns = [t.primary_id_attribute]
    for col, v in values.items():
        q.criteria.conditions.append(ConditionExpression(col, ConditionOperator.EQUAL, [v]))
    q.top_count = 1
    rows = ctx.storage.select(q).rows
    return rows[0][t.primary_id_attribute] if rows else None


def _not_found(logical_name: str, key_attributes: Mapping[str, Any]) -> OrganizationServiceFault:
    shown = ", ".join(f"{k}={v!r}" for k, v in key_attributes.items())
    return OrganizationServiceFault(
        ErrorCodes.RECORD_NOT_FOUND_BY_ENTITY_KEY,
        f"A record with the specified key values does not exist in {logical_name} entity ({shown}).")


def resolve_reference(ctx: _Store, ref: EntityReference) -> EntityReference:
    """`ref` with its id filled in from its key attributes (unchanged when it has an id)."""
    if ref.id != EMPTY_ID or not ref.key_attributes:
        return ref
    id_ = resolve_key(ctx, ref.logical_name, ref.key_attributes)
    if id_ is None:
        raise _not_found(ref.logical_name, ref.key_attributes)
    return EntityReference(ref.logical_name, id_, ref.name)


def resolve_lookups(ctx: _Store, entity: Entity) -> Entity:
    """`entity`, or a copy whose lookup values given by key are replaced by references with ids."""
    out = entity
    for col, v in entity.attributes.items():
        if isinstance(v, EntityReference) and v.key_attributes and v.id == EMPTY_ID:
            if out is entity:
                out = entity.copy()
            out.attributes[col] = resolve_reference(ctx, v)
    return out


def bind_keyed_entity(ctx: _Store, entity: Entity, *, must_exist: bool) -> Entity:
    """For Update/Upsert of an Entity addressed by key: a copy with the id of the record the key finds.

    With `must_exist` (Update) a key that finds nothing faults; otherwise (Upsert) the copy has no id
    and carries the key values as columns, so the record created holds them, as in Dataverse.
    """
    entity = resolve_lookups(ctx, entity)
    if entity.id is not None or not entity.key_attributes:
        return entity
    id_ = resolve_key(ctx, entity.logical_name, entity.key_attributes)
    if id_ is None and must_exist:
        raise _not_found(entity.logical_name, entity.key_attributes)
    out = entity.copy()
    if id_ is not None:
        out.id = id_
    else:
        for k, v in entity.key_attributes.items():
            out.attributes.setdefault(k.lower(), v)
    return out


_MUST_EXIST = {"Update": True, "Delete": True, "Retrieve": True, "UpdateMultiple": True,
               "Upsert": False, "UpsertMultiple": False}


def bind_targets(store: _Store, request: OrganizationRequest[Any]) -> None:
    """Before a request runs (so that security checks and plugins see the record's id): replace a
    target addressed by alternate key (`target`, or each of `targets`) with one carrying the id."""
    name = request.request_name
    must = _MUST_EXIST.get(name)
    if must is None:
        return
    target = getattr(request, "target", None)
    if isinstance(target, EntityReference):
        if target.key_attributes and target.id == EMPTY_ID:
            request.target = resolve_reference(store, target)  # type: ignore[attr-defined]
    elif isinstance(target, Entity) and target.id is None and target.key_attributes:
        request.target = bind_keyed_entity(store, target, must_exist=must)  # type: ignore[attr-defined]
    targets = getattr(request, "targets", None)
    items = getattr(targets, "entities", targets)
    if isinstance(items, list) and any(isinstance(e, Entity) and e.id is None and e.key_attributes for e in items):
        bound = [bind_keyed_entity(store, e, must_exist=must) if isinstance(e, Entity) else e for e in items]
        if isinstance(targets, list):
            request.targets = bound  # type: ignore[attr-defined]
        else:
            targets.entities = bound  # type: ignore[union-attr]
