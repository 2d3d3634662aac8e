"""`OrganizationService`: the one door. Every call becomes a request that runs through one pipeline
(`leadsdk.pipeline`): validate -> security -> plugins -> [transaction: handler] -> response.

Threads: one service (and its `as_user` views, which share its store) may be used from many threads
at once. Per-request state lives in the request's `Context`; what requests share (the store's
connections, one per thread; plugin steps; caches of settings, rules and rights) is thread-safe and
transaction-aware. Changing `caller_id` of a service other threads are using changes it for them too:
give each user an `as_user` view instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar, overload

from leadsdk.entities.registry import Metadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.jobs.runner import JobRunner, wait_for_job
from leadsdk.messages.base import OrganizationRequest, OrganizationResponse
from leadsdk.messages.crud import (
    CreateRequest,
    DeleteRequest,
    RetrieveMultipleRequest,
    RetrieveRequest,
    UpdateRequest,
)
from leadsdk.messages.relationships import AssociateRequest, DisassociateRequest
from leadsdk.pipeline import MAX_DEPTH, Store
from leadsdk.plugins import PluginExecutionContext, PluginStage
from leadsdk.query.paging import DEFAULT_PAGE_SIZE, pages
from leadsdk.records.context import Context
from leadsdk.storage.base import Storage
from leadsdk.storage.snapshot import restore_storage, snapshot_storage
from leadsdk.types import ColumnSet, Entity, EntityCollection, EntityReference, Relationship, reference_to, to_uuid

__all__ = ["MAX_DEPTH", "OrganizationService"]

T = TypeVar("T")
R = TypeVar("R", bound=OrganizationResponse)


class OrganizationService:
    """The Dataverse organization service over a local store.

    `OrganizationService()` opens an in-memory SQLite store; `OrganizationService.open("crm.db")` a file;
    `OrganizationService(PostgresStorage(dsn))` a PostgreSQL database. `caller_id` is the user requests
    run as (None: the built-in SYSTEM user).
    """

    def __init__(
        self,
        storage: Storage | None = None,
        *,
        caller_id: uuid.UUID | str | None = None,
    ) -> None:
        if storage is None:
            from leadsdk.storage.sqlite import SqliteStorage

            storage = SqliteStorage(":memory:")
        self._core = Store(storage, self._nested_for)
        self._parent: Context | None = None
        self._owner = True
        self.caller_id = caller_id
        self._core.state.jobs = JobRunner(self._job_service)  # BulkDelete's worker (leadsdk.jobs)
        self._core.state.jobs.resume(self._core.storage, self._core.metadata)  # jobs a closed service left
        self._core.plugins.load_entry_points(self)

    def _view(self, caller: uuid.UUID | None, parent: Context | None) -> OrganizationService:
        """Another service object over this one's store (as another caller, or under a running request);
        it never owns the store, so closing it leaves the store open."""
        s = type(self).__new__(type(self))
        s._core = self._core
        s._parent = parent
        s._owner = False
        s._caller_id = caller
        return s

    def _job_service(self, caller: uuid.UUID) -> OrganizationService:
        """A top-level service acting as `caller`, for a system job running in the worker thread."""
        return self._view(caller, None)

    def _nested_for(self, ctx: Context) -> OrganizationService:
        """The service a running request hands to plugins (runs nested requests under `ctx`)."""
        return self._view(ctx.caller_id, ctx)

    @classmethod
    def open(cls, path: str | Path, *, synchronous: str = "FULL", page_size: int = 8192,
             **kwargs: Any) -> OrganizationService:
        """A service over a SQLite file (created when missing) or, for a postgresql:// URL, PostgreSQL.

        `synchronous` is a SQLite file's durability: "FULL" (no committed request lost on power loss) or
        "NORMAL" (faster bulk loads); `page_size` a new SQLite file's pages (4096 for a store written a
        record at a time; see docs/backends.md). A file that cannot be a store faults."""
        p = str(path)
        if p.startswith(("postgresql://", "postgres://")):
            from leadsdk.storage.postgres import PostgresStorage

            return cls(PostgresStorage(p), **kwargs)
        from leadsdk.storage.sqlite import SqliteStorage

        storage = SqliteStorage(p, synchronous=synchronous, page_size=page_size)
        try:
            return cls(storage, **kwargs)
        except BaseException:
            storage.close()
            raise

    # properties ---------------------------------------------------------------------
    @property
    def caller_id(self) -> uuid.UUID | None:
        """The user requests run as; None means the built-in SYSTEM user."""
        return self._caller_id

    @caller_id.setter
    def caller_id(self, value: uuid.UUID | str | None) -> None:
        self._caller_id = None if value is None else to_uuid(value)

    @property
    def storage(self) -> Storage:
        return self._core.storage

    @property
    def metadata(self) -> Metadata:
        return self._core.metadata

    def as_user(self, user_id: uuid.UUID | str) -> OrganizationService:
        """A service over the same store, acting as another user (closing it leaves the store open)."""
        view = self._view(None, self._parent)
        view.caller_id = user_id
        return view

    def close(self) -> None:
        """Close the store (only the service that opened it does; views and nested services do nothing)."""
        if self._owner:
            if self._core.state.jobs is not None:
                self._core.state.jobs.shutdown()  # system jobs (leadsdk.jobs)
            self._core.storage.close()

    def __enter__(self) -> OrganizationService:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # the pipeline -------------------------------------------------------------------
    def execute(self, request: OrganizationRequest[R]) -> R:
        """Run any request (CreateRequest, QualifyLeadRequest, ...) and return its response."""
        response: R = self._core.execute(request, self._caller_id, self._parent)
        return response

    @contextmanager
    def transaction(self, *, all_or_nothing: bool = False) -> Iterator[OrganizationService]:
        """Run several requests as one transaction: they commit together when the block ends, and an
        exception leaving the block rolls every one of them back (as `ExecuteTransactionRequest`, for
        requests built one after another). A request that faults inside the block undoes only its own
        work; the block may catch the fault and go on. Other threads see nothing before the commit.

        `all_or_nothing=True` is for blocks that give up at the first fault (a Web API change set):
        the requests take no savepoint each, which makes many small writes faster, and a request that
        faults after it wrote fails the whole block, as a nested request's failure does. Leaving the
        block by the fault rolls back as usual; catching it and going on makes the commit fault
        (TransactionNotStarted) and roll back.

        ```python
        with svc.transaction():
            account = svc.create(Entity("account", name="Fabrikam"))
            svc.create(Entity("contact", lastname="Ng", parentcustomerid=EntityReference("account", account)))
        ```
        """
        if self._parent is not None:  # inside a plugin or handler: the request's own transaction
            with self._core.transaction():
                yield self
            return
        with self._core.caller_transaction(all_or_nothing):
            yield self

    # convenience methods (each builds its request and calls execute) ----------------
    def create(self, entity: Any) -> uuid.UUID:
        rid = self.execute(CreateRequest(target=entity)).id
        assert rid is not None  # the Create handler always answers with the new id
        return rid

    @overload
    def retrieve(self, entity_name: str, id: uuid.UUID | str, column_set: ColumnSet | None = None) -> Entity: ...

    @overload
    def retrieve(self, entity_name: type[T], id: uuid.UUID | str, column_set: ColumnSet | None = None) -> T: ...

    def retrieve(self, entity_name: Any, id: uuid.UUID | str, column_set: ColumnSet | None = None) -> Any:
        cls = None
        logical = entity_name
        if isinstance(entity_name, type):
            cls = entity_name
            logical = getattr(entity_name, "logical_name", None)
            if not isinstance(logical, str):
                raise OrganizationServiceFault(
                    ErrorCodes.INVALID_ARGUMENT, f"{entity_name.__name__} is not an early-bound table class."
                )
        e = self.execute(RetrieveRequest(target=reference_to(logical, _id(id, logical)), column_set=column_set)).entity
        assert e is not None  # the Retrieve handler faults rather than answer with nothing
        if cls is not None:
            return cls.from_entity(e)  # type: ignore[attr-defined]
        return e

    def update(self, entity: Any) -> None:
        self.execute(UpdateRequest(target=entity))

    def delete(self, entity_name: str | type, id: uuid.UUID | str) -> None:
        logical = entity_name if isinstance(entity_name, str) else getattr(entity_name, "logical_name", "")
        self.execute(DeleteRequest(target=EntityReference(logical, _id(id, logical))))

    def associate(self, entity_name: str, id: uuid.UUID | str, relationship: Relationship | str,
                  related_entities: Iterable[EntityReference]) -> None:
        self.execute(AssociateRequest(target=EntityReference(entity_name, _id(id, entity_name)),
                                      relationship=relationship, related_entities=list(related_entities)))

    def disassociate(self, entity_name: str, id: uuid.UUID | str, relationship: Relationship | str,
                     related_entities: Iterable[EntityReference]) -> None:
        self.execute(DisassociateRequest(target=EntityReference(entity_name, _id(id, entity_name)),
                                         relationship=relationship, related_entities=list(related_entities)))

    def retrieve_multiple(self, query: Any) -> EntityCollection:
        coll: EntityCollection = self.execute(RetrieveMultipleRequest(query=query)).entity_collection
        return coll

    def iter_pages(self, query: Any, page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[EntityCollection]:
        """Every page of a query (QueryExpression, QueryByAttribute or FetchXML), `page_size` records at a
        time, each read with RetrieveMultiple and the previous page's paging cookie, as a Dataverse client
        pages. Pages are read lazily, one request each; the query itself is not changed."""
        return pages(self.retrieve_multiple, query, page_size)

    def retrieve_all(self, query: Any, page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[Entity]:
        """Every record a query matches, page after page (see `iter_pages`); memory stays one page."""
        for page in self.iter_pages(query, page_size):
            yield from page.entities

    # plugins ------------------------------------------------------------------------
    def register_plugin(
        self,
        message: str,
        entity: str | None = None,
        stage: PluginStage | int = PluginStage.POST_OPERATION,
        handler: Callable[[PluginExecutionContext], Any] | None = None,
        rank: int = 0,
        filtering_attributes: Iterable[str] | None = None,
        pre_image: Any = None,
        post_image: Any = None,
    ) -> uuid.UUID:
        """Register a plugin step; returns its id (for `unregister_plugin`)."""
        if handler is None or not callable(handler):
            raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT, "register_plugin needs a callable handler.")
        if entity is not None:
            self.metadata.table(entity)
        try:
            PluginStage(int(stage))
        except ValueError:
            raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT, f"{stage!r} is not a plugin stage.") from None
        return self._core.plugins.register(
            message=message, entity=entity, stage=stage, handler=handler, rank=rank,
            filtering_attributes=filtering_attributes, pre_image=pre_image, post_image=post_image,
        )

    def has_plugin_steps(self, message: str, entity: str | None = None) -> bool:
        """Whether a plugin step is registered for `message` on the table `entity` (or on every table): a
        caller that may batch requests (the Web API's change sets) asks before plugins could see a difference."""
        return bool(self._core.plugins.for_message(message, entity, None))

    def unregister_plugin(self, step_id: uuid.UUID) -> None:
        if not self._core.plugins.unregister(step_id):
            raise OrganizationServiceFault(ErrorCodes.OBJECT_DOES_NOT_EXIST, f"There is no plugin step {step_id}.")

    # snapshots and jobs (issue 20: leadsdk.storage.snapshot, leadsdk.jobs) -------
    def snapshot(self, path: str | Path) -> Path:
        """Save the whole store to the SQLite file `path` (see docs/snapshots.md); returns the path."""
        return snapshot_storage(self._core.storage, path)

    @classmethod
    def restore(cls, path: str | Path, target: Storage | str | Path | None = None, **kwargs: Any
                ) -> OrganizationService:
        """A service over a copy of the snapshot at `path`: in memory (None), in a SQLite file, or in
        a PostgreSQL store (a `postgresql://` URL or a `Storage`), whose rows are replaced."""
        return cls(restore_storage(path, target), **kwargs)

    def wait(self, job_id: uuid.UUID | str, timeout: float | None = None) -> Entity:
        """Block until the system job (`asyncoperation`) is completed; returns its record."""
        return wait_for_job(self, to_uuid(job_id), timeout)

    def __repr__(self) -> str:
        who = "SYSTEM" if self._caller_id is None else str(self._caller_id)
        return f"OrganizationService({type(self._core.storage).__name__}, caller={who})"


def _id(value: uuid.UUID | str, logical: str) -> uuid.UUID:
    try:
        return to_uuid(value)
    except (ValueError, AttributeError, TypeError):
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT, f"{value!r} is not a valid id for a {logical}."
        ) from None


