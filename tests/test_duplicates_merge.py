"""MergeRequest: update content, re-parenting counted table by table, deactivation, and faults."""

from __future__ import annotations

import uuid

import pytest

from leadsdk import Entity, EntityReference, OrganizationService, OrganizationServiceFault
from leadsdk.errors import ErrorCodes
from leadsdk.messages import MergeRequest
from leadsdk.query import ConditionOperator, QueryExpression


def count(svc: OrganizationService, table: str, column: str, id_: uuid.UUID) -> int:
    q = QueryExpression(table)
    q.criteria.add_condition(column, ConditionOperator.EQUAL, id_)
    return len(svc.retrieve_multiple(q))


def test_merge_accounts_reparents_children_table_by_table(svc: OrganizationService) -> None:
    target = svc.create(Entity("account", name="Contoso", telephone1="1"))
    sub = svc.create(Entity("account", name="Contoso Ltd", telephone1="2"))
    sub_ref = EntityReference("account", sub)
    for i in range(3):
        svc.create(Entity("contact", lastname=f"C{i}", parentcustomerid=sub_ref))
    svc.create(Entity("contact", lastname="stays", parentcustomerid=EntityReference("account", target)))
    for i in range(2):
        svc.create(Entity("annotation", subject=f"n{i}", objectid=sub_ref))
    svc.create(Entity("task", subject="call", regardingobjectid=sub_ref))
    svc.create(Entity("phonecall", subject="pc", regardingobjectid=sub_ref))
    svc.create(Entity("account", name="child", parentaccountid=sub_ref))
    svc.create(Entity("opportunity", name="deal", parentaccountid=sub_ref))
    other = svc.create(Entity("contact", lastname="Other"))
    svc.create(Entity("connection", record1id=sub_ref, record2id=EntityReference("contact", other)))

    resp = svc.execute(MergeRequest(target=EntityReference("account", target), subordinate_id=sub,
                                    update_content=Entity("account", telephone1="3"),
                                    perform_parenting_checks=False))
    assert resp.reparented == {"contact": 3, "annotation": 2, "task": 1, "phonecall": 1, "account": 1,
                               "opportunity": 1, "connection": 1}
    assert count(svc, "contact", "parentcustomerid", target) == 4
    assert count(svc, "contact", "parentcustomerid", sub) == 0
    assert count(svc, "annotation", "objectid", target) == 2
    assert count(svc, "task", "regardingobjectid", target) == 1
    assert count(svc, "phonecall", "regardingobjectid", target) == 1
    assert count(svc, "account", "parentaccountid", target) == 1
    assert count(svc, "opportunity", "parentaccountid", target) == 1
    assert count(svc, "connection", "record1id", target) == 1
    t = svc.retrieve("account", target)
    assert t["telephone1"] == "3" and t["name"] == "Contoso"
    s = svc.retrieve("account", sub)
    assert s["merged"] is True
    assert s["masterid"] == EntityReference("account", target)
    assert (s["statecode"].value, s["statuscode"].value) == (1, 2)


def test_merge_leads_and_contacts_and_incidents(svc: OrganizationService) -> None:
    a = svc.create(Entity("lead", subject="s", lastname="A"))
    b = svc.create(Entity("lead", subject="s", lastname="B"))
    svc.create(Entity("email", subject="hello", regardingobjectid=EntityReference("lead", b)))
    resp = svc.execute(MergeRequest(target=EntityReference("lead", a), subordinate_id=b, update_content=None))
    assert resp.reparented == {"email": 1}
    lb = svc.retrieve("lead", b)
    assert lb["merged"] is True and lb["masterid"].id == a
    assert (lb["statecode"].value, lb["statuscode"].value) == (2, 7)

    c1 = svc.create(Entity("contact", lastname="X"))
    c2 = svc.create(Entity("contact", lastname="Y"))
    svc.execute(MergeRequest(target=EntityReference("contact", c1), subordinate_id=str(c2),
                             update_content=Entity("contact", firstname="Z")))
    assert svc.retrieve("contact", c1)["firstname"] == "Z"
    assert svc.retrieve("contact", c2)["statecode"].value == 1

    acc = EntityReference("account", svc.create(Entity("account", name="Cust")))
    i1 = svc.create(Entity("incident", title="t1", customerid=acc))
    i2 = svc.create(Entity("incident", title="t2", customerid=acc))
    svc.create(Entity("incident", title="child", customerid=acc, parentcaseid=EntityReference("incident", i2)))
    r = svc.execute(MergeRequest(target=EntityReference("incident", i1), subordinate_id=i2,
                                 perform_parenting_checks=True))
    assert r.reparented == {"incident": 1}
    inc = svc.retrieve("incident", i2)
    assert (inc["statecode"].value, inc["statuscode"].value) == (2, 2000)


