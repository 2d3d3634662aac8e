"""FetchXML to and from the query model: `parse_fetchxml(xml) -> QueryExpression` and `to_fetchxml(query)`.

FetchXML has no types, so every condition value stays a string here; the SQL compiler converts it
by the column's type. Problems are reported as `OrganizationServiceFault`s naming the element, the
attribute and the line. DOCTYPE and ENTITY declarations are refused (no entity expansion).
"""

from __future__ import annotations

import datetime as _dt
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import Enum
from typing import Any, NoReturn
from xml.parsers import expat

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.query.model import (
    AGGREGATE_FUNCTIONS,
    DATE_GROUPINGS,
    AggregateColumn,
    ConditionExpression,
    ConditionOperator,
    FilterExpression,
    JoinOperator,
    LinkEntity,
    LogicalOperator,
    OrderExpression,
    OrderType,
    PagingInfo,
    QueryExpression,
    iter_link_entities,
)
from leadsdk.types import ColumnSet, EntityReference, Money, OptionSetValue

__all__ = ["FETCHXML_JOIN_OPERATORS", "FETCHXML_OPERATORS", "parse_fetchxml", "to_fetchxml"]

# FetchXML operator names, from the Fetch.xsd `operator` enumeration (as quoted in FakeXrmEasy's tests)
# plus the hierarchy and multi-select operators documented on learn.microsoft.com. The first name
# given for an operator is the one `to_fetchxml` writes.
_CANONICAL_OPERATORS: tuple[tuple[str, ConditionOperator], ...] = (
    ("eq", ConditionOperator.EQUAL),
    ("ne", ConditionOperator.NOT_EQUAL),
    ("gt", ConditionOperator.GREATER_THAN),
    ("ge", ConditionOperator.GREATER_EQUAL),
    ("lt", ConditionOperator.LESS_THAN),
    ("le", ConditionOperator.LESS_EQUAL),
    ("like", ConditionOperator.LIKE),
    ("not-like", ConditionOperator.NOT_LIKE),
    ("in", ConditionOperator.IN),
    ("not-in", ConditionOperator.NOT_IN),
    ("between", ConditionOperator.BETWEEN),
    ("not-between", ConditionOperator.NOT_BETWEEN),
    ("null", ConditionOperator.NULL),
    ("not-null", ConditionOperator.NOT_NULL),
    ("yesterday", ConditionOperator.YESTERDAY),
    ("today", ConditionOperator.TODAY),
    ("tomorrow", ConditionOperator.TOMORROW),
    ("last-seven-days", ConditionOperator.LAST_7_DAYS),
    ("next-seven-days", ConditionOperator.NEXT_7_DAYS),
    ("last-week", ConditionOperator.LAST_WEEK),
    ("this-week", ConditionOperator.THIS_WEEK),
    ("next-week", ConditionOperator.NEXT_WEEK),
    ("last-month", ConditionOperator.LAST_MONTH),
    ("this-month", ConditionOperator.THIS_MONTH),
    ("next-month", ConditionOperator.NEXT_MONTH),
    ("on", ConditionOperator.ON),
    ("on-or-before", ConditionOperator.ON_OR_BEFORE),
    ("on-or-after", ConditionOperator.ON_OR_AFTER),
    ("last-year", ConditionOperator.LAST_YEAR),
    ("this-year", ConditionOperator.THIS_YEAR),
    ("next-year", ConditionOperator.NEXT_YEAR),
    ("last-x-hours", ConditionOperator.LAST_X_HOURS),
    ("next-x-hours", ConditionOperator.NEXT_X_HOURS),
    ("last-x-days", ConditionOperator.LAST_X_DAYS),
    ("next-x-days", ConditionOperator.NEXT_X_DAYS),
    ("last-x-weeks", ConditionOperator.LAST_X_WEEKS),
    ("next-x-weeks", ConditionOperator.NEXT_X_WEEKS),
    ("last-x-months", ConditionOperator.LAST_X_MONTHS),
    ("next-x-months", ConditionOperator.NEXT_X_MONTHS),
    ("last-x-years", ConditionOperator.LAST_X_YEARS),
    ("next-x-years", ConditionOperator.NEXT_X_YEARS),
    ("olderthan-x-minutes", ConditionOperator.OLDER_THAN_X_MINUTES),
    ("olderthan-x-hours", ConditionOperator.OLDER_THAN_X_HOURS),
    ("olderthan-x-days", ConditionOperator.OLDER_THAN_X_DAYS),
    ("olderthan-x-weeks", ConditionOperator.OLDER_THAN_X_WEEKS),
    ("olderthan-x-months", ConditionOperator.OLDER_THAN_X_MONTHS),
    ("olderthan-x-years", ConditionOperator.OLDER_THAN_X_YEARS),
    ("eq-userid", ConditionOperator.EQUAL_USER_ID),
    ("ne-userid", ConditionOperator.NOT_EQUAL_USER_ID),
    ("eq-userteams", ConditionOperator.EQUAL_USER_TEAMS),
    ("eq-useroruserteams", ConditionOperator.EQUAL_USER_OR_USER_TEAMS),
    ("eq-useroruserhierarchy", ConditionOperator.EQUAL_USER_OR_USER_HIERARCHY),
    ("eq-useroruserhierarchyandteams", ConditionOperator.EQUAL_USER_OR_USER_HIERARCHY_AND_TEAMS),
    ("eq-businessid", ConditionOperator.EQUAL_BUSINESS_ID),
    ("ne-businessid", ConditionOperator.NOT_EQUAL_BUSINESS_ID),
    ("eq-userlanguage", ConditionOperator.EQUAL_USER_LANGUAGE),
    ("this-fiscal-year", ConditionOperator.THIS_FISCAL_YEAR),
    ("this-fiscal-period", ConditionOperator.THIS_FISCAL_PERIOD),
    ("next-fiscal-year", ConditionOperator.NEXT_FISCAL_YEAR),
    ("next-fiscal-period", ConditionOperator.NEXT_FISCAL_PERIOD),
    ("last-fiscal-year", ConditionOperator.LAST_FISCAL_YEAR),
    ("last-fiscal-period", ConditionOperator.LAST_FISCAL_PERIOD),
    ("last-x-fiscal-years", ConditionOperator.LAST_X_FISCAL_YEARS),
    ("last-x-fiscal-periods", ConditionOperator.LAST_X_FISCAL_PERIODS),
    ("next-x-fiscal-years", ConditionOperator.NEXT_X_FISCAL_YEARS),
    ("next-x-fiscal-periods", ConditionOperator.NEXT_X_FISCAL_PERIODS),
    ("in-fiscal-year", ConditionOperator.IN_FISCAL_YEAR),
    ("in-fiscal-period", ConditionOperator.IN_FISCAL_PERIOD),
    ("in-fiscal-period-and-year", ConditionOperator.IN_FISCAL_PERIOD_AND_YEAR),
    ("in-or-before-fiscal-period-and-year", ConditionOperator.IN_OR_BEFORE_FISCAL_PERIOD_AND_YEAR),
    ("in-or-after-fiscal-period-and-year", ConditionOperator.IN_OR_AFTER_FISCAL_PERIOD_AND_YEAR),
    ("begins-with", ConditionOperator.BEGINS_WITH),
    ("not-begin-with", ConditionOperator.DOES_NOT_BEGIN_WITH),
    ("ends-with", ConditionOperator.ENDS_WITH),
    ("not-end-with", ConditionOperator.DOES_NOT_END_WITH),
    ("under", ConditionOperator.UNDER),
    ("eq-or-under", ConditionOperator.UNDER_OR_EQUAL),
    ("not-under", ConditionOperator.NOT_UNDER),
    ("above", ConditionOperator.ABOVE),
    ("eq-or-above", ConditionOperator.ABOVE_OR_EQUAL),
    ("contain-values", ConditionOperator.CONTAIN_VALUES),
    ("not-contain-values", ConditionOperator.DOES_NOT_CONTAIN_VALUES),
)

