"""The query model: QueryExpression, FilterExpression, LinkEntity, ... as in Microsoft.Xrm.Sdk.Query.

Pure data. Nothing here touches SQL, storage or metadata: the storage layer compiles these objects
to one SQL statement, and `leadsdk.query.fetchxml` converts FetchXML to and from them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from enum import IntEnum
from typing import Any, overload

import attrs

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.types import ColumnSet

__all__ = [
    "AGGREGATE_FUNCTIONS",
    "DATE_GROUPINGS",
    "AggregateColumn",
    "ConditionExpression",
    "ConditionOperator",
    "FetchExpression",
    "FilterExpression",
    "JoinOperator",
    "LinkEntity",
    "LogicalOperator",
    "OrderExpression",
    "OrderType",
    "PagingInfo",
    "QueryByAttribute",
    "QueryExpression",
    "iter_link_entities",
]


class ConditionOperator(IntEnum):
    """Microsoft.Xrm.Sdk.Query.ConditionOperator, every member with its SDK integer value.

    Values as compiled into Microsoft.Xrm.Sdk.dll (decompiled copies on GitHub, cross-checked with the
    learn.microsoft.com "ConditionOperator Enum" page for 0-74 and 80-88). The hierarchy operators are
    Under=75, NotUnder=76, UnderOrEqual=77, Above=78, AboveOrEqual=79: the SDK's own XML doc comments
    (and the PCF typings copied from them) give other numbers, but the assembly's values are these.
    EqualRoleBusinessId=89 is the newest member (recent SDK packages only; internal use).
    """

    EQUAL = 0
    NOT_EQUAL = 1
    GREATER_THAN = 2
    LESS_THAN = 3
    GREATER_EQUAL = 4
    LESS_EQUAL = 5
    LIKE = 6
    NOT_LIKE = 7
    IN = 8
    NOT_IN = 9
    BETWEEN = 10
    NOT_BETWEEN = 11
    NULL = 12
    NOT_NULL = 13
    YESTERDAY = 14
    TODAY = 15
    TOMORROW = 16
    LAST_7_DAYS = 17
    NEXT_7_DAYS = 18
    LAST_WEEK = 19
    THIS_WEEK = 20
    NEXT_WEEK = 21
    LAST_MONTH = 22
    THIS_MONTH = 23
    NEXT_MONTH = 24
    ON = 25
    ON_OR_BEFORE = 26
    ON_OR_AFTER = 27
    LAST_YEAR = 28
    THIS_YEAR = 29
    NEXT_YEAR = 30
    LAST_X_HOURS = 31
    NEXT_X_HOURS = 32
    LAST_X_DAYS = 33
    NEXT_X_DAYS = 34
    LAST_X_WEEKS = 35
    NEXT_X_WEEKS = 36
    LAST_X_MONTHS = 37
    NEXT_X_MONTHS = 38
    LAST_X_YEARS = 39
    NEXT_X_YEARS = 40
    EQUAL_USER_ID = 41
    NOT_EQUAL_USER_ID = 42
    EQUAL_BUSINESS_ID = 43
    NOT_EQUAL_BUSINESS_ID = 44
    CHILD_OF = 45
    MASK = 46
    NOT_MASK = 47
    MASKS_SELECT = 48
    CONTAINS = 49
    DOES_NOT_CONTAIN = 50
    EQUAL_USER_LANGUAGE = 51
    NOT_ON = 52
    OLDER_THAN_X_MONTHS = 53
    BEGINS_WITH = 54
    DOES_NOT_BEGIN_WITH = 55
    ENDS_WITH = 56
    DOES_NOT_END_WITH = 57
    THIS_FISCAL_YEAR = 58
    THIS_FISCAL_PERIOD = 59
    NEXT_FISCAL_YEAR = 60
    NEXT_FISCAL_PERIOD = 61
    LAST_FISCAL_YEAR = 62
    LAST_FISCAL_PERIOD = 63
    LAST_X_FISCAL_YEARS = 64
    LAST_X_FISCAL_PERIODS = 65
    NEXT_X_FISCAL_YEARS = 66
    NEXT_X_FISCAL_PERIODS = 67
    IN_FISCAL_YEAR = 68
    IN_FISCAL_PERIOD = 69
    IN_FISCAL_PERIOD_AND_YEAR = 70
    IN_OR_BEFORE_FISCAL_PERIOD_AND_YEAR = 71
    IN_OR_AFTER_FISCAL_PERIOD_AND_YEAR = 72
    EQUAL_USER_TEAMS = 73
    EQUAL_USER_OR_USER_TEAMS = 74
    UNDER = 75
    NOT_UNDER = 76
    UNDER_OR_EQUAL = 77
    ABOVE = 78
    ABOVE_OR_EQUAL = 79
    EQUAL_USER_OR_USER_HIERARCHY = 80
    EQUAL_USER_OR_USER_HIERARCHY_AND_TEAMS = 81
    OLDER_THAN_X_YEARS = 82
    OLDER_THAN_X_WEEKS = 83
    OLDER_THAN_X_DAYS = 84
    OLDER_THAN_X_HOURS = 85
    OLDER_THAN_X_MINUTES = 86
    CONTAIN_VALUES = 87
    DOES_NOT_CONTAIN_VALUES = 88
    EQUAL_ROLE_BUSINESS_ID = 89


class LogicalOperator(IntEnum):
    """How a FilterExpression combines its conditions and child filters."""

    AND = 0
    OR = 1


class JoinOperator(IntEnum):
    """Microsoft.Xrm.Sdk.Query.JoinOperator (values from the learn.microsoft.com JoinOperator Enum page)."""

    INNER = 0
    LEFT_OUTER = 1
    NATURAL = 2
    MATCH_FIRST_ROW_USING_CROSS_APPLY = 3
    IN = 4
    EXISTS = 5
    ANY = 6
    NOT_ANY = 7
    ALL = 8
    NOT_ALL = 9


class OrderType(IntEnum):
    """Sort direction of an OrderExpression."""

    ASCENDING = 0
    DESCENDING = 1


#: FetchXML `aggregate=` values.
AGGREGATE_FUNCTIONS: frozenset[str] = frozenset({"count", "countcolumn", "sum", "avg", "min", "max"})
#: FetchXML `dategrouping=` values.
DATE_GROUPINGS: frozenset[str] = frozenset(
    {"day", "week", "month", "quarter", "year", "fiscal-period", "fiscal-year"}
)


def _flatten_values(values: Sequence[Any]) -> list[Any]:
    """One list or tuple passed as the only value is the value list, as with the SDK's `params object[]`."""
    if len(values) == 1 and isinstance(values[0], (list, tuple)):
        return list(values[0])
    return list(values)


