"""Compile the query model into one parameterised SQL statement: `QueryCompiler.compile`.

Storage layer, called by the SQL backends (`sqlbase`). `QueryCompiler` is the last of the compiler's
layers (`compiler_base` < `compiler_conditions` < `compiler_aggregates` < `compiler_order` <
`compiler_paging`) and holds the whole-query walk: filters, link entities (joins; the filtering links
go to `sqllinks`) and the statement's assembly. Table and column names come only from metadata (each
is checked, then quoted); caller strings only ever become parameters.
"""

from __future__ import annotations

from typing import Any

from leadsdk.entities.convert import ROW_VERSION_KEY
from leadsdk.entities.model import AttributeType
from leadsdk.errors import ErrorCodes
from leadsdk.query.limits import check_query
from leadsdk.query.model import (
    FilterExpression,
    JoinOperator,
    LinkEntity,
    LogicalOperator,
    OrderExpression,
    QueryExpression,
)
from leadsdk.storage.compiler_base import AGGREGATED_KEY, CompiledQuery, OutputColumn, _fault
from leadsdk.storage.compiler_paging import PagingCompiler
from leadsdk.storage.sqllinks import Source as _Source
from leadsdk.storage.sqllinks import first_row_on, is_filter_join, semi_join
from leadsdk.storage.sqlparts import check_top_count

__all__ = ["QueryCompiler"]

A = AttributeType


MAX_PAGE_SIZE = 5000


TOTAL_COUNT_LIMIT = 5000


