"""The query model (QueryExpression, FilterExpression, LinkEntity, ...) and FetchXML conversion.

Pure data and parsing: no SQL, no I/O, no metadata. The storage layer compiles these to SQL.
"""

from leadsdk.query.fetchxml import parse_fetchxml
from leadsdk.query.fetchxml_names import FETCHXML_JOIN_OPERATORS, FETCHXML_OPERATORS
from leadsdk.query.fetchxml_write import to_fetchxml
from leadsdk.query.model import (
    AGGREGATE_FUNCTIONS,
    DATE_GROUPINGS,
    AggregateColumn,
    ConditionExpression,
    ConditionOperator,
    FetchExpression,
    FilterExpression,
    JoinOperator,
    LinkEntity,
    LogicalOperator,
    OrderExpression,
    OrderType,
    PagingInfo,
    QueryByAttribute,
    QueryExpression,
    iter_link_entities,
)
from leadsdk.types import ColumnSet

__all__ = [
    "AGGREGATE_FUNCTIONS",
    "DATE_GROUPINGS",
    "FETCHXML_JOIN_OPERATORS",
    "FETCHXML_OPERATORS",
    "AggregateColumn",
    "ColumnSet",
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
    "parse_fetchxml",
    "to_fetchxml",
]
