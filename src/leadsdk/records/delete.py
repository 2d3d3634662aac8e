"""Deleting records and their cascades (records layer).

Called by the Delete handler, by Merge and by cascades themselves; uses only the Storage interface; nested
deletes go through ctx.execute() when plugins must see them."""

from __future__ import annotations

import uuid
from typing import Any

from leadsdk.entities.model import CascadeType, EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.records.coherence import changed
from leadsdk.records.context import SYSTEM_USER_ID, Context
from leadsdk.records.settings import SETTINGS, SETTINGS_TABLES, not_found
from leadsdk.records.write import version_mismatch
from leadsdk.types import EntityReference

__all__ = ["delete_record"]


def delete_record(ctx: Context, logical_name: str, id_: uuid.UUID, *,
                  expected_version: int | None = None, _seen: set[uuid.UUID] | None = None) -> None:
    """Delete a record and apply its relationships' cascades (cascade, remove link, restrict).

    Cascades are set-based: each level of children is found, unlinked or deleted with one statement
    per relationship (per chunk of ids), not one recursive call per child, so a lead with thousands of
    notes and activities goes in a handful of statements, in the caller's transaction. Every deleted
    record, cascaded or not, passes through the `before_delete` / `after_delete` events. Cascaded children
    of a table that has Delete plugin steps are deleted with nested `DeleteRequest`s so that those
    plugins run (as in Dataverse); children of tables without Delete plugins are deleted directly.
    """
    t = ctx.metadata.table(logical_name)
    seen = _seen if _seen is not None else set()
    if id_ in seen:
        return
    if expected_version is not None:
        row = ctx.storage.get(t, id_, ["versionnumber"])
        if row is None:
            raise not_found(logical_name, id_)
        if row.get("versionnumber") != expected_version:
            raise version_mismatch(t, id_)
    elif not ctx.storage.exists(t, id_):
        raise not_found(logical_name, id_)
    if logical_name == "systemuser" and id_ == SYSTEM_USER_ID:
        raise OrganizationServiceFault(ErrorCodes.INVALID_OPERATION, "The SYSTEM user cannot be deleted.")
    seen.add(id_)
    for hook in ctx.events.for_table("before_delete", t.logical_name):
        hook(ctx, t, id_)
    _cascade(ctx, t, [id_], seen)
    _delete_rows(ctx, t, [id_])
    for dhook in ctx.events.for_table("after_delete", t.logical_name):
        dhook(ctx, t, id_)


def _has_delete_plugins(ctx: Context, table: str) -> bool:
    reg = ctx.store.plugins
    return bool(reg is not None and reg.steps and reg.for_message("Delete", table, None))


def _cascade(ctx: Context, t: EntityMetadata, ids: list[uuid.UUID], seen: set[uuid.UUID]) -> None:
    """Apply every 1:N relationship's delete cascade for the records `ids` of table `t` (about to go)."""
    storage = ctx.storage
    for rel in ctx.metadata.referencing(t.logical_name):
        kind = rel.cascade.delete
        if kind is CascadeType.NO_CASCADE:
            continue
        child = ctx.metadata.get(rel.referencing_entity)
        if child is None or rel.referencing_attribute not in child.attributes:
            continue
        col = rel.referencing_attribute
        if child is t and col == t.primary_id_attribute:
            continue
        if kind is CascadeType.RESTRICT:
            found = storage.ids_where_in(child, col, ids, limit=1)
            if found and found[0] in seen:
                found = [c for c in storage.ids_where_in(child, col, ids) if c not in seen]
            if found:
                raise OrganizationServiceFault(
                    ErrorCodes.CANNOT_DELETE_DUE_TO_ASSOCIATION,
                    f"The {t.logical_name} cannot be deleted because {child.display_collection_name.lower()} "
                    f"refer to it through {col} ({rel.schema_name}), which restricts deletion.",
                )
        elif kind is CascadeType.CASCADE:
            child_ids = [c for c in storage.ids_where_in(child, col, ids) if c not in seen]
            if not child_ids:
                continue
            if _has_delete_plugins(ctx, child.logical_name):
                delete = ctx.store.requests.delete
                for cid in child_ids:
                    if cid not in seen and storage.exists(child, cid):
                        ctx.execute(delete(EntityReference(child.logical_name, cid)))
                        seen.add(cid)
                continue
            seen.update(child_ids)
            for hook in ctx.events.for_table("before_delete", child.logical_name):
                for cid in child_ids:
                    hook(ctx, child, cid)
            _cascade(ctx, child, child_ids, seen)
            _delete_rows(ctx, child, child_ids)
            for dhook in ctx.events.for_table("after_delete", child.logical_name):
                for cid in child_ids:
                    dhook(ctx, child, cid)
        else:  # remove link
            values: dict[str, Any] = {col: None}
            if child.attributes[col].is_polymorphic:
                values[child.attributes[col].type_column] = None
            storage.update_where_in(child, col, ids, values)


def _delete_rows(ctx: Context, t: EntityMetadata, ids: list[uuid.UUID]) -> None:
    """Remove the records' N:N intersect rows, then the records themselves."""
    name = t.logical_name
    for m2m in ctx.metadata.many_to_many_of(name):
        inter = ctx.metadata.table(m2m.intersect_entity_name)
        cols = {m2m.entity1_intersect_attribute if m2m.entity1_logical_name == name else None,
                m2m.entity2_intersect_attribute if m2m.entity2_logical_name == name else None}
        for c in cols:
            if c is None:
                continue
            unlinked = ctx.events.of("after_disassociate")
            if not unlinked:
                ctx.storage.delete_where_in(inter, c, ids)
                continue
            # hooks (security caches, audit) hear of every pair the delete unlinks
            iids = ctx.storage.ids_where_in(inter, c, ids)
            if not iids:
                continue
            a1, a2 = m2m.entity1_intersect_attribute, m2m.entity2_intersect_attribute
            pairs = ctx.storage.get_many(inter, iids, [a1, a2])
            ctx.storage.delete_many(inter, iids)
            for p in pairs:
                for dhook in unlinked:
                    dhook(ctx, m2m.schema_name, p[a1], p[a2])
    if len(ids) == 1:
        ctx.storage.delete(t, ids[0])
    else:
        ctx.storage.delete_many(t, ids)
    if name in SETTINGS_TABLES:
        changed(ctx, SETTINGS)
