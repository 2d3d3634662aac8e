"""The single update's audit row (upd32): its id made as text on a store keeping ids as text, the old values
kept per (table, id) for several records of one request, the calling user; on both backends."""

from __future__ import annotations

import uuid
from typing import Any

from leadsdk import Entity, EntityReference, OrganizationService
from leadsdk.entities import AuditAction
from leadsdk.messages import (
    AddPrivilegesRoleRequest,
    DeleteRequest,
    ExecuteTransactionRequest,
    RetrieveRecordChangeHistoryRequest,
    UpdateRequest,
)
from leadsdk.plugins import PluginExecutionContext, PluginStage
from leadsdk.query import QueryExpression
from leadsdk.records.ids import new_id, new_id_text
from leadsdk.security import SYSTEM_USER_ID, PrivilegeDepth, RolePrivilege
from leadsdk.storage.base import int_uuid_text, uuid_text
from leadsdk.types import ColumnSet


def test_new_id_text_is_a_new_ids_canonical_text() -> None:
    before = new_id()
    texts = [new_id_text() for _ in range(5000)]  # more than a millisecond's 4,096 counts
    after = new_id()
    ids = [uuid.UUID(t) for t in texts]
    assert [str(i) for i in ids] == texts and len(set(texts)) == 5000
    assert {i.version for i in ids} == {7} and {i.variant for i in ids} == {uuid.RFC_4122}
    assert before.int < ids[0].int and ids == sorted(ids, key=lambda i: i.int) and ids[-1].int < after.int
    for u in (uuid.UUID(int=0), uuid.UUID(int=(1 << 128) - 1), uuid.uuid4(), new_id()):
        assert int_uuid_text(u.int) == str(u) == uuid_text(u)


def _updates(svc: OrganizationService, table: str, id_: uuid.UUID) -> list[Any]:
    resp = svc.execute(RetrieveRecordChangeHistoryRequest(target=EntityReference(table, id_)))
    return [d for d in reversed(list(resp.audit_detail_collection))
            if d.audit_record["action"].value == AuditAction.UPDATE]


def _audit_rows(svc: OrganizationService, id_: uuid.UUID) -> list[Entity]:
    q = QueryExpression("audit", column_set=ColumnSet("auditid", "objectid", "action", "createdon", "userid",
                                                      "callinguserid"))
    rows = [a for a in svc.retrieve_multiple(q).entities if a["objectid"] == id_]
    return sorted(rows, key=lambda a: a["createdon"])


def test_updates_of_several_records_in_one_transaction_record_each_ones_old_values(svc: OrganizationService) -> None:
    a = svc.create(Entity("lead", lastname="A", jobtitle="A0", telephone1="555-a"))
    b = svc.create(Entity("lead", lastname="B", jobtitle="B0"))
    c = svc.create(Entity("account", name="C0"))
    svc.execute(ExecuteTransactionRequest(requests=[
        UpdateRequest(target=Entity("lead", a, jobtitle="A1", telephone1="555-a1")),
        UpdateRequest(target=Entity("lead", b, jobtitle="B1")),
        UpdateRequest(target=Entity("lead", a, jobtitle="A2")),
        UpdateRequest(target=Entity("account", c, name="C1")),
        DeleteRequest(target=EntityReference("account", c)),
    ]))
    got = [(dict(d.old_value.attributes), dict(d.new_value.attributes)) for d in _updates(svc, "lead", a)]
    assert got == [({"jobtitle": "A0", "telephone1": "555-a"}, {"jobtitle": "A1", "telephone1": "555-a1"}),
                   ({"jobtitle": "A1"}, {"jobtitle": "A2"})]
    got = [(dict(d.old_value.attributes), dict(d.new_value.attributes)) for d in _updates(svc, "lead", b)]
    assert got == [({"jobtitle": "B0"}, {"jobtitle": "B1"})]
    history = list(svc.execute(RetrieveRecordChangeHistoryRequest(
        target=EntityReference("account", c))).audit_detail_collection)
    assert [d.audit_record["action"].value for d in history] == [AuditAction.DELETE, AuditAction.UPDATE,
                                                                  AuditAction.CREATE]
    assert history[0].old_value["name"] == "C1" and history[1].old_value["name"] == "C0"
    rows = _audit_rows(svc, a)  # the create's and the updates' rows: version-7 ids, in the order made
    ids = [r["auditid"] for r in rows]
    assert len(rows) == 3 and all(type(i) is uuid.UUID and i.version == 7 for i in ids)
    assert [i.int for i in ids] == sorted(i.int for i in ids) and {r.id for r in rows} == set(ids)
    assert all(r["userid"].id == SYSTEM_USER_ID and r.get("callinguserid") is None for r in rows)


