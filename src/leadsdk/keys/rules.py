"""Addressing records by alternate key (keys feature): key values -> the record's id.

`EntityReference("lead", key_attributes={"emailaddress1": "a@b.example"})` (and `Entity(...,
key_attributes=...)`) name a record by one of its table's keys (`EntityMetadata.keys`, declared with
CreateEntityKeyRequest, see `leadsdk.keys.messages`). The pipeline calls `bind_targets` before
security and plugins run, so they, and the handler, see a target with its id: Retrieve, Update,
Delete, Upsert, UpdateMultiple and UpsertMultiple targets, and lookup values given by key in Create,
Update, Upsert and their Multiple forms. Reads go through the Storage interface only (a key's unique index).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from itertools import compress, repeat
from operator import attrgetter, methodcaller
from typing import Any, Protocol

from leadsdk.entities.model import EntityMetadata
from leadsdk.entities.registry import Metadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import OrganizationRequest
from leadsdk.query.model import ConditionExpression, ConditionOperator, QueryExpression
from leadsdk.records.columns import ColumnTargets
from leadsdk.storage.base import Storage
from leadsdk.types import EMPTY_ID, Entity, EntityReference, Money, OptionSetValue

__all__ = ["bind_keyed_entity", "bind_targets", "resolve_key", "resolve_lookups", "resolve_reference"]


class _Store(Protocol):
    """What key resolution reads: a request Context, or the store's StoreState before a request runs."""

    @property
    def storage(self) -> Storage: ...
    @property
    def metadata(self) -> Metadata: ...


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
    values = entity.attributes.values()
    refs = list(compress(values, map(isinstance, values, repeat(EntityReference))))
    if not refs or not any(map(_keys_of, refs)):  # (C-level passes: most records name no record by key)
        return entity
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
               "Upsert": False, "UpsertMultiple": False, "Create": False, "CreateMultiple": False}
"""The messages whose targets may name records by key, and whether the record must exist."""


def _needs_binding(e: Any, lookups: bool) -> bool:
    if not isinstance(e, Entity):
        return False
    if e.id is None and e.key_attributes:
        return True
    return lookups and any(isinstance(v, EntityReference) and v.key_attributes and v.id == EMPTY_ID
                           for v in e.attributes.values())


_attributes = attrgetter("attributes")
_keys_of = attrgetter("key_attributes")
_logical_name = attrgetter("logical_name")


def _nothing_to_bind(store: _Store, items: list[Any]) -> bool:
    """True when entities of one table, addressed by no key, hold no reference given by key (a bulk
    load's rows, with or without lookups), found with C-level passes over the values of only the
    columns that can take a reference (the table's lookups, and names it does not have) instead of a
    Python call per record or value. A reference in any other column is refused by its conversion."""
    if not all(map(isinstance, items, repeat(Entity))) or any(map(_keys_of, items)):
        return False
    names = set(map(_logical_name, items))
    t = store.metadata.get(names.pop()) if len(names) == 1 else None
    if t is None:
        return False
    given = list(map(_attributes, items))
    for col in set().union(*given):
        a = t.attributes.get(col)
        if a is None or a.type.is_lookup:
            values = list(map(methodcaller("get", col), given))
            if any(map(_keys_of, compress(values, map(isinstance, values, repeat(EntityReference))))):
                return False
    return True


def bind_targets(store: _Store, request: OrganizationRequest[Any], name: str | None = None) -> None:
    """Before a request runs (so that security checks and plugins see the record's id): replace a
    target addressed by alternate key (`target`, or each of `targets`) with one carrying the id, and
    lookup values given by key (Create, Update, Upsert and their Multiple forms) with references with ids.
    `name`: the request's message name, when the caller has it."""
    if name is None:
        name = request.request_name or type(request).__name__.removesuffix("Request")
    must = _MUST_EXIST.get(name)
    if must is None:
        return
    target = getattr(request, "target", None)
    if isinstance(target, EntityReference):  # (Retrieve, Delete: no `targets`)
        if target.key_attributes and target.id == EMPTY_ID:
            request.target = resolve_reference(store, target)  # type: ignore[attr-defined]
        return
    if isinstance(target, Entity):
        if name == "Create":
            request.target = resolve_lookups(store, target)  # type: ignore[attr-defined]
            return
        if name in ("Update", "Upsert"):
            request.target = bind_keyed_entity(store, target, must_exist=must)  # type: ignore[attr-defined]
            return
    targets = getattr(request, "targets", None)
    if (name == "CreateMultiple" and isinstance(targets, ColumnTargets)
            and (t := store.metadata.get(targets.entity_name or "")) is not None and targets.plain(t)):
        return  # new records given column by column, no lookup among them: no reference given by key
    items = getattr(targets, "entities", targets)
    lookups = name in ("UpsertMultiple", "UpdateMultiple", "CreateMultiple")
    if (isinstance(items, list) and not (lookups and _nothing_to_bind(store, items))
            and any(_needs_binding(e, lookups) for e in items)):
        bind = (resolve_lookups if name == "CreateMultiple"
                else lambda s, e: bind_keyed_entity(s, e, must_exist=must))
        bound = [bind(store, e) if isinstance(e, Entity) else e for e in items]
        if isinstance(targets, list):
            request.targets = bound  # type: ignore[attr-defined]
        else:
            targets.entities = bound  # type: ignore[union-attr]