def _to_condition_operator(value: ConditionOperator | int) -> ConditionOperator:
    return value if isinstance(value, ConditionOperator) else ConditionOperator(value)


@attrs.define(init=False)
class ConditionExpression:
    """One comparison: `attribute_name operator values`, optionally on a linked table (`entity_name`).

    `ConditionExpression("leadsourcecode", ConditionOperator.IN, 1, 8)` and
    `ConditionExpression("leadsourcecode", ConditionOperator.IN, [1, 8])` are the same condition.
    With `compare_columns=True` the value is another column's name (FetchXML `valueof`).
    """

    attribute_name: str
    operator: ConditionOperator
    values: list[Any]
    entity_name: str | None
    compare_columns: bool

    def __init__(
        self,
        attribute_name: str,
        operator: ConditionOperator | int,
        *values: Any,
        entity_name: str | None = None,
        compare_columns: bool = False,
        **kwargs: Any,
    ) -> None:
        if kwargs.keys() - {"values"}:
            unexpected = ", ".join(sorted(kwargs.keys() - {"values"}))
            raise TypeError(f"ConditionExpression() got unexpected keyword arguments: {unexpected}")
        keyword_values = kwargs.get("values")
        if keyword_values is not None and values:
            raise TypeError("pass the values either positionally or as values=[...], not both")
        self.attribute_name = attribute_name
        self.operator = _to_condition_operator(operator)
        self.values = list(keyword_values) if keyword_values is not None else _flatten_values(values)
        self.entity_name = entity_name
        self.compare_columns = compare_columns


