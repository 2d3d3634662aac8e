"""BulkDelete (jobs feature): records a system job (`asyncoperation`) and hands it to the store's job
runner (`StoreState.jobs`, a `leadsdk.jobs.runner.JobRunner` the service makes), or runs it at once."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import attrs

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.jobs.status import BULK_DELETE
from leadsdk.messages.base import HandlerContext, OrganizationRequest, OrganizationResponse, handler
from leadsdk.messages.crud import CreateRequest, to_query_expression
from leadsdk.messages.privileges import NESTED
from leadsdk.query.fetchxml_write import to_fetchxml
from leadsdk.query.model import QueryExpression
from leadsdk.types import Entity, OptionSetValue

__all__ = ["BulkDeleteRequest", "BulkDeleteResponse"]


@attrs.define(eq=False, repr=False, slots=False)
class BulkDeleteRequest(OrganizationRequest["BulkDeleteResponse"]):
    """Delete every record the queries find, as a system job; the response carries its id."""

    request_name = "BulkDelete"
    requires = NESTED
    """Creating the job checks Create on asyncoperation; each delete is checked as the caller's Delete."""
    transactional = False
    query_set: list[Any] = attrs.field(factory=list)
    job_name: str = ""
    run_now: bool = False
    """True: run in this thread before returning; False (default): the service's background worker."""
    batch_size: int = 500
    """Records deleted per transaction (and between two looks at whether the job was cancelled)."""
    send_email_notification: bool = False
    to_recipients: list[uuid.UUID] = attrs.field(factory=list)
    cc_recipients: list[uuid.UUID] = attrs.field(factory=list)
    recurrence_pattern: str = ""
    start_date_time: dt.datetime | None = None


@attrs.define(eq=False, repr=False, slots=False)
class BulkDeleteResponse(OrganizationResponse):
    job_id: uuid.UUID | None = None



def _queries(ctx: HandlerContext, req: BulkDeleteRequest) -> list[QueryExpression]:
    if not req.query_set:
        raise OrganizationServiceFault(ErrorCodes.REQUIRED_FIELD_MISSING, "BulkDeleteRequest needs a query_set.")
    out: list[QueryExpression] = []
    for q in req.query_set:
        qe = to_query_expression(q)
        t = ctx.metadata.table(qe.entity_name)
        if qe.aggregate:
            raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT, "A bulk delete query cannot be an aggregate.")
        if t.logical_name == "asyncoperation":
            raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT, "System jobs cannot be bulk deleted.")
        out.append(qe)
    return out


@handler(BulkDeleteRequest)
def _bulk_delete(ctx: HandlerContext, req: BulkDeleteRequest) -> BulkDeleteResponse:
    queries = _queries(ctx, req)
    if req.batch_size < 1:
        raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT, "batch_size must be at least 1.")
    runner = ctx.store.jobs
    if runner is None:
        raise OrganizationServiceFault(ErrorCodes.INVALID_OPERATION, "This service has no job runner.")
    data = {"fetchxml": [to_fetchxml(q) for q in queries], "batch_size": req.batch_size}
    job = Entity("asyncoperation", attributes={
        "name": req.job_name or f"Bulk delete of {', '.join(sorted({q.entity_name for q in queries}))}",
        "operationtype": OptionSetValue(BULK_DELETE), "data": json.dumps(data),
        "successcount": 0, "failurecount": 0, "totalcount": 0,
    })
    job_id: uuid.UUID = ctx.execute(CreateRequest(target=job)).id
    progress = req.parameters.get("progress")
    if req.run_now:
        runner.run(job_id, ctx.caller_id, progress)
    else:
        runner.submit(job_id, ctx.caller_id, progress)
    return BulkDeleteResponse(job_id)
