"""Stakeholders: connection roles seeded, reciprocal connections created, mirrored and deleted in pairs."""

from __future__ import annotations

import datetime as dt

import pytest

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService, OrganizationServiceFault
from leadsdk.errors import ErrorCodes
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.related.rules import DECISION_MAKER_ROLE_ID, STAKEHOLDER_ROLE_ID, TECHNICAL_BUYER_ROLE_ID

STAKEHOLDER = EntityReference("connectionrole", STAKEHOLDER_ROLE_ID)
DECISION_MAKER = EntityReference("connectionrole", DECISION_MAKER_ROLE_ID)


def _all_connections(svc: OrganizationService) -> list[Entity]:
    return list(svc.retrieve_multiple(QueryExpression("connection", column_set=ColumnSet(all_columns=True))))


def _setup(svc: OrganizationService) -> tuple[EntityReference, EntityReference]:
    lead = EntityReference("lead", svc.create(Entity("lead", lastname="Andersen", subject="Bikes")))
    contact = EntityReference("contact", svc.create(Entity("contact", firstname="Ann", lastname="Lee")))
    return lead, contact


def test_stakeholder_roles_are_seeded(svc: OrganizationService) -> None:
    q = QueryExpression("connectionrole", column_set=ColumnSet("name", "category"))
    q.criteria.add_condition("category", ConditionOperator.EQUAL, 1000)
    roles = {e["name"]: e for e in svc.retrieve_multiple(q)}
    assert set(roles) >= {"Stakeholder", "Decision Maker", "Technical Buyer"}
    assert roles["Technical Buyer"].id == TECHNICAL_BUYER_ROLE_ID
    assert roles["Stakeholder"].formatted_values["category"] == "Stakeholder"


def test_creating_a_connection_creates_its_reciprocal(svc: OrganizationService) -> None:
    lead, contact = _setup(svc)
    cid = svc.create(Entity("connection", record1id=lead, record2id=contact, record1roleid=STAKEHOLDER,
                            record2roleid=DECISION_MAKER, description="signs the order"))
    conns = {e.id: e for e in _all_connections(svc)}
    assert len(conns) == 2
    orig = conns[cid]
    (rid,) = set(conns) - {cid}
    recip = conns[rid]
    assert orig["ismaster"] is True and recip["ismaster"] is False
    assert orig["relatedconnectionid"].id == rid and recip["relatedconnectionid"].id == cid
    assert (recip["record1id"], recip["record2id"]) == (contact, lead)
    assert (recip["record1roleid"].id, recip["record2roleid"].id) == (DECISION_MAKER_ROLE_ID, STAKEHOLDER_ROLE_ID)
    assert recip["description"] == "signs the order"
    assert recip["ownerid"] == orig["ownerid"]
    # the lead's stakeholders, from either side
    q = QueryExpression("connection", column_set=ColumnSet("record2id", "record2roleid"))
    q.criteria.add_condition("record1id", ConditionOperator.EQUAL, lead.id)
    (row,) = svc.retrieve_multiple(q)
    assert row["record2id"] == contact and row["record2roleid"].name == "Decision Maker"


def test_updating_either_side_keeps_the_pair_consistent(svc: OrganizationService) -> None:
    lead, contact = _setup(svc)
    other = EntityReference("account", svc.create(Entity("account", name="Acme")))
    cid = svc.create(Entity("connection", record1id=lead, record2id=contact, record1roleid=STAKEHOLDER))
    rid = svc.retrieve("connection", cid, ColumnSet("relatedconnectionid"))["relatedconnectionid"].id
    svc.update(Entity("connection", cid, record2id=other, record2roleid=DECISION_MAKER,
                      effectiveend=dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)))
    recip = svc.retrieve("connection", rid)
    assert recip["record1id"] == other and recip["record1roleid"].id == DECISION_MAKER_ROLE_ID
    assert recip["record2id"] == lead
    assert recip["effectiveend"] == dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    svc.update(Entity("connection", rid, description="from the other side", statecode=1, statuscode=2))
    orig = svc.retrieve("connection", cid, ColumnSet("description", "statecode"))
    assert orig["description"] == "from the other side" and orig["statecode"].value == 1


def test_deleting_either_side_deletes_both(svc: OrganizationService) -> None:
    lead, contact = _setup(svc)
    c1 = svc.create(Entity("connection", record1id=lead, record2id=contact))
    c2 = svc.create(Entity("connection", record1id=contact, record2id=lead))
    r2 = svc.retrieve("connection", c2, ColumnSet("relatedconnectionid"))["relatedconnectionid"].id
    assert len(_all_connections(svc)) == 4
    svc.delete("connection", c1)
    assert {e.id for e in _all_connections(svc)} == {c2, r2}
    svc.delete("connection", r2)  # the reciprocal side
    assert _all_connections(svc) == []


def test_invalid_connections_fault(svc: OrganizationService) -> None:
    lead, contact = _setup(svc)
    cases = [
        (Entity("connection", record1id=lead), ErrorCodes.REQUIRED_FIELD_MISSING),
        (Entity("connection", record2id=lead), ErrorCodes.REQUIRED_FIELD_MISSING),
        (Entity("connection", name="nothing"), ErrorCodes.CONNECTION_OBJECTS_MISSING),
        (Entity("connection", record1id=lead, record2id=lead), ErrorCodes.CANNOT_CONNECT_TO_SELF),
        (Entity("connection", record1id=lead, record2id=contact,
                effectivestart=dt.datetime(2030, 1, 2, tzinfo=dt.timezone.utc),
                effectiveend=dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)),
         ErrorCodes.CONNECTION_INVALID_START_END_DATE),
    ]
    for e, code in cases:
        with pytest.raises(OrganizationServiceFault) as ei:
            svc.create(e)
        assert ei.value.error_code == code, e
    assert _all_connections(svc) == []
    cid = svc.create(Entity("connection", record1id=lead, record2id=contact))
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.update(Entity("connection", cid, record2id=lead))
    assert ei.value.error_code == ErrorCodes.CANNOT_CONNECT_TO_SELF
    recips = [e for e in _all_connections(svc) if e.id != cid]
    assert recips[0]["record1id"] == contact  # the faulted update changed neither side


def test_reciprocal_creation_runs_create_plugins_once_per_record(svc: OrganizationService) -> None:
    lead, contact = _setup(svc)
    created: list[object] = []
    svc.register_plugin("Create", "connection", handler=lambda c: created.append(c.output_parameters.get("id")))
    svc.create(Entity("connection", record1id=lead, record2id=contact))
    assert len(created) == 2  # the original and its reciprocal (nested), no recursion beyond