# Accepted on input only: "neq" is a real (legacy) FetchXML name; "older-than-x-*" are common
# misspellings of "olderthan-x-*" that we accept rather than fault.
_OPERATOR_ALIASES: tuple[tuple[str, ConditionOperator], ...] = (
    ("neq", ConditionOperator.NOT_EQUAL),
    ("older-than-x-minutes", ConditionOperator.OLDER_THAN_X_MINUTES),
    ("older-than-x-hours", ConditionOperator.OLDER_THAN_X_HOURS),
    ("older-than-x-days", ConditionOperator.OLDER_THAN_X_DAYS),
    ("older-than-x-weeks", ConditionOperator.OLDER_THAN_X_WEEKS),
    ("older-than-x-months", ConditionOperator.OLDER_THAN_X_MONTHS),
    ("older-than-x-years", ConditionOperator.OLDER_THAN_X_YEARS),
)

#: Every FetchXML `operator=` name this parser accepts, with its ConditionOperator.
FETCHXML_OPERATORS: Mapping[str, ConditionOperator] = dict(_CANONICAL_OPERATORS + _OPERATOR_ALIASES)
_OPERATOR_NAMES: dict[ConditionOperator, str] = {op: name for name, op in reversed(_CANONICAL_OPERATORS)}

#: FetchXML `link-type=` values (learn.microsoft.com "link-entity element"); Natural has none.
FETCHXML_JOIN_OPERATORS: Mapping[str, JoinOperator] = {
    "inner": JoinOperator.INNER,
    "outer": JoinOperator.LEFT_OUTER,
    "matchfirstrowusingcrossapply": JoinOperator.MATCH_FIRST_ROW_USING_CROSS_APPLY,
    "in": JoinOperator.IN,
    "exists": JoinOperator.EXISTS,
    "any": JoinOperator.ANY,
    "not any": JoinOperator.NOT_ANY,
    "all": JoinOperator.ALL,
    "not all": JoinOperator.NOT_ALL,
}
_JOIN_NAMES: dict[JoinOperator, str] = {op: name for name, op in FETCHXML_JOIN_OPERATORS.items()}
_FILTER_LINK_TYPES = frozenset({JoinOperator.ANY, JoinOperator.NOT_ANY, JoinOperator.ALL, JoinOperator.NOT_ALL})