def test_merge_faults(svc: OrganizationService) -> None:
    a = svc.create(Entity("account", name="A"))
    b = svc.create(Entity("account", name="B"))
    with pytest.raises(OrganizationServiceFault) as e:
        svc.execute(MergeRequest(target=EntityReference("account", a), subordinate_id=a))
    assert e.value.error_code == ErrorCodes.MERGE_ENTITIES_IDENTICAL_ERROR == -2147200251
    svc.update(Entity("account", b, statecode=1, statuscode=2))
    with pytest.raises(OrganizationServiceFault) as e:
        svc.execute(MergeRequest(target=EntityReference("account", a), subordinate_id=b))
    assert e.value.error_code == ErrorCodes.MERGE_ENTITY_NOT_ACTIVE_ERROR == -2147200252
    with pytest.raises(OrganizationServiceFault) as e:
        svc.execute(MergeRequest(target=EntityReference("account", a), subordinate_id=uuid.uuid4()))
    assert e.value.error_code == ErrorCodes.OBJECT_DOES_NOT_EXIST
    o1 = svc.create(Entity("opportunity", name="o"))
    o2 = svc.create(Entity("opportunity", name="p"))
    with pytest.raises(OrganizationServiceFault) as e:
        svc.execute(MergeRequest(target=EntityReference("opportunity", o1), subordinate_id=o2))
    assert e.value.error_code == ErrorCodes.INVALID_ARGUMENT


def test_merge_parenting_checks(svc: OrganizationService) -> None:
    p1 = EntityReference("account", svc.create(Entity("account", name="P1")))
    p2 = EntityReference("account", svc.create(Entity("account", name="P2")))
    a = svc.create(Entity("account", name="A", parentaccountid=p1))
    b = svc.create(Entity("account", name="B", parentaccountid=p2))
    svc.create(Entity("contact", lastname="kid", parentcustomerid=EntityReference("account", b)))
    with pytest.raises(OrganizationServiceFault) as e:
        svc.execute(MergeRequest(target=EntityReference("account", a), subordinate_id=b,
                                 perform_parenting_checks=True))
    assert e.value.error_code == ErrorCodes.MERGE_DIFFERENTLY_PARENTED_WARNING
    # the faulted merge changed nothing
    assert svc.retrieve("account", b)["statecode"].value == 0
    assert count(svc, "contact", "parentcustomerid", b) == 1
    # update_content that gives the target the same parent passes the check
    svc.execute(MergeRequest(target=EntityReference("account", a), subordinate_id=b,
                             update_content=Entity("account", parentaccountid=p2), perform_parenting_checks=True))
    assert svc.retrieve("account", a)["parentaccountid"] == p2
    assert count(svc, "contact", "parentcustomerid", a) == 1


def test_merge_without_checks_ignores_parents(svc: OrganizationService) -> None:
    p1 = EntityReference("account", svc.create(Entity("account", name="P1")))
    p2 = EntityReference("account", svc.create(Entity("account", name="P2")))
    a = svc.create(Entity("contact", lastname="A", parentcustomerid=p1))
    b = svc.create(Entity("contact", lastname="B", parentcustomerid=p2))
    svc.execute(MergeRequest(target=EntityReference("contact", a), subordinate_id=b))
    assert svc.retrieve("contact", b)["merged"] is True


def test_merge_moves_n_to_n_links(svc: OrganizationService) -> None:
    from leadsdk.messages import AssociateRequest

    target = svc.create(Entity("account", name="Contoso"))
    sub = svc.create(Entity("account", name="Contoso Ltd"))
    leads = [svc.create(Entity("lead", lastname=f"L{i}", subject="s")) for i in range(3)]
    refs = [EntityReference("lead", i) for i in leads]
    svc.execute(AssociateRequest(target=EntityReference("account", sub), relationship="accountleads_association",
                                 related_entities=refs))
    svc.execute(AssociateRequest(target=EntityReference("account", target),
                                 relationship="accountleads_association", related_entities=refs[:1]))
    resp = svc.execute(MergeRequest(target=EntityReference("account", target), subordinate_id=sub,
                                    perform_parenting_checks=False))
    assert resp.reparented == {"accountleads_association": 3}
    assert count(svc, "accountleads", "accountid", target) == 3  # the shared link is kept once
    assert count(svc, "accountleads", "accountid", sub) == 0
