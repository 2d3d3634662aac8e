"""Read FetchXML into the query model: `parse_fetchxml(xml) -> QueryExpression`.

Query layer. Exported as `leadsdk.query.parse_fetchxml`; called by RetrieveMultiple (FetchExpression),
routing rules, paging and the jobs runner. FetchXML has no types, so every condition value stays a string
here; the SQL compiler converts it by the column's type. Problems are reported as
`OrganizationServiceFault`s naming the element, the attribute and the line (see `fetchxml_xml`).
The vocabulary is in `fetchxml_names`, the writer (`to_fetchxml`) in `fetchxml_write`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any

from leadsdk.errors import ErrorCodes
from leadsdk.query.fetchxml_names import FETCHXML_JOIN_OPERATORS, FETCHXML_OPERATORS, FILTER_LINK_TYPES
from leadsdk.query.fetchxml_xml import ElementReader, read_xml
from leadsdk.query.model import (
    AGGREGATE_FUNCTIONS,
    DATE_GROUPINGS,
    AggregateColumn,
    ConditionExpression,
    FilterExpression,
    LinkEntity,
    LogicalOperator,
    OrderExpression,
    OrderType,
    PagingInfo,
    QueryExpression,
    iter_link_entities,
)
from leadsdk.types import ColumnSet

__all__ = ["parse_fetchxml"]


class _Parser(ElementReader):
    """One parse: whether the fetch is an aggregate one and the entity being read."""

    def __init__(self, lines: dict[int, int]) -> None:
        super().__init__(lines)
        self.aggregate = False
        self.entity_names: list[str] = []
        """The <entity> / <link-entity> being read, innermost last (the parent of a link in a filter)."""

    def fetch(self, root: ET.Element) -> QueryExpression:
        if root.tag != "fetch":
            self.fail(
                ErrorCodes.INVALID_FETCH_XML, root, f"the root element must be <fetch>, not <{root.tag}>."
            )
        self.check_attributes(root)
        self.aggregate = self.boolean(root, "aggregate")
        entities = []
        for child in root:
            if child.tag != "entity":
                self.unknown_child(root, child)
            entities.append(child)
        if len(entities) != 1:
            self.fail(
                ErrorCodes.INVALID_FETCH_XML,
                root if not entities else entities[1],
                f"<fetch> must contain exactly one <entity>, found {len(entities)}.",
            )
        entity = entities[0]
        self.check_attributes(entity)
        query = QueryExpression(self.required(entity, "name"))
        query.aggregate = self.aggregate
        query.distinct = self.boolean(root, "distinct")
        query.no_lock = self.boolean(root, "no-lock")
        query.use_raw_order_by = self.boolean(root, "useraworderby")
        query.top_count = self.integer(root, "top", 0)
        count = self.integer(root, "count", 0)
        page = self.integer(root, "page", 1)
        cookie = root.get("paging-cookie")
        total = self.boolean(root, "returntotalrecordcount")
        if query.top_count is not None and (count is not None or page is not None or cookie is not None or total):
            # learn.microsoft.com "Count rows using FetchXml": top cannot be applied with returntotalrecordcount
            clash = ("count" if count is not None else "page" if page is not None else
                     "paging-cookie" if cookie is not None else "returntotalrecordcount")
            self.fail(
                ErrorCodes.INVALID_FETCH_XML,
                root,
                f"<fetch> cannot combine 'top' with '{clash}': use top or paging, not both.",
                "top",
            )
        if count is not None or page is not None or cookie is not None or total:
            query.page_info = PagingInfo(
                count=count or 0,
                page_number=page if page is not None else 1,
                paging_cookie=cookie,
                return_total_record_count=total,
            )
        criteria = self.container(
            entity,
            entity_name=query.entity_name,
            columns=query.column_set,
            aggregate_columns=query.aggregate_columns,
            orders=query.orders,
            links=query.link_entities,
        )
        if criteria is not None:
            query.criteria = criteria
        self.check_references(root, query)
        return query

    def container(
        self,
        element: ET.Element,
        *,
        entity_name: str,
        columns: ColumnSet,
        aggregate_columns: list[AggregateColumn],
        orders: list[OrderExpression],
        links: list[LinkEntity],
    ) -> FilterExpression | None:
        """Read the children of <entity> or <link-entity>; return its criteria (None: no <filter>)."""
        self.entity_names.append(entity_name)
        try:
            return self._container(element, entity_name=entity_name, columns=columns,
                                   aggregate_columns=aggregate_columns, orders=orders, links=links)
        finally:
            self.entity_names.pop()

    def _container(
        self,
        element: ET.Element,
        *,
        entity_name: str,
        columns: ColumnSet,
        aggregate_columns: list[AggregateColumn],
        orders: list[OrderExpression],
        links: list[LinkEntity],
    ) -> FilterExpression | None:
        filters: list[FilterExpression] = []
        for child in element:
            if child.tag == "attribute":
                self.attribute(child, columns, aggregate_columns)
            elif child.tag == "all-attributes":
                self.check_attributes(child)
                if self.aggregate:
                    self.fail(
                        ErrorCodes.QUERY_BUILDER_INVALID_AGGREGATE_ATTRIBUTE,
                        child,
                        "<all-attributes> cannot be used in an aggregate query.",
                    )
                columns.all_columns = True
            elif child.tag == "order":
                orders.append(self.order(child))
            elif child.tag == "filter":
                filters.append(self.filter(child))
            elif child.tag == "link-entity":
                links.append(self.link_entity(child, entity_name))
            else:
                self.unknown_child(element, child)
        if not filters:
            return None
        if len(filters) == 1:
            return filters[0]
        return FilterExpression(LogicalOperator.AND, filters=filters)

    def attribute(
        self, element: ET.Element, columns: ColumnSet, aggregate_columns: list[AggregateColumn]
    ) -> None:
        self.check_attributes(element)
        self.no_children(element)
        name = self.required(element, "name")
        alias = self.optional(element, "alias")
        aggregate = self.optional(element, "aggregate")
        group_by = self.boolean(element, "groupby")
        date_grouping = self.optional(element, "dategrouping")
        if not self.aggregate:
            for used in ("aggregate", "groupby", "dategrouping"):
                if element.get(used) is not None and (used != "groupby" or group_by):
                    self.fail(
                        ErrorCodes.QUERY_BUILDER_INVALID_AGGREGATE_ATTRIBUTE,
                        element,
                        f"<attribute name='{name}'> uses '{used}', which needs <fetch aggregate='true'>.",
                        used,
                    )
            if alias is None:
                columns.add_column(name)
            else:
                aggregate_columns.append(AggregateColumn(name, alias))
            return
        if aggregate is not None and group_by:
            self.fail(
                ErrorCodes.QUERY_BUILDER_ATTRIBUTE_CANNOT_BE_GROUP_BY_AND_AGGREGATE,
                element,
                f"<attribute name='{name}'> is both an aggregate ('{aggregate}') and a groupby; "
                "an attribute can either be an aggregate or a Group By but not both.",
                "aggregate",
            )
        if aggregate is None and not group_by:
            self.fail(
                ErrorCodes.QUERY_BUILDER_INVALID_AGGREGATE_ATTRIBUTE,
                element,
                f"<attribute name='{name}'> in an aggregate query needs aggregate='...' or groupby='true'.",
                "aggregate",
            )
        if alias is None:
            self.fail(
                ErrorCodes.QUERY_BUILDER_INVALID_AGGREGATE_ATTRIBUTE,
                element,
                f"<attribute name='{name}'> in an aggregate query needs an 'alias'.",
                "alias",
            )
        if aggregate is not None and aggregate.lower() not in AGGREGATE_FUNCTIONS:
            self.fail(
                ErrorCodes.QUERY_BUILDER_INVALID_AGGREGATE_ATTRIBUTE,
                element,
                f"<attribute name='{name}'> has unknown aggregate '{aggregate}' "
                f"(expected one of {', '.join(sorted(AGGREGATE_FUNCTIONS))}).",
                "aggregate",
            )
        if date_grouping is not None:
            if not group_by:
                self.fail(
                    ErrorCodes.QUERY_BUILDER_INVALID_AGGREGATE_ATTRIBUTE,
                    element,
                    f"<attribute name='{name}'> has a dategrouping but is not a groupby.",
                    "dategrouping",
                )
            if date_grouping.lower() not in DATE_GROUPINGS:
                self.fail(
                    ErrorCodes.QUERY_BUILDER_INVALID_AGGREGATE_ATTRIBUTE,
                    element,
                    f"<attribute name='{name}'> has unknown dategrouping '{date_grouping}' "
                    f"(expected one of {', '.join(sorted(DATE_GROUPINGS))}).",
                    "dategrouping",
                )
        aggregate_columns.append(
            AggregateColumn(
                name,
                alias,
                aggregate=aggregate.lower() if aggregate is not None else None,
                group_by=group_by,
                date_grouping=date_grouping.lower() if date_grouping is not None else None,
                distinct=self.boolean(element, "distinct"),
                user_time_zone=self.boolean(element, "usertimezone", default=True),
            )
        )

    def order(self, element: ET.Element) -> OrderExpression:
        self.check_attributes(element)
        self.no_children(element)
        attribute = self.optional(element, "attribute")
        alias = self.optional(element, "alias")
        if attribute is None and alias is None:
            self.fail(
                ErrorCodes.INVALID_FETCH_XML,
                element,
                "<order> needs an 'attribute' (or, in aggregate queries, an 'alias').",
                "attribute",
            )
        if self.aggregate and alias is None:
            self.fail(
                ErrorCodes.QUERY_BUILDER_INVALID_AGGREGATE_ATTRIBUTE,
                element,
                f"<order attribute='{attribute}'> in an aggregate query must order by an 'alias'.",
                "alias",
            )
        descending = self.boolean(element, "descending")
        return OrderExpression(
            attribute,
            OrderType.DESCENDING if descending else OrderType.ASCENDING,
            alias=alias,
            entity_name=self.optional(element, "entityname"),
        )

    def filter(self, element: ET.Element) -> FilterExpression:
        self.check_attributes(element)
        kind = (element.get("type") or "and").strip().lower()
        if kind not in ("and", "or"):
            self.fail(
                ErrorCodes.QUERY_BUILDER_INVALID_FILTER_TYPE,
                element,
                f"<filter> type must be 'and' or 'or', not '{element.get('type')}'.",
                "type",
            )
        result = FilterExpression(LogicalOperator.AND if kind == "and" else LogicalOperator.OR)
        for child in element:
            if child.tag == "condition":
                result.conditions.append(self.condition(child))
            elif child.tag == "filter":
                result.filters.append(self.filter(child))
            elif child.tag == "link-entity":
                # link-type any / not any / all / not all: one more child condition of this filter
                link = self.link_entity(child, self.entity_names[-1] if self.entity_names else "")
                if link.join_operator not in FILTER_LINK_TYPES:
                    self.fail(
                        ErrorCodes.INVALID_FETCH_XML,
                        child,
                        "<link-entity> inside <filter> needs link-type 'any', 'not any', 'all' or 'not all', "
                        f"not '{child.get('link-type') or 'inner'}'.",
                        "link-type",
                    )
                result.filters.append(FilterExpression(any_all_filter_link_entity=link))
            else:
                self.unknown_child(element, child)
        return result

    def condition(self, element: ET.Element) -> ConditionExpression:
        self.check_attributes(element)
        attribute = self.required(element, "attribute")
        operator_name = self.required(element, "operator")
        operator = FETCHXML_OPERATORS.get(operator_name.lower())
        if operator is None:
            self.fail(
                ErrorCodes.QUERY_BUILDER_INVALID_CONDITION_OPERATOR,
                element,
                f"<condition attribute='{attribute}'> has unknown operator '{operator_name}'.",
                "operator",
            )
        values: list[Any] = []
        for child in element:
            if child.tag != "value":
                self.unknown_child(element, child)
            self.check_attributes(child)
            self.no_children(child)
            values.append(child.text or "")
        value = element.get("value")
        value_of = element.get("valueof")
        if value is not None and values:
            self.fail(
                ErrorCodes.INVALID_FETCH_XML,
                element,
                f"<condition attribute='{attribute}'> has both a 'value' attribute and <value> elements.",
                "value",
            )
        if value_of is not None and (value is not None or values):
            self.fail(
                ErrorCodes.INVALID_FETCH_XML,
                element,
                f"<condition attribute='{attribute}'> cannot have both 'valueof' and a value.",
                "valueof",
            )
        if value is not None:
            values = [value]
        elif value_of is not None:
            values = [value_of.strip()]
        return ConditionExpression(
            attribute,
            operator,
            values=values,
            entity_name=self.optional(element, "entityname"),
            compare_columns=value_of is not None,
        )

    def link_entity(self, element: ET.Element, parent_entity: str) -> LinkEntity:
        self.check_attributes(element)
        name = self.required(element, "name")
        link_type = (element.get("link-type") or "inner").strip().lower()
        join = FETCHXML_JOIN_OPERATORS.get(link_type)
        if join is None:
            self.fail(
                ErrorCodes.INVALID_FETCH_XML,
                element,
                f"<link-entity name='{name}'> has unknown link-type '{element.get('link-type')}' "
                f"(expected one of {', '.join(FETCHXML_JOIN_OPERATORS)}).",
                "link-type",
            )
        self.boolean(element, "visible")  # validated, otherwise ignored (it has no effect on results)
        link = LinkEntity(
            parent_entity,
            name,
            self.optional(element, "to"),
            self.optional(element, "from"),
            join,
            entity_alias=self.optional(element, "alias"),
            intersect=self.boolean(element, "intersect"),
        )
        criteria = self.container(
            element,
            entity_name=name,
            columns=link.columns,
            aggregate_columns=link.aggregate_columns,
            orders=link.orders,
            links=link.link_entities,
        )
        if criteria is not None:
            link.link_criteria = criteria
        return link

    # cross-references ------------------------------------------------------------------------------
    def check_references(self, root: ET.Element, query: QueryExpression) -> None:
        """Condition `entityname`s must name a link; aggregate `order alias`es must name an aggregate."""
        links = list(iter_link_entities(query.link_entities))
        known = {query.entity_name}
        for link in links:
            known.update(name for name in (link.entity_alias, link.link_to_entity_name) if name)
        for condition in _all_conditions(query):
            if condition.entity_name is not None and condition.entity_name not in known:
                self.fail(
                    ErrorCodes.QUERY_BUILDER_ALIAS_DOES_NOT_EXIST,
                    _find(root, "condition", "entityname", condition.entity_name),
                    f"<condition attribute='{condition.attribute_name}'> refers to entityname "
                    f"'{condition.entity_name}', which is not the alias of any <link-entity>.",
                    "entityname",
                )
        if not query.aggregate:
            return
        aliases = {column.alias for column in query.aggregate_columns}
        for link in links:
            aliases.update(column.alias for column in link.aggregate_columns)
        for order in [*query.orders, *(o for link in links for o in link.orders)]:
            if order.alias is not None and order.alias not in aliases:
                self.fail(
                    ErrorCodes.QUERY_BUILDER_ALIAS_DOES_NOT_EXIST,
                    _find(root, "order", "alias", order.alias),
                    f"<order alias='{order.alias}'> does not name the alias of any aggregate or groupby "
                    "attribute.",
                    "alias",
                )


def _find(root: ET.Element, tag: str, attribute: str, value: str) -> ET.Element:
    """The first <tag> whose `attribute` is `value` (to point an error at its line)."""
    for element in root.iter(tag):
        if (element.get(attribute) or "").strip() == value:
            return element
    return root  # pragma: no cover - the element was parsed from this tree


def _filter_conditions(criteria: FilterExpression) -> Iterable[ConditionExpression]:
    yield from criteria.conditions
    for child in criteria.filters:
        yield from _filter_conditions(child)


def _all_conditions(query: QueryExpression) -> Iterable[ConditionExpression]:
    yield from _filter_conditions(query.criteria)
    for link in iter_link_entities(query.link_entities):
        yield from _filter_conditions(link.link_criteria)


def parse_fetchxml(xml: str) -> QueryExpression:
    """Parse a FetchXML query into a QueryExpression; raise OrganizationServiceFault when it is invalid."""
    root, lines = read_xml(xml)
    return _Parser(lines).fetch(root)