def _to_logical_operator(value: LogicalOperator | int) -> LogicalOperator:
    return value if isinstance(value, LogicalOperator) else LogicalOperator(value)


@attrs.define
class FilterExpression:
    """Conditions and child filters combined with AND or OR (`filter_operator`).

    `any_all_filter_link_entity` (the SDK's FilterExpression.AnyAllFilterLinkEntity) is a LinkEntity
    whose join operator is ANY, NOT_ANY, ALL or NOT_ALL: one more child condition of this filter,
    true for the rows with (or without) related rows matching the link's criteria.
    """

    filter_operator: LogicalOperator = attrs.field(
        default=LogicalOperator.AND, converter=_to_logical_operator
    )
    conditions: list[ConditionExpression] = attrs.field(factory=list)
    filters: list[FilterExpression] = attrs.field(factory=list)
    any_all_filter_link_entity: LinkEntity | None = None

    @overload
    def add_condition(self, condition: ConditionExpression, /) -> ConditionExpression: ...

    @overload
    def add_condition(
        self,
        attribute_name: str,
        operator: ConditionOperator | int,
        /,
        *values: Any,
        entity_name: str | None = None,
    ) -> ConditionExpression: ...

    @overload
    def add_condition(
        self, entity_name: str, attribute_name: str, operator: ConditionOperator | int, /, *values: Any
    ) -> ConditionExpression: ...

    def add_condition(self, *args: Any, entity_name: str | None = None) -> ConditionExpression:
        """Add a condition and return it.

        Accepts a ConditionExpression, `(attribute_name, operator, *values)`, or the SDK overload
        `(entity_name, attribute_name, operator, *values)` for a condition on a linked table's alias.
        """
        if len(args) == 1 and isinstance(args[0], ConditionExpression):
            if entity_name is not None:
                raise TypeError("entity_name cannot be given with a ConditionExpression")
            condition = args[0]
        elif (
            len(args) >= 3
            and isinstance(args[0], str)
            and isinstance(args[1], str)
            and (isinstance(args[2], ConditionOperator))
        ):
            if entity_name is not None:
                raise TypeError("entity_name was given twice")
            condition = ConditionExpression(args[1], args[2], *args[3:], entity_name=args[0])
        elif len(args) >= 2 and isinstance(args[0], str):
            condition = ConditionExpression(args[0], args[1], *args[2:], entity_name=entity_name)
        else:
            raise TypeError(
                "add_condition takes a ConditionExpression, (attribute_name, operator, *values) "
                "or (entity_name, attribute_name, operator, *values)"
            )
        self.conditions.append(condition)
        return condition

    def add_filter(
        self, child: FilterExpression | LogicalOperator | int = LogicalOperator.AND
    ) -> FilterExpression:
        """Add a child filter (given, or a new one with the given operator) and return it."""
        if not isinstance(child, FilterExpression):
            child = FilterExpression(_to_logical_operator(child))
        self.filters.append(child)
        return child

    def is_empty(self) -> bool:
        """True when the filter has no conditions, child filters or link (it then matches every row)."""
        return not self.conditions and not self.filters and self.any_all_filter_link_entity is None


def _to_order_type(value: OrderType | int) -> OrderType:
    return value if isinstance(value, OrderType) else OrderType(value)


