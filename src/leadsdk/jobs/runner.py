"""System jobs (jobs feature): the worker that runs BulkDelete's `asyncoperation` records.

`BulkDeleteRequest` (`leadsdk.jobs.messages`) records a job (its queries kept as FetchXML in `data`)
and returns its id at once; the service's worker thread (`JobRunner`, on `StoreState.jobs`) then
deletes the matching records through the pipeline (cascades, plugins, audit, security as the
caller), one batch per transaction, updating the job's `successcount` / `failurecount` in that same
transaction. With `run_now=True` the job runs in the caller's thread before the request returns. A
job is cancelled by setting its record to Completed / Canceled (`cancel_job`); the worker notices
before its next batch, so a cancelled job leaves every batch either wholly deleted and counted or
untouched. `svc.wait(job_id)` blocks until it is done.

Jobs outlive the service, as Dataverse's system jobs do: closing the service stops the running job
between two batches and sets it back to Ready / Waiting For Resources; the next service to open the
store resumes every waiting job (`JobRunner.resume`), and also every In Progress job whose worker
has not written to it for `LEASE_S` seconds (its process died). A worker claims a job by moving it to
Locked / In Progress under the record's lock, so two services (or processes) never run one job at
once; counts and the records that failed are kept on the job, so a resumed job goes on where it was.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from leadsdk.entities.registry import Metadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.jobs.status import BULK_DELETE, CANCELED, COMPLETED, FAILED, IN_PROGRESS, LOCKED, READY, SUCCEEDED, WAITING
from leadsdk.messages.base import SYSTEM_USER_ID, OrganizationRequest, request_progress
from leadsdk.messages.crud import DeleteRequest
from leadsdk.query.fetchxml import parse_fetchxml
from leadsdk.query.model import ConditionExpression, ConditionOperator, QueryExpression
from leadsdk.storage.base import Storage
from leadsdk.types import ColumnSet, Entity, EntityReference

__all__ = ["LEASE_S", "JobRunner", "cancel_job", "run_job", "wait_for_job"]

UTC = dt.timezone.utc
LEASE_S = 60.0
"""An In Progress job nobody has written to for this long lost its worker (its process died): the
next service opening the store takes it over."""


class _Service(Protocol):
    @property
    def storage(self) -> Storage: ...
    @property
    def metadata(self) -> Metadata: ...
    def execute(self, request: Any) -> Any: ...
    def retrieve(self, entity_name: Any, id: uuid.UUID | str, column_set: ColumnSet | None = None) -> Any: ...
    def retrieve_multiple(self, query: Any) -> Any: ...


class JobRunner:
    """The worker of one store: runs queued jobs one after another in a daemon thread, which ends
    when the queue stays empty for a moment (and starts again with the next job).

    `service_for(caller_id)` makes a top-level service acting as that user (supplied by the
    service, which this module cannot import)."""

    IDLE_S = 0.5

    def __init__(self, service_for: Callable[[uuid.UUID], _Service]) -> None:
        self.service_for = service_for
        self._queue: queue.Queue[tuple[uuid.UUID, uuid.UUID, Any]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stopping = False

    def submit(self, job_id: uuid.UUID, caller: uuid.UUID, progress: Any = None) -> None:
        with self._lock:
            self._queue.put((job_id, caller, progress))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="leadsdk-jobs", daemon=True)
                self._thread.start()

    @property
    def stopping(self) -> bool:
        """True once `shutdown` was asked: the running job stops after its batch."""
        return self._stopping

    def resume(self, storage: Storage, metadata: Metadata) -> int:
        """Queue the bulk delete jobs of this store left waiting, or in progress by a worker that is gone
        (called when a service opens the store); the number queued."""
        t = metadata.table("asyncoperation")
        q = QueryExpression("asyncoperation")
        q.column_set = ColumnSet("createdby", "statecode", "modifiedon")
        q.criteria.conditions += [
            ConditionExpression("operationtype", ConditionOperator.EQUAL, [BULK_DELETE]),
            ConditionExpression("statecode", ConditionOperator.IN, [READY, LOCKED]),
        ]
        q.add_order("createdon")
        n = 0
        for row in storage.select(q).rows:
            if _claimable(row):
                caller = row.get("createdby")  # the job runs as the user who asked for it
                self.submit(row[t.primary_id_attribute], caller if isinstance(caller, uuid.UUID) else SYSTEM_USER_ID)
                n += 1
        return n

    def run(self, job_id: uuid.UUID, caller: uuid.UUID, progress: Any = None) -> None:
        """Run a job in this thread, to its end (BulkDelete's `run_now`)."""
        run_job(self.service_for(caller), job_id, progress)

    def _work(self) -> None:
        while not self._stopping:
            try:
                job_id, caller, progress = self._queue.get(timeout=self.IDLE_S)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            try:
                run_job(self.service_for(caller), job_id, progress, should_stop=lambda: self._stopping)
            except Exception:  # the job recorded its failure, or the store closed under it
                continue

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop after the running batch (the job stays as it was left: In Progress) and join the thread."""
        self._stopping = True
        thread = self._thread
        if thread is not None:
            thread.join(timeout)


def _set(svc: _Service, job_id: uuid.UUID, **values: Any) -> None:
    """Write job columns directly (state included): the job's own bookkeeping, not a user's update."""
    storage = svc.storage
    t = svc.metadata.table("asyncoperation")
    values["versionnumber"] = storage.next_version()
    values["modifiedon"] = dt.datetime.now(UTC)
    storage.update(t, job_id, values)


def _claimable(row: Any) -> bool:
    """Waiting, or In Progress with no write for LEASE_S seconds (its worker is gone)."""
    state = row.get("statecode")
    state = int(getattr(state, "value", state)) if state is not None else -1
    if state == READY:
        return True
    if state != LOCKED:
        return False
    seen = row.get("modifiedon")
    if not isinstance(seen, dt.datetime):
        return True
    if seen.tzinfo is None:
        seen = seen.replace(tzinfo=UTC)
    return (dt.datetime.now(UTC) - seen).total_seconds() >= LEASE_S


def _claim(svc: _Service, job_id: uuid.UUID) -> bool:
    """Move the job to Locked / In Progress if no one else runs it (under the record's lock)."""
    storage = svc.storage
    t = svc.metadata.table("asyncoperation")
    with storage.transaction():
        storage.lock(t, job_id)
        row = storage.get(t, job_id, ["statecode", "modifiedon", "startedon"])
        if row is None or not _claimable(row):
            return False
        _set(svc, job_id, statecode=LOCKED, statuscode=IN_PROGRESS,
             startedon=row.get("startedon") or dt.datetime.now(UTC))
    return True


def _state(svc: _Service, job_id: uuid.UUID) -> int:
    """The job's statecode (-1: no such job), its record locked until the transaction ends: a batch holds
    it throughout, so no one cancels the job or takes it over (its lease) while a batch runs."""
    storage = svc.storage
    t = svc.metadata.table("asyncoperation")
    storage.lock(t, job_id)
    row = storage.get(t, job_id, ["statecode"])
    return -1 if row is None else int(row["statecode"])


def run_job(svc: _Service, job_id: uuid.UUID, progress: Any = None,
            should_stop: Callable[[], bool] = lambda: False) -> None:
    """Run one bulk delete to its end, or until it is cancelled, or the service closes: then it stops
    between two batches and waits (Ready) for the next service opening the store to resume it.
    Nothing happens when the job is finished, cancelled, or another worker runs it."""
    storage = svc.storage
    if not _claim(svc, job_id):
        return
    tick, close = request_progress(OrganizationRequest(parameters={"progress": progress}), None, "Bulk delete")
    try:
        job = svc.retrieve("asyncoperation", job_id, ColumnSet("data", "successcount", "failurecount"))
        data = json.loads(job["data"] or "null")
        if not isinstance(data, dict) or not isinstance(data.get("fetchxml"), list):
            raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT, "The job's data holds no bulk delete queries.")
        batch = int(data.get("batch_size", 500))
        bad = {uuid.UUID(x) for x in data.get("failed", [])}
        done, failed = int(job["successcount"] or 0), int(job["failurecount"] or 0)
        for text in data["fetchxml"]:
            q = parse_fetchxml(text)
            q.column_set = ColumnSet()
            q.top_count = None
            while True:
                q.top_count = batch + len(bad)
                found = [e.id for e in svc.retrieve_multiple(q).entities if e.id not in bad]
                if not found:
                    break
                if should_stop():
                    with storage.transaction():
                        if _state(svc, job_id) != COMPLETED:  # wait for the next service to resume it
                            _set(svc, job_id, statecode=READY, statuscode=WAITING)
                    return
                with storage.transaction():
                    if _state(svc, job_id) == COMPLETED:
                        return  # cancelled: this batch was not started
                    ok = 0
                    for rid in found:
                        try:
                            svc.execute(DeleteRequest(target=EntityReference(q.entity_name, rid)))
                            ok += 1
                        except OrganizationServiceFault:
                            bad.add(rid)
                    done += ok
                    more: dict[str, Any] = {}
                    if ok < len(found):
                        failed += len(found) - ok
                        data["failed"] = sorted(str(x) for x in bad)  # a resumed job does not count them twice
                        more["data"] = json.dumps(data)
                    _set(svc, job_id, successcount=done, failurecount=failed, totalcount=done + failed, **more)
                tick(len(found))
        with storage.transaction():
            if _state(svc, job_id) != COMPLETED:
                _set(svc, job_id, statecode=COMPLETED,
                     statuscode=SUCCEEDED if failed == 0 else FAILED,
                     completedon=dt.datetime.now(UTC),
                     message=None if failed == 0 else f"{failed} record(s) could not be deleted.")
    except Exception as e:
        with storage.transaction():
            _set(svc, job_id, statecode=COMPLETED, statuscode=FAILED,
                 completedon=dt.datetime.now(UTC), message=f"{type(e).__name__}: {e}",
                 errorcode=e.error_code if isinstance(e, OrganizationServiceFault) else ErrorCodes.UNEXPECTED)
        raise
    finally:
        close()


def cancel_job(svc: _Service, job_id: uuid.UUID | str) -> None:
    """Cancel a system job (Completed / Canceled, as Dataverse's cancel); a finished job stays as it is."""
    jid = uuid.UUID(str(job_id))
    storage = svc.storage
    with storage.transaction():
        state = _state(svc, jid)
        if state == -1:
            raise OrganizationServiceFault(ErrorCodes.OBJECT_DOES_NOT_EXIST, f"There is no system job {jid}.")
        if state != COMPLETED:
            _set(svc, jid, statecode=COMPLETED, statuscode=CANCELED,
                 completedon=dt.datetime.now(UTC))


def wait_for_job(svc: _Service, job_id: uuid.UUID, timeout: float | None = None) -> Entity:
    """Poll the job record until it is Completed; its record (all columns). Faults after `timeout` s."""
    deadline = None if timeout is None else time.monotonic() + timeout
    pause = 0.005
    while True:
        job: Entity = svc.retrieve("asyncoperation", job_id, ColumnSet(all_columns=True))
        if int(job["statecode"].value) == COMPLETED:
            return job
        if deadline is not None and time.monotonic() >= deadline:
            raise OrganizationServiceFault(
                ErrorCodes.ASYNC_OPERATION_SUSPENDED_OR_LOCKED,
                f"The system job {job_id} did not finish within {timeout} seconds; it is still running.")
        time.sleep(pause)
        pause = min(pause * 2, 0.1)

