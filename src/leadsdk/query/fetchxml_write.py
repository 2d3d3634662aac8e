"""Write a QueryExpression as FetchXML: `to_fetchxml(query)`.

Query layer. Exported as `leadsdk.query.to_fetchxml` for callers that store or show a query; the jobs
feature stores a bulk job's query with it. The reader is `leadsdk.query.fetchxml`.
"""

from __future__ import annotations

import datetime as _dt
import uuid
import xml.etree.ElementTree as ET
from decimal import Decimal
from enum import Enum
from typing import Any

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.query.fetchxml_names import JOIN_NAMES, LIST_OPERATORS, OPERATOR_NAMES
from leadsdk.query.model import (
    AggregateColumn,
    ConditionExpression,
    FilterExpression,
    LinkEntity,
    LogicalOperator,
    OrderExpression,
    OrderType,
    QueryExpression,
)
from leadsdk.types import ColumnSet, EntityReference, Money, OptionSetValue

__all__ = ["to_fetchxml"]


def _fault(code: int, message: str) -> OrganizationServiceFault:
    return OrganizationServiceFault(code, f"Cannot write FetchXML: {message}")


def _text(value: Any) -> str:
    """A condition value as FetchXML text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return _text(value.value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, EntityReference):
        return str(value.id)
    if isinstance(value, (OptionSetValue, Money)):
        return str(value.value)
    return str(value)


def _write_condition(parent: ET.Element, condition: ConditionExpression) -> None:
    name = OPERATOR_NAMES.get(condition.operator)
    if name is None:
        raise _fault(
            ErrorCodes.QUERY_BUILDER_INVALID_CONDITION_OPERATOR,
            f"the condition on '{condition.attribute_name}' uses "
            f"ConditionOperator.{condition.operator.name}, which has no FetchXML operator.",
        )
    element = ET.SubElement(parent, "condition", attribute=condition.attribute_name)
    if condition.entity_name is not None:
        element.set("entityname", condition.entity_name)
    element.set("operator", name)
    if condition.compare_columns:
        if len(condition.values) != 1:
            raise _fault(
                ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
                f"the column comparison on '{condition.attribute_name}' needs exactly one other column.",
            )
        element.set("valueof", _text(condition.values[0]))
    elif len(condition.values) == 1 and condition.operator not in LIST_OPERATORS:
        element.set("value", _text(condition.values[0]))
    else:
        for value in condition.values:
            ET.SubElement(element, "value").text = _text(value)


def _write_filter(parent: ET.Element, criteria: FilterExpression, *, top_level: bool) -> None:
    if top_level and criteria.is_empty() and criteria.filter_operator == LogicalOperator.AND:
        return
    element = ET.SubElement(
        parent, "filter", type="and" if criteria.filter_operator == LogicalOperator.AND else "or"
    )
    for condition in criteria.conditions:
        _write_condition(element, condition)
    for child in criteria.filters:
        if (child.any_all_filter_link_entity is not None and not child.conditions and not child.filters
                and child.filter_operator == LogicalOperator.AND):
            _write_link(element, child.any_all_filter_link_entity)  # as parse_fetchxml reads it back
        else:
            _write_filter(element, child, top_level=False)
    if criteria.any_all_filter_link_entity is not None:
        _write_link(element, criteria.any_all_filter_link_entity)


def _write_columns(parent: ET.Element, columns: ColumnSet, aggregate_columns: list[AggregateColumn]) -> None:
    if columns.all_columns:
        ET.SubElement(parent, "all-attributes")
    for name in columns.columns:
        ET.SubElement(parent, "attribute", name=name)
    for column in aggregate_columns:
        element = ET.SubElement(parent, "attribute", name=column.attribute_name)
        if column.alias is not None:
            element.set("alias", column.alias)
        if column.aggregate is not None:
            element.set("aggregate", column.aggregate)
        if column.group_by:
            element.set("groupby", "true")
        if column.date_grouping is not None:
            element.set("dategrouping", column.date_grouping)
        if column.distinct:
            element.set("distinct", "true")
        if not column.user_time_zone:
            element.set("usertimezone", "false")


def _write_orders(parent: ET.Element, orders: list[OrderExpression]) -> None:
    for order in orders:
        element = ET.SubElement(parent, "order")
        if order.attribute_name is not None:
            element.set("attribute", order.attribute_name)
        if order.alias is not None:
            element.set("alias", order.alias)
        if order.entity_name is not None:
            element.set("entityname", order.entity_name)
        if order.order_type == OrderType.DESCENDING:
            element.set("descending", "true")


def _write_link(parent: ET.Element, link: LinkEntity) -> None:
    if not link.link_to_entity_name:
        raise _fault(ErrorCodes.INVALID_FETCH_XML, "a LinkEntity has no link_to_entity_name.")
    link_type = JOIN_NAMES.get(link.join_operator)
    if link_type is None:
        raise _fault(
            ErrorCodes.INVALID_FETCH_XML,
            f"the link to '{link.link_to_entity_name}' uses JoinOperator.{link.join_operator.name}, "
            "which has no FetchXML link-type.",
        )
    element = ET.SubElement(parent, "link-entity", name=link.link_to_entity_name)
    if link.link_to_attribute_name is not None:
        element.set("from", link.link_to_attribute_name)
    if link.link_from_attribute_name is not None:
        element.set("to", link.link_from_attribute_name)
    if link.entity_alias is not None:
        element.set("alias", link.entity_alias)
    element.set("link-type", link_type)
    if link.intersect:
        element.set("intersect", "true")
    _write_body(
        element, link.columns, link.aggregate_columns, link.orders, link.link_criteria, link.link_entities
    )


def _write_body(
    element: ET.Element,
    columns: ColumnSet,
    aggregate_columns: list[AggregateColumn],
    orders: list[OrderExpression],
    criteria: FilterExpression,
    links: list[LinkEntity],
) -> None:
    _write_columns(element, columns, aggregate_columns)
    _write_orders(element, orders)
    _write_filter(element, criteria, top_level=True)
    for link in links:
        _write_link(element, link)


def to_fetchxml(query: QueryExpression) -> str:
    """Write a QueryExpression as FetchXML (the inverse of `parse_fetchxml`, e.g. for saved views)."""
    if query.top_count is not None and query.page_info is not None:
        raise _fault(ErrorCodes.INVALID_FETCH_XML, "top_count and page_info cannot both be set.")
    fetch = ET.Element("fetch")
    if query.top_count is not None:
        fetch.set("top", str(query.top_count))
    if query.page_info is not None:
        if query.page_info.count:
            fetch.set("count", str(query.page_info.count))
        fetch.set("page", str(query.page_info.page_number))
        if query.page_info.paging_cookie is not None:
            fetch.set("paging-cookie", query.page_info.paging_cookie)
        if query.page_info.return_total_record_count:
            fetch.set("returntotalrecordcount", "true")
    if query.distinct:
        fetch.set("distinct", "true")
    if query.no_lock:
        fetch.set("no-lock", "true")
    if query.use_raw_order_by:
        fetch.set("useraworderby", "true")
    if query.aggregate:
        fetch.set("aggregate", "true")
    entity = ET.SubElement(fetch, "entity", name=query.entity_name)
    _write_body(
        entity, query.column_set, query.aggregate_columns, query.orders, query.criteria, query.link_entities
    )
    ET.indent(fetch)
    return ET.tostring(fetch, encoding="unicode")