@attrs.define
class OrderExpression:
    """Sort by a column (`attribute_name`) or, in aggregate queries, by an aggregate's `alias`."""

    attribute_name: str | None = None
    order_type: OrderType = attrs.field(default=OrderType.ASCENDING, converter=_to_order_type)
    alias: str | None = None
    entity_name: str | None = None


@attrs.define
class AggregateColumn:
    """An aliased column: an aggregate (`aggregate="sum"`), a group-by, or a renamed plain column.

    FetchXML `<attribute name alias aggregate groupby dategrouping distinct usertimezone>`.
    In a non-aggregate query an AggregateColumn with neither `aggregate` nor `group_by` is a plain
    column returned under its alias.
    """

    attribute_name: str
    alias: str | None
    aggregate: str | None = None
    group_by: bool = False
    date_grouping: str | None = None
    distinct: bool = False
    user_time_zone: bool = True


def _to_join_operator(value: JoinOperator | int) -> JoinOperator:
    return value if isinstance(value, JoinOperator) else JoinOperator(value)


def _to_column_set(value: ColumnSet | bool | Sequence[str] | None) -> ColumnSet:
    """None: no columns; True / False as `ColumnSet(True)` / `ColumnSet(False)`; a list of names."""
    if value is None:
        return ColumnSet()
    if isinstance(value, ColumnSet):
        return value
    return ColumnSet(value)


@attrs.define
class LinkEntity:
    """A join: `link_from_entity_name.link_from_attribute_name = link_to_entity_name.link_to_attribute_name`.

    `columns` defaults to no columns; set `entity_alias` to name the linked columns ("alias.column").
    `intersect` is FetchXML's hint that the link only filters (typically an N:N intersect table).
    """

    link_from_entity_name: str | None = None
    link_to_entity_name: str | None = None
    link_from_attribute_name: str | None = None
    link_to_attribute_name: str | None = None
    join_operator: JoinOperator = attrs.field(default=JoinOperator.INNER, converter=_to_join_operator)
    entity_alias: str | None = None
    columns: ColumnSet = attrs.field(factory=ColumnSet, converter=_to_column_set)
    link_criteria: FilterExpression = attrs.field(factory=FilterExpression)
    link_entities: list[LinkEntity] = attrs.field(factory=list)
    orders: list[OrderExpression] = attrs.field(factory=list)
    aggregate_columns: list[AggregateColumn] = attrs.field(factory=list)
    intersect: bool = False

    def add_link(
        self,
        link_to_entity_name: str,
        link_from_attribute_name: str,
        link_to_attribute_name: str,
        join_operator: JoinOperator | int = JoinOperator.INNER,
    ) -> LinkEntity:
        """Join a further table to this link's table and return the new LinkEntity."""
        link = LinkEntity(
            self.link_to_entity_name,
            link_to_entity_name,
            link_from_attribute_name,
            link_to_attribute_name,
            join_operator,
        )
        self.link_entities.append(link)
        return link

    def add_order(
        self, attribute_name: str, order_type: OrderType | int = OrderType.ASCENDING
    ) -> OrderExpression:
        """Sort by a column of this linked table and return the OrderExpression."""
        order = OrderExpression(attribute_name, order_type)
        self.orders.append(order)
        return order


@attrs.define
class PagingInfo:
    """Which page to return: `count` rows per page (0 = the default page size), 1-based `page_number`."""

    count: int = 0
    page_number: int = 1
    paging_cookie: str | None = None
    return_total_record_count: bool = False