# Operators whose values are written as <value> children even when there is only one.
_LIST_OPERATORS = frozenset(
    {
        ConditionOperator.IN,
        ConditionOperator.NOT_IN,
        ConditionOperator.BETWEEN,
        ConditionOperator.NOT_BETWEEN,
        ConditionOperator.CONTAIN_VALUES,
        ConditionOperator.DOES_NOT_CONTAIN_VALUES,
    }
)

# Attributes each element may carry (the documented FetchXML schema). Those the model has no place
# for (version, mapping, output-format, visible, ui*, ...) are accepted and ignored.
_ALLOWED: dict[str, frozenset[str]] = {
    "fetch": frozenset(
        {
            "version", "mapping", "output-format", "top", "count", "page", "paging-cookie", "distinct",
            "aggregate", "aggregatelimit", "returntotalrecordcount", "no-lock", "useraworderby",
            "latematerialize", "options", "datasource", "min-active-row-version",
        }
    ),
    "entity": frozenset({"name", "enableprefiltering", "prefilterparametername"}),
    "attribute": frozenset(
        {"name", "alias", "aggregate", "groupby", "dategrouping", "distinct", "usertimezone", "rowaggregate",
         "build", "addedby"}
    ),
    "all-attributes": frozenset(),
    "order": frozenset({"attribute", "alias", "descending", "entityname"}),
    "filter": frozenset(
        {"type", "isquickfindfields", "overridequickfindrecordlimitenabled",
         "overridequickfindrecordlimitdisabled", "bypassquickfind", "hint"}
    ),
    "condition": frozenset(
        {"attribute", "entityname", "operator", "value", "valueof", "column", "alias", "aggregate",
         "rowaggregate", "uiname", "uitype", "uihidden"}
    ),
    "value": frozenset({"uiname", "uitype"}),
    "link-entity": frozenset(
        {"name", "from", "to", "alias", "link-type", "visible", "intersect", "enableprefiltering",
         "prefilterparametername", "forceseek"}
    ),
}  # fmt: skip

# Documented attributes that would change the result but that the model does not carry: refused.
_UNSUPPORTED: dict[str, frozenset[str]] = {
    "fetch": frozenset({"datasource"}),
    "attribute": frozenset({"rowaggregate"}),
    "condition": frozenset({"aggregate", "alias", "rowaggregate", "column"}),
}


# --------------------------------------------------------------------------------------------------
# Parsing


