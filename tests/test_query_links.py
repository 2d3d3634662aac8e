"""LinkEntity: inner and outer joins, aliases (given and generated), link criteria, conditions and orders
on linked tables, nested links, N:N through intersect tables, distinct and renamed columns."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from leadsdk import ColumnSet, Entity, EntityReference, OptionSetValue, OrganizationService
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.query import (
    ConditionOperator,
    FetchExpression,
    JoinOperator,
    LinkEntity,
    OrderExpression,
    OrderType,
    QueryExpression,
)
from leadsdk.query.model import AggregateColumn
from leadsdk.types import AliasedValue, Money

C = ConditionOperator


@pytest.fixture
def crm(svc: OrganizationService) -> dict[str, uuid.UUID]:
    """Accounts Acme (contact Ann) and Bolt; leads on Acme, Bolt and none; Acme's customer leads."""
    ann = svc.create(Entity("contact", firstname="Ann", lastname="Archer"))
    acme = svc.create(Entity("account", name="Acme", industrycode=OptionSetValue(1),
                             primarycontactid=EntityReference("contact", ann)))
    bolt = svc.create(Entity("account", name="Bolt"))
    ids = {"ann": ann, "acme": acme, "bolt": bolt}
    for subject, parent, customer in [("l-acme", acme, bolt), ("l-bolt", bolt, None), ("l-none", None, acme),
                                      ("l-acme2", acme, None)]:
        e = Entity("lead", subject=subject, lastname="x")
        if parent:
            e["parentaccountid"] = EntityReference("account", parent)
        if customer:
            e["customerid"] = EntityReference("account", customer)
        ids[subject] = svc.create(e)
    return ids


def subjects(svc: OrganizationService, q: QueryExpression) -> list[str]:
    if "subject" not in q.column_set.columns:
        q.column_set.add_column("subject")
    return [e["subject"] for e in svc.retrieve_multiple(q)]


def test_inner_join_returns_aliased_values(svc: OrganizationService, crm: dict[str, uuid.UUID]) -> None:
    q = QueryExpression("lead", column_set=ColumnSet("subject"))
    link = q.add_link("account", "parentaccountid", "accountid", JoinOperator.INNER)
    link.entity_alias = "acc"
    link.columns = ColumnSet("name", "industrycode", "primarycontactid")
    q.add_order("subject")
    rows = svc.retrieve_multiple(q).entities
    assert [r["subject"] for r in rows] == ["l-acme", "l-acme2", "l-bolt"]
    first = rows[0]
    assert first["acc.name"] == AliasedValue("account", "name", "Acme")
    assert first["acc.industrycode"].value == OptionSetValue(1)
    assert first.formatted_values["acc.industrycode"] == "Accounting"
    ref = first["acc.primarycontactid"].value
    assert isinstance(ref, EntityReference) and ref.id == crm["ann"] and ref.name == "Ann Archer"
    assert "acc.industrycode" not in rows[2]  # null linked values are left out, as in Dataverse


def test_left_outer_join_keeps_unmatched_rows(svc: OrganizationService, crm: dict[str, uuid.UUID]) -> None:
    q = QueryExpression("lead", column_set=ColumnSet("subject"))
    link = q.add_link("account", "parentaccountid", "accountid", JoinOperator.LEFT_OUTER)
    link.entity_alias = "acc"
    link.columns = ColumnSet("name")
    q.add_order("subject")
    rows = svc.retrieve_multiple(q).entities
    assert [r["subject"] for r in rows] == ["l-acme", "l-acme2", "l-bolt", "l-none"]
    assert "acc.name" not in rows[3]
    # the "not exists" pattern: outer join and a null condition on the link's key
    q.criteria.add_condition("acc", "accountid", C.NULL)
    assert subjects(svc, q) == ["l-none"]


def test_generated_aliases(svc: OrganizationService, crm: dict[str, uuid.UUID]) -> None:
    q = QueryExpression("lead", column_set=ColumnSet("subject"))
    q.add_link("account", "parentaccountid", "accountid", JoinOperator.LEFT_OUTER).columns = ColumnSet("name")
    q.add_link("account", "customerid", "accountid", JoinOperator.LEFT_OUTER).columns = ColumnSet("name")
    q.criteria.add_condition("subject", C.EQUAL, "l-acme")
    (row,) = svc.retrieve_multiple(q).entities
    assert row["account1.name"].value == "Acme"
    assert row["account2.name"].value == "Bolt"
    # a condition can name a generated alias
    q.criteria.conditions.clear()
    q.criteria.add_condition("account2", "name", C.EQUAL, "acme")
    assert subjects(svc, q) == ["l-none"]


