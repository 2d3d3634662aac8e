"""FetchXML vocabulary: operator and link-type names and the attributes each element allows.

Query layer, pure data. Used by the FetchXML reader (`leadsdk.query.fetchxml`), the writer
(`leadsdk.query.fetchxml_write`) and, through `leadsdk.query`, by callers listing the operators.
"""

from __future__ import annotations

from collections.abc import Mapping

from leadsdk.query.model import (
    ConditionOperator,
    JoinOperator,
)

__all__ = [
    "ALLOWED",
    "FETCHXML_JOIN_OPERATORS",
    "FETCHXML_OPERATORS",
    "FILTER_LINK_TYPES",
    "JOIN_NAMES",
    "LIST_OPERATORS",
    "OPERATOR_NAMES",
    "UNSUPPORTED",
]


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


OPERATOR_NAMES: dict[ConditionOperator, str] = {op: name for name, op in reversed(_CANONICAL_OPERATORS)}


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


JOIN_NAMES: dict[JoinOperator, str] = {op: name for name, op in FETCHXML_JOIN_OPERATORS.items()}


FILTER_LINK_TYPES = frozenset({JoinOperator.ANY, JoinOperator.NOT_ANY, JoinOperator.ALL, JoinOperator.NOT_ALL})


# Operators whose values are written as <value> children even when there is only one.
LIST_OPERATORS = frozenset(
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
ALLOWED: dict[str, frozenset[str]] = {
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
UNSUPPORTED: dict[str, frozenset[str]] = {
    "fetch": frozenset({"datasource"}),
    "attribute": frozenset({"rowaggregate"}),
    "condition": frozenset({"aggregate", "alias", "rowaggregate", "column"}),
}
