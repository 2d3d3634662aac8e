"""Audit: what is recorded, the per-table and organization switches, RetrieveRecordChangeHistory."""

from __future__ import annotations

import json
import uuid
from typing import Any

import attrs
import pytest

from leadsdk import Entity, EntityReference, OrganizationService, OrganizationServiceFault
from leadsdk.audit import messages as audit
from leadsdk.entities import AuditAction, AuditOperation
from leadsdk.messages import (
    AttributeAuditDetail,
    CreateMultipleRequest,
    CreateRequest,
    ExecuteTransactionRequest,
    RelationshipAuditDetail,
    RetrieveRecordChangeHistoryRequest,
)
from leadsdk.query import PagingInfo, QueryExpression
from leadsdk.security import SYSTEM_USER_ID
from leadsdk.types import ColumnSet, Money, OptionSetValue


def _history(svc: OrganizationService, table: str, id_: uuid.UUID) -> list[Any]:
    resp = svc.execute(RetrieveRecordChangeHistoryRequest(target=EntityReference(table, id_)))
    return list(resp.audit_detail_collection)


def _actions(svc: OrganizationService, table: str, id_: uuid.UUID) -> list[int]:
    return [d.audit_record["action"].value for d in _history(svc, table, id_)]


def _audit_count(svc: OrganizationService) -> int:
    return len(svc.retrieve_multiple(QueryExpression("audit")).entities)


def test_column_audit_follows_is_audit_enabled(svc: OrganizationService) -> None:
    # AttributeMetadata.IsAuditEnabled decides per column: platform columns every write changes are off in
    # metadata, and a custom column declared with auditing off is left out of the history.
    from leadsdk.entities.declare import string
    from leadsdk.messages import CreateAttributeRequest, RetrieveAttributeRequest

    def flag(column: str) -> bool:
        resp = svc.execute(RetrieveAttributeRequest(entity_logical_name="lead", logical_name=column))
        return bool(resp.attribute_metadata.is_audit_enabled)

    assert [flag(c) for c in ("modifiedon", "modifiedby", "versionnumber", "owningbusinessunit", "subject")] == [
        False, False, False, False, True]
    quiet = attrs.evolve(string("new_scratch", 100, "Scratch"), is_audit_enabled=False)
    svc.execute(CreateAttributeRequest(entity_name="lead", attribute=quiet))
    lid = svc.create(Entity("lead", lastname="Ng", subject="Bikes"))
    svc.update(Entity("lead", lid, {"subject": "Trikes", "new_scratch": "note"}))
    upd = _history(svc, "lead", lid)[0]
    assert upd.new_value is not None and upd.new_value["subject"] == "Trikes"
    assert "new_scratch" not in upd.new_value and "modifiedon" not in upd.new_value


def test_create_update_delete_are_recorded(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="Ng", subject="Bikes", budgetamount=Money(100)))
    svc.update(Entity("lead", lid, {"subject": "Trikes", "budgetamount": Money(250), "lastname": "Ng"}))
    hist = _history(svc, "lead", lid)
    assert [d.audit_record["action"].value for d in hist] == [AuditAction.UPDATE, AuditAction.CREATE]
    upd = hist[0]
    assert isinstance(upd, AttributeAuditDetail)
    assert upd.audit_record["operation"].value == AuditOperation.UPDATE
    assert upd.audit_record["userid"].id == SYSTEM_USER_ID
    assert upd.old_value is not None and upd.new_value is not None
    assert upd.old_value["subject"] == "Bikes" and upd.new_value["subject"] == "Trikes"
    assert upd.old_value["budgetamount"] == Money(100) and upd.new_value["budgetamount"] == Money(250)
    assert "lastname" not in upd.new_value  # unchanged values are not recorded
    assert "modifiedon" not in upd.new_value
    created = hist[1]
    assert created.old_value is None and created.audit_record["createdon"] is not None
    svc.delete("lead", lid)
    hist = _history(svc, "lead", lid)
    assert hist[0].audit_record["action"].value == AuditAction.DELETE
    assert hist[0].new_value is None and hist[0].old_value["subject"] == "Trikes"
    assert len(hist) == 3


