"""The pure query model: enums, ConditionExpression, FilterExpression, LinkEntity, QueryExpression, ..."""

from __future__ import annotations

import re

import pytest

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.query import (
    AggregateColumn,
    ColumnSet,
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

# Microsoft.Xrm.Sdk.Query.ConditionOperator as compiled in the SDK assembly.
SDK_CONDITION_OPERATORS = {
    "Equal": 0, "NotEqual": 1, "GreaterThan": 2, "LessThan": 3, "GreaterEqual": 4, "LessEqual": 5,
    "Like": 6, "NotLike": 7, "In": 8, "NotIn": 9, "Between": 10, "NotBetween": 11, "Null": 12,
    "NotNull": 13, "Yesterday": 14, "Today": 15, "Tomorrow": 16, "Last7Days": 17, "Next7Days": 18,
    "LastWeek": 19, "ThisWeek": 20, "NextWeek": 21, "LastMonth": 22, "ThisMonth": 23, "NextMonth": 24,
    "On": 25, "OnOrBefore": 26, "OnOrAfter": 27, "LastYear": 28, "ThisYear": 29, "NextYear": 30,
    "LastXHours": 31, "NextXHours": 32, "LastXDays": 33, "NextXDays": 34, "LastXWeeks": 35,
    "NextXWeeks": 36, "LastXMonths": 37, "NextXMonths": 38, "LastXYears": 39, "NextXYears": 40,
    "EqualUserId": 41, "NotEqualUserId": 42, "EqualBusinessId": 43, "NotEqualBusinessId": 44,
    "ChildOf": 45, "Mask": 46, "NotMask": 47, "MasksSelect": 48, "Contains": 49, "DoesNotContain": 50,
    "EqualUserLanguage": 51, "NotOn": 52, "OlderThanXMonths": 53, "BeginsWith": 54,
    "DoesNotBeginWith": 55, "EndsWith": 56, "DoesNotEndWith": 57, "ThisFiscalYear": 58,
    "ThisFiscalPeriod": 59, "NextFiscalYear": 60, "NextFiscalPeriod": 61, "LastFiscalYear": 62,
    "LastFiscalPeriod": 63, "LastXFiscalYears": 64, "LastXFiscalPeriods": 65, "NextXFiscalYears": 66,
    "NextXFiscalPeriods": 67, "InFiscalYear": 68, "InFiscalPeriod": 69, "InFiscalPeriodAndYear": 70,
    "InOrBeforeFiscalPeriodAndYear": 71, "InOrAfterFiscalPeriodAndYear": 72, "EqualUserTeams": 73,
    "EqualUserOrUserTeams": 74, "Under": 75, "NotUnder": 76, "UnderOrEqual": 77, "Above": 78,
    "AboveOrEqual": 79, "EqualUserOrUserHierarchy": 80, "EqualUserOrUserHierarchyAndTeams": 81,
    "OlderThanXYears": 82, "OlderThanXWeeks": 83, "OlderThanXDays": 84, "OlderThanXHours": 85,
    "OlderThanXMinutes": 86, "ContainValues": 87, "DoesNotContainValues": 88, "EqualRoleBusinessId": 89,
}  # fmt: skip


def _upper_snake(pascal: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])|(?<=[a-z])(?=[0-9])", "_", pascal).upper()


# enums -------------------------------------------------------------------------------------------


def test_condition_operator_has_every_sdk_member_with_its_value() -> None:
    for pascal, value in SDK_CONDITION_OPERATORS.items():
        assert ConditionOperator[_upper_snake(pascal)].value == value, pascal
    assert len(ConditionOperator) == len(SDK_CONDITION_OPERATORS) == 90
    assert sorted(int(op) for op in ConditionOperator) == list(range(90))


def test_condition_operator_names() -> None:
    assert ConditionOperator.EQUAL.value == 0
    assert ConditionOperator.BEGINS_WITH.value == 54
    assert ConditionOperator.LAST_X_DAYS.value == 33
    assert ConditionOperator(17).name == "LAST_7_DAYS"
    assert ConditionOperator(18).name == "NEXT_7_DAYS"
    assert ConditionOperator.UNDER.value == 75
    assert ConditionOperator.ABOVE_OR_EQUAL.value == 79


