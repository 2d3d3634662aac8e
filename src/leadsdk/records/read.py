"""Reading one record (records layer): the column list of a ColumnSet and the Entity built from a row."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Sequence
from operator import itemgetter
from typing import Any

from leadsdk.entities.decode import EntityBuilder
from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.records.context import Context
from leadsdk.records.settings import currency_symbol, not_found
from leadsdk.storage.base import COLUMN_DECODERS, QueryResult, RawPage, uuid_column
from leadsdk.types import ColumnSet, Entity

__all__ = ["columns_of", "entity_builder", "page_entities", "retrieve_record"]


PLANS_LIMIT = 4096
"""The store's plans are dropped (and rebuilt as used) past this many entries."""


def columns_of(t: EntityMetadata, column_set: ColumnSet | None, metadata_check: Callable[[str], Any]
               ) -> list[str] | None:
    """The column list to read for a ColumnSet (None: all), each checked against metadata."""
    if column_set is not None and not isinstance(column_set, ColumnSet):
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"column_set must be a ColumnSet (for example ColumnSet('lastname') or ColumnSet(all_columns=True)), "
            f"not {type(column_set).__name__} {column_set!r:.80}.")
    if column_set is None or column_set.all_columns:
        return None
    cols = list(dict.fromkeys(column_set.columns))
    for c in cols:
        metadata_check(c)
    if t.primary_id_attribute not in cols:
        cols.insert(0, t.primary_id_attribute)
    return cols


def retrieve_record(ctx: Context, logical_name: str, id_: uuid.UUID, column_set: ColumnSet | None
                    ) -> Entity:
    md = ctx.metadata
    t = md.table(logical_name)
    if column_set is not None and not isinstance(column_set, ColumnSet):
        columns_of(t, column_set, md.attribute)  # the fault for a wrong column_set
    shape = None if column_set is None or column_set.all_columns else tuple(column_set.columns)
    sym = currency_symbol(ctx)
    plans = ctx.store.plans
    key = ("retrieve", logical_name, shape, md.version, sym)
    plan: tuple[tuple[str, ...] | None, EntityBuilder] | None = plans.get(key)
    if plan is None:  # one validated column list and conversion plan per query shape, reused by every retrieve
        if len(plans) > PLANS_LIMIT:  # many ad-hoc shapes (a client's $select permutations): keep it bounded
            plans.clear()
        cols = columns_of(t, column_set, lambda c: md.attribute(t, c))
        read = None if cols is None else tuple(cols)
        if cols is not None and "versionnumber" not in cols and "versionnumber" in t.attributes:
            read = (*cols, "versionnumber")  # Entity.row_version is set whatever the column set
        names = cols if cols is not None else list(t.attributes)
        plan = plans[key] = (read, EntityBuilder(md.tables, logical_name,
                                                 [(c, logical_name, c, False) for c in names], sym))
    build = plan[1]
    storage = ctx.storage
    got = storage.get_stored(t, id_, plan[0])
    if got is not None:  # the Entity straight from the stored tuple, as a query page's (no row dict)
        raw, (keys, decoders, rows_function) = got
        if raw is None:
            raise not_found(logical_name, id_)
        one = build.for_page(keys, decoders, rows_function)
        if one is not None:
            entity: Entity = one(raw)
            return entity
        row = rows_function((raw,), *[d for d in decoders if d is not None])[0]
    else:
        got_row = storage.get(t, id_, plan[0])
        if got_row is None:
            raise not_found(logical_name, id_)
        row = got_row
    entity = build.build(row)
    return entity


def entity_builder(ctx: Context, entity_name: str, columns: Sequence[tuple[str, str, str, bool]],
                   shape: Hashable = None) -> EntityBuilder:
    """The EntityBuilder of a query's output columns, made once per shape (and metadata version).
    `shape`: a small key that decides `columns` (else the columns are the key: ~3 us for all of a lead's)."""
    sym = currency_symbol(ctx)
    key = ("rows", entity_name, tuple(columns) if shape is None else ("shape", shape), ctx.metadata.version, sym)
    plans = ctx.store.plans
    build: EntityBuilder | None = plans.get(key)
    if build is None:
        if len(plans) > PLANS_LIMIT:  # many ad-hoc shapes: keep the cache bounded
            plans.clear()
        build = plans[key] = EntityBuilder(ctx.metadata.tables, entity_name, columns, sym)
    return build


def page_entities(build: EntityBuilder, res: QueryResult, part: slice | None = None) -> list[Entity]:
    """The Entities of a query result (`part`: some of its rows): straight from the stored tuples when the
    backend handed the page undecoded (no row dicts; `EntityBuilder.page_function`), else from its rows."""
    page = res.page
    if page is not None:
        raw = page.raw if part is None else page.raw[part]
        columns, pre = _decoded_columns(page, raw)
        one = build.for_page(page.keys, page.decoders, page.rows_function, pre)
        if one is not None:
            return list(map(one, raw, *columns))
    return list(map(build.build, res.rows if part is None else res.rows[part]))


def _decoded_columns(page: RawPage, raw: Sequence[Sequence[Any]]) -> tuple[list[list[Any]], tuple[bool, ...]]:
    """The columns of `raw` whose decoder has a column form (`COLUMN_DECODERS`: amounts, primary ids),
    decoded a column at a time with C-level maps, and which positions they are (a column the form declines,
    such as one with nulls, is decoded value by value in the page function instead). Not lookups' ids
    (`uuid_column`): their per-value decoder shares the UUID of a lookup a page repeats."""
    if len(raw) < 8:  # a few rows (a retrieve, a duplicate probe): value by value is as quick
        return [], ()
    columns: list[list[Any]] = []
    pre: list[bool] = []
    for i, d in enumerate(page.decoders):
        many = None if d is None else COLUMN_DECODERS.get(d)
        if many is uuid_column:
            many = None
        got = None if many is None else many(list(map(itemgetter(i), raw)))
        if got is not None:
            columns.append(got)
        pre.append(got is not None)
    return columns, tuple(pre) if columns else ()
