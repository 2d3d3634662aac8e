"""BulkDelete system jobs: the asyncoperation record, deleting through the pipeline in batches,
background or synchronous runs, failures, cancellation midway leaving a consistent store."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import PG_DSN
from leadsdk import (
    ColumnSet,
    Entity,
    EntityReference,
    ErrorCodes,
    OptionSetValue,
    OrganizationService,
    OrganizationServiceFault,
)
from leadsdk.jobs import cancel_job
from leadsdk.messages import BulkDeleteRequest, CreateMultipleRequest
from leadsdk.plugins import InvalidPluginExecutionException, PluginExecutionContext, PluginStage
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.storage import SqliteStorage


def leads_with_notes(svc: OrganizationService, n: int, source: int = 8) -> list[uuid.UUID]:
    ids = svc.execute(CreateMultipleRequest(targets=[
        Entity("lead", lastname=f"L{i}", leadsourcecode=OptionSetValue(source))
        for i in range(n)])).ids
    svc.execute(CreateMultipleRequest(targets=[
        Entity("annotation", subject=f"note {i}", objectid=EntityReference("lead", lid)) for i, lid in enumerate(ids)]))
    return list(ids)


def count(svc: OrganizationService, table: str, **eq: object) -> int:
    q = QueryExpression(table)
    for k, v in eq.items():
        q.criteria.add_condition(k, ConditionOperator.EQUAL, v)
    return len(svc.retrieve_multiple(q).entities)


def web_leads() -> QueryExpression:
    q = QueryExpression("lead")
    q.criteria.add_condition("leadsourcecode", ConditionOperator.EQUAL, 8)
    return q


def test_bulk_delete_now_deletes_matches_through_the_pipeline(svc: OrganizationService) -> None:
    leads_with_notes(svc, 30, source=8)
    keep = leads_with_notes(svc, 5, source=1)
    seen: list[uuid.UUID] = []

    def plugin(ctx: PluginExecutionContext) -> None:
        assert ctx.primary_entity_id is not None
        seen.append(ctx.primary_entity_id)

    svc.register_plugin("Delete", "lead", PluginStage.POST_OPERATION, handler=plugin)
    job_id = svc.execute(BulkDeleteRequest(query_set=[web_leads()], job_name="web leads", run_now=True,
                                           batch_size=7)).job_id
    job = svc.retrieve("asyncoperation", job_id, ColumnSet(all_columns=True))
    assert job["name"] == "web leads" and job["operationtype"].value == 13
    assert (job["statecode"].value, job["statuscode"].value) == (3, 30)
    assert (job["successcount"], job["failurecount"]) == (30, 0)
    assert job["startedon"] is not None and job["completedon"] is not None
    assert len(seen) == 30
    assert count(svc, "lead") == 5 and count(svc, "annotation") == 5  # notes cascaded with their leads
    assert {e.id for e in svc.retrieve_multiple(QueryExpression("lead")).entities} == set(keep)


def test_background_job_and_wait(svc: OrganizationService) -> None:
    leads_with_notes(svc, 20)
    job_id = svc.execute(BulkDeleteRequest(query_set=[web_leads()], batch_size=6)).job_id
    job = svc.wait(job_id, timeout=60)
    assert (job["statecode"].value, job["statuscode"].value, job["successcount"]) == (3, 30, 20)
    assert count(svc, "lead") == 0 and count(svc, "annotation") == 0


def test_records_that_cannot_be_deleted_fail_the_job_but_not_the_others(svc: OrganizationService) -> None:
    ids = leads_with_notes(svc, 10)
    protected = set(ids[:3])

    def guard(ctx: PluginExecutionContext) -> None:
        if ctx.primary_entity_id in protected:
            raise InvalidPluginExecutionException("protected lead")

    svc.register_plugin("Delete", "lead", PluginStage.PRE_OPERATION, handler=guard)
    job_id = svc.execute(BulkDeleteRequest(query_set=[web_leads()], run_now=True, batch_size=4)).job_id
    job = svc.wait(job_id)
    assert (job["statuscode"].value, job["successcount"], job["failurecount"]) == (31, 7, 3)
    assert {e.id for e in svc.retrieve_multiple(QueryExpression("lead")).entities} == protected
    assert count(svc, "annotation") == 3


def test_cancelled_midway_leaves_whole_batches(svc: OrganizationService) -> None:
    leads_with_notes(svc, 40)
    deleted: list[uuid.UUID] = []
    job: dict[str, uuid.UUID] = {}

    def cancel_after_two_batches(ctx: PluginExecutionContext) -> None:
        assert ctx.primary_entity_id is not None
        deleted.append(ctx.primary_entity_id)
        if len(deleted) == 15:  # in the second batch of ten
            cancel_job(svc, job["id"])

    svc.register_plugin("Delete", "lead", PluginStage.POST_OPERATION, handler=cancel_after_two_batches)
    req = BulkDeleteRequest(query_set=[web_leads()], batch_size=10)
    svc.register_plugin("Create", "asyncoperation", PluginStage.POST_OPERATION,
                        handler=lambda c: job.__setitem__("id", c.primary_entity_id))
    job_id = svc.execute(req).job_id
    done = svc.wait(job_id, timeout=60)
    assert (done["statecode"].value, done["statuscode"].value) == (3, 32)
    # the batch that was running when the cancel came finished with it; no later batch started
    assert done["successcount"] == 20 == len(deleted)
    assert count(svc, "lead") == 20 and count(svc, "annotation") == 20
    left = {e.id for e in svc.retrieve_multiple(QueryExpression("lead")).entities}
    assert not left & set(deleted)


def test_cancel_before_start_and_cancel_of_a_finished_job(svc: OrganizationService) -> None:
    job_id = svc.create(Entity("asyncoperation", name="queued", operationtype=OptionSetValue(13)))
    with pytest.raises(OrganizationServiceFault):
        svc.wait(job_id, timeout=0.05)  # nobody runs a job created by hand
    cancel_job(svc, job_id)
    assert svc.wait(job_id)["statuscode"].value == 32
    leads_with_notes(svc, 3)
    finished = svc.execute(BulkDeleteRequest(query_set=[web_leads()], run_now=True)).job_id
    cancel_job(svc, finished)
    assert svc.wait(finished)["statuscode"].value == 30
    with pytest.raises(OrganizationServiceFault) as ei:
        cancel_job(svc, uuid.uuid4())
    assert ei.value.error_code == ErrorCodes.OBJECT_DOES_NOT_EXIST


def test_bad_requests_fault_and_record_nothing(svc: OrganizationService) -> None:
    for req, code in [
        (BulkDeleteRequest(query_set=[]), ErrorCodes.REQUIRED_FIELD_MISSING),
        (BulkDeleteRequest(query_set=[QueryExpression("nosuchtable")]), None),
        (BulkDeleteRequest(query_set=[web_leads()], batch_size=0), ErrorCodes.INVALID_ARGUMENT),
        (BulkDeleteRequest(query_set=[QueryExpression("asyncoperation")]), ErrorCodes.INVALID_ARGUMENT),
    ]:
        with pytest.raises(OrganizationServiceFault) as ei:
            svc.execute(req)
        if code is not None:
            assert ei.value.error_code == code
    assert count(svc, "asyncoperation") == 0


@pytest.mark.slow
def test_bulk_delete_of_100000_leads_with_notes_cancelled_midway(svc: OrganizationService) -> None:
    n = 100_000
    for _ in range(0, n, 10_000):
        leads_with_notes(svc, 10_000)
    job_id = svc.execute(BulkDeleteRequest(query_set=[web_leads()], batch_size=1000)).job_id
    while True:
        row = svc.retrieve("asyncoperation", job_id, ColumnSet("successcount"))
        if (row["successcount"] or 0) >= 3000:
            cancel_job(svc, job_id)
            break
    done = svc.wait(job_id, timeout=600)
    assert done["statuscode"].value in (30, 32)
    gone = done["successcount"]
    assert gone % 1000 == 0 and gone >= 3000
    leads = svc.storage.count(svc.metadata.table("lead"))
    notes = svc.storage.count(svc.metadata.table("annotation"))
    assert leads == notes == n - gone


@pytest.fixture
def reopen(backend: str, tmp_path: Path) -> Iterator[Callable[[], OrganizationService]]:
    """Open the same store again and again (a SQLite file, or one PostgreSQL schema)."""
    schema = f"t_job_{uuid.uuid4().hex[:10]}"

    def open_() -> OrganizationService:
        if backend == "sqlite":
            return OrganizationService(SqliteStorage(tmp_path / "jobs.db"))
        from leadsdk.storage.postgres import PostgresStorage

        return OrganizationService(PostgresStorage(PG_DSN, schema=schema))

    yield open_
    if backend == "postgres":
        import psycopg

        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _deleted_once(svc: OrganizationService, ids: list[uuid.UUID]) -> None:
    """Every lead is gone with its note, and left exactly one tombstone (it was deleted once)."""
    assert count(svc, "lead") == 0 and count(svc, "annotation") == 0
    q = QueryExpression("leadsdk_tombstone", column_set=ColumnSet("objectid"))
    q.criteria.add_condition("entityname", ConditionOperator.EQUAL, "lead")
    tombs = [r["objectid"] for r in svc.storage.select(q).rows]
    assert sorted(tombs) == sorted(ids)


def test_job_stopped_by_close_is_resumed_when_the_store_opens_again(
        reopen: Callable[[], OrganizationService]) -> None:
    first = reopen()
    ids = leads_with_notes(first, 40)
    runner = first._core.state.jobs
    assert runner is not None
    deleted: list[uuid.UUID] = []
    closer = threading.Thread(target=first.close)
    closing = threading.Event()

    def close_midway(ctx: PluginExecutionContext) -> None:
        assert ctx.primary_entity_id is not None
        deleted.append(ctx.primary_entity_id)
        if len(deleted) == 15:  # in the second batch of ten: close the service from another thread
            closer.start()
            closing.set()
            while not runner.stopping:
                time.sleep(0.001)

    first.register_plugin("Delete", "lead", PluginStage.POST_OPERATION, handler=close_midway)
    job_id = first.execute(BulkDeleteRequest(query_set=[web_leads()], batch_size=10)).job_id
    assert closing.wait(timeout=60)
    closer.join(timeout=60)
    assert not closer.is_alive()
    # the batch running at close finished; the job waits for the next service
    assert len(deleted) == 20
    with reopen() as second:
        done = second.wait(job_id, timeout=60)
        assert (done["statecode"].value, done["statuscode"].value) == (3, 30)
        assert (done["successcount"], done["failurecount"], done["totalcount"]) == (40, 0, 40)
        _deleted_once(second, ids)


def test_job_of_a_worker_that_died_is_taken_over_after_its_lease(
        reopen: Callable[[], OrganizationService]) -> None:
    first = reopen()
    ids = leads_with_notes(first, 12)
    runner = first._core.state.jobs
    assert runner is not None
    runner.shutdown()  # this service's worker runs nothing: its jobs stay queued in the store
    stale = first.execute(BulkDeleteRequest(query_set=[web_leads()], batch_size=5)).job_id
    busy = first.execute(BulkDeleteRequest(query_set=[web_leads()], batch_size=5)).job_id
    t = first.metadata.table("asyncoperation")
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    with first.storage.transaction():  # both In Progress: one last written an hour ago, one just now
        first.storage.update(t, stale, {"statecode": 2, "statuscode": 20, "modifiedon": long_ago})
        first.storage.update(t, busy, {"statecode": 2, "statuscode": 20,
                                       "modifiedon": dt.datetime.now(dt.timezone.utc)})
    first.close()
    with reopen() as second:
        done = second.wait(stale, timeout=60)
        assert (done["statuscode"].value, done["successcount"], done["failurecount"]) == (30, 12, 0)
        _deleted_once(second, ids)
        other = second.retrieve("asyncoperation", busy, ColumnSet("statecode", "statuscode"))
        assert (other["statecode"].value, other["statuscode"].value) == (2, 20)  # its worker may be alive


def test_resumed_job_does_not_count_its_failures_twice(reopen: Callable[[], OrganizationService]) -> None:
    first = reopen()
    ids = leads_with_notes(first, 10)
    runner = first._core.state.jobs
    assert runner is not None

    protected: list[uuid.UUID] = []
    started = threading.Event()

    def guard(ctx: PluginExecutionContext) -> None:
        """The first lead of the first batch cannot be deleted; the job stops after that batch."""
        runner._stopping = True  # as close() does, without closing the store yet
        started.set()
        if not protected:
            assert ctx.primary_entity_id is not None
            protected.append(ctx.primary_entity_id)
        if ctx.primary_entity_id == protected[0]:
            raise InvalidPluginExecutionException("protected lead")

    first.register_plugin("Delete", "lead", PluginStage.PRE_OPERATION, handler=guard)
    job_id = first.execute(BulkDeleteRequest(query_set=[web_leads()], batch_size=4)).job_id
    assert started.wait(timeout=60)
    runner.shutdown(timeout=60)
    left = first.retrieve("asyncoperation", job_id, ColumnSet("statecode", "successcount", "failurecount"))
    first.close()
    assert (left["statecode"].value, left["successcount"], left["failurecount"]) == (0, 3, 1)
    with reopen() as second:  # the guard is gone, but the job remembers the lead it could not delete
        row = second.wait(job_id, timeout=60)
        assert (row["statuscode"].value, row["successcount"], row["failurecount"]) == (31, 9, 1)
        assert [e.id for e in second.retrieve_multiple(QueryExpression("lead")).entities] == protected
        assert protected[0] in ids


KILLED_WORKER = """
import os, sys, time
from leadsdk import OrganizationService
from leadsdk.messages import BulkDeleteRequest
from leadsdk.plugins import PluginStage
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.storage import SqliteStorage

