"""The PostgreSQL backend: faults, types, schemas left behind, concurrency, migration between backends.

Tests using `svc` run on both backends; the others need PostgreSQL and skip without it.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import _PG_REASON, PG_DSN, make_storage
from leadsdk import Entity, EntityReference, ErrorCodes, Money, OrganizationService, OrganizationServiceFault
from leadsdk.messages import ConcurrencyBehavior, UpdateRequest
from leadsdk.query.model import ConditionOperator as C
from leadsdk.query.model import OrderType, QueryExpression
from leadsdk.storage import SqliteStorage
from leadsdk.storage.migrate import copy_store
from leadsdk.types import ColumnSet

needs_pg = pytest.mark.skipif(_PG_REASON is not None, reason=str(_PG_REASON))
UTC = dt.timezone.utc
MATCH = ConcurrencyBehavior.IF_ROW_VERSION_MATCHES


def _pg_schemas() -> set[str]:
    import psycopg

    with psycopg.connect(PG_DSN, autocommit=True) as c:
        return {r[0] for r in c.execute("SELECT nspname FROM pg_namespace")}


# values ------------------------------------------------------------------------------------------
def test_values_round_trip_exactly(svc: OrganizationService) -> None:
    when = dt.datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    lid = svc.create(Entity("lead", lastname="Ng", revenue=Money(Decimal("1234567.89")), overriddencreatedon=when,
                            estimatedclosedate=dt.date(2024, 2, 29), donotemail=True, numberofemployees=1_000_000_000,
                            address1_latitude=47.6062))
    e = svc.retrieve("lead", lid)
    assert e["revenue"] == Money(Decimal("1234567.89"))
    assert e["donotemail"] is True and e["numberofemployees"] == 1_000_000_000
    assert e["address1_latitude"] == 47.6062 and e["estimatedclosedate"] == dt.date(2024, 2, 29)
    got = e["createdon"]
    assert got.utcoffset() == dt.timedelta(0) and got == when
    note = svc.create(Entity("annotation", subject="bytes", objectid=EntityReference("lead", lid),
                             documentbody="AAEC/w==", filename="x.bin", mimetype="application/octet-stream"))
    assert svc.retrieve("annotation", note)["documentbody"] == "AAEC/w=="


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                    max_size=40))
def test_text_round_trips_and_matches_case_insensitively(svc: OrganizationService, text: str) -> None:
    lid = svc.create(Entity("lead", lastname="t", subject=text))
    assert svc.retrieve("lead", lid, ColumnSet("subject")).get("subject") == (text or None)  # "" is stored as null
    if text:
        q = QueryExpression("lead")
        # SQLite's NOCASE folds ASCII letters only
        probe = text.upper() if text.isascii() else text
        q.criteria.add_condition("subject", C.EQUAL, probe)
        q.criteria.add_condition("leadid", C.EQUAL, lid)
        assert [r.id for r in svc.retrieve_multiple(q).entities] == [lid]
    svc.delete("lead", lid)


def test_like_escapes_and_null_ordering(svc: OrganizationService) -> None:
    for name in ("100% sure", "100 percent", "a_b", "ab", None):
        svc.create(Entity("lead", lastname="x", subject=name))
    q = QueryExpression("lead")
    q.column_set = ColumnSet("subject")
    q.criteria.add_condition("subject", C.CONTAINS, "0%")
    assert [e["subject"] for e in svc.retrieve_multiple(q).entities] == ["100% sure"]
    q = QueryExpression("lead")
    q.column_set = ColumnSet("subject")
    q.criteria.add_condition("subject", C.BEGINS_WITH, "A_")
    assert [e.get("subject") for e in svc.retrieve_multiple(q).entities] == ["a_b"]
    q = QueryExpression("lead")
    q.column_set = ColumnSet("subject")
    q.add_order("subject", OrderType.ASCENDING)
    # SQL Server order: NULL first ascending, case-insensitive
    assert [e.get("subject") for e in svc.retrieve_multiple(q).entities] == [
        None, "100 percent", "100% sure", "a_b", "ab"]


def test_unique_violation_is_duplicate_record(svc: OrganizationService) -> None:
    st_ = svc.storage
    t = svc.metadata.table("accountleads")
    a, b = uuid.uuid4(), uuid.uuid4()
    cols = [c for c in t.attributes if c != t.primary_id_attribute]
    with st_.transaction():
        st_.insert(t, {t.primary_id_attribute: uuid.uuid4(), cols[0]: a, cols[1]: b})
    with pytest.raises(OrganizationServiceFault) as ei, st_.transaction():
        st_.insert(t, {t.primary_id_attribute: uuid.uuid4(), cols[0]: a, cols[1]: b})
    assert ei.value.error_code == ErrorCodes.DUPLICATE_RECORD
    assert st_.count(t) == 1


def test_failed_nested_request_leaves_outer_transaction_usable(svc: OrganizationService) -> None:
    st_ = svc.storage
    t = svc.metadata.table("accountleads")
    cols = [c for c in t.attributes if c != t.primary_id_attribute]
    a, b = uuid.uuid4(), uuid.uuid4()
    with st_.transaction():
        st_.insert(t, {t.primary_id_attribute: uuid.uuid4(), cols[0]: a, cols[1]: b})
        with pytest.raises(OrganizationServiceFault), st_.transaction():
            st_.insert(t, {t.primary_id_attribute: uuid.uuid4(), cols[0]: a, cols[1]: b})
        st_.insert(t, {t.primary_id_attribute: uuid.uuid4(), cols[0]: a, cols[1]: uuid.uuid4()})
    assert st_.count(t) == 2


# PostgreSQL only ------------------------------------------------------------------------------------
@needs_pg
def test_connection_failure_is_a_clean_fault() -> None:
    from leadsdk.storage.postgres import PostgresStorage

    with pytest.raises(OrganizationServiceFault) as ei:
        PostgresStorage("postgresql://postgres:secret@127.0.0.1:1/test", connect_timeout=1)
    assert ei.value.error_code == ErrorCodes.SQL_ERROR
    assert ei.value.error_details.get("retryable") is True
    assert "secret" not in ei.value.message


@needs_pg
def test_bad_schema_name_and_isolation_are_rejected() -> None:
    from leadsdk.storage.postgres import PostgresStorage

    for kw in ({"schema": 'x"; drop table lead; --'}, {"isolation": "chaos"}):
        with pytest.raises(OrganizationServiceFault) as ei:
            PostgresStorage(PG_DSN, **kw)  # type: ignore[arg-type]
        assert ei.value.error_code == ErrorCodes.INVALID_ARGUMENT


@needs_pg
def test_lock_timeout_is_retryable(pg: OrganizationService) -> None:
    import psycopg

    from leadsdk.storage.postgres import PostgresStorage

    lid = pg.create(Entity("lead", lastname="locked"))
    schema = pg.storage.schema  # type: ignore[attr-defined]
    quick = OrganizationService(PostgresStorage(PG_DSN, schema=schema, lock_timeout=0.2))
    try:
        with psycopg.connect(PG_DSN, options=f"-c search_path={schema}") as holder:
            holder.execute("SELECT 1 FROM lead WHERE leadid = %s FOR UPDATE", (lid,))
            with pytest.raises(OrganizationServiceFault) as ei:
                quick.update(Entity("lead", lid, {"lastname": "waits"}))
            assert ei.value.error_code == ErrorCodes.THROTTLING
            assert ei.value.error_details == {"retryable": True}
            holder.rollback()
        quick.update(Entity("lead", lid, {"lastname": "free"}))
        assert pg.retrieve("lead", lid)["lastname"] == "free"
    finally:
        quick.close()


@needs_pg
def test_throwaway_schemas_are_dropped() -> None:
    from leadsdk.storage.pg_spares import flush_background_work
    from leadsdk.storage.postgres import PostgresStorage

    before = _pg_schemas()
    name = f"t_{uuid.uuid4().hex[:12]}"
    s = OrganizationService(PostgresStorage(PG_DSN, schema=name, drop_schema_on_close=True))
    s.create(Entity("lead", lastname="gone"))
    assert name in _pg_schemas()
    s.close()
    flush_background_work(drop_spares=True)
    after = _pg_schemas()
    assert name not in after
    # other processes (parallel test runs) may make schemas of their own meanwhile: look at ours only
    mine = f"leadsdk_spare_{os.getpid()}_"
    assert not [n for n in after if n.startswith(mine)]
    assert before >= {n for n in after if n.startswith(mine) or n == name}


@needs_pg
def test_schema_sync_adds_missing_columns(pg: OrganizationService) -> None:
    from leadsdk.storage.postgres import PostgresStorage

    st_ = pg.storage
    schema = st_.schema  # type: ignore[attr-defined]
    st_._script('ALTER TABLE "lead" DROP COLUMN "jobtitle"')  # type: ignore[attr-defined]
    again = OrganizationService(PostgresStorage(PG_DSN, schema=schema))
    try:
        lid = again.create(Entity("lead", lastname="x", jobtitle="CTO"))
        assert again.retrieve("lead", lid)["jobtitle"] == "CTO"
    finally:
        again.close()


# concurrency ---------------------------------------------------------------------------------------
def _threads(n: int, fn: Any) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            fn(i)
        except BaseException as e:
            errors.append(e)

    ts = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return errors


def test_concurrent_versioned_increments_lose_nothing(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="counter", numberofemployees=0))
    done = [0]
    lock = threading.Lock()

    def worker(_: int) -> None:
        for _ in range(10):
            while True:
                cur = svc.retrieve("lead", lid, ColumnSet("numberofemployees", "versionnumber"))
                e = Entity("lead", lid, {"numberofemployees": cur["numberofemployees"] + 1})
                e.row_version = cur.row_version
                try:
                    svc.execute(UpdateRequest(target=e, concurrency_behavior=MATCH))
                except OrganizationServiceFault as f:
                    assert f.error_code in (ErrorCodes.CONCURRENCY_VERSION_MISMATCH, ErrorCodes.THROTTLING)
                    continue
                with lock:
                    done[0] += 1
                break

    assert _threads(6, worker) == []
    assert done[0] == 60
    assert svc.retrieve("lead", lid)["numberofemployees"] == 60


def test_concurrent_qualify_of_one_lead_happens_once(svc: OrganizationService) -> None:
    lifecycle = pytest.importorskip("leadsdk.lifecycle.messages")
    leads = [svc.create(Entity("lead", lastname=f"L{i}", companyname=f"Co{i}", subject="s")) for i in range(5)]
    wins: list[uuid.UUID] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        lead = leads[i % len(leads)]
        try:
            svc.execute(lifecycle.QualifyLeadRequest(lead_id=EntityReference("lead", lead), create_account=True,
                                                     create_opportunity=True, status=3))
        except OrganizationServiceFault as f:
            assert f.error_code in (ErrorCodes.LEAD_ALREADY_IN_CLOSED_STATE, ErrorCodes.THROTTLING), f
            return
        with lock:
            wins.append(lead)

    assert _threads(15, worker) == []
    assert sorted(wins) == sorted(leads)  # every lead exactly once
    for lead in leads:
        q = QueryExpression("opportunity")
        q.criteria.add_condition("originatingleadid", C.EQUAL, lead)
        assert len(svc.retrieve_multiple(q).entities) == 1
    assert svc.storage.count(svc.metadata.table("account")) == len(leads)  # no orphans from losers


@pytest.mark.slow
def test_eight_writers_qualify_distinct_leads(svc: OrganizationService) -> None:
    lifecycle = pytest.importorskip("leadsdk.lifecycle.messages")
    n = 80
    leads = [svc.create(Entity("lead", lastname=f"W{i}", companyname=f"Firm{i}", subject="s")) for i in range(n)]

    def worker(w: int) -> None:
        for lead in leads[w::8]:
            while True:
                try:
                    svc.execute(lifecycle.QualifyLeadRequest(
                        lead_id=EntityReference("lead", lead), create_account=True, create_contact=True,
                        create_opportunity=True, status=3))
                    break
                except OrganizationServiceFault as f:
                    if not f.error_details.get("retryable"):
                        raise

    assert _threads(8, worker) == []
    md, st_ = svc.metadata, svc.storage
    assert st_.count(md.table("opportunity")) == n
    assert st_.count(md.table("account")) == n
    assert st_.count(md.table("contact")) == n
    q = QueryExpression("lead")
    q.criteria.add_condition("statecode", C.EQUAL, 1)
    assert len(svc.retrieve_multiple(q).entities) == n


# migration -----------------------------------------------------------------------------------------
def _fill(svc: OrganizationService) -> dict[str, Any]:
    acc = svc.create(Entity("account", name="Contoso", revenue=Decimal("10.50")))
    lid = svc.create(Entity("lead", lastname="Mig", companyname="Contoso", subject="move me",
                            parentaccountid=EntityReference("account", acc)))
    note = svc.create(Entity("annotation", subject="n", notetext="hello", objectid=EntityReference("lead", lid),
                             documentbody="AAEC/w==", filename="a.bin"))
    svc.associate("account", acc, "accountleads_association", [EntityReference("lead", lid)])
    return {"lead": lid, "account": acc, "note": note}


def _snapshot(svc: OrganizationService) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for t in svc.metadata:
        rows = list(svc.storage.scan(t))  # type: ignore[attr-defined]
        out[t.logical_name] = sorted(rows, key=lambda r: str(r[t.primary_id_attribute]))
    return out


@needs_pg
def test_copy_sqlite_to_postgres_and_back(tmp_path: Path) -> None:
    src = OrganizationService.open(tmp_path / "a.db")
    ids = _fill(src)
    want = _snapshot(src)
    pg_store = make_storage("postgres")
    seen: list[tuple[str, int, int]] = []
    try:
        counts = copy_store(src.storage, pg_store, batch=2, progress=lambda t, n, total: seen.append((t, n, total)))
        assert counts["lead"] == 1 and counts["annotation"] == 1
        assert ("systemuser", 1, 1) in seen
        pg_svc = OrganizationService(pg_store)
        assert _snapshot(pg_svc) == want
        note = pg_svc.retrieve("annotation", ids["note"])
        assert note["documentbody"] == "AAEC/w==" and note["objectid"].id == ids["lead"]
        lead = pg_svc.retrieve("lead", ids["lead"])
        assert lead.row_version == src.retrieve("lead", ids["lead"]).row_version
        # new versions keep growing past the copied ones
        pg_svc.update(Entity("lead", ids["lead"], {"subject": "moved"}))
        assert int(pg_svc.retrieve("lead", ids["lead"]).row_version or 0) > int(lead.row_version or 0)
        back = OrganizationService(SqliteStorage(tmp_path / "b.db"))
        copy_store(pg_store, back.storage)
        back.close()
        back = OrganizationService.open(tmp_path / "b.db")
        assert back.retrieve("lead", ids["lead"])["subject"] == "moved"
        assert _snapshot(back)["annotation"] == want["annotation"]
        back.close()
    finally:
        src.close()
        pg_store.close()


def test_copy_between_sqlite_stores_replaces_target(tmp_path: Path) -> None:
    src = OrganizationService.open(tmp_path / "a.db")
    _fill(src)
    dst = OrganizationService.open(tmp_path / "b.db")
    dst.create(Entity("lead", lastname="only in target"))
    copy_store(src.storage, dst.storage)
    assert _snapshot(dst) == _snapshot(src)
    with pytest.raises(OrganizationServiceFault):
        copy_store(src.storage, dst.storage, batch=0)
    src.close()
    dst.close()
