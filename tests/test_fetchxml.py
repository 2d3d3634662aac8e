"""FetchXML: parse_fetchxml, to_fetchxml, the operator names, the faults, and a round trip."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.query import (
    AGGREGATE_FUNCTIONS,
    DATE_GROUPINGS,
    FETCHXML_JOIN_OPERATORS,
    FETCHXML_OPERATORS,
    AggregateColumn,
    ColumnSet,
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
    parse_fetchxml,
    to_fetchxml,
)
from leadsdk.types import EntityReference, Money, OptionSetValue

# Every FetchXML operator name with the integer of the ConditionOperator it must map to.
EXPECTED_OPERATORS: dict[str, int] = {
    "eq": 0, "ne": 1, "neq": 1, "gt": 2, "lt": 3, "ge": 4, "le": 5, "like": 6, "not-like": 7,
    "in": 8, "not-in": 9, "between": 10, "not-between": 11, "null": 12, "not-null": 13,
    "yesterday": 14, "today": 15, "tomorrow": 16, "last-seven-days": 17, "next-seven-days": 18,
    "last-week": 19, "this-week": 20, "next-week": 21, "last-month": 22, "this-month": 23,
    "next-month": 24, "on": 25, "on-or-before": 26, "on-or-after": 27, "last-year": 28,
    "this-year": 29, "next-year": 30, "last-x-hours": 31, "next-x-hours": 32, "last-x-days": 33,
    "next-x-days": 34, "last-x-weeks": 35, "next-x-weeks": 36, "last-x-months": 37,
    "next-x-months": 38, "last-x-years": 39, "next-x-years": 40, "eq-userid": 41, "ne-userid": 42,
    "eq-businessid": 43, "ne-businessid": 44, "eq-userlanguage": 51, "olderthan-x-months": 53,
    "begins-with": 54, "not-begin-with": 55, "ends-with": 56, "not-end-with": 57,
    "this-fiscal-year": 58, "this-fiscal-period": 59, "next-fiscal-year": 60,
    "next-fiscal-period": 61, "last-fiscal-year": 62, "last-fiscal-period": 63,
    "last-x-fiscal-years": 64, "last-x-fiscal-periods": 65, "next-x-fiscal-years": 66,
    "next-x-fiscal-periods": 67, "in-fiscal-year": 68, "in-fiscal-period": 69,
    "in-fiscal-period-and-year": 70, "in-or-before-fiscal-period-and-year": 71,
    "in-or-after-fiscal-period-and-year": 72, "eq-userteams": 73, "eq-useroruserteams": 74,
    "under": 75, "not-under": 76, "eq-or-under": 77, "above": 78, "eq-or-above": 79,
    "eq-useroruserhierarchy": 80, "eq-useroruserhierarchyandteams": 81, "olderthan-x-years": 82,
    "olderthan-x-weeks": 83, "olderthan-x-days": 84, "olderthan-x-hours": 85,
    "olderthan-x-minutes": 86, "contain-values": 87, "not-contain-values": 88,
    # tolerated misspellings of olderthan-x-*
    "older-than-x-minutes": 86, "older-than-x-hours": 85, "older-than-x-days": 84,
    "older-than-x-weeks": 83, "older-than-x-months": 53, "older-than-x-years": 82,
}  # fmt: skip

NO_FETCHXML_NAME = {
    ConditionOperator.CHILD_OF,
    ConditionOperator.MASK,
    ConditionOperator.NOT_MASK,
    ConditionOperator.MASKS_SELECT,
    ConditionOperator.CONTAINS,
    ConditionOperator.DOES_NOT_CONTAIN,
    ConditionOperator.NOT_ON,
    ConditionOperator.EQUAL_ROLE_BUSINESS_ID,
}


def fetch(body: str, **attributes: str) -> str:
    attrs = "".join(f" {k.replace('_', '-')}='{v}'" for k, v in attributes.items())
    return f"<fetch{attrs}><entity name='lead'>{body}</entity></fetch>"


def fault_of(xml: str) -> OrganizationServiceFault:
    with pytest.raises(OrganizationServiceFault) as info:
        parse_fetchxml(xml)
    return info.value


# <fetch> -----------------------------------------------------------------------------------------


def test_minimal_fetch() -> None:
    q = parse_fetchxml("<fetch><entity name='lead'/></fetch>")
    assert q == QueryExpression("lead")
    assert q.column_set == ColumnSet()


def test_fetch_attributes() -> None:
    q = parse_fetchxml(
        "<fetch version='1.0' mapping='logical' output-format='xml-platform' distinct='true' "
        "no-lock='true' count='50' page='3' paging-cookie='&lt;cookie page=\"2\"/&gt;' "
        "returntotalrecordcount='true'><entity name='lead'/></fetch>"
    )
    assert q.distinct is True
    assert q.no_lock is True
    assert q.aggregate is False
    assert q.top_count is None
    assert q.page_info == PagingInfo(
        count=50, page_number=3, paging_cookie='<cookie page="2"/>', return_total_record_count=True
    )


def test_fetch_top_and_defaults() -> None:
    q = parse_fetchxml(fetch("", top="10"))
    assert q.top_count == 10
    assert q.page_info is None
    assert (q.distinct, q.no_lock, q.aggregate) == (False, False, False)


def test_fetch_paging_partial() -> None:
    assert parse_fetchxml(fetch("", count="5")).page_info == PagingInfo(count=5, page_number=1)
    assert parse_fetchxml(fetch("", page="2")).page_info == PagingInfo(count=0, page_number=2)
    assert parse_fetchxml(fetch("", returntotalrecordcount="true")).page_info == PagingInfo(
        return_total_record_count=True
    )
    assert parse_fetchxml(fetch("", distinct="false")).page_info is None


def test_fetch_boolean_spellings() -> None:
    assert parse_fetchxml(fetch("", distinct="True")).distinct is True
    assert parse_fetchxml(fetch("", distinct="1")).distinct is True
    assert parse_fetchxml(fetch("", distinct="0")).distinct is False


# <attribute>, <all-attributes>, <order> -----------------------------------------------------------


def test_attributes_and_all_attributes() -> None:
    q = parse_fetchxml(fetch("<attribute name='fullname'/><attribute name='companyname'/>"))
    assert q.column_set == ColumnSet("fullname", "companyname")
    q = parse_fetchxml(fetch("<all-attributes/>"))
    assert q.column_set.all_columns is True


def test_aliased_attribute_in_a_plain_query() -> None:
    q = parse_fetchxml(fetch("<attribute name='fullname' alias='n'/><attribute name='x'/>"))
    assert q.column_set == ColumnSet("x")
    assert q.aggregate_columns == [AggregateColumn("fullname", "n")]


def test_orders() -> None:
    q = parse_fetchxml(
        fetch(
            "<order attribute='createdon' descending='true'/><order attribute='lastname'/>"
            "<order attribute='name' entityname='acc' descending='false'/>"
            "<link-entity name='account' from='accountid' to='parentaccountid' alias='acc'/>"
        )
    )
    assert q.orders == [
        OrderExpression("createdon", OrderType.DESCENDING),
        OrderExpression("lastname", OrderType.ASCENDING),
        OrderExpression("name", OrderType.ASCENDING, entity_name="acc"),
    ]


# <filter>, <condition> ---------------------------------------------------------------------------


def test_nested_filters() -> None:
    q = parse_fetchxml(
        fetch(
            "<filter type='and'>"
            "  <condition attribute='statecode' operator='eq' value='0'/>"
            "  <filter type='or'>"
            "    <condition attribute='leadsourcecode' operator='eq' value='1'/>"
            "    <condition attribute='leadsourcecode' operator='eq' value='8'/>"
            "    <filter><condition attribute='x' operator='null'/></filter>"
            "  </filter>"
            "</filter>"
        )
    )
    assert q.criteria == FilterExpression(
        LogicalOperator.AND,
        conditions=[ConditionExpression("statecode", ConditionOperator.EQUAL, "0")],
        filters=[
            FilterExpression(
                LogicalOperator.OR,
                conditions=[
                    ConditionExpression("leadsourcecode", ConditionOperator.EQUAL, "1"),
                    ConditionExpression("leadsourcecode", ConditionOperator.EQUAL, "8"),
                ],
                filters=[FilterExpression(conditions=[ConditionExpression("x", ConditionOperator.NULL)])],
            )
        ],
    )


def test_top_level_or_filter_becomes_the_criteria() -> None:
    q = parse_fetchxml(fetch("<filter type='or'><condition attribute='a' operator='null'/></filter>"))
    assert q.criteria.filter_operator is LogicalOperator.OR
    assert q.criteria.conditions == [ConditionExpression("a", ConditionOperator.NULL)]


def test_several_top_level_filters_are_anded() -> None:
    q = parse_fetchxml(
        fetch(
            "<filter type='or'><condition attribute='a' operator='null'/></filter>"
            "<filter><condition attribute='b' operator='not-null'/></filter>"
        )
    )
    assert q.criteria.filter_operator is LogicalOperator.AND
    assert q.criteria.conditions == []
    assert [f.filter_operator for f in q.criteria.filters] == [LogicalOperator.OR, LogicalOperator.AND]


def test_condition_values_stay_strings() -> None:
    q = parse_fetchxml(
        fetch(
            "<filter>"
            "<condition attribute='estimatedamount' operator='gt' value='1000.50'/>"
            "<condition attribute='leadsourcecode' operator='in'><value>1</value><value>8</value></condition>"
            "<condition attribute='createdon' operator='between'>"
            "<value>2024-01-01</value><value>2024-12-31</value></condition>"
            "<condition attribute='statuscode' operator='not-in'><value>4</value></condition>"
            "<condition attribute='description' operator='eq' value=''/>"
            "<condition attribute='subject' operator='eq'><value/></condition>"
            "<condition attribute='createdon' operator='last-x-days' value='7'/>"
            "</filter>"
        )
    )
    values = [c.values for c in q.criteria.conditions]
    assert values == [
        ["1000.50"],
        ["1", "8"],
        ["2024-01-01", "2024-12-31"],
        ["4"],
        [""],
        [""],
        ["7"],
    ]
    assert all(isinstance(v, str) for vs in values for v in vs)
    assert q.criteria.conditions[1].operator is ConditionOperator.IN
    assert q.criteria.conditions[2].operator is ConditionOperator.BETWEEN


def test_condition_entityname_and_valueof() -> None:
    q = parse_fetchxml(
        fetch(
            "<filter>"
            "<condition attribute='name' entityname='acc' operator='like' value='Lit%'/>"
            "<condition attribute='firstname' operator='eq' valueof='lastname'/>"
            "</filter>"
            "<link-entity name='account' from='accountid' to='parentaccountid' alias='acc'/>"
        )
    )
    like, same = q.criteria.conditions
    assert like == ConditionExpression("name", ConditionOperator.LIKE, "Lit%", entity_name="acc")
    assert same == ConditionExpression("firstname", ConditionOperator.EQUAL, "lastname", compare_columns=True)


def test_condition_entityname_may_name_an_unaliased_link() -> None:
    q = parse_fetchxml(
        fetch(
            "<filter><condition attribute='name' entityname='account' operator='not-null'/></filter>"
            "<link-entity name='account' from='accountid' to='parentaccountid'/>"
        )
    )
    assert q.criteria.conditions[0].entity_name == "account"


@pytest.mark.parametrize(("name", "value"), sorted(EXPECTED_OPERATORS.items()))
def test_every_operator_name(name: str, value: int) -> None:
    q = parse_fetchxml(fetch(f"<filter><condition attribute='x' operator='{name}' value='1'/></filter>"))
    assert q.criteria.conditions[0].operator == value
    assert FETCHXML_OPERATORS[name] == value


def test_operator_table_is_complete() -> None:
    assert dict(FETCHXML_OPERATORS) == {k: ConditionOperator(v) for k, v in EXPECTED_OPERATORS.items()}
    named = set(FETCHXML_OPERATORS.values())
    assert named | NO_FETCHXML_NAME == set(ConditionOperator)
    assert not named & NO_FETCHXML_NAME


def test_operator_names_are_case_insensitive() -> None:
    q = parse_fetchxml(fetch("<filter><condition attribute='x' operator='Begins-With' value='a'/></filter>"))
    assert q.criteria.conditions[0].operator is ConditionOperator.BEGINS_WITH


# <link-entity> ------------------------------------------------------------------------------------


def test_link_entity_attributes() -> None:
    q = parse_fetchxml(
        fetch(
            "<link-entity name='account' from='accountid' to='parentaccountid' alias='acc' "
            "link-type='outer' visible='false' intersect='true'>"
            "<attribute name='name'/>"
            "</link-entity>"
        )
    )
    assert q.link_entities == [
        LinkEntity(
            "lead",
            "account",
            "parentaccountid",
            "accountid",
            JoinOperator.LEFT_OUTER,
            entity_alias="acc",
            columns=ColumnSet("name"),
            intersect=True,
        )
    ]


@pytest.mark.parametrize(("link_type", "join"), sorted(FETCHXML_JOIN_OPERATORS.items()))
def test_link_types(link_type: str, join: JoinOperator) -> None:
    q = parse_fetchxml(
        fetch(f"<link-entity name='account' from='accountid' to='x' link-type='{link_type}'/>")
    )
    assert q.link_entities[0].join_operator is join


def test_link_type_table() -> None:
    assert dict(FETCHXML_JOIN_OPERATORS) == {
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


def test_link_entity_defaults_to_inner_without_from_to() -> None:
    link = parse_fetchxml(fetch("<link-entity name='account'/>")).link_entities[0]
    assert link.join_operator is JoinOperator.INNER
    assert link.link_from_attribute_name is None and link.link_to_attribute_name is None
    assert link.columns == ColumnSet()


def test_nested_link_entities_with_their_own_content() -> None:
    q = parse_fetchxml(
        fetch(
            "<attribute name='fullname'/>"
            "<link-entity name='account' from='accountid' to='parentaccountid' alias='acc'>"
            "  <all-attributes/>"
            "  <order attribute='name' descending='true'/>"
            "  <filter type='or'>"
            "    <condition attribute='name' operator='begins-with' value='Lit'/>"
            "    <condition attribute='name' operator='ends-with' value='Inc'/>"
            "  </filter>"
            "  <link-entity name='systemuser' from='systemuserid' to='owninguser' alias='own' "
            "link-type='outer'>"
            "    <attribute name='fullname'/>"
            "    <filter><condition attribute='isdisabled' operator='eq' value='0'/></filter>"
            "  </link-entity>"
            "</link-entity>"
        )
    )
    acc = q.link_entities[0]
    assert acc.columns.all_columns is True
    assert acc.orders == [OrderExpression("name", OrderType.DESCENDING)]
    assert acc.link_criteria.filter_operator is LogicalOperator.OR
    assert [c.operator for c in acc.link_criteria.conditions] == [
        ConditionOperator.BEGINS_WITH,
        ConditionOperator.ENDS_WITH,
    ]
    own = acc.link_entities[0]
    assert own == LinkEntity(
        "account",
        "systemuser",
        "owninguser",
        "systemuserid",
        JoinOperator.LEFT_OUTER,
        entity_alias="own",
        columns=ColumnSet("fullname"),
        link_criteria=FilterExpression(
            conditions=[ConditionExpression("isdisabled", ConditionOperator.EQUAL, "0")]
        ),
    )
    assert q.column_set == ColumnSet("fullname")


# aggregates --------------------------------------------------------------------------------------


def test_leads_by_source_and_state_with_total_estimated_value() -> None:
    q = parse_fetchxml(
        "<fetch aggregate='true'><entity name='lead'>"
        "<attribute name='leadsourcecode' groupby='true' alias='src'/>"
        "<attribute name='statecode' groupby='true' alias='st'/>"
        "<attribute name='estimatedamount' aggregate='sum' alias='total'/>"
        "</entity></fetch>"
    )
    assert q.aggregate is True
    assert q.column_set == ColumnSet()
    assert q.aggregate_columns == [
        AggregateColumn("leadsourcecode", "src", group_by=True),
        AggregateColumn("statecode", "st", group_by=True),
        AggregateColumn("estimatedamount", "total", aggregate="sum"),
    ]


def test_aggregate_details_dategrouping_distinct_timezone_and_order_by_alias() -> None:
    q = parse_fetchxml(
        "<fetch aggregate='true'><entity name='lead'>"
        "<attribute name='createdon' groupby='true' dategrouping='month' alias='month' usertimezone='false'/>"
        "<attribute name='parentaccountid' aggregate='countcolumn' distinct='true' alias='accounts'/>"
        "<attribute name='leadid' aggregate='COUNT' alias='n'/>"
        "<order alias='n' descending='true'/>"
        "<link-entity name='account' from='accountid' to='parentaccountid' alias='acc'>"
        "<attribute name='revenue' aggregate='avg' alias='avg_revenue'/>"
        "</link-entity>"
        "</entity></fetch>"
    )
    assert q.aggregate_columns == [
        AggregateColumn("createdon", "month", group_by=True, date_grouping="month", user_time_zone=False),
        AggregateColumn("parentaccountid", "accounts", aggregate="countcolumn", distinct=True),
        AggregateColumn("leadid", "n", aggregate="count"),
    ]
    assert q.orders == [OrderExpression(None, OrderType.DESCENDING, alias="n")]
    assert q.link_entities[0].aggregate_columns == [
        AggregateColumn("revenue", "avg_revenue", aggregate="avg")
    ]
    assert q.link_entities[0].columns == ColumnSet()


@pytest.mark.parametrize("function", sorted(AGGREGATE_FUNCTIONS))
def test_every_aggregate_function(function: str) -> None:
    q = parse_fetchxml(fetch(f"<attribute name='x' aggregate='{function}' alias='a'/>", aggregate="true"))
    assert q.aggregate_columns[0].aggregate == function


@pytest.mark.parametrize("grouping", sorted(DATE_GROUPINGS))
def test_every_date_grouping(grouping: str) -> None:
    q = parse_fetchxml(
        fetch(f"<attribute name='x' groupby='true' dategrouping='{grouping}' alias='a'/>", aggregate="true")
    )
    assert q.aggregate_columns[0].date_grouping == grouping


# faults ------------------------------------------------------------------------------------------


def test_malformed_xml_names_the_line() -> None:
    f = fault_of("<fetch>\n  <entity name='lead'>\n    <attribute name='x'>\n  </entity>\n</fetch>")
    assert f.error_code == ErrorCodes.INVALID_FETCH_XML == ErrorCodes.QUERY_BUILDER_SERIALIZATION
    assert "malformed" in f.message and "line 4" in f.message
    assert f.error_details["line"] == 4


@pytest.mark.parametrize("xml", ["", "   ", "not xml", "<fetch>", "<fetch><entity name='a'></fetch>"])
def test_not_xml_at_all(xml: str) -> None:
    f = fault_of(xml)
    assert f.error_code == ErrorCodes.INVALID_FETCH_XML
    assert "malformed" in f.message


def test_doctype_and_entity_declarations_are_refused() -> None:
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE fetch [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
        "<fetch><entity name='&b;'/></fetch>"
    )
    f = fault_of(bomb)
    assert f.error_code == ErrorCodes.INVALID_FETCH_XML
    assert "DOCTYPE" in f.message and "line 2" in f.message
    f = fault_of('<!DOCTYPE fetch SYSTEM "http://example.invalid/fetch.dtd"><fetch/>')
    assert "DOCTYPE" in f.message


def test_undefined_entity_reference_is_malformed() -> None:
    f = fault_of("<fetch><entity name='&x;'/></fetch>")
    assert f.error_code == ErrorCodes.INVALID_FETCH_XML
    assert "malformed" in f.message


@pytest.mark.parametrize(
    ("xml", "element", "line"),
    [
        ("<query><entity name='lead'/></query>", "<fetch>", 1),
        ("<fetch>\n<entity name='lead'/>\n<order attribute='x'/></fetch>", "<order>", 3),
        ("<fetch><entity name='lead'>\n<column name='x'/></entity></fetch>", "<column>", 2),
        ("<fetch><entity name='lead'><filter>\n\n<where/></filter></entity></fetch>", "<where>", 3),
        (
            "<fetch><entity name='lead'><filter><condition attribute='x' operator='in'>\n<item>1</item>"
            "</condition></filter></entity></fetch>",
            "<item>",
            2,
        ),
        ("<fetch><entity name='lead'><attribute name='x'><b/></attribute></entity></fetch>", "<b>", 1),
        (
            "<fetch><entity name='lead'><filter><condition attribute='x' operator='in'><value>1<b/></value>"
            "</condition></filter></entity></fetch>",
            "<b>",
            1,
        ),
    ],
)
def test_unknown_elements(xml: str, element: str, line: int) -> None:
    f = fault_of(xml)
    assert f.error_code == ErrorCodes.INVALID_FETCH_XML
    assert element in f.message
    assert f"line {line}" in f.message


def test_unknown_attribute() -> None:
    f = fault_of(fetch("<order attribute='x' descendng='true'/>"))
    assert f.error_code == ErrorCodes.INVALID_FETCH_XML
    assert "'descendng'" in f.message and "<order>" in f.message
    assert f.error_details["attribute"] == "descendng"


@pytest.mark.parametrize(
    "xml",
    [
        fetch(
            "<filter><condition attribute='x' operator='gt' value='1' aggregate='count' alias='n'/></filter>"
        ),
        fetch("<attribute name='x' rowaggregate='CountChildren'/>"),
        "<fetch datasource='retained'><entity name='lead'/></fetch>",
    ],
)
def test_documented_but_unsupported_attributes_are_refused(xml: str) -> None:
    f = fault_of(xml)
    assert f.error_code == ErrorCodes.INVALID_FETCH_XML
    assert "is not supported" in f.message


def test_ignored_attributes_are_accepted() -> None:
    q = parse_fetchxml(
        "<fetch version='1.0' output-format='xml-platform' mapping='logical' useraworderby='false'>"
        "<entity name='lead'><attribute name='x' build='1.0'/>"
        "<filter isquickfindfields='1'>"
        "<condition attribute='x' operator='eq' value='1' uiname='X' uitype='lead'/>"
        "</filter><link-entity name='account' visible='false'/></entity></fetch>"
    )
    assert q.column_set == ColumnSet("x")
    assert q.criteria.conditions == [ConditionExpression("x", ConditionOperator.EQUAL, "1")]


@pytest.mark.parametrize(
    ("xml", "missing"),
    [
        ("<fetch/>", "exactly one <entity>, found 0"),
        ("<fetch><entity name='a'/><entity name='b'/></fetch>", "exactly one <entity>, found 2"),
        ("<fetch><entity/></fetch>", "<entity> is missing its required 'name'"),
        ("<fetch><entity name='  '/></fetch>", "<entity> is missing its required 'name'"),
        (fetch("<attribute/>"), "<attribute> is missing its required 'name'"),
        (fetch("<filter><condition operator='eq' value='1'/></filter>"), "'attribute'"),
        (fetch("<filter><condition attribute='x' value='1'/></filter>"), "'operator'"),
        (fetch("<link-entity from='a' to='b'/>"), "<link-entity> is missing its required 'name'"),
        (fetch("<order descending='true'/>"), "<order> needs an 'attribute'"),
    ],
)
def test_missing_required_parts(xml: str, missing: str) -> None:
    f = fault_of(xml)
    assert f.error_code == ErrorCodes.INVALID_FETCH_XML
    assert missing in f.message


def test_unknown_operator() -> None:
    f = fault_of(fetch("<filter>\n<condition attribute='x' operator='equals' value='1'/></filter>"))
    assert f.error_code == ErrorCodes.QUERY_BUILDER_INVALID_CONDITION_OPERATOR
    assert "'equals'" in f.message and "attribute='x'" in f.message and "line 2" in f.message


def test_bad_filter_type() -> None:
    f = fault_of(fetch("<filter type='xor'/>"))
    assert f.error_code == ErrorCodes.QUERY_BUILDER_INVALID_FILTER_TYPE
    assert "'xor'" in f.message


def test_aggregate_and_groupby_on_one_attribute() -> None:
    f = fault_of(fetch("<attribute name='x' aggregate='sum' groupby='true' alias='a'/>", aggregate="true"))
    assert f.error_code == ErrorCodes.QUERY_BUILDER_ATTRIBUTE_CANNOT_BE_GROUP_BY_AND_AGGREGATE
    assert "name='x'" in f.message and "groupby" in f.message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<attribute name='x' aggregate='sum'/>", "needs an 'alias'"),
        ("<attribute name='x' groupby='true'/>", "needs an 'alias'"),
        ("<attribute name='x' alias='a'/>", "needs aggregate='...' or groupby='true'"),
        ("<attribute name='x' aggregate='median' alias='a'/>", "unknown aggregate 'median'"),
        ("<attribute name='x' groupby='true' dategrouping='hour' alias='a'/>", "unknown dategrouping 'hour'"),
        ("<attribute name='x' aggregate='max' dategrouping='day' alias='a'/>", "not a groupby"),
        ("<all-attributes/>", "<all-attributes> cannot be used in an aggregate query"),
        (
            "<attribute name='x' aggregate='sum' alias='a'/><order attribute='x'/>",
            "must order by an 'alias'",
        ),
    ],
)
def test_aggregate_faults(body: str, expected: str) -> None:
    f = fault_of(fetch(body, aggregate="true"))
    assert f.error_code == ErrorCodes.QUERY_BUILDER_INVALID_AGGREGATE_ATTRIBUTE
    assert expected in f.message


@pytest.mark.parametrize("used", ["aggregate='sum'", "groupby='true'", "dategrouping='day'"])
def test_aggregate_attributes_need_an_aggregate_fetch(used: str) -> None:
    f = fault_of(fetch(f"<attribute name='x' alias='a' {used}/>"))
    assert f.error_code == ErrorCodes.QUERY_BUILDER_INVALID_AGGREGATE_ATTRIBUTE
    assert "aggregate='true'" in f.message


def test_groupby_false_is_fine_in_a_plain_query() -> None:
    q = parse_fetchxml(fetch("<attribute name='x' groupby='false'/>"))
    assert q.column_set == ColumnSet("x")


def test_order_alias_must_exist_in_aggregate_query() -> None:
    f = fault_of(
        fetch("<attribute name='x' aggregate='sum' alias='total'/>\n<order alias='totl'/>", aggregate="true")
    )
    assert f.error_code == ErrorCodes.QUERY_BUILDER_ALIAS_DOES_NOT_EXIST
    assert "'totl'" in f.message and "line 2" in f.message


def test_condition_entityname_must_name_a_link() -> None:
    f = fault_of(
        fetch(
            "<filter>\n<condition attribute='name' entityname='ac' operator='null'/></filter>"
            "<link-entity name='account' alias='acc'/>"
        )
    )
    assert f.error_code == ErrorCodes.QUERY_BUILDER_ALIAS_DOES_NOT_EXIST
    assert "'ac'" in f.message and "line 2" in f.message


@pytest.mark.parametrize(
    ("attributes", "clash"),
    [
        ({"top": "5", "count": "10"}, "'count'"),
        ({"top": "5", "page": "2"}, "'page'"),
        ({"top": "5", "paging_cookie": "c"}, "'paging-cookie'"),
    ],
)
def test_top_with_paging(attributes: dict[str, str], clash: str) -> None:
    f = fault_of(fetch("", **attributes))
    assert f.error_code == ErrorCodes.INVALID_FETCH_XML
    assert "'top'" in f.message and clash in f.message


@pytest.mark.parametrize(
    ("attributes", "name"),
    [({"top": "ten"}, "'top'"), ({"count": "-1"}, "'count'"), ({"page": "0"}, "'page'")],
)
def test_bad_integers(attributes: dict[str, str], name: str) -> None:
    f = fault_of(fetch("", **attributes))
    assert f.error_code == ErrorCodes.INVALID_FETCH_XML
    assert name in f.message and "integer" in f.message


def test_bad_boolean() -> None:
    f = fault_of(fetch("", distinct="yes"))
    assert f.error_code == ErrorCodes.INVALID_FETCH_XML
    assert "'distinct'" in f.message and "'yes'" in f.message


def test_unknown_link_type() -> None:
    f = fault_of(fetch("<link-entity name='account' link-type='left'/>"))
    assert f.error_code == ErrorCodes.INVALID_FETCH_XML
    assert "link-type 'left'" in f.message


def test_link_entity_inside_filter_becomes_an_any_all_filter_link() -> None:
    # learn.microsoft.com "Filter rows using FetchXml" (filter on values in related records): a
    # <link-entity link-type='any|not any|all|not all'> inside <filter> is one more child condition of
    # that filter (QueryExpression: FilterExpression.AnyAllFilterLinkEntity).
    q = parse_fetchxml(fetch(
        "<filter type='or'><condition attribute='statecode' operator='eq' value='1'/>"
        "<link-entity name='account' from='primarycontactid' to='leadid' link-type='not any'>"
        "<filter><condition attribute='name' operator='eq' value='Contoso'/></filter></link-entity></filter>"))
    assert q.criteria.filter_operator == LogicalOperator.OR
    (child,) = q.criteria.filters
    link = child.any_all_filter_link_entity
    assert link is not None and link.join_operator == JoinOperator.NOT_ANY
    assert (link.link_from_entity_name, link.link_to_entity_name) == ("lead", "account")
    assert link.link_criteria.conditions[0].values == ["Contoso"]
    assert parse_fetchxml(to_fetchxml(q)) == q


def test_link_entity_inside_filter_needs_an_any_all_link_type() -> None:
    f = fault_of(fetch("<filter><link-entity name='account' link-type='inner'/></filter>"))
    assert f.error_code == ErrorCodes.INVALID_FETCH_XML
    assert "<link-entity> inside <filter> needs link-type 'any'" in f.message


def test_top_with_returntotalrecordcount_faults() -> None:
    # learn.microsoft.com "Count rows using FetchXml": "You can't apply the fetch element top attribute
    # together with returntotalrecordcount."
    f = fault_of(fetch("", top="5", returntotalrecordcount="true"))
    assert f.error_code == ErrorCodes.INVALID_FETCH_XML
    assert "'returntotalrecordcount'" in f.message


def test_useraworderby_round_trips() -> None:
    q = parse_fetchxml(fetch("<order attribute='leadsourcecode'/>", useraworderby="true"))
    assert q.use_raw_order_by is True
    assert parse_fetchxml(to_fetchxml(q)).use_raw_order_by is True
    assert parse_fetchxml(fetch("")).use_raw_order_by is False


def test_value_given_twice() -> None:
    f = fault_of(
        fetch(
            "<filter><condition attribute='x' operator='in' value='1'><value>2</value></condition></filter>"
        )
    )
    assert f.error_code == ErrorCodes.INVALID_FETCH_XML
    assert "both a 'value' attribute and <value> elements" in f.message
    f = fault_of(fetch("<filter><condition attribute='x' operator='eq' value='1' valueof='y'/></filter>"))
    assert "'valueof'" in f.message


# to_fetchxml -------------------------------------------------------------------------------------


def test_to_fetchxml_writes_the_expected_document() -> None:
    q = QueryExpression("lead", ColumnSet("fullname"))
    q.criteria.add_condition("statecode", ConditionOperator.EQUAL, 0)
    q.criteria.add_filter(LogicalOperator.OR).add_condition("leadsourcecode", ConditionOperator.IN, 1, 8)
    link = q.add_link("account", "parentaccountid", "accountid", JoinOperator.LEFT_OUTER)
    link.entity_alias = "acc"
    link.columns = ColumnSet("name")
    q.add_order("createdon", OrderType.DESCENDING)
    q.top_count = 10
    xml = to_fetchxml(q)
    assert xml == (
        '<fetch top="10">\n'
        '  <entity name="lead">\n'
        '    <attribute name="fullname" />\n'
        '    <order attribute="createdon" descending="true" />\n'
        '    <filter type="and">\n'
        '      <condition attribute="statecode" operator="eq" value="0" />\n'
        '      <filter type="or">\n'
        '        <condition attribute="leadsourcecode" operator="in">\n'
        "          <value>1</value>\n"
        "          <value>8</value>\n"
        "        </condition>\n"
        "      </filter>\n"
        "    </filter>\n"
        '    <link-entity name="account" from="accountid" to="parentaccountid" alias="acc" '
        'link-type="outer">\n'
        '      <attribute name="name" />\n'
        "    </link-entity>\n"
        "  </entity>\n"
        "</fetch>"
    )
    back = parse_fetchxml(xml)
    assert back.criteria.conditions[0].values == ["0"]
    assert back.link_entities == q.link_entities


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (Decimal("12.50"), "12.50"),
        (1.5, "1.5"),
        (dt.datetime(2024, 5, 1, 12, 30), "2024-05-01T12:30:00"),
        (dt.date(2024, 5, 1), "2024-05-01"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        (EntityReference("account", uuid.UUID(int=2)), "00000000-0000-0000-0000-000000000002"),
        (OptionSetValue(3), "3"),
        (Money(Decimal("9.99")), "9.99"),
        (OrderType.DESCENDING, "1"),
        ("plain", "plain"),
    ],
)
def test_to_fetchxml_value_text(value: Any, text: str) -> None:
    q = QueryExpression("lead")
    q.criteria.add_condition("x", ConditionOperator.EQUAL, value)
    assert parse_fetchxml(to_fetchxml(q)).criteria.conditions[0].values == [text]


def test_to_fetchxml_escapes_markup_in_values() -> None:
    q = QueryExpression("lead")
    q.criteria.add_condition("x", ConditionOperator.IN, "<a & 'b'>", 'say "hi"\n')
    q.criteria.add_condition("y", ConditionOperator.EQUAL, "tab\there\nnew line")
    back = parse_fetchxml(to_fetchxml(q))
    assert back.criteria.conditions[0].values == ["<a & 'b'>", 'say "hi"\n']
    assert back.criteria.conditions[1].values == ["tab\there\nnew line"]


@pytest.mark.parametrize("operator", sorted(NO_FETCHXML_NAME))
def test_to_fetchxml_refuses_operators_without_a_fetchxml_name(operator: ConditionOperator) -> None:
    q = QueryExpression("lead")
    q.criteria.add_condition("x", operator, "1")
    with pytest.raises(OrganizationServiceFault) as info:
        to_fetchxml(q)
    assert info.value.error_code == ErrorCodes.QUERY_BUILDER_INVALID_CONDITION_OPERATOR
    assert operator.name in info.value.message


def test_to_fetchxml_faults() -> None:
    q = QueryExpression("lead", top_count=5, page_info=PagingInfo(10))
    with pytest.raises(OrganizationServiceFault, match="top_count and page_info"):
        to_fetchxml(q)
    q = QueryExpression("lead")
    q.add_link("account", "parentaccountid", "accountid", JoinOperator.NATURAL)
    with pytest.raises(OrganizationServiceFault, match="NATURAL"):
        to_fetchxml(q)
    q = QueryExpression("lead", link_entities=[LinkEntity("lead")])
    with pytest.raises(OrganizationServiceFault, match="link_to_entity_name"):
        to_fetchxml(q)
    q = QueryExpression("lead")
    q.criteria.add_condition(
        ConditionExpression("a", ConditionOperator.EQUAL, "b", "c", compare_columns=True)
    )
    with pytest.raises(OrganizationServiceFault) as info:
        to_fetchxml(q)
    assert info.value.error_code == ErrorCodes.QUERY_BUILDER_BAD_CONDITION


def test_aggregate_round_trip() -> None:
    xml = (
        "<fetch aggregate='true'><entity name='lead'>"
        "<attribute name='leadsourcecode' groupby='true' alias='src'/>"
        "<attribute name='statecode' groupby='true' alias='st'/>"
        "<attribute name='estimatedamount' aggregate='sum' alias='total'/>"
        "<order alias='total' descending='true'/>"
        "</entity></fetch>"
    )
    q = parse_fetchxml(xml)
    assert parse_fetchxml(to_fetchxml(q)) == q
    assert 'aggregate="true"' in to_fetchxml(q)


# round trip (hypothesis) -------------------------------------------------------------------------

names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8)
optional_names = st.none() | names
fetch_operators = st.sampled_from(sorted(set(FETCHXML_OPERATORS.values())))


@st.composite
def conditions(draw: st.DrawFn) -> ConditionExpression:
    if draw(st.booleans()):
        return ConditionExpression(draw(names), draw(fetch_operators), draw(names), compare_columns=True)
    return ConditionExpression(draw(names), draw(fetch_operators), values=draw(st.lists(texts, max_size=3)))


def _filter(
    op: LogicalOperator, conds: list[ConditionExpression], children: list[FilterExpression]
) -> FilterExpression:
    return FilterExpression(op, conditions=conds, filters=children)


filters = st.recursive(
    st.builds(_filter, st.sampled_from(LogicalOperator), st.lists(conditions(), max_size=3), st.just([])),
    lambda children: st.builds(
        _filter,
        st.sampled_from(LogicalOperator),
        st.lists(conditions(), max_size=2),
        st.lists(children, max_size=2),
    ),
    max_leaves=5,
)
column_sets = st.builds(
    lambda cols, everything: ColumnSet(cols, all_columns=everything),
    st.lists(names, max_size=3),
    st.booleans(),
)
orders = st.builds(OrderExpression, names, st.sampled_from(OrderType), optional_names, optional_names)
plain_aliased = st.builds(AggregateColumn, names, names)
joins = st.sampled_from([j for j in JoinOperator if j is not JoinOperator.NATURAL])


def _link(
    to_entity: str,
    from_attr: str | None,
    to_attr: str | None,
    join: JoinOperator,
    alias: str | None,
    columns: ColumnSet,
    aliased: list[AggregateColumn],
    criteria: FilterExpression,
    link_orders: list[OrderExpression],
    intersect: bool,
    children: list[LinkEntity],
) -> LinkEntity:
    return LinkEntity(
        None,
        to_entity,
        from_attr,
        to_attr,
        join,
        entity_alias=alias,
        columns=columns,
        aggregate_columns=aliased,
        link_criteria=criteria,
        orders=link_orders,
        intersect=intersect,
        link_entities=children,
    )


def _link_strategy(children: st.SearchStrategy[list[LinkEntity]]) -> st.SearchStrategy[LinkEntity]:
    return st.builds(
        _link,
        names,
        optional_names,
        optional_names,
        joins,
        optional_names,
        column_sets,
        st.lists(plain_aliased, max_size=1),
        filters,
        st.lists(orders, max_size=1),
        st.booleans(),
        children,
    )


links = _link_strategy(st.lists(_link_strategy(st.just([])), max_size=1))


def _set_from_entities(parent: str, link_list: list[LinkEntity]) -> None:
    for link in link_list:
        link.link_from_entity_name = parent
        _set_from_entities(link.link_to_entity_name or "", link.link_entities)


paging = st.builds(PagingInfo, st.integers(0, 5000), st.integers(1, 100), st.none() | texts, st.booleans())


@st.composite
def plain_queries(draw: st.DrawFn) -> QueryExpression:
    q = QueryExpression(
        draw(names),
        draw(column_sets),
        criteria=draw(filters),
        link_entities=draw(st.lists(links, max_size=2)),
        orders=draw(st.lists(orders, max_size=2)),
        distinct=draw(st.booleans()),
        no_lock=draw(st.booleans()),
        aggregate_columns=draw(st.lists(plain_aliased, max_size=2)),
    )
    limit = draw(st.sampled_from(["none", "top", "page"]))
    if limit == "top":
        q.top_count = draw(st.integers(0, 5000))
    elif limit == "page":
        q.page_info = draw(paging)
    _set_from_entities(q.entity_name, q.link_entities)
    return q


@st.composite
def aggregate_queries(draw: st.DrawFn) -> QueryExpression:
    aliases = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    columns = []
    for alias in aliases:
        if draw(st.booleans()):
            columns.append(
                AggregateColumn(
                    draw(names),
                    alias,
                    aggregate=draw(st.sampled_from(sorted(AGGREGATE_FUNCTIONS))),
                    distinct=draw(st.booleans()),
                    user_time_zone=draw(st.booleans()),
                )
            )
        else:
            columns.append(
                AggregateColumn(
                    draw(names),
                    alias,
                    group_by=True,
                    date_grouping=draw(st.none() | st.sampled_from(sorted(DATE_GROUPINGS))),
                    user_time_zone=draw(st.booleans()),
                )
            )
    alias_orders = [
        OrderExpression(None, draw(st.sampled_from(OrderType)), alias=a)
        for a in draw(st.lists(st.sampled_from(aliases), max_size=2))
    ]
    q = QueryExpression(
        draw(names),
        criteria=draw(filters),
        orders=alias_orders,
        aggregate=True,
        aggregate_columns=columns,
        top_count=draw(st.none() | st.integers(0, 50)),
    )
    return q


@settings(max_examples=150, deadline=None)
@given(plain_queries())
def test_round_trip_plain_queries(query: QueryExpression) -> None:
    xml = to_fetchxml(query)
    assert parse_fetchxml(xml) == query
    assert to_fetchxml(parse_fetchxml(xml)) == xml


@settings(max_examples=75, deadline=None)
@given(aggregate_queries())
def test_round_trip_aggregate_queries(query: QueryExpression) -> None:
    assert parse_fetchxml(to_fetchxml(query)) == query