def test_link_criteria_filter_the_join(svc: OrganizationService, crm: dict[str, uuid.UUID]) -> None:
    q = QueryExpression("lead", column_set=ColumnSet("subject"))
    link = q.add_link("account", "parentaccountid", "accountid")
    link.link_criteria.add_condition("name", C.BEGINS_WITH, "ac")
    q.add_order("subject")
    assert subjects(svc, q) == ["l-acme", "l-acme2"]
    # outer join: link criteria only decide which account joins, not which lead comes back
    link.join_operator = JoinOperator.LEFT_OUTER
    link.entity_alias = "a"
    link.columns = ColumnSet("name")
    rows = svc.retrieve_multiple(q).entities
    assert len(rows) == 4
    assert {r["subject"] for r in rows if "a.name" in r} == {"l-acme", "l-acme2"}


def test_condition_on_linked_table_by_name_and_alias(svc: OrganizationService, crm: dict[str, uuid.UUID]) -> None:
    q = QueryExpression("lead", column_set=ColumnSet("subject"))
    q.add_link("account", "parentaccountid", "accountid").entity_alias = "acc"
    q.criteria.add_condition("name", C.EQUAL, "BOLT", entity_name="acc")
    assert subjects(svc, q) == ["l-bolt"]
    q2 = QueryExpression("lead", column_set=ColumnSet("subject"))
    q2.add_link("account", "parentaccountid", "accountid")
    q2.criteria.add_condition("account", "name", C.EQUAL, "bolt")  # by table name when it has no alias
    assert subjects(svc, q2) == ["l-bolt"]
    q3 = QueryExpression("lead")
    q3.criteria.add_condition("nosuch", "name", C.EQUAL, "bolt")
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.retrieve_multiple(q3)
    assert ei.value.error_code == ErrorCodes.QUERY_BUILDER_ALIAS_DOES_NOT_EXIST
    assert "nosuch" in ei.value.message


def test_order_by_linked_column(svc: OrganizationService, crm: dict[str, uuid.UUID]) -> None:
    q = QueryExpression("lead", column_set=ColumnSet("subject"))
    link = q.add_link("account", "parentaccountid", "accountid")
    link.add_order("name", OrderType.ASCENDING)
    q.add_order("subject", OrderType.DESCENDING)
    # the query's own orders come first, then the link's
    assert subjects(svc, q) == ["l-bolt", "l-acme2", "l-acme"]
    q.orders.clear()
    assert subjects(svc, q)[2] == "l-bolt"
    # an OrderExpression with entity_name names the link
    q.orders = [OrderExpression("name", OrderType.ASCENDING, entity_name="account1"),
                OrderExpression("subject", OrderType.DESCENDING)]
    link.orders.clear()
    assert subjects(svc, q) == ["l-acme2", "l-acme", "l-bolt"]


def test_nested_links(svc: OrganizationService, crm: dict[str, uuid.UUID]) -> None:
    q = QueryExpression("lead", column_set=ColumnSet("subject"))
    acc = q.add_link("account", "parentaccountid", "accountid")
    acc.entity_alias = "acc"
    con = acc.add_link("contact", "primarycontactid", "contactid")
    con.entity_alias = "pc"
    con.columns = ColumnSet("firstname")
    con.link_criteria.add_condition("lastname", C.EQUAL, "archer")
    q.add_order("subject")
    rows = svc.retrieve_multiple(q).entities
    assert [r["subject"] for r in rows] == ["l-acme", "l-acme2"]
    assert rows[0]["pc.firstname"] == AliasedValue("contact", "firstname", "Ann")


def test_link_all_columns(svc: OrganizationService, crm: dict[str, uuid.UUID]) -> None:
    q = QueryExpression("lead", column_set=ColumnSet("subject"))
    link = q.add_link("account", "parentaccountid", "accountid")
    link.entity_alias = "acc"
    link.columns = ColumnSet(all_columns=True)
    q.criteria.add_condition("subject", C.EQUAL, "l-bolt")
    (row,) = svc.retrieve_multiple(q).entities
    assert row["acc.name"].value == "Bolt"
    assert row["acc.accountid"].value == crm["bolt"]
    assert row["acc.statecode"].value == OptionSetValue(0)
    assert row.id == crm["l-bolt"]


