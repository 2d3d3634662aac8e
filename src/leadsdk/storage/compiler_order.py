"""Compile ORDER BY: columns, a lookup's name, a choice's label, aggregate aliases, DISTINCT.

Storage layer, a layer of the query compiler, called by `QueryCompiler.compile`.
"""

from __future__ import annotations

from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes
from leadsdk.query.model import (
    OrderExpression,
    OrderType,
)
from leadsdk.storage.compiler_aggregates import AggregateCompiler
from leadsdk.storage.compiler_base import OutputColumn, _fault
from leadsdk.storage.sqllinks import Source as _Source
from leadsdk.storage.sqlparts import choice_label_order

__all__ = ["OrderCompiler"]


class OrderCompiler(AggregateCompiler):
    """ORDER BY: columns, lookup names, choice labels, aggregate aliases, DISTINCT."""
    # order ------------------------------------------------------------------------
    def _order(self, o: OrderExpression, src: _Source) -> None:
        desc = OrderType(o.order_type) == OrderType.DESCENDING
        if getattr(o, "alias", None) and self.aggregate:
            if o.alias not in self.aliases:
                raise _fault(ErrorCodes.QUERY_BUILDER_ALIAS_DOES_NOT_EXIST,
                             f"The order refers to the alias '{o.alias}', which the query does not define.")
            self.order_by.append(self.aliases[o.alias] + (" DESC" if desc else "") + self.d.order_nulls(desc))
            return
        s = self._resolve_source(getattr(o, "entity_name", None), src)
        if not o.attribute_name:
            raise _fault(ErrorCodes.QUERY_BUILDER_NO_ATTRIBUTE, "An order names no attribute.")
        a = self.attr(s, o.attribute_name)
        col = self.col(s, a.logical_name)
        if a.type.is_lookup:  # Dataverse sorts a lookup by the related record's primary name
            name = self._lookup_name(s, a)
            if name is not None:
                self._add_order(self.d.text_order(name), desc)
                self.keyset_paging = False
                return
        if a.type.is_choice and not self.raw_order and a.option_set is not None and a.option_set.options:
            # a choice sorts by its label unless the query asks for raw order (useraworderby)
            self._add_order(choice_label_order(self.d, col, a), desc)
            self.keyset_paging = False
            return
        expr = self.d.text_order(col) if a.type.is_text else self.d.numeric(col, a.type)
        self._add_order(expr, desc)
        self.order_cols.append((s, a, desc))

    def _add_order(self, expr: str, desc: bool) -> None:
        suffix = (" DESC" if desc else "") + self.d.order_nulls(desc)
        self.order_by.append(expr + suffix)
        self.order_parts.append((expr, suffix))

    def _distinct_order(self, table: EntityMetadata) -> None:
        """With DISTINCT, order by selected values only (PostgreSQL and SQL Server require it): an
        order expression that is not a selected column is selected too, under a hidden alias."""
        new: list[str] = []
        for i, (expr, suffix) in enumerate(self.order_parts):
            if expr in self.selects:
                new.append(expr + suffix)
                continue
            alias = f"__ordx{i}"
            self.selects.append(f"{expr} AS {self.q(alias)}")
            self.outputs.append(OutputColumn(alias, None, table.logical_name, ""))
            new.append(self.q(alias) + suffix)
        self.order_by[:] = new
