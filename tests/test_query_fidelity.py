"""Query fidelity (issue 18): behaviours Dataverse's documentation and samples state, on both backends.

Each test names its Dataverse rule and where it is written.
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadsdk import ColumnSet, Entity, EntityReference, OptionSetValue, OrganizationService
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages import ConcurrencyBehavior, UpdateRequest
from leadsdk.query import (
    ConditionExpression,
    ConditionOperator,
    FetchExpression,
    FilterExpression,
    JoinOperator,
    LinkEntity,
    LogicalOperator,
    OrderType,
    PagingInfo,
    QueryExpression,
)
from leadsdk.query.like import like_match, like_regex

C = ConditionOperator


def fault(fn: object) -> OrganizationServiceFault:
    with pytest.raises(OrganizationServiceFault) as info:
        fn()  # type: ignore[operator]
    return info.value


def names(svc: OrganizationService, q: QueryExpression | FetchExpression, column: str = "lastname") -> list[str]:
    return [e.get(column) for e in svc.retrieve_multiple(q)]


def fetch(svc: OrganizationService, xml: str, column: str = "lastname") -> list[str]:
    return names(svc, FetchExpression(xml), column)


# column comparison ----------------------------------------------------------------------------------


@pytest.fixture
def people(svc: OrganizationService) -> OrganizationService:
    for first, last, employees, revenue in [("Lee", "Lee", 5, 5), ("Ann", "Bell", 10, 3), ("bo", "BO", 1, 9),
                                            (None, "Solo", 4, None)]:
        svc.create(Entity("lead", firstname=first, lastname=last, numberofemployees=employees,
                          budgetamount=revenue))
    return svc


def test_column_comparison_compares_two_columns(people: OrganizationService) -> None:
    # learn.microsoft.com "Filter rows using QueryExpression" / "Filter rows using FetchXml", column
    # comparison: ConditionExpression(compareColumns: true) and FetchXML valueof compare the values of two
    # columns of the row, not a column with the other column's name. Text compares case-insensitively.
    q = QueryExpression("lead", ColumnSet("lastname"))
    q.criteria.add_condition(ConditionExpression("firstname", C.EQUAL, "lastname", compare_columns=True))
    q.add_order("lastname")
    assert names(people, q) == ["BO", "Lee"]
    q.criteria = FilterExpression()
    q.criteria.add_condition(ConditionExpression("firstname", C.NOT_EQUAL, "lastname", compare_columns=True))
    assert names(people, q) == ["Bell"]  # a null first name is neither equal nor unequal
    xml = ("<fetch><entity name='lead'><attribute name='lastname'/><order attribute='lastname'/><filter>"
           "<condition attribute='numberofemployees' operator='gt' valueof='budgetamount'/></filter></entity></fetch>")
    assert fetch(people, xml) == ["Bell"]
    xml = xml.replace("operator='gt'", "operator='le'")
    assert fetch(people, xml) == ["BO", "Lee"]


def test_column_comparison_with_a_linked_column(svc: OrganizationService) -> None:
    # FetchXML valueof may name a link's column as alias.column (cross-table column comparison).
    acme = svc.create(Entity("account", name="Acme", numberofemployees=10))
    for last, n in [("small", 5), ("same", 10), ("big", 50)]:
        svc.create(Entity("lead", lastname=last, numberofemployees=n,
                          parentaccountid=EntityReference("account", acme)))
    xml = ("<fetch><entity name='lead'><attribute name='lastname'/><order attribute='lastname'/>"
           "<link-entity name='account' from='accountid' to='parentaccountid' alias='a'/>"
           "<filter><condition attribute='numberofemployees' operator='ge' valueof='a.numberofemployees'/>"
           "</filter></entity></fetch>")
    assert fetch(svc, xml) == ["big", "same"]


def test_column_comparison_limits_fault(people: OrganizationService) -> None:
    # Limitations (same page): only Equal, NotEqual, GreaterThan, GreaterEqual, LessThan, LessEqual; the
    # columns must be the same type.
    q = QueryExpression("lead")
    q.criteria.add_condition(ConditionExpression("firstname", C.LIKE, "lastname", compare_columns=True))
    assert fault(lambda: people.retrieve_multiple(q)).error_code == ErrorCodes.QUERY_BUILDER_BAD_CONDITION
    q.criteria = FilterExpression()
    q.criteria.add_condition(ConditionExpression("firstname", C.EQUAL, "numberofemployees", compare_columns=True))
    f = fault(lambda: people.retrieve_multiple(q))
    assert f.error_code == ErrorCodes.QUERY_BUILDER_BAD_CONDITION and "same type" in f.message
    q.criteria = FilterExpression()
    q.criteria.add_condition(ConditionExpression("firstname", C.EQUAL, "nosuchcolumn", compare_columns=True))
    assert fault(lambda: people.retrieve_multiple(q)).error_code == ErrorCodes.ATTRIBUTE_DOES_NOT_EXIST


# distinct ------------------------------------------------------------------------------------------------


def test_distinct_collapses_identical_rows(svc: OrganizationService) -> None:
    # learn.microsoft.com "Query data using FetchXml" / QueryExpression.Distinct: distinct returns each
    # combination of the selected columns once; the primary key is not added to the selection.
    for last, city in [("a", "Oslo"), ("b", "Oslo"), ("c", "Bergen"), ("d", "Oslo"), ("e", None)]:
        svc.create(Entity("lead", lastname=last, address1_city=city))
    q = QueryExpression("lead", ColumnSet("address1_city"), distinct=True)
    q.add_order("address1_city")
    q.page_info = PagingInfo(return_total_record_count=True)
    res = svc.retrieve_multiple(q)
    cities = [e.get("address1_city") for e in res]
    assert len(cities) == 3 and cities[0] is None and cities[1] == "Bergen" and cities[2] == "Oslo"
    assert res.total_record_count == 3
    xml = ("<fetch distinct='true'><entity name='lead'><attribute name='address1_city'/>"
           "<filter><condition attribute='address1_city' operator='not-null'/></filter></entity></fetch>")
    assert len(fetch(svc, xml, "address1_city")) == 2
    q.distinct = False
    assert len(svc.retrieve_multiple(q).entities) == 5


def test_distinct_pages_by_page_number(svc: OrganizationService) -> None:
    for i in range(5):
        svc.create(Entity("lead", lastname=f"l{i}", address1_city=f"c{i % 3}"))
    q = QueryExpression("lead", ColumnSet("address1_city"), distinct=True,
                        page_info=PagingInfo(count=2, page_number=1))
    q.add_order("address1_city")
    first = svc.retrieve_multiple(q)
    assert [e["address1_city"] for e in first] == ["c0", "c1"] and first.more_records
    q.page_info = PagingInfo(count=2, page_number=2, paging_cookie=first.paging_cookie)
    second = svc.retrieve_multiple(q)
    assert [e["address1_city"] for e in second] == ["c2"] and not second.more_records


# ordering by lookups and choices --------------------------------------------------------------------


def test_order_by_lookup_sorts_by_the_related_name(svc: OrganizationService) -> None:
    # Dataverse orders a lookup column by the related record's primary name (the lookup's name), not by
    # its GUID, nulls first ascending (SQL Server order).
    zeta = svc.create(Entity("account", id=uuid.UUID(int=1), name="Zeta"))
    alpha = svc.create(Entity("account", id=uuid.UUID(int=2), name="Alpha"))
    for last, acc in [("z", zeta), ("none", None), ("a", alpha)]:
        e = Entity("lead", lastname=last)
        if acc:
            e["parentaccountid"] = EntityReference("account", acc)
        svc.create(e)
    q = QueryExpression("lead", ColumnSet("lastname"))
    q.add_order("parentaccountid")
    assert names(svc, q) == ["none", "a", "z"]
    q.orders[0].order_type = OrderType.DESCENDING
    assert names(svc, q) == ["z", "a", "none"]
    xml = ("<fetch count='2'><entity name='lead'><attribute name='lastname'/>"
           "<order attribute='parentaccountid'/></entity></fetch>")
    first = svc.retrieve_multiple(FetchExpression(xml))
    assert [e["lastname"] for e in first] == ["none", "a"]
    page2 = xml.replace("count='2'", "count='2' page='2'")
    assert fetch(svc, page2) == ["z"]


def test_order_by_choice_sorts_by_label_unless_raw(svc: OrganizationService) -> None:
    # Dataverse sorts a choice column by its label; FetchXML useraworderby='true' (QueryExpression:
    # use_raw_order_by) sorts by the integer value. learn.microsoft.com "Order rows using FetchXml".
    for last, source in [("other", 10), ("none", None), ("referral", 2), ("seminar", 6)]:
        e = Entity("lead", lastname=last)
        if source:
            e["leadsourcecode"] = OptionSetValue(source)
        svc.create(e)
    q = QueryExpression("lead", ColumnSet("lastname"))
    q.add_order("leadsourcecode")
    # labels: Employee Referral (2) < Other (10) < Seminar (6)
    assert names(svc, q) == ["none", "referral", "other", "seminar"]
    q.use_raw_order_by = True
    assert names(svc, q) == ["none", "referral", "seminar", "other"]
    xml = ("<fetch useraworderby='{raw}'><entity name='lead'><attribute name='lastname'/>"
           "<order attribute='leadsourcecode' descending='true'/></entity></fetch>")
    assert fetch(svc, xml.format(raw="false")) == ["seminar", "other", "referral", "none"]
    assert fetch(svc, xml.format(raw="true")) == ["other", "seminar", "referral", "none"]


# LIKE character classes ----------------------------------------------------------------------------


@pytest.mark.parametrize(("pattern", "expected"), [
    ("[a-c]%", ["apple", "Banana", "cherry"]),
    ("[^a-c]%", ["date", "[x]", "_u"]),
    ("[bd]a%", ["Banana", "date"]),
    ("[[]%", ["[x]"]),
    ("[_]%", ["_u"]),
    ("_a%", ["Banana", "date"]),
    ("%a", ["Banana"]),
])
def test_like_character_classes(svc: OrganizationService, pattern: str, expected: list[str]) -> None:
    # learn.microsoft.com ConditionOperator.Like / FetchXML 'like': the value is a SQL Server LIKE pattern,
    # so [a-c] and [^a-c] are character classes and [[] escapes '['; matching ignores case.
    for last in ["apple", "Banana", "cherry", "date", "[x]", "_u"]:
        svc.create(Entity("lead", lastname=last))
    q = QueryExpression("lead", ColumnSet("lastname"))
    q.criteria.add_condition("lastname", C.LIKE, pattern)
    assert sorted(names(svc, q), key=str.lower) == sorted(expected, key=str.lower)
    q.criteria = FilterExpression()
    q.criteria.add_condition("lastname", C.NOT_LIKE, pattern)
    assert len(names(svc, q)) == 6 - len(expected)


# any / not any / all / not all, exists, in, first row ----------------------------------------------


@pytest.fixture
def accounts(svc: OrganizationService) -> dict[str, uuid.UUID]:
    """Account 'Both' has a hot and a cold lead, 'Cold' one cold lead, 'None' no lead."""
    ids = {n: svc.create(Entity("account", name=n)) for n in ("Both", "Cold", "None")}
    for last, acc in [("hot", "Both"), ("cold", "Both"), ("cold2", "Cold")]:
        svc.create(Entity("lead", lastname=last, subject="hot" if last == "hot" else "cold",
                          parentaccountid=EntityReference("account", ids[acc])))
    return ids


def _leads_link(op: JoinOperator, subject: str | None = "hot") -> LinkEntity:
    link = LinkEntity("account", "lead", "accountid", "parentaccountid", op)
    if subject is not None:
        link.link_criteria.add_condition("subject", C.EQUAL, subject)
    return link


@pytest.mark.parametrize(("op", "expected"), [
    (JoinOperator.ANY, ["Both"]),
    (JoinOperator.NOT_ANY, ["Cold", "None"]),
    (JoinOperator.ALL, ["Cold"]),
    (JoinOperator.NOT_ALL, ["Both"]),
])
def test_any_all_filter_links(svc: OrganizationService, accounts: dict[str, uuid.UUID], op: JoinOperator,
                              expected: list[str]) -> None:
    # learn.microsoft.com "Filter rows using QueryExpression", filter on values in related records:
    # Any = parents with a related row matching the link's filter; NotAny = with none; All = parents with
    # related rows none of which matches; NotAll = the same as Any despite the name. Each parent once.
    q = QueryExpression("account", ColumnSet("name"))
    q.criteria.any_all_filter_link_entity = _leads_link(op)
    q.add_order("name")
    assert names(svc, q, "name") == expected
    link_type = {JoinOperator.ANY: "any", JoinOperator.NOT_ANY: "not any", JoinOperator.ALL: "all",
                 JoinOperator.NOT_ALL: "not all"}[op]
    xml = ("<fetch><entity name='account'><attribute name='name'/><order attribute='name'/><filter>"
           f"<link-entity name='lead' from='parentaccountid' to='accountid' link-type='{link_type}'>"
           "<filter><condition attribute='subject' operator='eq' value='hot'/></filter></link-entity>"
           "</filter></entity></fetch>")
    assert fetch(svc, xml, "name") == expected


def test_any_filter_link_is_a_child_condition_of_an_or_filter(svc: OrganizationService,
                                                              accounts: dict[str, uuid.UUID]) -> None:
    # Same page: with FilterOperator Or, the AnyAllFilterLinkEntity is one more alternative.
    q = QueryExpression("account", ColumnSet("name"))
    q.criteria = FilterExpression(LogicalOperator.OR, any_all_filter_link_entity=_leads_link(JoinOperator.ANY))
    q.criteria.add_condition("name", C.EQUAL, "None")
    q.add_order("name")
    assert names(svc, q, "name") == ["Both", "None"]


@pytest.mark.parametrize("op", [JoinOperator.EXISTS, JoinOperator.IN])
def test_exists_and_in_links_return_each_parent_once(svc: OrganizationService, accounts: dict[str, uuid.UUID],
                                                     op: JoinOperator) -> None:
    # learn.microsoft.com FetchXML link-entity reference, link-type exists / in: variants of inner that
    # return the parent row once however many related rows match; the link's columns are not returned.
    q = QueryExpression("account", ColumnSet("name"))
    link = _leads_link(op, subject=None)
    link.columns = ColumnSet("lastname")
    q.link_entities.append(link)
    q.add_order("name")
    assert names(svc, q, "name") == ["Both", "Cold"]
    q.link_entities[0].join_operator = JoinOperator.INNER
    assert names(svc, q, "name") == ["Both", "Both", "Cold"]
    kind = "exists" if op == JoinOperator.EXISTS else "in"
    xml = ("<fetch><entity name='account'><attribute name='name'/><order attribute='name'/>"
           f"<link-entity name='lead' from='parentaccountid' to='accountid' link-type='{kind}'>"
           "<filter><condition attribute='subject' operator='eq' value='cold'/></filter></link-entity>"
           "</entity></fetch>")
    assert fetch(svc, xml, "name") == ["Both", "Cold"]


def test_match_first_row_using_cross_apply(svc: OrganizationService, accounts: dict[str, uuid.UUID]) -> None:
    # JoinOperator.MatchFirstRowUsingCrossApply: an inner join to the first matching related row only.
    q = QueryExpression("account", ColumnSet("name"))
    link = q.add_link("lead", "accountid", "parentaccountid", JoinOperator.MATCH_FIRST_ROW_USING_CROSS_APPLY)
    link.entity_alias = "l"
    link.columns = ColumnSet("subject")
    q.add_order("name")
    rows = svc.retrieve_multiple(q).entities
    assert [e["name"] for e in rows] == ["Both", "Cold"]
    assert rows[1]["l.subject"].value == "cold"
    link.link_criteria.add_condition("subject", C.EQUAL, "hot")
    rows = svc.retrieve_multiple(q).entities
    assert [(e["name"], e["l.subject"].value) for e in rows] == [("Both", "hot")]


# state and status by name ----------------------------------------------------------------------------


def test_state_and_status_conditions_by_name(svc: OrganizationService) -> None:
    # Microsoft's FetchXML aggregation sample filters opportunities with
    # <condition attribute='statecode' operator='eq' value='Won'/>: a state or status given by its name.
    svc.create(Entity("lead", lastname="open"))
    svc.create(Entity("lead", lastname="contacted", statuscode=OptionSetValue(2)))
    xml = ("<fetch><entity name='lead'><attribute name='lastname'/><order attribute='lastname'/><filter>"
           "<condition attribute='{a}' operator='{op}' value='{v}'/></filter></entity></fetch>")
    assert fetch(svc, xml.format(a="statecode", op="eq", v="Open")) == ["contacted", "open"]
    assert fetch(svc, xml.format(a="statecode", op="eq", v="qualified")) == []
    assert fetch(svc, xml.format(a="statuscode", op="eq", v="Contacted")) == ["contacted"]
    assert fetch(svc, xml.format(a="statuscode", op="ne", v="Contacted")) == ["open"]
    f = fault(lambda: fetch(svc, xml.format(a="statecode", op="eq", v="Sleeping")))
    assert f.error_code == ErrorCodes.QUERY_BUILDER_BAD_CONDITION


# Entity.row_version -----------------------------------------------------------------------------------


def test_row_version_on_every_retrieved_record(svc: OrganizationService) -> None:
    # Entity.RowVersion is set on records Retrieve and RetrieveMultiple return, whatever the ColumnSet
    # (learn.microsoft.com "Optimistic concurrency"): an update with IfRowVersionMatches needs nothing more.
    lead = svc.create(Entity("lead", lastname="v"))
    full = svc.retrieve("lead", lead, ColumnSet(True))
    one = svc.retrieve("lead", lead, ColumnSet("lastname"))
    assert one.row_version is not None and one.row_version == full.row_version == str(full["versionnumber"])
    assert "versionnumber" not in one.attributes
    q = QueryExpression("lead", ColumnSet("lastname"))
    (listed,) = svc.retrieve_multiple(q).entities
    assert listed.row_version == one.row_version and "versionnumber" not in listed.attributes
    listed["lastname"] = "w"
    svc.execute(UpdateRequest(target=listed, concurrency_behavior=ConcurrencyBehavior.IF_ROW_VERSION_MATCHES))
    one["lastname"] = "stale"
    f = fault(lambda: svc.execute(UpdateRequest(
        target=one, concurrency_behavior=ConcurrencyBehavior.IF_ROW_VERSION_MATCHES)))
    assert f.error_code == ErrorCodes.CONCURRENCY_VERSION_MISMATCH
    assert svc.retrieve("lead", lead, ColumnSet("lastname"))["lastname"] == "w"


# ColumnSet(True) / ColumnSet(False) --------------------------------------------------------------------


def test_column_set_true_and_false(svc: OrganizationService) -> None:
    # new ColumnSet(true) is every column, new ColumnSet(false) none (only the id comes back).
    lead = svc.create(Entity("lead", lastname="cs", subject="s"))
    assert svc.retrieve("lead", lead, ColumnSet(True))["subject"] == "s"
    assert set(svc.retrieve("lead", lead, ColumnSet(False)).attributes) <= {"leadid"}
    (row,) = svc.retrieve_multiple(QueryExpression("lead", ColumnSet(True))).entities
    assert row["lastname"] == "cs"
    (row,) = svc.retrieve_multiple(QueryExpression("lead", True)).entities  # type: ignore[arg-type]
    assert row["subject"] == "s"
    for bad in (1, None, 2.5, ["lastname", 3]):
        assert fault(lambda bad=bad: ColumnSet(bad)).error_code == ErrorCodes.INVALID_ARGUMENT
    assert fault(lambda: QueryExpression("lead", 7)).error_code == ErrorCodes.INVALID_ARGUMENT  # type: ignore


# TopCount with paging or a total count --------------------------------------------------------------


@pytest.mark.parametrize("page", [PagingInfo(count=5), PagingInfo(page_number=2),
                                  PagingInfo(return_total_record_count=True)])
def test_top_count_with_paging_or_total_count_faults(svc: OrganizationService, page: PagingInfo) -> None:
    # learn.microsoft.com "Count rows using QueryExpression": TopCount cannot be used together with
    # ReturnTotalRecordCount; "Page results using QueryExpression": TopCount and PageInfo are exclusive.
    svc.create(Entity("lead", lastname="t"))
    q = QueryExpression("lead", top_count=1, page_info=page)
    f = fault(lambda: svc.retrieve_multiple(q))
    assert f.error_code == ErrorCodes.INVALID_ARGUMENT and "TopCount" in f.message
    q.page_info = PagingInfo()  # an empty PagingInfo asks for nothing
    assert len(svc.retrieve_multiple(q).entities) == 1


_TEXT = st.text(alphabet=st.characters(blacklist_characters="[]^-", blacklist_categories=("Cs",)), max_size=12)


@given(_TEXT, _TEXT, _TEXT)
@settings(max_examples=200, deadline=None)
def test_like_pattern_translation(text: str, before: str, after: str) -> None:
    # SQL Server LIKE: [c] matches exactly the character c (so [%] and [_] are literal), % any text,
    # _ one character, case ignored; the translation anchors the whole value.
    exact = "".join(f"[{c}]" for c in text)
    assert like_match(like_regex(exact), text) == 1
    assert like_match(like_regex(exact), text + "x") == 0
    assert like_match(like_regex("%" + exact + "%"), before + text + after) == 1
    assert like_match(like_regex("_" * len(text)), text) == 1
    assert like_match(like_regex(exact), None) is None