target, marker = sys.argv[1], sys.argv[2]
if target.startswith("postgresql://"):
    from leadsdk.storage.postgres import PostgresStorage
    dsn, _, schema = target.partition("#")
    svc = OrganizationService(PostgresStorage(dsn, schema=schema))
else:
    svc = OrganizationService(SqliteStorage(target))
seen = []

def hang(ctx):
    seen.append(ctx.primary_entity_id)
    if len(seen) == 15:  # in the second batch, inside its transaction: tell the test, then wait to be killed
        open(marker, "w").close()
        time.sleep(600)

svc.register_plugin("Delete", "lead", PluginStage.POST_OPERATION, handler=hang)
q = QueryExpression("lead")
q.criteria.add_condition("leadsourcecode", ConditionOperator.EQUAL, 8)
print(svc.execute(BulkDeleteRequest(query_set=[q], batch_size=10)).job_id, flush=True)
time.sleep(600)
"""


@pytest.mark.slow
def test_job_of_a_killed_process_is_resumed_and_deletes_each_record_once(
        backend: str, reopen: Callable[[], OrganizationService], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys

    import leadsdk.jobs.runner as runner_mod

    with reopen() as first:
        ids = leads_with_notes(first, 40)
        target = str(first.storage.path) if backend == "sqlite" else f"{PG_DSN}#{first.storage.schema}"
    marker = tmp_path / "hanging"
    src = str(Path(__file__).resolve().parents[1] / "src")
    proc = subprocess.Popen([sys.executable, "-c", f"import sys; sys.path.insert(0, {src!r})\n" + KILLED_WORKER,
                             target, str(marker)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        job_id = uuid.UUID(proc.stdout.readline().strip())
        for _ in range(6000):  # the worker is inside its second batch
            if marker.exists() or proc.poll() is not None:
                break
            time.sleep(0.01)
        assert marker.exists(), proc.stderr.read() if proc.stderr else ""
    finally:
        proc.kill()
        proc.wait()
    monkeypatch.setattr(runner_mod, "LEASE_S", 0.0)  # no need to wait a minute for the dead worker's lease
    with reopen() as second:
        done = second.wait(job_id, timeout=120)
        assert (done["statuscode"].value, done["successcount"], done["failurecount"]) == (30, 40, 0)
        _deleted_once(second, ids)  # the killed batch rolled back; the resumed job deleted its records once