def test_many_to_many_through_intersect(svc: OrganizationService, crm: dict[str, uuid.UUID]) -> None:
    svc.associate("account", crm["acme"], "accountleads_association",
                  [EntityReference("lead", crm["l-none"]), EntityReference("lead", crm["l-bolt"])])
    svc.associate("account", crm["bolt"], "accountleads_association", [EntityReference("lead", crm["l-none"])])
    # leads related to Acme
    q = QueryExpression("lead", column_set=ColumnSet("subject"))
    al = q.add_link("accountleads", "leadid", "leadid")
    acc = al.add_link("account", "accountid", "accountid")
    acc.link_criteria.add_condition("name", C.EQUAL, "Acme")
    q.add_order("subject")
    assert subjects(svc, q) == ["l-bolt", "l-none"]
    # every lead with any account: l-none twice without distinct, once with
    acc.link_criteria.conditions.clear()
    assert subjects(svc, q) == ["l-bolt", "l-none", "l-none"]
    q.distinct = True
    assert subjects(svc, q) == ["l-bolt", "l-none"]
    # FetchXML with an intersect link
    fetch = """<fetch distinct='true'><entity name='account'><attribute name='name'/><order attribute='name'/>
      <link-entity name='accountleads' from='accountid' to='accountid' intersect='true'>
        <link-entity name='lead' from='leadid' to='leadid'><filter>
          <condition attribute='subject' operator='eq' value='l-none'/></filter></link-entity>
      </link-entity></entity></fetch>"""
    assert [e["name"] for e in svc.retrieve_multiple(FetchExpression(fetch))] == ["Acme", "Bolt"]


def test_fetchxml_link_with_alias_and_renamed_attribute(svc: OrganizationService, crm: dict[str, uuid.UUID]) -> None:
    fetch = """<fetch><entity name='lead'>
        <attribute name='subject'/><attribute name='subject' alias='topic'/>
        <order attribute='subject'/>
        <link-entity name='account' from='accountid' to='parentaccountid' alias='a' link-type='outer'>
          <attribute name='name'/><attribute name='name' alias='accountname'/>
        </link-entity></entity></fetch>"""
    rows = svc.retrieve_multiple(FetchExpression(fetch)).entities
    assert [r["subject"] for r in rows] == ["l-acme", "l-acme2", "l-bolt", "l-none"]
    assert rows[0]["topic"] == AliasedValue("lead", "subject", "l-acme")
    assert rows[0]["a.name"].value == "Acme"
    assert rows[0]["accountname"] == AliasedValue("account", "name", "Acme")
    assert "accountname" not in rows[3]


def test_renamed_column_in_query_expression(svc: OrganizationService, crm: dict[str, uuid.UUID]) -> None:
    q = QueryExpression("lead", column_set=ColumnSet("subject"))
    q.aggregate_columns.append(AggregateColumn("parentaccountid", "acct"))
    q.criteria.add_condition("subject", C.EQUAL, "l-bolt")
    (row,) = svc.retrieve_multiple(q).entities
    assert row["acct"].value == EntityReference("account", crm["bolt"])
    assert row["acct"].value.name == "Bolt"


def test_unknown_link_table_and_columns_fault(svc: OrganizationService, crm: dict[str, uuid.UUID]) -> None:
    q = QueryExpression("lead")
    q.link_entities.append(LinkEntity("lead", "nosuchtable", "parentaccountid", "accountid"))
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.retrieve_multiple(q)
    assert ei.value.error_code == ErrorCodes.QUERY_BUILDER_NO_ENTITY
    q = QueryExpression("lead")
    q.add_link("account", "parentaccountid", "nosuchcolumn")
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.retrieve_multiple(q)
    assert ei.value.error_code == ErrorCodes.QUERY_BUILDER_NO_ATTRIBUTE
    assert "nosuchcolumn" in ei.value.message
    q = QueryExpression("lead")
    q.add_link("account", "parentaccountid", "accountid").columns = ColumnSet("nosuchcolumn")
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.retrieve_multiple(q)
    assert ei.value.error_code == ErrorCodes.QUERY_BUILDER_NO_ATTRIBUTE


def test_two_linked_amounts_on_a_page_keep_their_own_values(svc: OrganizationService) -> None:
    """A page of 8 rows or more decodes its amount columns a column at a time: two linked amounts each
    keep their own AliasedValue (the second once overwrote the first's), as on a short page."""
    for i in range(10):
        a = svc.create(Entity("account", name=f"A{i}", revenue=Money(Decimal(i)), creditlimit=Money(Decimal(100 + i))))
        svc.create(Entity("lead", lastname=f"L{i}", parentaccountid=EntityReference("account", a)))
    for top in (10, 3):
        q = QueryExpression("lead", column_set=ColumnSet("lastname"), top_count=top)
        q.add_order("lastname")
        link = q.add_link("account", "parentaccountid", "accountid")
        link.entity_alias = "acc"
        link.columns = ColumnSet("revenue", "creditlimit")
        got = svc.retrieve_multiple(q).entities
        assert len(got) == top
        for i, e in enumerate(got):
            assert e["lastname"] == f"L{i}"
            assert e["acc.revenue"] == AliasedValue("account", "revenue", Money(Decimal(i)))
            assert e["acc.creditlimit"] == AliasedValue("account", "creditlimit", Money(Decimal(100 + i)))
