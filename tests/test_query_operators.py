"""Every condition operator on text, number, money, option, lookup, bool and date columns,
with Dataverse's null semantics and case-insensitive text, run through RetrieveMultiple."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest

from leadsdk import ColumnSet, Entity, EntityReference, Money, OptionSetValue, OrganizationService
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.query import ConditionOperator, FilterExpression, LogicalOperator, QueryExpression

C = ConditionOperator


def subjects(svc: OrganizationService, q: QueryExpression) -> set[str]:
    q.column_set = ColumnSet("subject")
    return {e["subject"] for e in svc.retrieve_multiple(q)}


def where(svc: OrganizationService, column: str, op: ConditionOperator, *values: Any) -> set[str]:
    q = QueryExpression("lead")
    q.criteria.add_condition(column, op, *values)
    return subjects(svc, q)


@pytest.fixture
def data(svc: OrganizationService) -> dict[str, uuid.UUID]:
    """Four leads a-d; c has every optional column null."""
    acc1 = svc.create(Entity("account", name="Acme"))
    acc2 = svc.create(Entity("account", name="Bolt"))
    rows = [
        dict(subject="a", lastname="Smith", companyname="Contoso", numberofemployees=10,
             estimatedamount=Money(Decimal("100")), estimatedvalue=1.5, leadsourcecode=OptionSetValue(1),
             estimatedclosedate=dt.date(2024, 1, 10), decisionmaker=True,
             parentaccountid=EntityReference("account", acc1)),
        dict(subject="b", lastname="smith", companyname="Fabrikam", numberofemployees=50,
             estimatedamount=Money(Decimal("250.5")), estimatedvalue=-2.25, leadsourcecode=OptionSetValue(2),
             estimatedclosedate=dt.date(2024, 2, 15), decisionmaker=False,
             parentaccountid=EntityReference("account", acc2)),
        dict(subject="c", lastname="Jones", decisionmaker=None),
        dict(subject="d", lastname="Brown_%", companyname="contoso ltd", numberofemployees=0,
             estimatedamount=Money(Decimal("0")), estimatedvalue=0.0, leadsourcecode=OptionSetValue(8),
             estimatedclosedate=dt.date(2024, 12, 31), decisionmaker=True,
             parentaccountid=EntityReference("account", acc1)),
    ]
    for r in rows:
        svc.create(Entity("lead", attributes=r))
    return {"acc1": acc1, "acc2": acc2}


TEXT_CASES = [
    ("lastname", C.EQUAL, ["smith"], "ab"),
    ("lastname", C.EQUAL, ["SMITH"], "ab"),
    ("lastname", C.NOT_EQUAL, ["SMITH"], "cd"),
    ("companyname", C.NOT_EQUAL, ["contoso"], "bd"),  # null c excluded
    ("companyname", C.IN, ["CONTOSO", "fabrikam"], "ab"),
    ("companyname", C.NOT_IN, ["contoso"], "bd"),  # null c excluded
    ("companyname", C.LIKE, ["%TOSO%"], "ad"),
    ("companyname", C.NOT_LIKE, ["%toso%"], "b"),
    ("companyname", C.BEGINS_WITH, ["con"], "ad"),
    ("companyname", C.DOES_NOT_BEGIN_WITH, ["CON"], "b"),
    ("companyname", C.ENDS_WITH, ["LTD"], "d"),
    ("companyname", C.DOES_NOT_END_WITH, ["ltd"], "ab"),
    ("companyname", C.CONTAINS, ["ABRI"], "b"),
    ("companyname", C.DOES_NOT_CONTAIN, ["toso"], "b"),
    ("companyname", C.NULL, [], "c"),
    ("companyname", C.NOT_NULL, [], "abd"),
    ("companyname", C.GREATER_THAN, ["CONTOSO"], "bd"),
    ("companyname", C.GREATER_EQUAL, ["contoso"], "abd"),
    ("companyname", C.LESS_THAN, ["contoso ltd"], "a"),
    ("companyname", C.LESS_EQUAL, ["CONTOSO"], "a"),
    ("companyname", C.BETWEEN, ["b", "D"], "ad"),
    ("companyname", C.NOT_BETWEEN, ["b", "d"], "b"),
    # wildcards in begins/ends/contains are literal; in LIKE they are wildcards
    ("lastname", C.BEGINS_WITH, ["brown_"], "d"),
    ("lastname", C.CONTAINS, ["_"], "d"),
    ("lastname", C.CONTAINS, ["%"], "d"),
    ("lastname", C.ENDS_WITH, ["_%"], "d"),
    ("lastname", C.BEGINS_WITH, ["S%"], ""),
    ("lastname", C.LIKE, ["s%"], "ab"),
    ("lastname", C.LIKE, ["_mith"], "ab"),
]

NUMBER_CASES = [
    ("numberofemployees", C.EQUAL, [10], "a"),
    ("numberofemployees", C.NOT_EQUAL, [10], "bd"),
    ("numberofemployees", C.GREATER_THAN, [10], "b"),
    ("numberofemployees", C.GREATER_EQUAL, [10], "ab"),
    ("numberofemployees", C.LESS_THAN, [10], "d"),
    ("numberofemployees", C.LESS_EQUAL, [10], "ad"),
    ("numberofemployees", C.IN, [0, 50], "bd"),
    ("numberofemployees", C.NOT_IN, [0], "ab"),
    ("numberofemployees", C.BETWEEN, [5, 50], "ab"),
    ("numberofemployees", C.NOT_BETWEEN, [5, 50], "d"),
    ("numberofemployees", C.NULL, [], "c"),
    ("numberofemployees", C.NOT_NULL, [], "abd"),
    ("numberofemployees", C.EQUAL, ["50"], "b"),  # FetchXML-style text value
    ("estimatedamount", C.GREATER_THAN, [Decimal("99.99")], "ab"),
    ("estimatedamount", C.EQUAL, [Decimal("250.50")], "b"),
    ("estimatedamount", C.EQUAL, [Money(Decimal("100"))], "a"),
    ("estimatedamount", C.LESS_EQUAL, [100], "ad"),
    ("estimatedamount", C.NOT_EQUAL, [0], "ab"),
    ("estimatedamount", C.BETWEEN, [0.5, 250.5], "ab"),
    ("estimatedvalue", C.LESS_THAN, [0], "b"),
    ("estimatedvalue", C.GREATER_EQUAL, [0.0], "ad"),
    ("estimatedvalue", C.NOT_IN, [1.5], "bd"),
]

OPTION_CASES = [
    ("leadsourcecode", C.EQUAL, [1], "a"),
    ("leadsourcecode", C.EQUAL, [OptionSetValue(2)], "b"),
    ("leadsourcecode", C.NOT_EQUAL, [1], "bd"),
    ("leadsourcecode", C.IN, [1, 8], "ad"),
    ("leadsourcecode", C.IN, [[1, 8]], "ad"),
    ("leadsourcecode", C.NOT_IN, [1, 8], "b"),
    ("leadsourcecode", C.NULL, [], "c"),
    ("leadsourcecode", C.NOT_NULL, [], "abd"),
    ("leadsourcecode", C.GREATER_THAN, [1], "bd"),
    ("decisionmaker", C.EQUAL, [True], "ad"),
    ("decisionmaker", C.EQUAL, [False], "b"),
    ("decisionmaker", C.EQUAL, [1], "ad"),
    ("decisionmaker", C.NOT_EQUAL, [True], "b"),  # null c excluded
    ("decisionmaker", C.NULL, [], "c"),
]

DATE_CASES = [
    ("estimatedclosedate", C.ON, ["2024-01-10"], "a"),
    ("estimatedclosedate", C.ON, [dt.date(2024, 2, 15)], "b"),
    ("estimatedclosedate", C.NOT_ON, [dt.date(2024, 1, 10)], "bd"),
    ("estimatedclosedate", C.ON_OR_BEFORE, [dt.date(2024, 2, 15)], "ab"),
    ("estimatedclosedate", C.ON_OR_AFTER, [dt.date(2024, 2, 15)], "bd"),
    ("estimatedclosedate", C.EQUAL, ["2024-12-31"], "d"),
    ("estimatedclosedate", C.NOT_EQUAL, [dt.date(2024, 12, 31)], "ab"),
    ("estimatedclosedate", C.GREATER_THAN, [dt.date(2024, 1, 10)], "bd"),
    ("estimatedclosedate", C.LESS_THAN, [dt.datetime(2024, 2, 16, tzinfo=dt.timezone.utc)], "ab"),
    ("estimatedclosedate", C.BETWEEN, [dt.date(2024, 1, 1), dt.date(2024, 2, 15)], "ab"),
    ("estimatedclosedate", C.NOT_BETWEEN, [dt.date(2024, 1, 1), dt.date(2024, 2, 15)], "d"),
    ("estimatedclosedate", C.IN, [dt.date(2024, 1, 10), "2024-12-31"], "ad"),
    ("estimatedclosedate", C.NULL, [], "c"),
]


@pytest.mark.parametrize(("column", "op", "values", "expected"), TEXT_CASES + NUMBER_CASES + OPTION_CASES + DATE_CASES,
                         ids=lambda v: v.name if isinstance(v, ConditionOperator) else None)
def test_operator(svc: OrganizationService, data: dict[str, uuid.UUID], column: str, op: ConditionOperator,
                  values: list[Any], expected: str) -> None:
    assert where(svc, column, op, *values) == set(expected)


def test_lookup_operators(svc: OrganizationService, data: dict[str, uuid.UUID]) -> None:
    acc1, acc2 = data["acc1"], data["acc2"]
    assert where(svc, "parentaccountid", C.EQUAL, acc1) == {"a", "d"}
    assert where(svc, "parentaccountid", C.EQUAL, str(acc1)) == {"a", "d"}
    assert where(svc, "parentaccountid", C.EQUAL, "{" + str(acc1).upper() + "}") == {"a", "d"}
    assert where(svc, "parentaccountid", C.EQUAL, EntityReference("account", acc2)) == {"b"}
    assert where(svc, "parentaccountid", C.NOT_EQUAL, acc1) == {"b"}
    assert where(svc, "parentaccountid", C.IN, acc1, acc2) == {"a", "b", "d"}
    assert where(svc, "parentaccountid", C.NOT_IN, acc2) == {"a", "d"}
    assert where(svc, "parentaccountid", C.NULL) == {"c"}
    assert where(svc, "parentaccountid", C.NOT_NULL) == {"a", "b", "d"}


def test_or_and_nested_filters(svc: OrganizationService, data: dict[str, uuid.UUID]) -> None:
    q = QueryExpression("lead")
    q.criteria.filter_operator = LogicalOperator.OR
    q.criteria.add_condition("lastname", C.EQUAL, "jones")
    inner = q.criteria.add_filter(LogicalOperator.AND)
    inner.add_condition("lastname", C.EQUAL, "smith")
    inner.add_condition("numberofemployees", C.GREATER_THAN, 20)
    assert subjects(svc, q) == {"b", "c"}
    # an empty child filter matches everything, so it does not change the result
    q.criteria.add_filter(FilterExpression(LogicalOperator.OR))
    assert subjects(svc, q) == {"b", "c"}


@pytest.mark.parametrize(("column", "op", "values"), [
    ("numberofemployees", C.LIKE, ["1%"]),
    ("numberofemployees", C.BEGINS_WITH, ["1"]),
    ("numberofemployees", C.TODAY, []),
    ("numberofemployees", C.EQUAL, ["ten"]),
    ("numberofemployees", C.EQUAL, []),
    ("numberofemployees", C.BETWEEN, [1]),
    ("numberofemployees", C.IN, []),
    ("parentaccountid", C.EQUAL, ["not-a-guid"]),
    ("estimatedclosedate", C.ON, ["yesterday-ish"]),
    ("estimatedclosedate", C.LAST_X_DAYS, ["x"]),
    ("leadsourcecode", C.EQUAL, [True]),
    ("lastname", C.EQUAL, [5]),
    ("lastname", C.UNDER, [uuid.uuid4()]),
])
def test_bad_condition_faults(svc: OrganizationService, data: dict[str, uuid.UUID], column: str,
                              op: ConditionOperator, values: list[Any]) -> None:
    with pytest.raises(OrganizationServiceFault) as ei:
        where(svc, column, op, *values)
    assert ei.value.error_code in (ErrorCodes.QUERY_BUILDER_BAD_CONDITION,
                                   ErrorCodes.QUERY_BUILDER_INVALID_CONDITION_OPERATOR)
    assert column in ei.value.message or "lead" in ei.value.message


# ---- the caller: user id and business id ------------------------------------------------------------


def test_equal_user_id_and_business_id(svc: OrganizationService) -> None:
    bu_root = svc.retrieve_multiple(QueryExpression("businessunit"))[0].id
    assert bu_root is not None
    bu_other = svc.create(Entity("businessunit", name="Other",
                                 parentbusinessunitid=EntityReference("businessunit", bu_root)))
    u1 = svc.create(Entity("systemuser", lastname="One", domainname="one@x",
                           businessunitid=EntityReference("businessunit", bu_root)))
    u2 = svc.create(Entity("systemuser", lastname="Two", domainname="two@x",
                           businessunitid=EntityReference("businessunit", bu_other)))
    # the users need roles to create and read leads (security: a Global-depth sales role)
    from leadsdk.messages import AddPrivilegesRoleRequest
    from leadsdk.security import PrivilegeDepth, RolePrivilege

    role = svc.create(Entity("role", name="Sales", businessunitid=EntityReference("businessunit", bu_root)))
    svc.execute(AddPrivilegesRoleRequest(role_id=role, privileges=[
        RolePrivilege(p, PrivilegeDepth.GLOBAL) for p in ("prvCreateLead", "prvReadLead")]))
    for u in (u1, u2):
        svc.associate("systemuser", u, "systemuserroles_association", [EntityReference("role", role)])
    svc.as_user(u1).create(Entity("lead", subject="by1", lastname="x"))
    svc.as_user(u2).create(Entity("lead", subject="by2", lastname="x"))
    svc.create(Entity("lead", subject="bysystem", lastname="x"))

    def q(col: str, op: ConditionOperator) -> QueryExpression:
        qe = QueryExpression("lead")
        qe.criteria.add_condition(col, op)
        return qe

    assert subjects(svc.as_user(u1), q("ownerid", C.EQUAL_USER_ID)) == {"by1"}
    assert subjects(svc.as_user(u2), q("ownerid", C.EQUAL_USER_ID)) == {"by2"}
    assert subjects(svc.as_user(u1), q("createdby", C.NOT_EQUAL_USER_ID)) == {"by2", "bysystem"}
    assert subjects(svc, q("ownerid", C.EQUAL_USER_ID)) == {"bysystem"}
    # the caller's business unit
    assert subjects(svc.as_user(u1), q("owningbusinessunit", C.EQUAL_BUSINESS_ID)) == {"by1", "bysystem"}
    assert subjects(svc.as_user(u2), q("owningbusinessunit", C.EQUAL_BUSINESS_ID)) == {"by2"}
    assert subjects(svc.as_user(u2), q("owningbusinessunit", C.NOT_EQUAL_BUSINESS_ID)) == {"by1", "bysystem"}


# ---- hierarchies ------------------------------------------------------------------------------------


def test_under_and_above_on_account_hierarchy(svc: OrganizationService) -> None:
    def acc(name: str, parent: uuid.UUID | None = None) -> uuid.UUID:
        e = Entity("account", name=name)
        if parent is not None:
            e["parentaccountid"] = EntityReference("account", parent)
        return svc.create(e)

    root = acc("root")
    a = acc("a", root)
    a1 = acc("a1", a)
    a11 = acc("a11", a1)
    b = acc("b", root)
    acc("other")

    def names(op: ConditionOperator, value: uuid.UUID) -> set[str]:
        q = QueryExpression("account", column_set=ColumnSet("name"))
        q.criteria.add_condition("accountid", op, value)
        return {e["name"] for e in svc.retrieve_multiple(q)}

    assert names(C.UNDER, root) == {"a", "a1", "a11", "b"}
    assert names(C.UNDER, a) == {"a1", "a11"}
    assert names(C.UNDER_OR_EQUAL, a) == {"a", "a1", "a11"}
    assert names(C.NOT_UNDER, a) == {"root", "a", "b", "other"}
    assert names(C.ABOVE, a11) == {"a1", "a", "root"}
    assert names(C.ABOVE_OR_EQUAL, a1) == {"a1", "a", "root"}
    assert names(C.ABOVE, root) == set()
    assert names(C.UNDER, b) == set()
    # leads whose parent account sits under `a`, through a link
    svc.create(Entity("lead", subject="deep", lastname="x", parentaccountid=EntityReference("account", a11)))
    svc.create(Entity("lead", subject="flat", lastname="x", parentaccountid=EntityReference("account", b)))
    q = QueryExpression("lead")
    link = q.add_link("account", "parentaccountid", "accountid")
    link.link_criteria.add_condition("accountid", C.UNDER, a)
    assert subjects(svc, q) == {"deep"}


def test_hierarchy_operator_on_table_without_hierarchy_faults(svc: OrganizationService) -> None:
    with pytest.raises(OrganizationServiceFault) as ei:
        where(svc, "leadid", C.UNDER, uuid.uuid4())
    assert ei.value.error_code == ErrorCodes.QUERY_BUILDER_BAD_CONDITION
    assert "lead" in ei.value.message


# ---- relative dates --------------------------------------------------------------------------------

UTC = dt.timezone.utc


def _add_months(d: dt.date, n: int) -> dt.date:
    m = d.month - 1 + n
    y, m = d.year + m // 12, m % 12 + 1
    import calendar

    return d.replace(year=y, month=m, day=min(d.day, calendar.monthrange(y, m)[1]))


def _sunday(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=(d.weekday() + 1) % 7)


def relative_oracle(op: ConditionOperator, x: int | None, value: dt.datetime | dt.date, now: dt.datetime) -> bool:
    """The Dataverse definitions, written independently of the compiler.

    Calendar operators (today, this week, ...) compare the calendar day; "last ..." ranges end now and
    "next ..." ranges start now (for date-only columns: today); weeks start on Sunday.
    """
    today = now.date()
    is_dt = isinstance(value, dt.datetime)
    day = value.date() if isinstance(value, dt.datetime) else value
    not_future = value <= now if is_dt else day <= today
    not_past = value >= now if is_dt else day >= today
    n = x or 0
    td = dt.timedelta
    checks = {
        C.TODAY: lambda: day == today,
        C.YESTERDAY: lambda: day == today - td(days=1),
        C.TOMORROW: lambda: day == today + td(days=1),
        C.LAST_7_DAYS: lambda: day >= today - td(days=7) and not_future,
        C.NEXT_7_DAYS: lambda: day <= today + td(days=7) and not_past,
        C.THIS_WEEK: lambda: _sunday(day) == _sunday(today),
        C.LAST_WEEK: lambda: _sunday(day) == _sunday(today) - td(days=7),
        C.NEXT_WEEK: lambda: _sunday(day) == _sunday(today) + td(days=7),
        C.THIS_MONTH: lambda: (day.year, day.month) == (today.year, today.month),
        C.LAST_MONTH: lambda: (day.year, day.month) == (_add_months(today, -1).year, _add_months(today, -1).month),
        C.NEXT_MONTH: lambda: (day.year, day.month) == (_add_months(today, 1).year, _add_months(today, 1).month),
        C.THIS_YEAR: lambda: day.year == today.year,
        C.LAST_YEAR: lambda: day.year == today.year - 1,
        C.NEXT_YEAR: lambda: day.year == today.year + 1,
        C.LAST_X_HOURS: lambda: is_dt and now - td(hours=n) <= value <= now,  # type: ignore[operator]
        C.NEXT_X_HOURS: lambda: is_dt and now <= value <= now + td(hours=n),  # type: ignore[operator]
        C.LAST_X_DAYS: lambda: day >= today - td(days=n) and not_future,
        C.NEXT_X_DAYS: lambda: day <= today + td(days=n) and not_past,
        C.LAST_X_WEEKS: lambda: day >= today - td(days=7 * n) and not_future,
        C.NEXT_X_WEEKS: lambda: day <= today + td(days=7 * n) and not_past,
        C.LAST_X_MONTHS: lambda: day >= _add_months(today, -n) and not_future,
        C.NEXT_X_MONTHS: lambda: day <= _add_months(today, n) and not_past,
        C.LAST_X_YEARS: lambda: day >= _add_months(today, -12 * n) and not_future,
        C.NEXT_X_YEARS: lambda: day <= _add_months(today, 12 * n) and not_past,
        C.OLDER_THAN_X_DAYS: lambda: day < today - td(days=n),
        C.OLDER_THAN_X_WEEKS: lambda: day < today - td(days=7 * n),
        C.OLDER_THAN_X_MONTHS: lambda: day < _add_months(today, -n),
        C.OLDER_THAN_X_YEARS: lambda: day < _add_months(today, -12 * n),
    }
    return bool(checks[op]())


RELATIVE = [
    (C.TODAY, None), (C.YESTERDAY, None), (C.TOMORROW, None), (C.LAST_7_DAYS, None), (C.NEXT_7_DAYS, None),
    (C.THIS_WEEK, None), (C.LAST_WEEK, None), (C.NEXT_WEEK, None), (C.THIS_MONTH, None), (C.LAST_MONTH, None),
    (C.NEXT_MONTH, None), (C.THIS_YEAR, None), (C.LAST_YEAR, None), (C.NEXT_YEAR, None),
    (C.LAST_X_HOURS, 2), (C.NEXT_X_HOURS, 2), (C.LAST_X_DAYS, 5), (C.NEXT_X_DAYS, 5), (C.LAST_X_WEEKS, 2),
    (C.NEXT_X_WEEKS, 2), (C.LAST_X_MONTHS, 3), (C.NEXT_X_MONTHS, 3), (C.LAST_X_YEARS, 1), (C.NEXT_X_YEARS, 1),
    (C.OLDER_THAN_X_DAYS, 5), (C.OLDER_THAN_X_WEEKS, 2), (C.OLDER_THAN_X_MONTHS, 3), (C.OLDER_THAN_X_YEARS, 1),
]
HOUR_OFFSETS = [-24 * 800, -24 * 400, -24 * 100, -24 * 40, -24 * 20, -24 * 10, -24 * 8, -24 * 6, -30, -3, -1,
                1, 3, 30, 24 * 6, 24 * 8, 24 * 10, 24 * 20, 24 * 40, 24 * 100, 24 * 400, 24 * 800]
DAY_OFFSETS = [-800, -400, -100, -40, -20, -15, -10, -8, -7, -6, -5, -4, -1, 0, 1, 4, 5, 6, 7, 8, 10, 15, 20, 40,
               100, 400, 800]


def test_relative_date_operators(svc: OrganizationService) -> None:
    now = dt.datetime.now(UTC)
    today = now.date()
    created: dict[str, dt.datetime] = {}
    closes: dict[str, dt.date] = {}
    for h in HOUR_OFFSETS:
        when = now + dt.timedelta(hours=h)
        created[f"h{h}"] = when
        svc.create(Entity("lead", subject=f"h{h}", lastname="t", overriddencreatedon=when))
    for d in DAY_OFFSETS:
        closes[f"d{d}"] = today + dt.timedelta(days=d)
        svc.create(Entity("lead", subject=f"d{d}", lastname="t", estimatedclosedate=closes[f"d{d}"]))
    # a stored createdon is the overridden one
    q = QueryExpression("lead", column_set=ColumnSet("subject", "createdon"))
    q.criteria.add_condition("subject", C.EQUAL, "h-3")
    got = svc.retrieve_multiple(q)[0]["createdon"]
    assert abs(got - created["h-3"]) < dt.timedelta(milliseconds=1)

    failures = []
    for op, x in RELATIVE:
        values = [] if x is None else [x]
        if op not in (C.LAST_X_HOURS, C.NEXT_X_HOURS):
            got_dates = where(svc, "estimatedclosedate", op, *values)
            want_dates = {k for k, v in closes.items() if relative_oracle(op, x, v, now)}
            if got_dates != want_dates:
                failures.append((op.name, "date", sorted(got_dates ^ want_dates)))
        got_times = {s for s in where(svc, "createdon", op, *values) if s.startswith("h")}
        want_times = {k for k, v in created.items() if relative_oracle(op, x, v, now)}
        if got_times != want_times:
            failures.append((op.name, "datetime", sorted(got_times ^ want_times)))
    assert failures == []


def test_relative_operator_spot_checks(svc: OrganizationService) -> None:
    today = dt.datetime.now(UTC).date()
    svc.create(Entity("lead", subject="today", lastname="t", estimatedclosedate=today))
    svc.create(Entity("lead", subject="weekago", lastname="t", estimatedclosedate=today - dt.timedelta(days=7)))
    svc.create(Entity("lead", subject="none", lastname="t"))
    assert where(svc, "estimatedclosedate", C.TODAY) == {"today"}
    assert where(svc, "estimatedclosedate", C.LAST_7_DAYS) == {"today", "weekago"}
    assert where(svc, "estimatedclosedate", C.LAST_X_DAYS, 6) == {"today"}
    assert where(svc, "estimatedclosedate", C.LAST_X_DAYS, "7") == {"today", "weekago"}
    assert where(svc, "estimatedclosedate", C.NEXT_X_DAYS, 1) == {"today"}
    assert "none" not in where(svc, "estimatedclosedate", C.NOT_ON, today)