def _user(svc: OrganizationService, last: str) -> uuid.UUID:
    """A user whose role may read and write leads (organization-wide)."""
    bu = svc.retrieve_multiple(QueryExpression("businessunit")).entities[0].id
    uid = svc.create(Entity("systemuser", lastname=last, domainname=f"{last.lower()}@example.com",
                            businessunitid=EntityReference("businessunit", bu)))
    rid = svc.create(Entity("role", name=f"{last} role", businessunitid=EntityReference("businessunit", bu)))
    rights = ("Create", "Read", "Write", "Append", "AppendTo")
    svc.execute(AddPrivilegesRoleRequest(role_id=rid, privileges=[
        RolePrivilege(f"prv{a}Lead", PrivilegeDepth.GLOBAL) for a in rights]))
    svc.associate("systemuser", uid, "systemuserroles_association", [EntityReference("role", rid)])
    return uid


def test_update_audit_row_names_the_calling_user_only_when_another(svc: OrganizationService) -> None:
    seller, other = _user(svc, "Seller"), _user(svc, "Other")
    first = svc.create(Entity("lead", lastname="First", jobtitle="F0"))
    second = svc.create(Entity("lead", lastname="Second", jobtitle="S0"))

    def touch_second(c: PluginExecutionContext) -> None:
        if c.primary_entity_id == first:
            c.service.as_user(other).update(Entity("lead", second, jobtitle="S1"))

    svc.register_plugin("Update", "lead", PluginStage.POST_OPERATION, touch_second)
    svc.as_user(seller).update(Entity("lead", first, jobtitle="F1"))
    mine, nested = _audit_rows(svc, first)[-1], _audit_rows(svc, second)[-1]
    assert mine["action"].value == AuditAction.UPDATE and nested["action"].value == AuditAction.UPDATE
    assert mine["userid"].id == seller and mine.get("callinguserid") is None
    assert nested["userid"].id == other and nested["callinguserid"].id == seller
    assert [dict(d.new_value.attributes) for d in _updates(svc, "lead", second)] == [{"jobtitle": "S1"}]


def test_get_without_names_reads_the_same_row_but_the_lookup_names(svc: OrganizationService) -> None:
    """An update's first read skips the lookups' names (a LEFT JOIN per target table): the same ids and
    polymorphic types as the named read; an update then still records the owner's change as "table,id"."""
    acc = svc.create(Entity("account", name="Contoso"))
    lid = svc.create(Entity("lead", lastname="N", jobtitle="J0", parentaccountid=EntityReference("account", acc)))
    t = svc.metadata.table("lead")
    cols = ("ownerid", "parentaccountid", "jobtitle", "statecode")
    named, bare = svc.storage.get(t, lid, cols), svc.storage.get(t, lid, cols, names=False)
    assert named is not None and bare is not None
    assert named["parentaccountid@name"] == "Contoso" and named["ownerid@name"] == "SYSTEM"
    assert not any(k.endswith("@name") for k in bare)
    assert bare == {k: v for k, v in named.items() if not k.endswith("@name")}
    assert bare["ownerid@type"] == "systemuser" and bare["parentaccountid"] == acc
    seller = _user(svc, "Seller")
    svc.update(Entity("lead", lid, ownerid=EntityReference("systemuser", seller), jobtitle="J1"))
    got = svc.retrieve("lead", lid, ColumnSet("ownerid", "jobtitle"))
    assert got["ownerid"].id == seller and got["ownerid"].name == "Seller" and got["jobtitle"] == "J1"
    change = next(iter(svc.execute(RetrieveRecordChangeHistoryRequest(
        target=EntityReference("lead", lid))).audit_detail_collection))  # the newest
    assert change.audit_record["action"].value == AuditAction.ASSIGN
    assert change.old_value["ownerid"].id == SYSTEM_USER_ID and change.new_value["ownerid"].id == seller
    assert change.old_value["jobtitle"] == "J0" and change.new_value["jobtitle"] == "J1"
