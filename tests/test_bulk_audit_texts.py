"""A bulk create's audit rows name their records with the texts the store just wrote for them (SQLite),
and the id texts' layout: the same stored rows and audit rows on both backends."""

from __future__ import annotations

import random
import struct
import uuid

from leadsdk import Entity, OrganizationService
from leadsdk.messages import CreateMultipleRequest
from leadsdk.query import QueryExpression
from leadsdk.storage.base import uuid_texts, uuid_texts_of_halves
from leadsdk.storage.sqlite import SqliteStorage
from leadsdk.types import ColumnSet, EntityReference


def _halves(ids: list[uuid.UUID]) -> tuple[bytes, bytes]:
    n = len(ids)
    return (struct.pack(f">{n}Q", *[i.int >> 64 for i in ids]),
            struct.pack(f">{n}Q", *[i.int & ((1 << 64) - 1) for i in ids]))


def test_id_texts_at_every_length_and_digit() -> None:
    rnd = random.Random(7)
    edge = [uuid.UUID(int=0), uuid.UUID(int=(1 << 128) - 1), uuid.UUID("0123456789abcdef0123456789abcdef"),
            uuid.UUID("fedcba98-7654-3210-fedc-ba9876543210")]
    for n in [*range(0, 41), 257, 2001]:
        ids = (edge + [uuid.UUID(int=rnd.getrandbits(128)) for _ in range(n)])[:n]
        want = [str(i) for i in ids]
        assert uuid_texts(ids) == want
        assert uuid_texts_of_halves(*_halves(ids)) == want


def test_written_id_texts_only_for_the_same_id_objects() -> None:
    svc = OrganizationService(SqliteStorage())
    try:
        ids = list(svc.execute(CreateMultipleRequest(
            targets=[Entity("lead", lastname=f"L{i}") for i in range(50)])).ids)
        st = svc.storage
        assert isinstance(st, SqliteStorage) and st.text_ids
        assert st.written_id_texts(ids) == [str(i) for i in ids]
        assert st.written_id_texts([uuid.UUID(int=i.int) for i in ids]) is None  # equal, not the same objects
        assert st.written_id_texts(ids[:49]) is None
        assert SqliteStorage().written_id_texts(ids) is None  # a store that wrote nothing yet
    finally:
        svc.close()


def _audit_objectids(svc: OrganizationService) -> list[uuid.UUID]:
    q = QueryExpression("audit", column_set=ColumnSet("objectid", "objecttypecode", "action", "auditid"))
    rows = [a for a in svc.retrieve_multiple(q).entities if a["objecttypecode"] == "lead"]
    assert {a["action"].value for a in rows} == {1}
    assert len({a["auditid"] for a in rows}) == len(rows)
    return [a["objectid"] for a in rows]


def test_audit_rows_of_column_and_row_chunks_name_every_record(svc: OrganizationService) -> None:
    n = 4500  # chunks of 2,000: the first and the last by columns, the second row by row (one record differs)
    targets = [Entity("lead", lastname=f"L{i}", subject=f"S{i % 7}") for i in range(n)]
    targets[2100]["firstname"] = "F"
    ids = list(svc.execute(CreateMultipleRequest(targets=targets)).ids)
    assert len(set(ids)) == n
    got = _audit_objectids(svc)
    assert sorted(got) == sorted(ids) and all(type(i) is uuid.UUID for i in got)
    stored = {e.id: e for e in svc.retrieve_multiple(QueryExpression(
        "lead", column_set=ColumnSet("lastname", "firstname", "fullname"))).entities}
    assert [stored[i]["lastname"] for i in ids] == [f"L{i}" for i in range(n)]
    assert stored[ids[2100]]["fullname"] == "F L2100" and stored[ids[0]].get("firstname") is None
    if isinstance(svc.storage, SqliteStorage):  # stored as the canonical texts, as a single create stores them
        texts = {r[0] for r in svc.storage.conn.execute("SELECT objectid FROM audit WHERE objecttypecode = 'lead'")}
        assert texts == {str(i) for i in ids}


def _leads_by_id(svc: OrganizationService) -> dict[uuid.UUID, Entity]:
    return {e.id: e for e in svc.retrieve_multiple(QueryExpression(
        "lead", column_set=ColumnSet("lastname", "parentaccountid"))).entities}


def test_bulk_lookups_by_references_equal_but_not_the_same_objects(svc: OrganizationService) -> None:
    accounts = list(svc.execute(CreateMultipleRequest(targets=[Entity("account", name=f"A{k}")
                                                               for k in range(3)])).ids)
    n = 600  # each account named by many references, each with its own UUID object
    targets = [Entity("lead", lastname=f"L{i}",
                      parentaccountid=EntityReference("account", uuid.UUID(str(accounts[i % 3]))))
               for i in range(n)]
    seen: list[str] = []
    st = svc.storage
    if isinstance(st, SqliteStorage):
        st.conn.set_trace_callback(seen.append)
    ids = list(svc.execute(CreateMultipleRequest(targets=targets)).ids)
    if isinstance(st, SqliteStorage):
        st.conn.set_trace_callback(None)
        # the batch's lookups checked by one statement (the column path), not record by record
        assert len([s for s in seen if s.startswith('SELECT "accountid" FROM "account"')]) == 1
    stored = _leads_by_id(svc)
    assert [(stored[i]["lastname"], stored[i]["parentaccountid"].id) for i in ids] == \
        [(f"L{i}", accounts[i % 3]) for i in range(n)]
    assert sorted(_audit_objectids(svc)) == sorted(ids)


def test_bulk_lookup_column_with_empty_references(svc: OrganizationService) -> None:
    account = svc.create(Entity("account", name="A"))
    targets = [Entity("lead", lastname=f"L{i}",
                      parentaccountid=EntityReference("account", account) if i % 4 else None) for i in range(40)]
    ids = list(svc.execute(CreateMultipleRequest(targets=targets)).ids)
    stored = _leads_by_id(svc)
    assert [stored[i].get("parentaccountid") for i in ids] == \
        [EntityReference("account", account) if i % 4 else None for i in range(40)]
    assert sorted(_audit_objectids(svc)) == sorted(ids)


def test_bulk_flags_stored_as_a_single_create_stores_them(svc: OrganizationService) -> None:
    targets = [Entity("lead", lastname=f"L{i}", donotemail=bool(i % 3), decisionmaker=i % 2 == 0) for i in range(30)]
    ids = list(svc.execute(CreateMultipleRequest(targets=targets)).ids)
    one = svc.create(Entity("lead", lastname="single", donotemail=True, decisionmaker=False))
    stored = {e.id: e for e in svc.retrieve_multiple(QueryExpression(
        "lead", column_set=ColumnSet("donotemail", "decisionmaker"))).entities}
    assert [(stored[i]["donotemail"], stored[i]["decisionmaker"]) for i in ids] == \
        [(bool(i % 3), i % 2 == 0) for i in range(30)]
    assert all(type(stored[i]["donotemail"]) is bool for i in ids)
    if isinstance(svc.storage, SqliteStorage):
        rows = dict(svc.storage.conn.execute("SELECT leadid, donotemail FROM lead"))
        assert {rows[str(i)] for i in ids} == {0, 1} and rows[str(one)] == 1
        assert all(type(rows[str(i)]) is int for i in ids)