def test_join_logical_and_order_enums() -> None:
    assert {op.name: op.value for op in JoinOperator} == {
        "INNER": 0,
        "LEFT_OUTER": 1,
        "NATURAL": 2,
        "MATCH_FIRST_ROW_USING_CROSS_APPLY": 3,
        "IN": 4,
        "EXISTS": 5,
        "ANY": 6,
        "NOT_ANY": 7,
        "ALL": 8,
        "NOT_ALL": 9,
    }
    assert (LogicalOperator.AND, LogicalOperator.OR) == (0, 1)
    assert (OrderType.ASCENDING, OrderType.DESCENDING) == (0, 1)


# ConditionExpression ------------------------------------------------------------------------------


def test_condition_expression_positional_values() -> None:
    c = ConditionExpression("leadsourcecode", ConditionOperator.IN, 1, 8)
    assert c.attribute_name == "leadsourcecode"
    assert c.operator is ConditionOperator.IN
    assert c.values == [1, 8]
    assert isinstance(c.values, list)
    assert c.entity_name is None
    assert c.compare_columns is False


@pytest.mark.parametrize("container", [[1, 8], (1, 8)])
def test_condition_expression_flattens_a_single_list_or_tuple(container: list[int] | tuple[int, ...]) -> None:
    assert ConditionExpression("x", ConditionOperator.IN, container).values == [1, 8]
    assert ConditionExpression("x", ConditionOperator.BETWEEN, container).values == [1, 8]
    assert ConditionExpression("x", ConditionOperator.NOT_IN, container).values == [1, 8]


def test_condition_expression_keeps_several_values_and_strings_as_they_are() -> None:
    assert ConditionExpression("x", ConditionOperator.IN, [1], [2]).values == [[1], [2]]
    assert ConditionExpression("x", ConditionOperator.EQUAL, "abc").values == ["abc"]
    assert ConditionExpression("x", ConditionOperator.NULL).values == []


def test_condition_expression_values_keyword_and_entity_name() -> None:
    values = [1, 2]
    c = ConditionExpression("x", ConditionOperator.IN, values=values, entity_name="acc")
    assert c.values == [1, 2]
    assert c.values is not values
    assert c.entity_name == "acc"


def test_condition_expression_rejects_values_twice_and_unknown_keywords() -> None:
    with pytest.raises(TypeError, match="not both"):
        ConditionExpression("x", ConditionOperator.IN, 1, values=[2])
    with pytest.raises(TypeError, match="valuez"):
        ConditionExpression("x", ConditionOperator.IN, valuez=[2])


def test_condition_expression_converts_an_int_operator() -> None:
    c = ConditionExpression("x", 54, "Lit")
    assert c.operator is ConditionOperator.BEGINS_WITH
    with pytest.raises(ValueError):
        ConditionExpression("x", 999)


def test_condition_expression_equality_and_repr() -> None:
    a = ConditionExpression("statecode", ConditionOperator.EQUAL, 0)
    assert a == ConditionExpression("statecode", ConditionOperator.EQUAL, [0])
    assert a != ConditionExpression("statecode", ConditionOperator.EQUAL, 1)
    assert a != ConditionExpression("statecode", ConditionOperator.EQUAL, 0, entity_name="acc")
    text = repr(a)
    assert text.startswith("ConditionExpression(")
    assert "'statecode'" in text and "EQUAL" in text and "[0]" in text


# FilterExpression ---------------------------------------------------------------------------------


def test_filter_expression_defaults_to_and() -> None:
    f = FilterExpression()
    assert f.filter_operator is LogicalOperator.AND
    assert f.conditions == [] and f.filters == []
    assert f.is_empty()
    assert FilterExpression(1).filter_operator is LogicalOperator.OR


def test_add_condition_with_a_condition_expression() -> None:
    f = FilterExpression()
    c = ConditionExpression("statecode", ConditionOperator.EQUAL, 0)
    assert f.add_condition(c) is c
    assert f.conditions == [c]
    assert not f.is_empty()