def test_updates_of_alternating_column_lists_record_their_old_values(svc: OrganizationService) -> None:
    """Each update's first read is remembered per list of changed columns: updates alternating lists record
    each list's own old values, and an update naming a parent account fills only the lead's empty columns."""
    acc = svc.create(Entity("account", name="Contoso", telephone1="555-acc"))
    lid = svc.create(Entity("lead", lastname="Ng", subject="Bikes", jobtitle="Buyer", telephone1="555-0"))
    steps: list[dict[str, Any]] = [{"jobtitle": "J1"}, {"subject": "S1", "telephone1": "555-1"}, {"jobtitle": "J2"},
                                   {"subject": "S2", "telephone1": "555-2"}]
    for values in steps:
        svc.update(Entity("lead", lid, values))
    svc.update(Entity("lead", lid, {"parentaccountid": EntityReference("account", acc), "jobtitle": "J3"}))
    hist = [d for d in _history(svc, "lead", lid) if d.audit_record["action"].value == AuditAction.UPDATE]
    olds = [{k: v for k, v in d.old_value.attributes.items() if k != "parentaccountid"} for d in reversed(hist)]
    assert olds == [{"jobtitle": "Buyer"}, {"subject": "Bikes", "telephone1": "555-0"}, {"jobtitle": "J1"},
                    {"subject": "S1", "telephone1": "555-1"}, {"jobtitle": "J2"}]
    got = svc.retrieve("lead", lid, ColumnSet("telephone1", "companyname", "jobtitle", "subject"))
    assert got["telephone1"] == "555-2" and got["jobtitle"] == "J3" and got["subject"] == "S2"
    assert got["companyname"] == "Contoso"  # empty on the lead: filled from the account


def test_change_data_json_is_json_dumps() -> None:
    """The change data's encoder (one JSONEncoder made once) writes what `json.dumps` with the same separators
    writes: escapes, non-ASCII text, big integers, floats with NaN and infinities, nested values; and refuses
    what JSON cannot hold."""
    import math

    values: list[Any] = ["a", "é ü 中", '"q"\\n\t', 1, -2**70, 0.1, 1e300, math.nan, math.inf, -math.inf, True,
                         False, None, [1, "x"], {"k": 1.5}]
    data = {"changedAttributes": [{"logicalName": f"c{i}", "oldValue": v, "newValue": v} for i, v in enumerate(values)]}
    assert audit._dumps(data) == json.dumps(data, separators=(",", ":"))
    with pytest.raises(TypeError):
        audit._dumps({"x": object()})


def test_state_change_and_assign(svc: OrganizationService) -> None:
    from leadsdk.messages import SetStateRequest

    lid = svc.create(Entity("lead", lastname="X"))
    svc.execute(SetStateRequest(entity_moniker=EntityReference("lead", lid), state=OptionSetValue(2),
                                status=OptionSetValue(-1)))
    svc.execute(SetStateRequest(entity_moniker=EntityReference("lead", lid), state=OptionSetValue(0),
                                status=OptionSetValue(-1)))
    bu = svc.retrieve_multiple(QueryExpression("businessunit")).entities[0].id
    uid = svc.create(Entity("systemuser", lastname="Owner", domainname="o@x.com",
                            businessunitid=EntityReference("businessunit", bu)))
    svc.update(Entity("lead", lid, {"ownerid": EntityReference("systemuser", uid)}))
    hist = _history(svc, "lead", lid)
    assert [d.audit_record["action"].value for d in hist] == [
        AuditAction.ASSIGN, AuditAction.ACTIVATE, AuditAction.DISQUALIFY, AuditAction.CREATE]
    assign = hist[0]
    assert assign.old_value["ownerid"] == EntityReference("systemuser", SYSTEM_USER_ID)
    assert assign.new_value["ownerid"] == EntityReference("systemuser", uid)
    assert hist[2].new_value["statecode"] == OptionSetValue(2)


