"""An update's first read (its `existing` row), and the audit's read of a record before its delete, take
the lookups' ids without their names: no join of a target table. What the rules read from them (state,
owner, old values for audit, the lead's autofill columns) stays the same, for Update, UpdateMultiple and
Delete, on both backends."""

from __future__ import annotations

import json
import sqlite3
import uuid

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService
from leadsdk.messages import UpdateMultipleRequest
from leadsdk.query.model import ConditionOperator, QueryExpression


def _changes(svc: OrganizationService, table: str, id_: uuid.UUID) -> list[dict[str, str | None]]:
    """The changed attributes of the record's update audit rows, oldest first."""
    q = QueryExpression("audit", column_set=ColumnSet("changedata", "createdon", "action"))
    q.criteria.add_condition("objectid", ConditionOperator.EQUAL, id_)
    q.criteria.add_condition("objecttypecode", ConditionOperator.EQUAL, table)
    rows = sorted(svc.retrieve_multiple(q).entities, key=lambda e: e["createdon"])
    out: list[dict[str, str | None]] = []
    for r in rows:
        if r.get("changedata"):
            out.extend(json.loads(r["changedata"])["changedAttributes"])
    return out


def test_get_without_names_reads_ids_and_type_columns_only(svc: OrganizationService) -> None:
    """`names=False`: the same values and `@type` keys as a read with names, no `@name` keys (get and
    get_many alike); the default still names the lookups."""
    acc = svc.create(Entity("account", name="Acme"))
    lid = svc.create(Entity("lead", lastname="L", parentaccountid=EntityReference("account", acc)))
    t = svc.metadata.table("lead")
    cols = ["parentaccountid", "ownerid", "lastname", "statecode"]
    named = svc.storage.get(t, lid, cols)
    assert named is not None and named["parentaccountid@name"] == "Acme" and "ownerid@name" in named
    for bare in (svc.storage.get(t, lid, cols, names=False), svc.storage.get_many(t, [lid], cols, names=False)[0]):
        assert bare is not None
        assert bare == {k: v for k, v in named.items() if not k.endswith("@name")}
        assert bare["parentaccountid"] == acc and bare["ownerid@type"] == "systemuser"
    assert svc.storage.get(t, uuid.uuid4(), cols, names=False) is None


def test_updates_audit_lookups_and_owner_as_before(svc: OrganizationService) -> None:
    """Old values of lookups (as "table,id"), an owner change (Assign) and a state change read from the
    name-less first read, by Update and by UpdateMultiple."""
    a1 = svc.create(Entity("account", name="One"))
    a2 = svc.create(Entity("account", name="Two"))
    c1 = svc.create(Entity("contact", lastname="C"))
    lid = svc.create(Entity("lead", lastname="L", parentaccountid=EntityReference("account", a1)))
    svc.update(Entity("lead", lid, parentaccountid=EntityReference("account", a2), subject="s"))
    got = {c["logicalName"]: (c["oldValue"], c["newValue"]) for c in _changes(svc, "lead", lid)}
    assert got["parentaccountid"] == (f"account,{a1}", f"account,{a2}")
    assert got["subject"] == (None, "s")
    svc.execute(UpdateMultipleRequest(targets=[Entity("lead", lid, parentcontactid=EntityReference("contact", c1),
                                                      parentaccountid=None)]))
    got = {c["logicalName"]: (c["oldValue"], c["newValue"]) for c in _changes(svc, "lead", lid)[2:]}
    assert got["parentaccountid"] == (f"account,{a2}", None)
    assert got["parentcontactid"] == (None, f"contact,{c1}")
    stored = svc.retrieve("lead", lid, ColumnSet("parentcontactid", "parentaccountid"))
    assert stored["parentcontactid"].name == "C" and stored.get("parentaccountid") is None
    bu = svc.retrieve_multiple(QueryExpression("businessunit")).entities[0].id
    user = svc.create(Entity("systemuser", firstname="U", lastname="Two",
                             businessunitid=EntityReference("businessunit", bu)))
    svc.update(Entity("lead", lid, ownerid=EntityReference("systemuser", user)))
    owner = [c for c in _changes(svc, "lead", lid) if c["logicalName"] == "ownerid"]
    assert owner and owner[-1]["newValue"] == f"systemuser,{user}" and owner[-1]["oldValue"] != owner[-1]["newValue"]
    assert str(owner[-1]["oldValue"]).startswith("systemuser,")
    assert svc.retrieve("lead", lid, ColumnSet("ownerid"))["ownerid"].id == user


def test_update_pre_image_joins_no_table(sqlite_svc: OrganizationService) -> None:
    """On SQLite: the update's read of the lead is one statement on the lead's table alone."""
    svc = sqlite_svc
    acc = svc.create(Entity("account", name="Acme"))
    lid = svc.create(Entity("lead", lastname="L", parentaccountid=EntityReference("account", acc)))
    seen: list[str] = []
    conn = svc.storage.conn  # type: ignore[attr-defined]
    assert isinstance(conn, sqlite3.Connection)
    conn.set_trace_callback(seen.append)
    try:
        svc.update(Entity("lead", lid, subject="s", parentaccountid=None))
    finally:
        conn.set_trace_callback(None)
    reads = [s for s in seen if s.startswith('SELECT "lead"."leadid"')]
    assert len(reads) == 1 and " JOIN " not in reads[0] and '"lead"."parentaccountid"' in reads[0]
    got = {c["logicalName"]: (c["oldValue"], c["newValue"]) for c in _changes(svc, "lead", lid)}
    assert got["parentaccountid"] == (f"account,{acc}", None)


def test_delete_audits_lookups_from_a_read_without_names(backend: str, svc: OrganizationService) -> None:
    """A delete's audit row (its old values, lookups as "table,id") comes from a read that joins no
    target table."""
    acc = svc.create(Entity("account", name="Acme"))
    lid = svc.create(Entity("lead", lastname="L", subject="S", parentaccountid=EntityReference("account", acc)))
    seen: list[str] = []
    conn = svc.storage.conn if backend == "sqlite" else None  # type: ignore[attr-defined]
    if isinstance(conn, sqlite3.Connection):
        conn.set_trace_callback(seen.append)
    try:
        svc.delete("lead", lid)
    finally:
        if isinstance(conn, sqlite3.Connection):
            conn.set_trace_callback(None)
    q = QueryExpression("audit", column_set=ColumnSet("changedata", "action"))
    q.criteria.add_condition("objectid", ConditionOperator.EQUAL, lid)
    q.criteria.add_condition("action", ConditionOperator.EQUAL, 3)
    rows = svc.retrieve_multiple(q).entities
    assert len(rows) == 1
    got = {c["logicalName"]: c["oldValue"] for c in json.loads(rows[0]["changedata"])["changedAttributes"]}
    assert got["parentaccountid"] == f"account,{acc}" and got["subject"] == "S" and got["lastname"] == "L"
    assert str(got["ownerid"]).startswith("systemuser,")
    if isinstance(conn, sqlite3.Connection):
        reads = [s for s in seen if s.startswith('SELECT "lead"."leadid"')]
        assert reads and all(" JOIN " not in s for s in reads)