def test_add_condition_with_attribute_operator_values() -> None:
    f = FilterExpression()
    added = f.add_condition("leadsourcecode", ConditionOperator.IN, 1, 8)
    f.add_condition("statuscode", ConditionOperator.IN, [1, 2])
    f.add_condition("name", ConditionOperator.NOT_NULL)
    f.add_condition("name", ConditionOperator.EQUAL, "x", entity_name="acc")
    assert added == ConditionExpression("leadsourcecode", ConditionOperator.IN, 1, 8)
    assert f.conditions[1].values == [1, 2]
    assert f.conditions[2].values == []
    assert f.conditions[3].entity_name == "acc"


def test_add_condition_sdk_overload_with_entity_name_first() -> None:
    f = FilterExpression()
    c = f.add_condition("acc", "name", ConditionOperator.BEGINS_WITH, "Lit")
    assert c == ConditionExpression("name", ConditionOperator.BEGINS_WITH, "Lit", entity_name="acc")
    d = f.add_condition("acc", "revenue", ConditionOperator.BETWEEN, [1, 2])
    assert d.values == [1, 2] and d.entity_name == "acc"


def test_add_condition_string_value_is_not_mistaken_for_the_entity_overload() -> None:
    f = FilterExpression()
    c = f.add_condition("firstname", ConditionOperator.IN, "Ada", "Grace")
    assert c.entity_name is None
    assert c.values == ["Ada", "Grace"]


def test_add_condition_bad_arguments() -> None:
    f = FilterExpression()
    with pytest.raises(TypeError):
        f.add_condition(42)  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        f.add_condition(ConditionExpression("x", ConditionOperator.NULL), entity_name="a")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="twice"):
        f.add_condition("acc", "name", ConditionOperator.NULL, entity_name="b")  # type: ignore[call-overload]
    assert f.conditions == []


def test_add_filter_variants_and_nesting() -> None:
    root = FilterExpression()
    or_filter = root.add_filter(LogicalOperator.OR)
    assert or_filter.filter_operator is LogicalOperator.OR
    given = FilterExpression(LogicalOperator.AND)
    assert root.add_filter(given) is given
    default = root.add_filter()
    assert default.filter_operator is LogicalOperator.AND
    deeper = or_filter.add_filter(LogicalOperator.AND)
    deeper.add_condition("x", ConditionOperator.EQUAL, 1)
    assert root.filters == [or_filter, given, default]
    assert root.filters[0].filters[0].conditions[0].attribute_name == "x"
    assert root.conditions == []


def test_filter_equality() -> None:
    a = FilterExpression(LogicalOperator.OR)
    a.add_condition("x", ConditionOperator.EQUAL, 1)
    b = FilterExpression(LogicalOperator.OR)
    b.add_condition("x", ConditionOperator.EQUAL, 1)
    assert a == b
    b.add_filter().add_condition("y", ConditionOperator.NULL)
    assert a != b
    assert "LogicalOperator.OR" in repr(a)


# LinkEntity, OrderExpression, PagingInfo ---------------------------------------------------------


def test_link_entity_defaults() -> None:
    link = LinkEntity("lead", "account", "parentaccountid", "accountid")
    assert link.link_from_entity_name == "lead"
    assert link.link_to_entity_name == "account"
    assert link.link_from_attribute_name == "parentaccountid"
    assert link.link_to_attribute_name == "accountid"
    assert link.join_operator is JoinOperator.INNER
    assert link.entity_alias is None
    assert link.columns == ColumnSet()
    assert link.columns.columns == [] and not link.columns.all_columns
    assert link.link_criteria == FilterExpression()
    assert link.link_entities == [] and link.orders == [] and link.aggregate_columns == []
    assert link.intersect is False
    assert LinkEntity().link_to_entity_name is None
    assert LinkEntity(join_operator=1).join_operator is JoinOperator.LEFT_OUTER


def test_query_add_link_and_nested_add_link() -> None:
    q = QueryExpression("lead")
    acc = q.add_link("account", "parentaccountid", "accountid", JoinOperator.LEFT_OUTER)
    owner = acc.add_link("systemuser", "owninguser", "systemuserid")
    assert q.link_entities == [acc]
    assert acc.link_from_entity_name == "lead"
    assert acc.join_operator is JoinOperator.LEFT_OUTER
    assert acc.link_entities == [owner]
    assert owner.link_from_entity_name == "account"
    assert owner.link_to_entity_name == "systemuser"
    assert owner.link_from_attribute_name == "owninguser"
    assert owner.link_to_attribute_name == "systemuserid"
    assert owner.join_operator is JoinOperator.INNER
    assert list(iter_link_entities(q.link_entities)) == [acc, owner]