class QueryCompiler(PagingCompiler):
    """Builds SQL for one QueryExpression over one metadata registry and dialect."""

    def filter(self, f: FilterExpression, src: _Source) -> str:
        parts: list[str] = []
        for c in f.conditions:
            parts.append(self.condition(c, src))
        for sub in f.filters:
            s = self.filter(sub, src)
            if s:
                parts.append(s)
        if f.any_all_filter_link_entity is not None:  # FetchXML <link-entity link-type='any'> in a <filter>
            parts.append(semi_join(self, f.any_all_filter_link_entity, src))
        parts = [p for p in parts if p]
        if not parts:
            return ""
        joiner = " OR " if f.filter_operator == LogicalOperator.OR else " AND "
        return "(" + joiner.join(parts) + ")"

    def child(self) -> QueryCompiler:
        """A compiler for a subquery: sees this query's aliases, shares its generated alias numbers."""
        c = QueryCompiler(self.md, self.d, self.ctx)
        c.now = self.now
        c.sources = dict(self.sources)
        c.link_counts = self.link_counts
        c.name_joins = self.name_joins + 1000  # the subquery's own name joins, never selected
        c.pending_joins = []
        c._link_orders = []
        c.aggregate = False
        return c

    def link(self, link: LinkEntity, parent: _Source) -> None:
        self._link(link, parent, [], False)

    def _link(self, link: LinkEntity, parent: _Source, where: list[str], aggregate: bool) -> None:
        to_name = link.link_to_entity_name
        if not to_name:
            raise _fault(ErrorCodes.QUERY_BUILDER_NO_ENTITY, "A link entity has no table name.")
        if is_filter_join(link):  # in / exists / any / all ...: a WHERE predicate, not a join
            where.append(semi_join(self, link, parent))
            return
        table = self.md.table(to_name)
        alias = link.entity_alias or self.auto_alias(to_name)
        src = self.add_source(alias, _Source(alias, table))
        from_attr = self.attr(parent, link.link_from_attribute_name or parent.table.primary_id_attribute)
        to_attr = self.attr(src, link.link_to_attribute_name or table.primary_id_attribute)
        join_op = JoinOperator(link.join_operator)
        kind = "LEFT JOIN" if join_op == JoinOperator.LEFT_OUTER else "JOIN"
        # ON-clause criteria: placeholders must be numbered in text order, so build them first
        # into a separate list and splice in.
        saved = self.params
        self.params = []
        if join_op == JoinOperator.MATCH_FIRST_ROW_USING_CROSS_APPLY:
            on = first_row_on(self, link, src, parent, from_attr, to_attr)  # criteria inside
            crit = ""
        else:
            on = f"{self.col(src, to_attr.logical_name)} = {self.col(parent, from_attr.logical_name)}"
            crit = self.filter(link.link_criteria, src) if link.link_criteria is not None else ""
        nested: list[str] = []
        for sub in link.link_entities:
            if is_filter_join(sub):
                nested.append(semi_join(self, sub, src))
        scope = self.scope_filter(src) if join_op != JoinOperator.MATCH_FIRST_ROW_USING_CROSS_APPLY else ""
        on_params = self.params
        self.params = saved
        extra = " AND ".join(p for p in (crit, *nested, scope) if p)
        self.pending_joins.append((f"{kind} {self.q(table.logical_name)} AS {self.q(alias)} ON {on}"
                                   + (f" AND {extra}" if extra else ""), on_params))
        if aggregate:
            for ac in getattr(link, "aggregate_columns", []) or []:
                self._aggregate_column(ac, src)
        else:
            self._select_columns(src, link.columns, alias + ".", always_id=False)
            self._renamed_columns(src, link.aggregate_columns, alias + ".")
        for o in link.orders:
            self._link_orders.append((o, src))
        for sub in link.link_entities:
            if not is_filter_join(sub):
                self._link(sub, src, where, aggregate)

    # the whole query --------------------------------------------------------------
    def compile(self, query: QueryExpression) -> CompiledQuery:
        check_query(query)
        table = self.md.table(query.entity_name)
        root = _Source(table.logical_name, table)
        self.sources[table.logical_name] = root
        self.group_by = []
        self.order_by = []
        self.order_parts = []
        self.order_cols = []
        self.aliases = {}
        self.pending_joins: list[tuple[str, list[Any]]] = []
        self._link_orders: list[tuple[OrderExpression, _Source]] = []
        self.aggregate = bool(getattr(query, "aggregate", False))
        self.raw_order = bool(getattr(query, "use_raw_order_by", False))
        distinct_rows = bool(getattr(query, "distinct", False)) and not self.aggregate

        check_top_count(query)
        if self.aggregate:
            for ac in getattr(query, "aggregate_columns", []) or []:
                self._aggregate_column(ac, root)
            if not query.aggregate_columns and not any(lk.aggregate_columns for lk in query.link_entities):
                raise _fault(ErrorCodes.QUERY_BUILDER_DESERIALIZE_INVALID_AGGREGATE,
                             f"The aggregate query on {table.logical_name} has no attributes: add at least one "
                             "attribute with aggregate='count' (or sum, avg, min, max) or groupby='true'.")
        else:
            # distinct: the selected columns only, so identical rows collapse (no primary key added)
            self._select_columns(root, query.column_set, "", always_id=not distinct_rows)
            self._renamed_columns(root, query.aggregate_columns, "")
            if self.row_version and not distinct_rows and "versionnumber" in table.attributes and not any(
                    o.key == "versionnumber" for o in self.outputs):
                # every retrieved record carries its RowVersion, whatever the column set
                self.selects.append(self.col(root, "versionnumber"))
                self.outputs.append(OutputColumn(ROW_VERSION_KEY, A.BIGINT, table.logical_name, "versionnumber"))
        select_params = self.params
        self.params = []

        where: list[str] = []
        for link in query.link_entities:
            if not is_filter_join(link):
                self._link(link, root, where, self.aggregate)
        # joins' params come before WHERE params in the text; name joins carry none
        join_sql = [j for j, _ in self.pending_joins]
        join_params = [p for _, ps in self.pending_joins for p in ps]

        for link in query.link_entities:  # filtering links (in, exists, any, all ...): WHERE predicates
            if is_filter_join(link):
                self._link(link, root, where, self.aggregate)
        crit = self.filter(query.criteria, root) if query.criteria is not None else ""
        scope = self.scope_filter(root)
        where_parts = [p for p in (*where, crit, scope) if p]
        where_params = self.params
        self.params = []

        for o in query.orders:
            self._order(o, root)
        for o, src in self._link_orders:  # Dataverse applies the links' orders after the query's own
            self._order(o, src)
        order_params = self.params

        cq = CompiledQuery("", [], self.outputs, aggregate=self.aggregate)
        page = query.page_info
        limit: int | None = None
        offset = 0
        cookie_where = ""
        cookie_params: list[Any] = []
        if distinct_rows:
            self.keyset_paging = False
        elif not self.aggregate:
            # stable order: primary id last (also keys the paging cookie)
            pk_attr = table.attributes[table.primary_id_attribute]
            if not any(s is root and a.logical_name == pk_attr.logical_name for s, a, _ in self.order_cols):
                self._add_order(self.col(root, pk_attr.logical_name), False)
                self.order_cols.append((root, pk_attr, False))
        if page is not None and (page.count or 0) > 0:
            if page.count > MAX_PAGE_SIZE:
                raise _fault(ErrorCodes.INVALID_ARGUMENT,
                             f"The page size {page.count} is larger than the maximum of {MAX_PAGE_SIZE}.")
            if page.page_number < 1:
                raise _fault(ErrorCodes.INVALID_ARGUMENT, "The page number starts at 1.")
            limit = page.count
            cq.page_size = page.count
            cq.page_number = page.page_number
            if page.paging_cookie and not self.aggregate and self.keyset_paging:
                cookie_where, cookie_params = self._cookie_predicate(page.paging_cookie)
            else:
                offset = (page.page_number - 1) * page.count
        elif query.top_count is not None:
            if not 0 <= query.top_count <= MAX_PAGE_SIZE:
                raise _fault(ErrorCodes.INVALID_ARGUMENT,
                             f"The top_count of a query on {table.logical_name} must be between 0 and "
                             f"{MAX_PAGE_SIZE}, not {query.top_count}.")
            limit = query.top_count

        if cq.page_size is not None and not self.aggregate and not distinct_rows:
            self._add_hidden_order_outputs(root)
        if self.aggregate:  # the records aggregated, over every group (Dataverse's limit counts these)
            self.selects.append("SUM(COUNT(*)) OVER ()")
            self.outputs.append(OutputColumn(AGGREGATED_KEY, None, table.logical_name, "", raw=True))
        distinct = "DISTINCT " if distinct_rows else ""
        if distinct:
            self._distinct_order(table)
        sql = f"SELECT {distinct}" + ", ".join(self.selects) + f" FROM {self.q(table.logical_name)}"
        all_joins = join_sql + self.joins
        if all_joins:
            sql += " " + " ".join(all_joins)
        where_sql = " AND ".join(where_parts)
        full_where = " AND ".join(p for p in (where_sql, cookie_where) if p)
        if full_where:
            sql += " WHERE " + full_where
        base_from = f" FROM {self.q(table.logical_name)}" + (" " + " ".join(join_sql) if join_sql else "")
        if self.group_by:
            sql += " GROUP BY " + ", ".join(self.group_by)
        if self.order_by:
            sql += " ORDER BY " + ", ".join(self.order_by)
        params = select_params + join_params + where_params + cookie_params + order_params
        if limit is not None:
            fetch = limit + 1 if cq.page_size else limit
            sql += f" LIMIT {int(fetch)}"
            if offset:
                sql += f" OFFSET {int(offset)}"
        cq.sql = sql
        cq.params = params
        cq.order_keys = self._order_keys(root)
        if page is not None and page.return_total_record_count and not self.aggregate:
            if distinct_rows:  # the distinct rows, counted as the query returns them
                cnt = (f"SELECT COUNT(*) FROM (SELECT DISTINCT {', '.join(self.selects)} FROM "
                       f"{self.q(table.logical_name)}" + ("".join(" " + j for j in all_joins)))
                count_params = select_params + join_params + where_params
            else:
                cnt = f"SELECT COUNT(*) FROM (SELECT {self.col(root, table.primary_id_attribute)}" + base_from
                count_params = join_params + where_params
            if where_sql:
                cnt += " WHERE " + where_sql
            cnt += f" LIMIT {TOTAL_COUNT_LIMIT + 1}) AS _c"
            cq.count_sql = cnt
            cq.count_params = count_params
        return cq
