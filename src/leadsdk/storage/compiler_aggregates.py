"""Compile aggregate and group-by columns (FetchXML aggregate='true') and aliased plain columns.

Storage layer, a layer of the query compiler, called by `QueryCompiler.compile` and its links.
"""

from __future__ import annotations

from collections.abc import Sequence

from leadsdk.entities.model import AttributeMetadata, AttributeType
from leadsdk.errors import ErrorCodes
from leadsdk.query.model import AggregateColumn
from leadsdk.storage.compiler_base import OutputColumn, _fault
from leadsdk.storage.compiler_conditions import ConditionCompiler
from leadsdk.storage.sqllinks import Source as _Source

__all__ = ["AggregateCompiler"]

A = AttributeType


class AggregateCompiler(ConditionCompiler):
    """Aggregate and group-by columns, and aliased columns outside an aggregate query."""
    def _renamed_columns(self, src: _Source, columns: Sequence[AggregateColumn], prefix: str) -> None:
        """FetchXML `<attribute name alias>` outside an aggregate query: the column under its alias."""
        for ac in columns:
            if ac.aggregate or ac.group_by:
                raise _fault(ErrorCodes.QUERY_BUILDER_INVALID_AGGREGATE_ATTRIBUTE,
                             f"The attribute '{ac.attribute_name}' of {src.table.logical_name} is an aggregate "
                             "or group-by, which needs an aggregate query (fetch aggregate='true').")
            a = self.attr(src, ac.attribute_name)
            key = ac.alias or (prefix + a.logical_name)
            if any(o.key == key for o in self.outputs):
                continue
            self._select_attribute(src, a, key)

    # aggregates -------------------------------------------------------------------
    def _aggregate_column(self, ac: AggregateColumn, src: _Source) -> None:
        a = self.attr(src, ac.attribute_name)
        if not ac.alias:
            raise _fault(ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
                         f"In an aggregate query every attribute needs an alias ({a.logical_name} has none).")
        if ac.aggregate and ac.group_by:
            raise _fault(ErrorCodes.QUERY_BUILDER_ATTRIBUTE_CANNOT_BE_GROUP_BY_AND_AGGREGATE,
                         f"An attribute can either be an aggregate or a Group By but not both ({ac.alias}).")
        col = self.col(src, a.logical_name)
        if ac.group_by:
            expr = col
            t: AttributeType | None = a.type
            if ac.date_grouping:
                if a.type not in (A.DATETIME, A.DATE):
                    raise _fault(ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
                                 f"dategrouping needs a date column; {a.logical_name} is {a.type.value}.")
                try:
                    expr = self.d.date_part(col, ac.date_grouping)
                except ValueError:
                    raise _fault(ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
                                 f"dategrouping '{ac.date_grouping}' is not supported.") from None
                t = None
            self.group_by.append(expr)
            self.selects.append(expr)
            self.outputs.append(OutputColumn(ac.alias, t, src.table.logical_name, a.logical_name,
                                             raw=bool(ac.date_grouping)))
            self.aliases[ac.alias] = expr
            if a.type.is_lookup and not ac.date_grouping:
                # the name of the grouped record, as Dataverse returns it
                self._select_attribute_name_only(src, a, ac.alias)
            return
        agg = (ac.aggregate or "").lower()
        num = self.d.numeric(col, a.type)
        distinct = "DISTINCT " if ac.distinct else ""
        if agg == "count":
            expr = "COUNT(*)"
            t = A.INTEGER
        elif agg == "countcolumn":
            expr = f"COUNT({distinct}{col})"
            t = A.INTEGER
        elif agg in ("sum", "avg", "min", "max"):
            if not a.type.is_numeric and agg in ("sum", "avg"):
                raise _fault(ErrorCodes.QUERY_BUILDER_INVALID_AGGREGATE_ATTRIBUTE,
                             f"The aggregate {agg} needs a number column; {a.logical_name} is {a.type.value}.")
            expr = f"{agg.upper()}({distinct}{num if a.type.is_numeric else col})"
            # as SQL Server behind Dataverse: an aggregate keeps its column's type (the average of
            # money is Money, of a whole number a whole number truncated toward zero)
            t = a.type
            if agg == "avg" and a.type in (A.INTEGER, A.BIGINT):
                expr = f"SUM({distinct}{col}) / NULLIF(COUNT({distinct}{col}), 0)"
        else:
            raise _fault(ErrorCodes.QUERY_BUILDER_INVALID_AGGREGATE_ATTRIBUTE,
                         f"The aggregate '{ac.aggregate}' is not one of count, countcolumn, sum, avg, min, max.")
        self.selects.append(expr)
        raw = agg in ("count", "countcolumn")
        self.outputs.append(OutputColumn(ac.alias, t, src.table.logical_name, a.logical_name, raw=raw))
        self.aliases[ac.alias] = expr

    def _select_attribute_name_only(self, src: _Source, a: AttributeMetadata, key: str) -> None:
        expr = self._lookup_name(src, a)
        if expr is not None:
            self.selects.append(f"MAX({expr})")
            self.outputs.append(OutputColumn(key + "@name", None, src.table.logical_name, a.logical_name))
