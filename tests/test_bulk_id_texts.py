"""CreateMultiple's audit ids made as texts (on SQLite) and its lookup columns over several chunks: the
same stored values, faults and audit rows as before, on both backends."""

from __future__ import annotations

import uuid

import pytest

from leadsdk import Entity, OrganizationService, OrganizationServiceFault
from leadsdk.messages import CreateMultipleRequest
from leadsdk.query import QueryExpression
from leadsdk.records.ids import new_id, new_id_texts, new_ids
from leadsdk.storage.base import uuid_texts, uuid_texts_of_halves
from leadsdk.types import ColumnSet, EntityReference


def test_new_id_texts_are_canonical_time_ordered_version_7_ids() -> None:
    before = new_id()
    texts = new_id_texts(5000)  # more than a millisecond's 4,096 counts
    after = new_id()
    ids = [uuid.UUID(t) for t in texts]
    assert [str(i) for i in ids] == texts
    assert len(set(texts)) == 5000 and {i.version for i in ids} == {7}
    assert {i.variant for i in ids} == {uuid.RFC_4122}
    assert before.int < ids[0].int and ids == sorted(ids, key=lambda i: i.int) and ids[-1].int < after.int
    assert new_id_texts(0) == [] and len(new_id_texts(1)) == 1
    made = new_ids(10)
    assert uuid_texts(made) == [str(i) for i in made] and {i.version for i in made} == {7}


def test_uuid_texts_of_halves_as_str_gives_them() -> None:
    ids = [uuid.uuid4() for _ in range(40)] + [uuid.UUID(int=0), uuid.UUID(int=(1 << 128) - 1)]
    high = b"".join((i.int >> 64).to_bytes(8, "big") for i in ids)
    low = b"".join((i.int & ((1 << 64) - 1)).to_bytes(8, "big") for i in ids)
    assert uuid_texts_of_halves(high, low) == [str(i) for i in ids] == uuid_texts(ids)


def _audit_of(svc: OrganizationService, table: str) -> list[Entity]:
    q = QueryExpression("audit", column_set=ColumnSet("auditid", "objectid", "objecttypecode", "action"))
    return [a for a in svc.retrieve_multiple(q).entities if a["objecttypecode"] == table]


def test_bulk_lookups_and_audit_rows_on_every_record(svc: OrganizationService) -> None:
    accounts = list(svc.execute(CreateMultipleRequest(targets=[Entity("account", name=f"A{k}")
                                                               for k in range(3)])).ids)
    n = 4100  # three chunks, the last one short
    targets = [Entity("lead", lastname=f"L{i}", parentaccountid=EntityReference("account", accounts[i % 3]))
               for i in range(n)]
    ids = list(svc.execute(CreateMultipleRequest(targets=targets)).ids)
    assert len(set(ids)) == n
    stored = {e.id: e for e in svc.retrieve_multiple(QueryExpression(
        "lead", column_set=ColumnSet("lastname", "parentaccountid"))).entities}
    assert [(stored[i]["lastname"], stored[i]["parentaccountid"].id) for i in ids] == \
        [(f"L{i}", accounts[i % 3]) for i in range(n)]
    audit = _audit_of(svc, "lead")
    assert sorted(a["objectid"] for a in audit) == sorted(ids)
    assert {a["action"].value for a in audit} == {1}
    audit_ids = [a["auditid"] for a in audit]
    assert all(type(a) is uuid.UUID and a.version == 7 for a in audit_ids) and len(set(audit_ids)) == n
    assert {a.id for a in audit} == set(audit_ids)


def _faults_as_the_single_create(svc: OrganizationService, targets: list[Entity], i: int) -> None:
    """The batch faults as a single create of its i-th record does, naming it, and writes no lead."""
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.execute(CreateMultipleRequest(targets=targets))
    with pytest.raises(OrganizationServiceFault) as single:
        svc.create(targets[i])
    assert ei.value.error_code == single.value.error_code
    assert ei.value.error_details["FaultedRequestIndex"] == i
    assert svc.retrieve_multiple(QueryExpression("lead")).entities == []


def test_bulk_reference_to_a_missing_record_faults_naming_it_and_writes_nothing(svc: OrganizationService) -> None:
    account = svc.create(Entity("account", name="A"))
    targets = [Entity("lead", lastname=f"L{i}", parentaccountid=EntityReference("account", account))
               for i in range(2500)]
    targets[2100]["parentaccountid"] = EntityReference("account", uuid.uuid4())
    _faults_as_the_single_create(svc, targets, 2100)
    assert _audit_of(svc, "lead") == []


def test_bulk_reference_to_another_table_faults_as_a_single_create(svc: OrganizationService) -> None:
    contact = svc.create(Entity("contact", lastname="C"))
    account = svc.create(Entity("account", name="A"))
    targets = [Entity("lead", lastname=f"L{i}", parentaccountid=EntityReference("account", account))
               for i in range(10)]
    targets[4]["parentaccountid"] = EntityReference("contact", contact)
    _faults_as_the_single_create(svc, targets, 4)
