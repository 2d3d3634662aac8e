"""Change tracking: RetrieveEntityChanges between two tokens, tombstones, paging, reopening."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import PG_DSN
from leadsdk import ColumnSet, Entity, ErrorCodes, OrganizationService, OrganizationServiceFault
from leadsdk.messages import BusinessEntityChanges, RetrieveEntityChangesRequest, RetrieveEntityRequest
from leadsdk.query.model import ConditionOperator, PagingInfo, QueryExpression
from leadsdk.storage import SqliteStorage


def changes(svc: OrganizationService, token: str | None, columns: ColumnSet | None = None,
            page: PagingInfo | None = None, entity: str = "lead") -> BusinessEntityChanges:
    req = RetrieveEntityChangesRequest(entity_name=entity, columns=columns or ColumnSet("lastname"),
                                       data_version=token, page_info=page)
    out: BusinessEntityChanges = svc.execute(req).entity_changes
    return out


def summary(bec: BusinessEntityChanges) -> tuple[dict[uuid.UUID, str], set[uuid.UUID]]:
    new = {c.new_or_updated_entity.id: c.new_or_updated_entity["lastname"]
           for c in bec.changes if c.type == "NewOrUpdated" and c.new_or_updated_entity is not None}
    gone = {c.removed_item.id for c in bec.changes if c.type == "RemoveOrDeleted" and c.removed_item is not None}
    return new, gone


def test_flag_in_metadata(svc: OrganizationService) -> None:
    for name in ("lead", "account", "contact", "opportunity"):
        assert svc.execute(RetrieveEntityRequest(logical_name=name)).entity_metadata.change_tracking_enabled
    assert not svc.metadata.table("task").change_tracking_enabled
    with pytest.raises(OrganizationServiceFault) as ei:
        changes(svc, None, entity="task", columns=ColumnSet("subject"))
    assert ei.value.error_code == ErrorCodes.INVALID_ARGUMENT


def test_first_sync_then_creates_updates_deletes_between_tokens(svc: OrganizationService) -> None:
    a = svc.create(Entity("lead", lastname="A", companyname="Co"))
    b = svc.create(Entity("lead", lastname="B"))
    c = svc.create(Entity("lead", lastname="C"))
    first = changes(svc, None)
    assert summary(first) == ({a: "A", b: "B", c: "C"}, set())
    assert not first.more_records and first.data_token
    only = first.changes[0].new_or_updated_entity
    assert only is not None and "companyname" not in only.attributes  # only the asked columns
    # nothing happened: nothing to report, and the token stays usable
    idle = changes(svc, first.data_token)
    assert idle.changes == [] and idle.data_token
    svc.update(Entity("lead", a, lastname="A2"))
    d = svc.create(Entity("lead", lastname="D"))
    svc.delete("lead", b)
    e = svc.create(Entity("lead", lastname="E"))
    svc.delete("lead", e)  # created and deleted since the token: only its deletion is reported
    second = changes(svc, first.data_token)
    assert summary(second) == ({a: "A2", d: "D"}, {b, e})
    versions = [ch.version for ch in second.changes]
    assert versions == sorted(versions)
    third = changes(svc, second.data_token)
    assert summary(third) == ({}, set())
    assert summary(changes(svc, idle.data_token)) == summary(second)


def test_other_tables_changes_and_deletes_stay_apart(svc: OrganizationService) -> None:
    t0 = changes(svc, None).data_token
    acc = svc.create(Entity("account", name="Acc"))
    svc.delete("account", acc)
    assert summary(changes(svc, t0)) == ({}, set())
    got = changes(svc, t0, entity="account", columns=ColumnSet("name"))
    assert [(ch.type, ch.removed_item.id if ch.removed_item else None) for ch in got.changes] == [
        ("RemoveOrDeleted", acc)]


def test_paging_returns_every_change_once(svc: OrganizationService) -> None:
    ids = [svc.create(Entity("lead", lastname=f"L{i}")) for i in range(7)]
    token = changes(svc, None).data_token
    for i in ids[:3]:
        svc.delete("lead", i)
    for i in ids[3:5]:
        svc.update(Entity("lead", i, lastname="upd"))
    new = [svc.create(Entity("lead", lastname=f"N{i}")) for i in range(3)]
    svc.delete("lead", ids[5])
    seen_new: dict[uuid.UUID, str] = {}
    seen_gone: list[uuid.UUID] = []
    page = PagingInfo(count=3, page_number=1)
    pages = 0
    while True:
        got = changes(svc, token, page=page)
        pages += 1
        assert len(got.changes) <= 3
        n, g = summary(got)
        seen_new.update(n)
        seen_gone.extend(g)
        if not got.more_records:
            assert got.data_token and got.paging_cookie is None
            break
        assert got.data_token is None
        page = PagingInfo(count=3, page_number=page.page_number + 1, paging_cookie=got.paging_cookie)
    assert pages == 3
    assert sorted(seen_gone) == sorted([*ids[:3], ids[5]])
    assert seen_new == {ids[3]: "upd", ids[4]: "upd", **{x: f"N{i}" for i, x in enumerate(new)}}
    assert changes(svc, got.data_token).changes == []


def test_bad_tokens_fault(svc: OrganizationService) -> None:
    for bad in ("abc", "-5!x"):
        with pytest.raises(OrganizationServiceFault) as ei:
            changes(svc, bad)
        assert ei.value.error_code == ErrorCodes.INVALID_ARGUMENT


@pytest.fixture
def reopen(backend: str, tmp_path: Path) -> Iterator[Callable[[], OrganizationService]]:
    """Open the same store again and again (a SQLite file, or one PostgreSQL schema)."""
    schema = f"t_ct_{uuid.uuid4().hex[:10]}"

    def open_() -> OrganizationService:
        if backend == "sqlite":
            return OrganizationService(SqliteStorage(tmp_path / "ct.db"))
        from leadsdk.storage.postgres import PostgresStorage

        return OrganizationService(PostgresStorage(PG_DSN, schema=schema))

    yield open_
    if backend == "postgres":
        import psycopg

        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_tokens_survive_reopening(reopen: Callable[[], OrganizationService]) -> None:
    with reopen() as svc:
        a = svc.create(Entity("lead", lastname="A"))
        b = svc.create(Entity("lead", lastname="B"))
        token = changes(svc, None).data_token
    with reopen() as svc:
        svc.delete("lead", a)
        c = svc.create(Entity("lead", lastname="C"))
    with reopen() as svc:
        assert summary(changes(svc, token)) == ({c: "C"}, {a})
        assert b in summary(changes(svc, None))[0]


def test_changes_are_read_through_the_version_index() -> None:
    """The rows after a token are found by the index on versionnumber (SQLite's plan says so)."""
    svc = OrganizationService()
    try:
        storage = svc.storage
        assert isinstance(storage, SqliteStorage)
        q = QueryExpression("lead", column_set=ColumnSet("lastname"))
        q.criteria.add_condition("versionnumber", ConditionOperator.GREATER_THAN, 5)
        q.add_order("versionnumber")
        q.page_info = PagingInfo(count=100, page_number=1)
        cq = storage.compile(q)
        plan = " ".join(str(r[-1]) for r in storage.conn.execute("EXPLAIN QUERY PLAN " + cq.sql, cq.params))
        assert "ix_lead_versionnumber" in plan and "SCAN lead" not in plan.replace("USING INDEX", "")
        tq = QueryExpression("leadsdk_tombstone", column_set=ColumnSet("objectid"))
        tq.criteria.add_condition("deletedversion", ConditionOperator.GREATER_THAN, 5)
        tq.criteria.add_condition("entityname", ConditionOperator.EQUAL, "lead")
        tq.add_order("deletedversion")
        cq = storage.compile(tq)
        plan = " ".join(str(r[-1]) for r in storage.conn.execute("EXPLAIN QUERY PLAN " + cq.sql, cq.params))
        assert "ix_leadsdk_tombstone_deletedversion" in plan
    finally:
        svc.close()


def test_any_sequence_of_writes_is_reported_exactly() -> None:
    """Random creates, updates and deletes after a token, read back with a random page size: every
    record written and still there comes once with its last values, every record deleted comes once."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    svc = OrganizationService()
    ops = st.lists(st.tuples(st.sampled_from(["create", "update", "delete"]), st.integers(0, 30)), max_size=25)

    @settings(max_examples=25, deadline=None)
    @given(ops, st.integers(1, 7))
    def check(steps: list[tuple[str, int]], page_size: int) -> None:
        live = [e.id for e in svc.retrieve_multiple(QueryExpression("lead")).entities]
        token = changes(svc, None, page=PagingInfo(count=5000, page_number=1)).data_token
        written: dict[uuid.UUID, str] = {}
        deleted: set[uuid.UUID] = set()
        for n, (op, pick) in enumerate(steps):
            if op == "create" or not live:
                lid = svc.create(Entity("lead", lastname=f"c{n}"))
                live.append(lid)
                written[lid] = f"c{n}"
            elif op == "update":
                lid = live[pick % len(live)]
                svc.update(Entity("lead", lid, lastname=f"u{n}"))
                written[lid] = f"u{n}"
            else:
                lid = live.pop(pick % len(live))
                svc.delete("lead", lid)
                written.pop(lid, None)
                deleted.add(lid)
        got_new: dict[uuid.UUID, str] = {}
        got_gone: list[uuid.UUID] = []
        page = PagingInfo(count=page_size, page_number=1)
        while True:
            res = changes(svc, token, page=page)
            for ch in res.changes:
                if ch.type == "NewOrUpdated":
                    assert ch.new_or_updated_entity is not None
                    assert ch.new_or_updated_entity.id not in got_new
                    got_new[ch.new_or_updated_entity.id] = ch.new_or_updated_entity["lastname"]
                else:
                    assert ch.removed_item is not None
                    got_gone.append(ch.removed_item.id)
            if not res.more_records:
                break
            page = PagingInfo(count=page_size, page_number=page.page_number + 1, paging_cookie=res.paging_cookie)
        assert got_new == written
        assert sorted(got_gone) == sorted(deleted)

    try:
        check()
    finally:
        svc.close()
