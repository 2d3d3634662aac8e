"""FetchXML aggregates (count, countcolumn, sum, avg, min, max, groupby, dategrouping) returning AliasedValue,
and the faults of malformed queries: unknown tables and columns, injection attempts, bad FetchXML."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest

from leadsdk import ColumnSet, Entity, EntityReference, Money, OptionSetValue, OrganizationService
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.query import ConditionOperator, FetchExpression, QueryExpression
from leadsdk.types import AliasedValue

UTC = dt.timezone.utc
ROWS = [  # (leadsourcecode, disqualified?, estimatedamount, employees, created)
    (1, False, "100.00", 10, dt.datetime(2023, 12, 31, 9, tzinfo=UTC)),
    (1, False, "250.50", 20, dt.datetime(2024, 1, 6, 9, tzinfo=UTC)),
    (1, True, "50.25", None, dt.datetime(2024, 1, 7, 9, tzinfo=UTC)),
    (2, False, "1000.00", 7, dt.datetime(2024, 3, 31, 23, tzinfo=UTC)),
    (2, False, None, 8, dt.datetime(2024, 4, 1, 0, tzinfo=UTC)),
    (None, False, "5.00", 1, dt.datetime(2024, 12, 31, 12, tzinfo=UTC)),
    (None, True, "7.00", 2, dt.datetime(2025, 6, 15, 12, tzinfo=UTC)),
]


@pytest.fixture
def leads(svc: OrganizationService) -> OrganizationService:
    for i, (src, disq, amount, emp, created) in enumerate(ROWS):
        e = Entity("lead", subject=f"g{i}", lastname="x", overriddencreatedon=created)
        if src is not None:
            e["leadsourcecode"] = OptionSetValue(src)
        if amount is not None:
            e["estimatedamount"] = Money(Decimal(amount))
        if emp is not None:
            e["numberofemployees"] = emp
        lid = svc.create(e)
        if disq:
            svc.update(Entity("lead", lid, statecode=OptionSetValue(2), statuscode=OptionSetValue(4)))
    return svc


def fetch(svc: OrganizationService, xml: str) -> list[Entity]:
    return svc.retrieve_multiple(FetchExpression(xml)).entities


def value(e: Entity, alias: str) -> object:
    v = e.get(alias)
    assert v is None or isinstance(v, AliasedValue), f"{alias} is not an AliasedValue: {v!r}"
    return None if v is None else v.value


def test_leads_by_source_and_state_with_total_amount(leads: OrganizationService) -> None:
    rows = fetch(leads, """<fetch aggregate='true'><entity name='lead'>
        <attribute name='leadsourcecode' groupby='true' alias='source'/>
        <attribute name='statecode' groupby='true' alias='state'/>
        <attribute name='estimatedamount' aggregate='sum' alias='total'/>
        <attribute name='leadid' aggregate='count' alias='n'/>
        <order alias='source'/><order alias='state'/></entity></fetch>""")
    got = [(value(r, "source"), value(r, "state"), value(r, "total"), value(r, "n")) for r in rows]
    want: dict[tuple[int | None, int], list[Decimal]] = defaultdict(list)
    for src, disq, amount, _emp, _c in ROWS:
        want[(src, 2 if disq else 0)].append(Decimal(amount) if amount else Decimal(0))
    expected = [(None if s is None else OptionSetValue(s), OptionSetValue(st), Money(sum(v)), len(v))
                for (s, st), v in sorted(want.items(), key=lambda kv: (-1 if kv[0][0] is None else kv[0][0], kv[0][1]))]
    assert got == expected
    first = rows[0]
    assert first["total"] == AliasedValue("lead", "estimatedamount", Money(Decimal("5.00")))
    labelled = rows[2]
    assert labelled.formatted_values["source"] == "Advertisement"
    assert labelled.formatted_values["state"] == "Open"


def test_each_aggregate_function(leads: OrganizationService) -> None:
    (row,) = fetch(leads, """<fetch aggregate='true'><entity name='lead'>
        <attribute name='leadid' aggregate='count' alias='n'/>
        <attribute name='numberofemployees' aggregate='countcolumn' alias='with_emp'/>
        <attribute name='leadsourcecode' aggregate='countcolumn' distinct='true' alias='sources'/>
        <attribute name='numberofemployees' aggregate='sum' alias='emp_sum'/>
        <attribute name='numberofemployees' aggregate='avg' alias='emp_avg'/>
        <attribute name='numberofemployees' aggregate='min' alias='emp_min'/>
        <attribute name='numberofemployees' aggregate='max' alias='emp_max'/>
        <attribute name='estimatedamount' aggregate='avg' alias='amt_avg'/>
        <attribute name='estimatedamount' aggregate='max' alias='amt_max'/>
        <attribute name='createdon' aggregate='min' alias='first'/>
        <attribute name='subject' aggregate='max' alias='last_subject'/>
        </entity></fetch>""")
    emps = [r[3] for r in ROWS if r[3] is not None]
    amounts = [Decimal(r[2]) for r in ROWS if r[2] is not None]
    assert value(row, "n") == len(ROWS)
    assert value(row, "with_emp") == len(emps)
    assert value(row, "sources") == 2
    assert value(row, "emp_sum") == sum(emps)
    assert value(row, "emp_avg") == sum(emps) // len(emps)  # whole numbers average to a whole number
    assert (value(row, "emp_min"), value(row, "emp_max")) == (min(emps), max(emps))
    avg = value(row, "amt_avg")
    assert isinstance(avg, Money) and abs(avg.value - sum(amounts) / len(amounts)) < Decimal("0.01")
    assert value(row, "amt_max") == Money(max(amounts))
    assert value(row, "first") == ROWS[0][4]
    assert value(row, "last_subject") == f"g{len(ROWS) - 1}"


@pytest.mark.parametrize(("grouping", "expected"), [
    ("year", {2023: 1, 2024: 5, 2025: 1}),
    ("quarter", {4: 2, 1: 3, 2: 2}),
    ("month", {12: 2, 1: 2, 3: 1, 4: 1, 6: 1}),
    # SQL Server DATEPART(week): weeks start on Sunday; 2023-12-31 is in week 53, 2024-01-06 (Sat) in week 1,
    # 2024-01-07 (Sun) in week 2, 2024-03-31 (Sun) in week 14, 2024-04-01 in week 14, 2025-06-15 (Sun) in week 25
    ("week", {53: 2, 1: 1, 2: 1, 14: 2, 25: 1}),
    ("day", {31: 3, 6: 1, 7: 1, 1: 1, 15: 1}),
])
def test_date_grouping(leads: OrganizationService, grouping: str, expected: dict[int, int]) -> None:
    rows = fetch(leads, f"""<fetch aggregate='true'><entity name='lead'>
        <attribute name='createdon' groupby='true' dategrouping='{grouping}' alias='period'/>
        <attribute name='leadid' aggregate='count' alias='n'/>
        <order alias='period'/></entity></fetch>""")
    got = {value(r, "period"): value(r, "n") for r in rows}
    assert got == expected
    assert [value(r, "period") for r in rows] == sorted(expected)


def test_year_and_month_grouping_with_filter_and_link(leads: OrganizationService) -> None:
    acc = leads.create(Entity("account", name="Acme"))
    q = QueryExpression("lead", column_set=ColumnSet("subject"))
    q.criteria.add_condition("subject", ConditionOperator.IN, "g0", "g1", "g3")
    for e in leads.retrieve_multiple(q):
        leads.update(Entity("lead", e.id, parentaccountid=EntityReference("account", acc)))
    rows = fetch(leads, """<fetch aggregate='true'><entity name='lead'>
        <attribute name='createdon' groupby='true' dategrouping='year' alias='y'/>
        <attribute name='estimatedamount' aggregate='sum' alias='total'/>
        <filter><condition attribute='statecode' operator='eq' value='0'/></filter>
        <link-entity name='account' from='accountid' to='parentaccountid' alias='a'>
          <attribute name='name' groupby='true' alias='account'/>
        </link-entity>
        <order alias='y' descending='true'/></entity></fetch>""")
    assert [(value(r, "y"), value(r, "account"), value(r, "total")) for r in rows] == [
        (2024, "Acme", Money(Decimal("1250.50"))), (2023, "Acme", Money(Decimal("100.00")))]


def test_group_by_lookup_returns_reference_with_name(leads: OrganizationService) -> None:
    (row,) = fetch(leads, """<fetch aggregate='true'><entity name='lead'>
        <attribute name='ownerid' groupby='true' alias='owner'/>
        <attribute name='leadid' aggregate='count' alias='n'/></entity></fetch>""")
    owner = value(row, "owner")
    assert isinstance(owner, EntityReference) and owner.logical_name == "systemuser" and owner.name == "SYSTEM"
    assert value(row, "n") == len(ROWS)


@pytest.mark.parametrize(("xml", "code"), [
    ("<fetch aggregate='true'><entity name='lead'><attribute name='subject' aggregate='sum' alias='s'/>"
     "</entity></fetch>", ErrorCodes.QUERY_BUILDER_INVALID_AGGREGATE_ATTRIBUTE),
    ("<fetch aggregate='true'><entity name='lead'><attribute name='numberofemployees' aggregate='sum' "
     "groupby='true' alias='s'/></entity></fetch>", None),
    ("<fetch aggregate='true'><entity name='lead'><attribute name='leadid' aggregate='count' alias='n'/>"
     "<order alias='nosuch'/></entity></fetch>", ErrorCodes.QUERY_BUILDER_ALIAS_DOES_NOT_EXIST),
    ("<fetch aggregate='true'><entity name='lead'><attribute name='subject' groupby='true' dategrouping='week' "
     "alias='w'/></entity></fetch>", None),
    ("<fetch aggregate='true'><entity name='lead'><attribute name='leadid' aggregate='median' alias='m'/>"
     "</entity></fetch>", None),
    ("<fetch><entity name='lead'><attribute name='numberofemployees' aggregate='sum' alias='s'/>"
     "</entity></fetch>", None),
])
def test_bad_aggregates_fault(leads: OrganizationService, xml: str, code: int | None) -> None:
    with pytest.raises(OrganizationServiceFault) as ei:
        fetch(leads, xml)
    if code is not None:
        assert ei.value.error_code == code


# ---- faults of malformed queries -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["nosuch", "lead; drop table lead", 'lead" --', "LEAD "])
def test_unknown_table_faults(svc: OrganizationService, name: str) -> None:
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.retrieve_multiple(QueryExpression(name))
    assert ei.value.error_code == ErrorCodes.QUERY_BUILDER_NO_ENTITY
    assert name in ei.value.message


@pytest.mark.parametrize("column", ["nosuch", "x; drop table lead", "subject) OR (1=1", 'subject" --', "*"])
@pytest.mark.parametrize("where", ["column_set", "criteria", "order"])
def test_unknown_column_faults_and_never_reaches_sql(svc: OrganizationService, column: str, where: str) -> None:
    svc.create(Entity("lead", subject="safe", lastname="x"))
    q = QueryExpression("lead")
    if where == "column_set":
        q.column_set = ColumnSet(column)
    elif where == "criteria":
        q.criteria.add_condition(column, ConditionOperator.EQUAL, "x")
    else:
        q.add_order(column)
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.retrieve_multiple(q)
    assert ei.value.error_code == ErrorCodes.QUERY_BUILDER_NO_ATTRIBUTE
    assert column in ei.value.message and "lead" in ei.value.message
    assert len(svc.retrieve_multiple(QueryExpression("lead"))) == 1  # the table is still there


def test_injection_in_values_is_just_a_value(svc: OrganizationService) -> None:
    evil = "x' OR '1'='1"
    svc.create(Entity("lead", subject=evil, lastname="x"))
    svc.create(Entity("lead", subject="other", lastname="x"))
    q = QueryExpression("lead", column_set=ColumnSet("subject"))
    q.criteria.add_condition("subject", ConditionOperator.EQUAL, evil)
    assert [e["subject"] for e in svc.retrieve_multiple(q)] == [evil]
    q = QueryExpression("lead", column_set=ColumnSet("subject"))
    q.criteria.add_condition("subject", ConditionOperator.LIKE, "%'; drop table lead; --%")
    assert len(svc.retrieve_multiple(q)) == 0
    rows = fetch(svc, "<fetch><entity name='lead'><attribute name='subject'/><filter>"
                      "<condition attribute='subject' operator='eq' value=\"x' OR '1'='1\"/></filter></entity></fetch>")
    assert [e["subject"] for e in rows] == [evil]


def test_alias_with_quotes_stays_an_alias(svc: OrganizationService) -> None:
    svc.create(Entity("lead", subject="a", lastname="x"))
    rows = fetch(svc, """<fetch aggregate='true'><entity name='lead'>
        <attribute name='leadid' aggregate='count' alias='n"; drop table lead; --'/></entity></fetch>""")
    assert value(rows[0], 'n"; drop table lead; --') == 1
    assert len(svc.retrieve_multiple(QueryExpression("lead"))) == 1


@pytest.mark.parametrize("xml", [
    "<fetch><entity name='lead'>",
    "not xml at all",
    "<fetch><entity/></fetch>",
    "<fetch><entity name='lead'><filter><condition attribute='subject' operator='nosuchop' value='x'/>"
    "</filter></entity></fetch>",
    "<fetch><entity name='lead'><filter type='xor'/></entity></fetch>",
    "<fetch><entity name='lead'><link-entity from='accountid' to='parentaccountid'/></entity></fetch>",
    "<fetch top='x'><entity name='lead'/></fetch>",
    "<fetch><entity name='nosuch'/></fetch>",
    "<fetch><entity name='lead'><attribute name='nosuch'/></entity></fetch>",
    "<fetch><entity name='lead'><filter><condition attribute='numberofemployees' operator='eq' value='ten'/>"
    "</filter></entity></fetch>",
    "<fetch top='5' count='5'><entity name='lead'/></fetch>",
])
def test_malformed_fetchxml_faults(svc: OrganizationService, xml: str) -> None:
    with pytest.raises(OrganizationServiceFault) as ei:
        fetch(svc, xml)
    assert ei.value.error_code < 0
    assert ei.value.message
