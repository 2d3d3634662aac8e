"""Links that filter rather than join: JoinOperator In, Exists, Any, NotAny, All, NotAll, and the
first-row join MatchFirstRowUsingCrossApply, each compiled into the one statement as a subquery.

Semantics, from learn.microsoft.com "Filter rows using QueryExpression" (section "Filter on values in
related records") and the FetchXML link-entity reference (link-type):
- `in`, `exists`: a variant of inner that returns each parent row once (`parent.from IN (SELECT ...)`,
  `EXISTS (SELECT ...)`); the link's columns are not returned.
- `any` / `not all` (the same despite the name): parent rows with a related row matching the link's filter.
- `not any`: parent rows with no related row matching the filter.
- `all`: parent rows that have related rows, none of which matches the filter.
- `matchfirstrowusingcrossapply`: an inner join to the first matching related row only (SQL Server's
  CROSS APPLY ... TOP 1); here the first by primary key, so the result is deterministic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from leadsdk.entities.model import AttributeMetadata, EntityMetadata
from leadsdk.query.model import JoinOperator, LinkEntity

if TYPE_CHECKING:  # the compiler calls these functions with itself
    from leadsdk.storage.sql import QueryCompiler

__all__ = ["FILTER_JOINS", "Source", "first_row_on", "is_filter_join", "semi_join"]


@attrs.define
class Source:
    """A table of the query under its alias (the query's table under its own name)."""

    alias: str
    table: EntityMetadata


J = JoinOperator
FILTER_JOINS = frozenset({J.IN, J.EXISTS, J.ANY, J.NOT_ANY, J.ALL, J.NOT_ALL})
"""Join operators that only filter the parent rows (no join, no columns, each parent row at most once)."""


def is_filter_join(link: LinkEntity) -> bool:
    return JoinOperator(link.join_operator) in FILTER_JOINS


def _body(c: QueryCompiler, link: LinkEntity, parent: Source, with_criteria: bool, correlate: bool
          ) -> tuple[str, str, str]:
    """(inner column, FROM ... [joins], WHERE text or "") of one subquery over the link's table.

    A fresh child compiler per subquery: the link's alias and its nested links are visible inside
    only, and the outer query's aliases stay visible for correlation.
    """
    child = c.child()
    table = c.md.table(link.link_to_entity_name or "")
    alias = link.entity_alias or child.auto_alias(table.logical_name)
    src = child.add_source(alias, Source(alias, table))
    from_attr = c.attr(parent, link.link_from_attribute_name or parent.table.primary_id_attribute)
    to_attr = child.attr(src, link.link_to_attribute_name or table.primary_id_attribute)
    inner = child.col(src, to_attr.logical_name)
    for sub in link.link_entities:
        child.link(sub, src)
    join_sql = [j for j, _ in child.pending_joins]
    params = [p for _, ps in child.pending_joins for p in ps]
    child.params = []
    parts = [f"{inner} = {c.col(parent, from_attr.logical_name)}"] if correlate else []
    if with_criteria and link.link_criteria is not None:
        crit = child.filter(link.link_criteria, src)
        if crit:
            parts.append(crit)
    scope = child.scope_filter(src)
    if scope:
        parts.append(scope)
    c.params.extend(params + child.params)
    from_sql = f"FROM {c.q(table.logical_name)} AS {c.q(alias)}" + "".join(" " + j for j in join_sql)
    return inner, from_sql, " AND ".join(parts)


def semi_join(c: QueryCompiler, link: LinkEntity, parent: Source) -> str:
    """The WHERE predicate of a filtering link on `parent`; its parameters go to `c.params` in text order."""
    op = JoinOperator(link.join_operator)
    if op == J.IN:
        inner, from_sql, where = _body(c, link, parent, True, correlate=False)
        outer_attr = c.attr(parent, link.link_from_attribute_name or parent.table.primary_id_attribute)
        return (f"{c.col(parent, outer_attr.logical_name)} IN (SELECT {inner} {from_sql}"
                + (f" WHERE {where}" if where else "") + ")")
    if op == J.ALL:  # related rows exist, and none matches the filter
        _i, from_sql, where = _body(c, link, parent, False, correlate=True)
        some = f"EXISTS (SELECT 1 {from_sql} WHERE {where})"
        _i, from_sql, where = _body(c, link, parent, True, correlate=True)
        return f"({some} AND NOT EXISTS (SELECT 1 {from_sql} WHERE {where}))"
    _i, from_sql, where = _body(c, link, parent, True, correlate=True)
    exists = f"EXISTS (SELECT 1 {from_sql} WHERE {where})"
    return f"NOT {exists}" if op == J.NOT_ANY else exists


def first_row_on(c: QueryCompiler, link: LinkEntity, src: Source, parent: Source,
                 from_attr: AttributeMetadata, to_attr: AttributeMetadata) -> str:
    """The ON clause joining `src` to the first related row (by primary key) matching the link's filter."""
    child = c.child()
    table = src.table
    first_alias = child.auto_alias(f"{src.alias}_first")
    first = Source(first_alias, table)
    child.add_source(first_alias, first)
    child.sources[src.alias] = first  # the link's conditions name its alias: inside, that is the first row
    pk = table.primary_id_attribute
    parts = [f"{child.col(first, to_attr.logical_name)} = {c.col(parent, from_attr.logical_name)}"]
    child.params = []
    if link.link_criteria is not None:
        crit = child.filter(link.link_criteria, first)
        if crit:
            parts.append(crit)
    scope = child.scope_filter(first)
    if scope:
        parts.append(scope)
    c.params.extend(child.params)
    return (f"{c.col(src, pk)} = (SELECT {child.col(first, pk)} FROM {c.q(table.logical_name)} AS "
            f"{c.q(first_alias)} WHERE {' AND '.join(parts)} ORDER BY {child.col(first, pk)} LIMIT 1)")