def test_associate_and_disassociate(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="X"))
    aid = svc.create(Entity("account", name="Contoso"))
    svc.associate("lead", lid, "accountleads_association", [EntityReference("account", aid)])
    svc.disassociate("lead", lid, "accountleads_association", [EntityReference("account", aid)])
    hist = _history(svc, "lead", lid)
    assert [d.audit_record["action"].value for d in hist[:2]] == [
        AuditAction.DISASSOCIATE_ENTITIES, AuditAction.ASSOCIATE_ENTITIES]
    assert isinstance(hist[1], RelationshipAuditDetail)
    assert hist[1].relationship_name == "accountleads_association"
    assert hist[1].target_records == [EntityReference("account", aid)]
    acc = _history(svc, "account", aid)
    assert acc[0].target_records == [EntityReference("lead", lid)]


def test_switches(svc: OrganizationService) -> None:
    org = svc.retrieve_multiple(QueryExpression("organization")).entities[0]
    before = _audit_count(svc)
    svc.update(Entity("organization", org.id, {"isauditenabled": False}))
    lid = svc.create(Entity("lead", lastname="quiet"))
    svc.update(Entity("lead", lid, {"subject": "quiet"}))
    assert _history(svc, "lead", lid) == []
    svc.update(Entity("organization", org.id, {"isauditenabled": True}))
    svc.metadata.table("lead").is_audit_enabled = False
    try:
        svc.update(Entity("lead", lid, {"subject": "still quiet"}))
        assert _history(svc, "lead", lid) == []
    finally:
        svc.metadata.table("lead").is_audit_enabled = True
    svc.update(Entity("lead", lid, {"subject": "loud"}))
    assert _actions(svc, "lead", lid) == [AuditAction.UPDATE]
    assert _audit_count(svc) > before


def test_audit_rolls_back_with_the_request(svc: OrganizationService) -> None:
    before = _audit_count(svc)
    with pytest.raises(OrganizationServiceFault):
        svc.execute(ExecuteTransactionRequest(requests=[
            CreateRequest(target=Entity("lead", lastname="a")),
            CreateRequest(target=Entity("lead", nosuch="b")),
        ]))
    assert _audit_count(svc) == before


def test_create_multiple_is_audited_per_record(svc: OrganizationService) -> None:
    ids = svc.execute(CreateMultipleRequest(targets=[Entity("lead", lastname=str(i)) for i in range(5)])).ids
    for i in ids:
        assert _actions(svc, "lead", i) == [AuditAction.CREATE]


def test_record_for_other_engines_and_paging(svc: OrganizationService) -> None:

    lid = svc.create(Entity("lead", lastname="X"))
    for n in range(4):
        svc.update(Entity("lead", lid, {"subject": f"s{n}"}))
    resp = svc.execute(RetrieveRecordChangeHistoryRequest(target=EntityReference("lead", lid),
                                                          paging_info=PagingInfo(count=2, page_number=1)))
    coll = resp.audit_detail_collection
    assert len(coll) == 2 and coll.more_records
    assert coll[0].new_value["subject"] == "s3"
    rows = svc.retrieve_multiple(QueryExpression("audit", column_set=ColumnSet("changedata", "attributemask")))
    data = [json.loads(r["changedata"]) for r in rows.entities if r.get("changedata")]
    assert any(c["changedAttributes"][0]["logicalName"] == "subject" for c in data)
    assert callable(audit.record)


def test_history_of_unknown_table_faults(svc: OrganizationService) -> None:
    with pytest.raises(OrganizationServiceFault):
        svc.execute(RetrieveRecordChangeHistoryRequest(target=EntityReference("nosuch", uuid.uuid4())))
    with pytest.raises(OrganizationServiceFault):
        svc.execute(RetrieveRecordChangeHistoryRequest())


def test_merge_is_recorded_in_both_histories(svc: OrganizationService) -> None:
    from leadsdk.messages import MergeRequest

    master = svc.create(Entity("account", name="Contoso"))
    sub = svc.create(Entity("account", name="Contoso Ltd"))
    svc.execute(MergeRequest(target=EntityReference("account", master), subordinate_id=sub,
                             perform_parenting_checks=False))
    assert _actions(svc, "account", master)[0] == AuditAction.MERGE
    assert _actions(svc, "account", sub)[:2] == [AuditAction.MERGE, AuditAction.DEACTIVATE]