@attrs.define
class QueryExpression:
    """A query on one table: columns, criteria, joins, order, paging or top, and optionally aggregates.

    `column_set` defaults to no columns (only the id comes back), as in Dataverse. `top_count` and
    `page_info` are mutually exclusive. With `aggregate=True` the result columns are
    `aggregate_columns` (on the query and its links) and orders name their aliases.
    """

    entity_name: str
    column_set: ColumnSet = attrs.field(factory=ColumnSet, converter=_to_column_set)
    criteria: FilterExpression = attrs.field(factory=FilterExpression)
    link_entities: list[LinkEntity] = attrs.field(factory=list)
    orders: list[OrderExpression] = attrs.field(factory=list)
    page_info: PagingInfo | None = None
    top_count: int | None = None
    distinct: bool = False
    no_lock: bool = False
    aggregate: bool = False
    aggregate_columns: list[AggregateColumn] = attrs.field(factory=list)
    use_raw_order_by: bool = False
    """Sort choice columns by their integer value instead of their label (FetchXML `useraworderby`)."""

    def add_link(
        self,
        link_to_entity_name: str,
        link_from_attribute_name: str,
        link_to_attribute_name: str,
        join_operator: JoinOperator | int = JoinOperator.INNER,
    ) -> LinkEntity:
        """Join a table to the query's table and return the new LinkEntity."""
        link = LinkEntity(
            self.entity_name,
            link_to_entity_name,
            link_from_attribute_name,
            link_to_attribute_name,
            join_operator,
        )
        self.link_entities.append(link)
        return link

    def add_order(
        self, attribute_name: str, order_type: OrderType | int = OrderType.ASCENDING
    ) -> OrderExpression:
        """Sort by a column of the query's table and return the OrderExpression."""
        order = OrderExpression(attribute_name, order_type)
        self.orders.append(order)
        return order


def _to_list(value: Iterable[Any] | None) -> list[Any]:
    return [] if value is None else list(value)


@attrs.define
class QueryByAttribute:
    """Equality-only query: rows whose `attributes[i]` equals `values[i]` for every i (ANDed)."""

    entity_name: str
    column_set: ColumnSet = attrs.field(factory=ColumnSet, converter=_to_column_set)
    attributes: list[str] = attrs.field(factory=list, converter=_to_list)
    values: list[Any] = attrs.field(factory=list, converter=_to_list)
    orders: list[OrderExpression] = attrs.field(factory=list)
    page_info: PagingInfo | None = None
    top_count: int | None = None

    def add_attribute_value(self, attribute: str, value: Any) -> None:
        """Add one `attribute == value` pair."""
        self.attributes.append(attribute)
        self.values.append(value)

    def add_order(
        self, attribute_name: str, order_type: OrderType | int = OrderType.ASCENDING
    ) -> OrderExpression:
        """Sort by a column and return the OrderExpression."""
        order = OrderExpression(attribute_name, order_type)
        self.orders.append(order)
        return order

    def to_query_expression(self) -> QueryExpression:
        """The equivalent QueryExpression: one EQUAL condition per pair (NULL where the value is None)."""
        if not self.attributes:
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"QueryByAttribute on '{self.entity_name}' needs at least one attribute.",
            )
        if len(self.attributes) != len(self.values):
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"QueryByAttribute on '{self.entity_name}' has {len(self.attributes)} attributes "
                f"but {len(self.values)} values; they must pair up.",
            )
        query = QueryExpression(
            self.entity_name,
            copy.deepcopy(self.column_set),
            orders=copy.deepcopy(self.orders),
            page_info=copy.deepcopy(self.page_info),
            top_count=self.top_count,
        )
        for attribute, value in zip(self.attributes, self.values):
            if value is None:
                query.criteria.add_condition(attribute, ConditionOperator.NULL)
            else:
                query.criteria.add_condition(attribute, ConditionOperator.EQUAL, value)
        return query


@attrs.define
class FetchExpression:
    """A query written in FetchXML; `leadsdk.query.parse_fetchxml` turns it into a QueryExpression."""

    query: str


def iter_link_entities(links: Iterable[LinkEntity]) -> Iterable[LinkEntity]:
    """Every link in `links` and, depth first, all links nested under them."""
    for link in links:
        yield link
        yield from iter_link_entities(link.link_entities)