def test_link_entity_alias_columns_criteria_and_orders() -> None:
    q = QueryExpression("lead")
    link = q.add_link("account", "parentaccountid", "accountid")
    link.entity_alias = "acc"
    link.columns = ColumnSet("name")
    link.link_criteria.add_condition("name", ConditionOperator.BEGINS_WITH, "Lit")
    order = link.add_order("name", OrderType.DESCENDING)
    assert order == OrderExpression("name", OrderType.DESCENDING)
    assert q.link_entities[0].entity_alias == "acc"
    assert q.link_entities[0].columns == ColumnSet("name")
    assert q.link_entities[0].link_criteria.conditions[0].values == ["Lit"]
    assert q.link_entities[0].orders == [order]


def test_order_expression_defaults_and_alias() -> None:
    o = OrderExpression("createdon")
    assert (o.attribute_name, o.order_type, o.alias, o.entity_name) == (
        "createdon",
        OrderType.ASCENDING,
        None,
        None,
    )
    by_alias = OrderExpression(alias="total", order_type=OrderType.DESCENDING)
    assert by_alias.attribute_name is None and by_alias.alias == "total"
    assert OrderExpression("x", 1).order_type is OrderType.DESCENDING


def test_paging_info_defaults_and_mutability() -> None:
    p = PagingInfo()
    assert (p.count, p.page_number, p.paging_cookie, p.return_total_record_count) == (0, 1, None, False)
    p.page_number = 2
    p.paging_cookie = "<cookie page='1'/>"
    assert p == PagingInfo(0, 2, "<cookie page='1'/>")
    assert PagingInfo(count=50).count == 50


def test_aggregate_column_defaults() -> None:
    a = AggregateColumn("estimatedamount", "total", "sum")
    assert (a.group_by, a.date_grouping, a.distinct, a.user_time_zone) == (False, None, False, True)
    assert a == AggregateColumn("estimatedamount", "total", aggregate="sum")
    assert a != AggregateColumn("estimatedamount", "total", aggregate="avg")


# QueryExpression ---------------------------------------------------------------------------------


def test_query_expression_defaults() -> None:
    q = QueryExpression("lead")
    assert q.entity_name == "lead"
    assert q.column_set == ColumnSet()
    assert q.column_set.columns == [] and q.column_set.all_columns is False
    assert q.criteria == FilterExpression(LogicalOperator.AND)
    assert q.link_entities == [] and q.orders == []
    assert q.page_info is None and q.top_count is None
    assert (q.distinct, q.no_lock, q.aggregate) == (False, False, False)
    assert q.aggregate_columns == []
    assert QueryExpression("lead", None).column_set == ColumnSet()
    assert QueryExpression("lead", ColumnSet(all_columns=True)).column_set.all_columns


def test_query_expression_defaults_are_not_shared() -> None:
    a, b = QueryExpression("lead"), QueryExpression("lead")
    a.criteria.add_condition("x", ConditionOperator.NULL)
    a.column_set.add_column("fullname")
    assert b.criteria.is_empty()
    assert b.column_set.columns == []


def test_query_expression_add_order() -> None:
    q = QueryExpression("lead")
    o = q.add_order("createdon", OrderType.DESCENDING)
    q.add_order("lastname")
    assert q.orders == [o, OrderExpression("lastname")]
    assert o.order_type is OrderType.DESCENDING


