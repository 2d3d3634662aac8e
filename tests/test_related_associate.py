"""Associate / Disassociate over N:N (intersect rows) and 1:N (lookups), and N:N queries through LinkEntity."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService, OrganizationServiceFault, Relationship
from leadsdk.errors import ErrorCodes
from leadsdk.messages import AssociateRequest, DisassociateRequest
from leadsdk.query import ConditionOperator, QueryExpression


def _root_bu(svc: OrganizationService) -> EntityReference:
    bu = svc.retrieve_multiple(QueryExpression("businessunit")).entities[0]
    return EntityReference("businessunit", bu.id)


def _make(svc: OrganizationService, table: str, n: int = 1) -> list[EntityReference]:
    out = []
    for i in range(n):
        if table == "lead":
            e = Entity("lead", lastname=f"Lead {i}", subject="Bikes")
        elif table == "contact":
            e = Entity("contact", lastname=f"Contact {i}")
        elif table == "systemuser":
            e = Entity("systemuser", firstname="U", lastname=f"User {i}", businessunitid=_root_bu(svc))
        elif table in ("role", "team"):
            e = Entity(table, name=f"{table} {i}", businessunitid=_root_bu(svc))
        else:
            e = Entity(table, name=f"{table} {i}")
        out.append(EntityReference(table, svc.create(e)))
    return out


def _pairs(svc: OrganizationService, intersect: str, a1: str, a2: str) -> set[tuple[uuid.UUID, uuid.UUID]]:
    q = QueryExpression(intersect, column_set=ColumnSet(a1, a2))
    return {(e[a1], e[a2]) for e in svc.retrieve_multiple(q)}


N_TO_N = [
    ("accountleads_association", "account", "lead", "accountleads"),
    ("contactleads_association", "contact", "lead", "contactleads"),
    ("systemuserroles_association", "systemuser", "role", "systemuserroles"),
    ("teammembership_association", "systemuser", "team", "teammembership"),
    ("teamroles_association", "team", "role", "teamroles"),
]


@pytest.mark.parametrize(("rel", "e1", "e2", "intersect"), N_TO_N, ids=[r[0] for r in N_TO_N])
def test_many_to_many_associate_and_disassociate(svc: OrganizationService, rel: str, e1: str, e2: str,
                                                 intersect: str) -> None:
    (one,) = _make(svc, e1)
    two = _make(svc, e2, 2)
    a1, a2 = f"{e1}id", f"{e2}id"
    svc.associate(e1, one.id, rel, two)
    assert _pairs(svc, intersect, a1, a2) >= {(one.id, two[0].id), (one.id, two[1].id)}
    # the pair again, from the other side: DuplicateRecord, and nothing changes
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.associate(e2, two[0].id, Relationship(rel), [one])
    assert ei.value.error_code == ErrorCodes.DUPLICATE_RECORD
    assert rel in ei.value.message
    # disassociating from the other side removes exactly that pair
    svc.disassociate(e2, two[0].id, rel, [one])
    pairs = _pairs(svc, intersect, a1, a2)
    assert (one.id, two[0].id) not in pairs and (one.id, two[1].id) in pairs
    # disassociating a pair that is not associated is a no-op
    svc.disassociate(e1, one.id, rel, [two[0]])
    assert _pairs(svc, intersect, a1, a2) == pairs


def test_associate_is_atomic_when_one_pair_is_a_duplicate(svc: OrganizationService) -> None:
    (acc,) = _make(svc, "account")
    leads = _make(svc, "lead", 3)
    svc.associate("account", acc.id, "accountleads_association", [leads[1]])
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.associate("account", acc.id, "accountleads_association", [leads[0], leads[1], leads[2]])
    assert ei.value.error_code == ErrorCodes.DUPLICATE_RECORD
    assert _pairs(svc, "accountleads", "accountid", "leadid") == {(acc.id, leads[1].id)}


def test_unknown_relationship_and_wrong_tables_fault(svc: OrganizationService) -> None:
    (acc,) = _make(svc, "account")
    (lead,) = _make(svc, "lead")
    (con,) = _make(svc, "contact")
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.associate("account", acc.id, "no_such_relationship", [lead])
    assert ei.value.error_code == ErrorCodes.UN_MANAGEDIDSMETADATANORELATIONSHIP
    assert "no_such_relationship" in ei.value.message
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.associate("account", acc.id, "accountleads_association", [con])
    assert ei.value.error_code == ErrorCodes.INVALID_ARGUMENT
    assert "accountleads_association" in ei.value.message and "contact" in ei.value.message
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.associate("contact", con.id, "contact_customer_accounts", [lead])
    assert ei.value.error_code == ErrorCodes.INVALID_ARGUMENT
    missing = EntityReference("lead", uuid.uuid4())
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.associate("account", acc.id, "accountleads_association", [missing])
    assert ei.value.error_code == ErrorCodes.OBJECT_DOES_NOT_EXIST
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(AssociateRequest(target=acc, relationship="accountleads_association", related_entities=[]))
    assert ei.value.error_code == ErrorCodes.REQUIRED_FIELD_MISSING
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(DisassociateRequest(target=acc, relationship=None, related_entities=[lead]))
    assert ei.value.error_code == ErrorCodes.REQUIRED_FIELD_MISSING


def test_one_to_many_from_the_parent_and_from_the_child(svc: OrganizationService) -> None:
    acc, acc2 = _make(svc, "account", 2)
    contacts = _make(svc, "contact", 2)
    # parent as target: sets the lookup on each related child
    svc.associate("account", acc.id, "contact_customer_accounts", contacts)
    for c in contacts:
        got = svc.retrieve("contact", c.id, ColumnSet("parentcustomerid"))["parentcustomerid"]
        assert got == EntityReference("account", acc.id)
    # child as target: the same relationship the other way round moves the child to another parent
    svc.associate("contact", contacts[0].id, "contact_customer_accounts", [acc2])
    got = svc.retrieve("contact", contacts[0].id, ColumnSet("parentcustomerid"))["parentcustomerid"]
    assert got.id == acc2.id
    # disassociating a pair that is not linked leaves the lookup alone
    svc.disassociate("account", acc.id, "contact_customer_accounts", [contacts[0]])
    assert svc.retrieve("contact", contacts[0].id, ColumnSet("parentcustomerid"))["parentcustomerid"].id == acc2.id
    # disassociating a linked pair clears the lookup (and its type)
    svc.disassociate("contact", contacts[1].id, "contact_customer_accounts", [acc])
    assert svc.retrieve("contact", contacts[1].id, ColumnSet("parentcustomerid")).get("parentcustomerid") is None
    # a single-target lookup: lead_parent_account
    (lead,) = _make(svc, "lead")
    svc.associate("lead", lead.id, "lead_parent_account", [acc])
    assert svc.retrieve("lead", lead.id, ColumnSet("parentaccountid"))["parentaccountid"].id == acc.id
    svc.disassociate("account", acc.id, "lead_parent_account", [lead])
    assert svc.retrieve("lead", lead.id, ColumnSet("parentaccountid")).get("parentaccountid") is None


def test_one_to_many_associate_runs_update_plugins(svc: OrganizationService) -> None:
    (acc,) = _make(svc, "account")
    (con,) = _make(svc, "contact")
    seen: list[tuple[str, object]] = []
    svc.register_plugin("Update", "contact", handler=lambda c: seen.append(
        (c.message_name, c.input_parameters["Target"].get("parentcustomerid"))))
    svc.associate("account", acc.id, "contact_customer_accounts", [con])
    assert seen == [("Update", EntityReference("account", acc.id))]


def test_many_to_many_is_queryable_through_the_intersect_table(svc: OrganizationService) -> None:
    acc1, acc2 = _make(svc, "account", 2)
    leads = _make(svc, "lead", 3)
    svc.associate("account", acc1.id, "accountleads_association", leads[:2])
    svc.associate("account", acc2.id, "accountleads_association", leads[1:])
    q = QueryExpression("lead", column_set=ColumnSet("lastname"))
    inter = q.add_link("accountleads", "leadid", "leadid")
    acc = inter.add_link("account", "accountid", "accountid")
    acc.entity_alias = "acc"
    acc.columns = ColumnSet("name")
    acc.link_criteria.add_condition("accountid", ConditionOperator.EQUAL, acc1.id)
    q.add_order("lastname")
    rows = svc.retrieve_multiple(q)
    assert [e.id for e in rows] == [leads[0].id, leads[1].id]
    assert rows[0]["acc.name"].value == "account 0"
    # and from the account side: the accounts of lead 1
    q2 = QueryExpression("account", column_set=ColumnSet("name"))
    link = q2.add_link("accountleads", "accountid", "accountid")
    link.link_criteria.add_condition("leadid", ConditionOperator.EQUAL, leads[1].id)
    assert {e.id for e in svc.retrieve_multiple(q2)} == {acc1.id, acc2.id}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.tuples(st.booleans(), st.integers(0, 2), st.integers(0, 2)), max_size=12))
def test_associate_disassociate_match_a_set_model(svc: OrganizationService,
                                                  ops: list[tuple[bool, int, int]]) -> None:
    """Any sequence of associate/disassociate calls leaves exactly the pairs a set model predicts;
    duplicates fault and change nothing."""
    contacts = _make(svc, "contact", 3)
    leads = _make(svc, "lead", 3)
    model: set[tuple[uuid.UUID, uuid.UUID]] = set()
    for add, i, j in ops:
        pair = (contacts[i].id, leads[j].id)
        if add:
            try:
                svc.associate("contact", contacts[i].id, "contactleads_association", [leads[j]])
                assert pair not in model
                model.add(pair)
            except OrganizationServiceFault as e:
                assert e.error_code == ErrorCodes.DUPLICATE_RECORD and pair in model
        else:
            svc.disassociate("lead", leads[j].id, "contactleads_association", [contacts[i]])
            model.discard(pair)
    mine = {c.id for c in contacts}
    stored = {p for p in _pairs(svc, "contactleads", "contactid", "leadid") if p[0] in mine}
    assert stored == model


def test_deleting_a_record_removes_its_intersect_rows_and_tells_the_hooks(svc: OrganizationService) -> None:
    (role,) = _make(svc, "role")
    users = _make(svc, "systemuser", 2)
    (team,) = _make(svc, "team")
    svc.associate("role", role.id, "systemuserroles_association", users)
    svc.associate("team", team.id, "teamroles_association", [role])
    heard: list[tuple[str, uuid.UUID, uuid.UUID]] = []

    def hook(ctx: object, rel: str, id1: uuid.UUID, id2: uuid.UUID) -> None:
        heard.append((rel, id1, id2))

    events = svc._core.state.events  # the record events of this store (an internal mechanism, on purpose)
    events.add("after_disassociate", hook)
    try:
        svc.delete("role", role.id)
    finally:
        events.remove("after_disassociate", hook)
    assert sorted(heard) == sorted([("systemuserroles_association", u.id, role.id) for u in users]
                                   + [("teamroles_association", team.id, role.id)])
    assert not any(p[1] == role.id for p in _pairs(svc, "systemuserroles", "systemuserid", "roleid"))
    assert not any(p[1] == role.id for p in _pairs(svc, "teamroles", "teamid", "roleid"))
