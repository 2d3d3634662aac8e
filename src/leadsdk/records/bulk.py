"""Bulk writes (records layer): chunks of new rows kept column by column from validation to the insert,
listeners' batch forms, and batched updates. Called by CreateMultiple, UpdateMultiple and UpsertMultiple."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from itertools import repeat
from operator import attrgetter, is_, itemgetter
from typing import Any

from leadsdk.entities.convert import column_converter, storage_converter
from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import OrganizationServiceFault
from leadsdk.records.context import Context
from leadsdk.records.events import Listener, form_of
from leadsdk.records.ids import new_ids
from leadsdk.records.names import fullnames
from leadsdk.records.settings import not_found
from leadsdk.records.write import (
    CreateTemplate,
    finish_update,
    prepare_update,
    table_plan,
    update_changes,
    update_columns_needed,
)
from leadsdk.storage.base import Row, Same
from leadsdk.types import Entity, EntityReference

__all__ = ["ColumnHook", "prepare_create_columns", "prepare_create_many", "rows_of", "run_column_hooks",
           "update_records"]


_attributes = attrgetter("attributes")


NONE: Mapping[str, Sequence[Any] | None] = {}
"""No column given in its stored form (never mutated)."""


_logical_name = attrgetter("logical_name")


_given_id = attrgetter("_id")
"""An Entity's id (its slot: the `id` property would be a Python call per record)."""


def _column_plan(ctx: Context, template: CreateTemplate, keys: tuple[str, ...]
                 ) -> list[Callable[[Sequence[Any]], Sequence[Any]]] | None:
    """Column converters for rows carrying `keys`, or None when any of them is not a plain caller
    column (a lookup, a platform or unknown column): such rows go through `prepare_create`."""
    t = template.table
    if not keys or not template.platform.isdisjoint(keys):
        return None
    out = []
    for k in keys:
        a = t.attributes.get(k)
        if a is None or k == t.primary_id_attribute or a.is_system or a.is_computed:
            return None
        f = _lookup_column(t, a) if a.type.is_lookup else column_converter(t, a)
        if f is None:
            return None
        out.append(f)
    return out


_REF: frozenset[type] = frozenset({EntityReference})


_ref_id = attrgetter("id")


_int_of = attrgetter("int")


def _lookup_column(t: EntityMetadata, a: Any) -> Callable[[Sequence[Any]], Sequence[Any]] | None:
    """A plain (not polymorphic) lookup column: each reference converted as a single create does (a
    column of references to the lookup's tables by C-level passes: their ids); the targets' existence
    is checked set-based afterwards (`_lookups_exist`)."""
    one = storage_converter(t, a)
    if one is None or a.is_polymorphic:
        return None
    targets = frozenset(a.targets)

    def refs(col: Sequence[Any]) -> Sequence[Any]:
        if set(map(type, col)) == _REF and targets.issuperset(map(_logical_name, col)):
            return list(map(_ref_id, col))  # what `one` returns for each
        return [None if v is None else one(v) for v in col]
    return refs


def _wanted_ids(col: Sequence[Any], wanted: dict[str, dict[int, uuid.UUID]]) -> None:
    """Add the ids a lookup column's references name to `wanted` (by table, keyed by `UUID.int`: a
    UUID's hash is Python code, an int's is not)."""
    if set(map(type, col)) == _REF and len(names := set(map(_logical_name, col))) == 1:
        ids = list(map(_ref_id, col))
        if set(map(type, ids)) == {uuid.UUID}:  # (no None)
            wanted.setdefault(names.pop(), {}).update(zip(map(_int_of, ids), ids))
            return
    for v in col:
        if isinstance(v, EntityReference) and v.id is not None:
            wanted.setdefault(v.logical_name, {})[v.id.int] = v.id


def _lookups_exist(ctx: Context, t: EntityMetadata, keys: tuple[str, ...], cols: Sequence[Sequence[Any]]) -> bool:
    """Every record the batch's lookups name exists: one statement per target table (and chunk)."""
    wanted: dict[str, dict[int, uuid.UUID]] = {}
    for k, col in zip(keys, cols):
        if t.attributes[k].type.is_lookup:
            _wanted_ids(col, wanted)
    for name, ids in wanted.items():
        target = ctx.metadata.get(name)
        if target is None:
            return False
        found = ctx.storage.ids_where_in(target, target.primary_id_attribute, list(ids.values()))
        if len(set(map(_int_of, found))) != len(ids):
            return False  # the record-by-record path faults, naming the row
    return True


def prepare_create_many(ctx: Context, entities: Sequence[Entity], template: CreateTemplate
                        ) -> tuple[list[uuid.UUID], dict[str, Sequence[Any]]] | None:
    """What `prepare_create` makes, for new records of the template's table that all carry the same
    plain columns (a bulk load's common case), converted and returned column by column: the new ids
    and every storage column, in the order `prepare_create`'s rows have. No hooks are run: see
    `run_column_hooks`.

    None when the entities don't qualify (ids given, differing columns, lookups, owners or platform
    columns) or a value is bad: prepare them one by one then, which names the faulty one."""
    if not entities:
        return None
    keys = tuple(entities[0].attributes)
    t = template.table
    if _plan_of(ctx, template, keys) is None:
        return None
    if set(map(_logical_name, entities)) != {t.logical_name} or set(map(_given_id, entities)) != {None}:
        return None
    given = list(map(_attributes, entities))
    if set(map(len, given)) != {len(keys)}:
        return None
    try:  # the same columns, in `keys` order
        cols = list(zip(*map(itemgetter(*keys), given))) if len(keys) > 1 else [list(map(itemgetter(keys[0]), given))]
    except KeyError:
        return None
    return prepare_create_columns(ctx, template, keys, cols, len(entities))


