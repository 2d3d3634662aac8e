"""BulkDelete system jobs: the asyncoperation record, deleting through the pipeline in batches,
background or synchronous runs, failures, cancellation midway leaving a consistent store."""

from __future__ import annotations

import uuid

import pytest

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