def _read_xml(xml: str) -> tuple[ET.Element, dict[int, int]]:
    """Parse with expat into an ElementTree, keeping each element's line number; refuse DTDs."""
    builder = ET.TreeBuilder()
    lines: dict[int, int] = {}
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def start(tag: str, attrib: dict[str, str]) -> None:
        element = builder.start(tag, attrib)
        lines[id(element)] = parser.CurrentLineNumber

    def end(tag: str) -> None:
        builder.end(tag)

    def refuse_dtd(*_: Any) -> NoReturn:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_FETCH_XML,
            f"FetchXML line {parser.CurrentLineNumber}: DOCTYPE and ENTITY declarations are not allowed.",
            error_details={"line": parser.CurrentLineNumber},
        )

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_FETCH_XML,
            f"FetchXML line {exc.lineno}, column {exc.offset + 1}: the XML is malformed "
            f"({expat.ErrorString(exc.code)}).",
            error_details={"line": exc.lineno, "column": exc.offset + 1},
        ) from None
    return builder.close(), lines


class _Parser:
    """One parse: the line map, whether the fetch is an aggregate one, and the error helpers."""

    def __init__(self, lines: dict[int, int]) -> None:
        self.lines = lines
        self.aggregate = False
        self.entity_names: list[str] = []
        """The <entity> / <link-entity> being read, innermost last (the parent of a link in a filter)."""

    # errors --------------------------------------------------------------------------------------
    def fail(self, code: int, element: ET.Element, problem: str, attribute: str | None = None) -> NoReturn:
        line = self.lines.get(id(element))
        where = f"FetchXML line {line}" if line is not None else "FetchXML"
        details: dict[str, Any] = {"element": element.tag}
        if line is not None:
            details["line"] = line
        if attribute is not None:
            details["attribute"] = attribute
        raise OrganizationServiceFault(code, f"{where}: {problem}", error_details=details)

    def check_attributes(self, element: ET.Element) -> None:
        allowed = _ALLOWED[element.tag]
        unsupported = _UNSUPPORTED.get(element.tag, frozenset())
        for name in element.attrib:
            if name in unsupported:
                self.fail(
                    ErrorCodes.INVALID_FETCH_XML,
                    element,
                    f"<{element.tag}> attribute '{name}' is not supported by leadsdk.",
                    name,
                )
            if name not in allowed:
                self.fail(
                    ErrorCodes.INVALID_FETCH_XML,
                    element,
                    f"<{element.tag}> has an unknown attribute '{name}'.",
                    name,
                )

    def required(self, element: ET.Element, name: str) -> str:
        value = element.get(name)
        if value is None or not value.strip():
            self.fail(
                ErrorCodes.INVALID_FETCH_XML,
                element,
                f"<{element.tag}> is missing its required '{name}' attribute.",
                name,
            )
        return value.strip()

    def optional(self, element: ET.Element, name: str) -> str | None:
        value = element.get(name)
        if value is None:
            return None
        value = value.strip()
        return value or None

    def boolean(self, element: ET.Element, name: str, default: bool = False) -> bool:
        value = element.get(name)
        if value is None:
            return default
        text = value.strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        self.fail(
            ErrorCodes.INVALID_FETCH_XML,
            element,
            f"<{element.tag}> attribute '{name}' must be 'true' or 'false', not '{value}'.",
            name,
        )

    def integer(self, element: ET.Element, name: str, minimum: int) -> int | None:
        value = element.get(name)
        if value is None:
            return None
        try:
            number = int(value.strip())
        except ValueError:
            number = minimum - 1
        if number < minimum:
            self.fail(
                ErrorCodes.INVALID_FETCH_XML,
                element,
                f"<{element.tag}> attribute '{name}' must be an integer of at least {minimum}, "
                f"not '{value}'.",
                name,
            )
        return number

    def unknown_child(self, parent: ET.Element, child: ET.Element) -> NoReturn:
        self.fail(
            ErrorCodes.INVALID_FETCH_XML,
            child,
            f"<{child.tag}> is not a valid element inside <{parent.tag}>.",
        )

    # elements ------------------------------------------------------------------------------------
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
                if link.join_operator not in _FILTER_LINK_TYPES:
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

    def no_children(self, element: ET.Element) -> None:
        for child in element:
            self.unknown_child(element, child)

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
    root, lines = _read_xml(xml)
    return _Parser(lines).fetch(root)


# --------------------------------------------------------------------------------------------------
# Writing


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
    name = _OPERATOR_NAMES.get(condition.operator)
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
    elif len(condition.values) == 1 and condition.operator not in _LIST_OPERATORS:
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
    link_type = _JOIN_NAMES.get(link.join_operator)
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