def _plan_of(ctx: Context, template: CreateTemplate, keys: tuple[str, ...]
             ) -> list[Callable[[Sequence[Any]], Sequence[Any]]] | None:
    if keys in template.columns:
        return template.columns[keys]
    plan = template.columns[keys] = _column_plan(ctx, template, keys) if len(template.columns) < 64 else None
    return plan


def prepare_create_columns(ctx: Context, template: CreateTemplate, keys: tuple[str, ...],
                           cols: Sequence[Sequence[Any]], n: int, stored: Mapping[str, Sequence[Any] | None] = NONE
                           ) -> tuple[list[uuid.UUID], dict[str, Sequence[Any]]] | None:
    """`prepare_create_many` of `n` new records given as columns (`cols[i]`: `keys[i]`'s values, one
    a row): the same ids and storage columns, or None where the record-by-record path must run (a
    column that is not plain, a bad value, a required column missing or empty). `stored`: columns
    whose values the caller has already converted as `column_converter` does (a CSV import's)."""
    convs = _plan_of(ctx, template, keys)
    if convs is None:
        return None
    t = template.table
    try:
        converted = [f(col) if (done := stored.get(k)) is None else done for f, col, k in zip(convs, cols, keys)]
    except OrganizationServiceFault:
        return None
    if not _lookups_exist(ctx, t, keys, cols):
        return None
    tp = table_plan(ctx, t)
    for c in tp.required:  # a required column missing or empty: the record-by-record path faults on it
        if c not in keys or any(map(is_, converted[keys.index(c)], repeat(None))):
            return None
    columns: dict[str, Sequence[Any]] = {k: Same.of(v, n) for k, v in template.base.items()}
    columns.update(zip(keys, converted))
    ids = new_ids(n)
    columns[tp.pk] = ids
    if tp.created:
        columns["versionnumber"] = ctx.storage.next_versions(n)
    if tp.fullname:
        columns["fullname"] = fullnames(ctx, columns, n)
    return ids, columns


def rows_of(columns: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Column-by-column values as row dicts."""
    names = tuple(columns)
    return [dict(zip(names, vals)) for vals in zip(*columns.values())]


ColumnHook = Callable[[Context, EntityMetadata, dict[str, Sequence[Any]], int], bool]
"""The batch form of a write hook: `(ctx, table, columns, n)` for n rows given column by column (the
table's primary key column holds their ids). It may add or replace columns. It returns True when it
has done for every row what the row hook would do, False to have the row hook called for each row
instead; it must not fault (the row hook faults, naming the row)."""


def run_column_hooks(ctx: Context, t: EntityMetadata, hooks: Sequence[Listener],
                     columns: dict[str, Sequence[Any]], n: int) -> list[Listener]:
    """Run the batch forms of `hooks` over rows given column by column; return the hooks still to be
    called row by row. Once one hook needs rows, every later one runs row by row too, so each row
    sees the hooks in their order."""
    rest: list[Listener] = []
    for hook in hooks:
        form = form_of(hook)
        if rest or form is None or not form(ctx, t, columns, n):
            rest.append(hook)
    return rest


def update_records(ctx: Context, entities: Sequence[Entity],
                   at: Callable[[int, OrganizationServiceFault], OrganizationServiceFault]) -> None:
    """`update_record` for records of one table with distinct ids (UpdateMultiple), batched: their old
    values are read with one statement, the changes written with one statement per column list, and
    the hooks run per record as `update_record` runs them. A fault is passed through `at` with the
    record's index."""
    if not entities:
        return
    prepared: list[tuple[EntityMetadata, uuid.UUID, dict[str, Any], list[tuple[str, uuid.UUID]]]] = []
    for i, e in enumerate(entities):
        try:
            prepared.append(update_changes(ctx, e))
        except OrganizationServiceFault as f:
            raise at(i, f) from f
    t = prepared[0][0]
    need: dict[str, None] = {}
    for _, _, changes, _ in prepared:
        need.update(dict.fromkeys(update_columns_needed(t, changes)))
    pk = t.primary_id_attribute
    found = {r[pk]: r for r in ctx.storage.get_many(t, [p[1] for p in prepared], [*need, pk], names=False)}
    done: list[tuple[uuid.UUID, dict[str, Any], Row]] = []
    for i, (e, (_, id_, changes, lookups)) in enumerate(zip(entities, prepared)):
        row = found.get(id_)
        try:
            if row is None:
                raise not_found(t.logical_name, id_)
            prepare_update(ctx, t, id_, e, changes, lookups, row)
        except OrganizationServiceFault as f:
            raise at(i, f) from f
        done.append((id_, changes, row))
    ctx.storage.update_many(t, [{pk: id_, **changes} for id_, changes, _ in done])
    finish_update(ctx, t, done)