def test_contract_example_builds_the_expected_model() -> None:
    q = QueryExpression("lead", column_set=ColumnSet("fullname", "companyname"))
    q.criteria.add_condition("statecode", ConditionOperator.EQUAL, 0)
    f = FilterExpression(LogicalOperator.OR)
    f.add_condition("leadsourcecode", ConditionOperator.IN, 1, 8)
    q.criteria.add_filter(f)
    link = q.add_link("account", "parentaccountid", "accountid", JoinOperator.INNER)
    link.entity_alias = "acc"
    link.columns = ColumnSet("name")
    link.link_criteria.add_condition("name", ConditionOperator.BEGINS_WITH, "Lit")
    q.add_order("createdon", OrderType.DESCENDING)
    q.page_info = PagingInfo(count=50, page_number=1)

    expected = QueryExpression(
        "lead",
        ColumnSet("fullname", "companyname"),
        criteria=FilterExpression(
            LogicalOperator.AND,
            conditions=[ConditionExpression("statecode", ConditionOperator.EQUAL, 0)],
            filters=[
                FilterExpression(
                    LogicalOperator.OR,
                    conditions=[ConditionExpression("leadsourcecode", ConditionOperator.IN, [1, 8])],
                )
            ],
        ),
        link_entities=[
            LinkEntity(
                "lead",
                "account",
                "parentaccountid",
                "accountid",
                entity_alias="acc",
                columns=ColumnSet("name"),
                link_criteria=FilterExpression(
                    conditions=[ConditionExpression("name", ConditionOperator.BEGINS_WITH, "Lit")]
                ),
            )
        ],
        orders=[OrderExpression("createdon", OrderType.DESCENDING)],
        page_info=PagingInfo(50, 1),
    )
    assert q == expected
    expected.top_count = 10
    assert q != expected
    assert repr(q).startswith("QueryExpression(entity_name='lead'")


# QueryByAttribute --------------------------------------------------------------------------------


def test_query_by_attribute_constructor_and_add_attribute_value() -> None:
    q = QueryByAttribute("lead", attributes=["lastname"], values=["Andersen"])
    assert q.attributes == ["lastname"] and q.values == ["Andersen"]
    assert q.column_set == ColumnSet()
    q.add_attribute_value("statecode", 0)
    assert q.attributes == ["lastname", "statecode"] and q.values == ["Andersen", 0]
    assert QueryByAttribute("lead").attributes == []
    assert q == QueryByAttribute("lead", None, ("lastname", "statecode"), ("Andersen", 0))


def test_query_by_attribute_to_query_expression() -> None:
    q = QueryByAttribute("lead", ColumnSet("fullname"), ["lastname", "companyname"], ["Andersen", None])
    q.add_order("createdon", OrderType.DESCENDING)
    q.page_info = PagingInfo(count=10)
    qe = q.to_query_expression()
    assert qe == QueryExpression(
        "lead",
        ColumnSet("fullname"),
        criteria=FilterExpression(
            LogicalOperator.AND,
            conditions=[
                ConditionExpression("lastname", ConditionOperator.EQUAL, "Andersen"),
                ConditionExpression("companyname", ConditionOperator.NULL),
            ],
        ),
        orders=[OrderExpression("createdon", OrderType.DESCENDING)],
        page_info=PagingInfo(count=10),
    )
    # the conversion copies: changing the result leaves the QueryByAttribute alone
    assert qe.page_info is not None
    qe.page_info.page_number = 5
    qe.column_set.add_column("x")
    qe.orders.clear()
    assert q.page_info == PagingInfo(count=10)
    assert q.column_set == ColumnSet("fullname")
    assert len(q.orders) == 1


def test_query_by_attribute_carries_top_count() -> None:
    q = QueryByAttribute("lead", attributes=["statecode"], values=[0])
    q.top_count = 5
    assert q.to_query_expression().top_count == 5


def test_query_by_attribute_mismatch_and_empty_fault() -> None:
    with pytest.raises(OrganizationServiceFault) as info:
        QueryByAttribute("lead", attributes=["a", "b"], values=[1]).to_query_expression()
    assert info.value.error_code == ErrorCodes.INVALID_ARGUMENT
    assert "2 attributes" in info.value.message and "1 values" in info.value.message
    with pytest.raises(OrganizationServiceFault) as info:
        QueryByAttribute("lead").to_query_expression()
    assert info.value.error_code == ErrorCodes.INVALID_ARGUMENT
    assert "at least one attribute" in info.value.message


def test_fetch_expression() -> None:
    xml = "<fetch><entity name='lead'/></fetch>"
    assert FetchExpression(xml).query == xml
    assert FetchExpression(xml) == FetchExpression(xml)
    assert FetchExpression(xml) != FetchExpression("<fetch/>")
    assert "FetchExpression(query=" in repr(FetchExpression(xml))
