"""Pieces of the query compiler kept apart from `leadsdk.storage.sql` (which is long enough):
column comparison, state and status names in conditions, and the sort keys of lookups and choices.

Each function takes the compiler (`QueryCompiler`) it works for and returns SQL text, appending any
parameters to the compiler's list in text order, as the compiler itself does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from leadsdk.entities.model import AttributeMetadata, AttributeType, EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.query.model import ConditionOperator
from leadsdk.storage.dialect import Dialect

__all__ = ["choice_label_order", "compare_columns", "state_values_by_label"]

A = AttributeType
C = ConditionOperator

_COLUMN_OPERATORS = {
    C.EQUAL: "=", C.NOT_EQUAL: "<>", C.GREATER_THAN: ">", C.GREATER_EQUAL: ">=", C.LESS_THAN: "<",
    C.LESS_EQUAL: "<=",
}


class _Source(Protocol):
    alias: str
    table: EntityMetadata


class _Compiler(Protocol):
    d: Dialect

    def col(self, src: Any, name: str) -> str: ...

    def attr(self, src: Any, name: str) -> AttributeMetadata: ...

    def _resolve_source(self, entity_name: str | None, default: Any) -> Any: ...


def _same_kind(a: AttributeType, b: AttributeType) -> bool:
    """Whether two column types may be compared ("the columns must be the same type")."""
    groups = (
        {A.STRING, A.MEMO},
        {A.INTEGER, A.BIGINT, A.DECIMAL, A.MONEY, A.DOUBLE},
        {A.PICKLIST, A.STATE, A.STATUS},
        {A.LOOKUP, A.CUSTOMER, A.OWNER, A.UNIQUEIDENTIFIER},
        {A.DATETIME, A.DATE},
        {A.BOOLEAN},
    )
    return a == b or any(a in g and b in g for g in groups)


def compare_columns(compiler: _Compiler, op: ConditionOperator, src: Any, a: AttributeMetadata,
                    values: Sequence[Any], label: str) -> str:
    """`a op other-column` (QueryExpression compare_columns, FetchXML valueof).

    Dataverse allows Equal, NotEqual, GreaterThan, GreaterEqual, LessThan and LessEqual, exactly two
    columns, of the same type. The other column is a column of the same table, or `alias.column` of a
    linked table of the query. Text compares case-insensitively, as every text condition does.
    """
    sql_op = _COLUMN_OPERATORS.get(op)
    if sql_op is None:
        raise OrganizationServiceFault(
            ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
            f"The column comparison on {label} uses {op.name}; a column can only be compared with another "
            "column by Equal, NotEqual, GreaterThan, GreaterEqual, LessThan or LessEqual.")
    if len(values) != 1 or not isinstance(values[0], str) or not values[0].strip():
        raise OrganizationServiceFault(
            ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
            f"The column comparison on {label} needs exactly one other column name, not {list(values)!r}.")
    name = values[0].strip()
    other_src = src
    if "." in name:
        alias, name = name.split(".", 1)
        other_src = compiler._resolve_source(alias, src)
    b = compiler.attr(other_src, name)
    if not _same_kind(a.type, b.type):
        raise OrganizationServiceFault(
            ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
            f"The column comparison on {label} compares a {a.type.value} column with "
            f"{other_src.table.logical_name}.{b.logical_name}, a {b.type.value} column; the columns must be "
            "the same type.")
    left = compiler.col(src, a.logical_name)
    right = compiler.col(other_src, b.logical_name)
    if a.type.is_text:
        return compiler.d.text_compare_columns(left, sql_op, right)
    return f"{compiler.d.numeric(left, a.type)} {sql_op} {compiler.d.numeric(right, b.type)}"


def state_values_by_label(a: AttributeMetadata, values: Sequence[Any]) -> list[Any]:
    """Condition values on a state or status column with names (`value='Won'`) turned into their numbers.

    Microsoft's FetchXML aggregation sample filters `statecode` with `value='Won'`; Dataverse reads a
    state or status name as its option. Numbers, and names that are no option, are left as they are
    (a name that is no option then fails as any bad value does).
    """
    options = a.option_set.options if a.option_set is not None else ()
    by_label = {o.label.strip().lower(): o.value for o in options if o.label}
    out: list[Any] = []
    for v in values:
        if isinstance(v, str) and not v.strip().lstrip("-").isdigit():
            out.append(by_label.get(v.strip().lower(), v))
        else:
            out.append(v)
    return out


def choice_label_order(d: Dialect, column: str, a: AttributeMetadata) -> str:
    """A sort key ordering a choice column by its options' labels (Dataverse's default for choices).

    The labels come from metadata, never from a caller, and are written as SQL literals (quotes
    doubled) so the expression carries no parameters and can move into a DISTINCT select list.
    """
    options = a.option_set.options if a.option_set is not None else ()
    if not options:
        return column
    whens = " ".join(
        f"WHEN {int(o.value)} THEN '{o.label.replace(chr(39), chr(39) * 2)}'" for o in options)
    return d.text_order(f"(CASE {column} {whens} END)")


def check_top_count(query: Any) -> None:
    """TopCount cannot be combined with paging or a total record count.

    learn.microsoft.com "Count rows using QueryExpression": "You can't use the QueryExpression.TopCount
    property together with ReturnTotalRecordCount"; "Page results": TopCount and PageInfo are exclusive.
    """
    page = query.page_info
    if query.top_count is None or page is None:
        return
    clash = ("a page size (page_info.count)" if page.count else
             "a page number after the first" if page.page_number > 1 else
             "a paging cookie" if page.paging_cookie else
             "a total record count (return_total_record_count)" if page.return_total_record_count else None)
    if clash is not None:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"The query on {query.entity_name} sets top_count and asks for {clash}: TopCount cannot be "
            "combined with paging or a total record count; use one or the other.")
