"""`OrganizationService`: the one door. Every call becomes a request that runs through one pipeline:

validate -> security -> pre-validation plugins -> [transaction: pre-operation plugins -> handler ->
post-operation plugins] -> response. Nested requests (from handlers and plugins) run through the same
pipeline inside the outer transaction, one level deeper.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar, overload

from leadsdk import messages as _messages
from leadsdk.entities.builtin import builtin_metadata
from leadsdk.entities.registry import Metadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import HANDLERS, SYSTEM_USER_ID, HandlerContext, OrganizationRequest
from leadsdk.messages.crud import (
    CreateRequest,
    DeleteRequest,
    RetrieveMultipleRequest,
    RetrieveRequest,
    UpdateRequest,
)
from leadsdk.messages.jobs import attach_jobs, shutdown_jobs, wait_for_job
from leadsdk.messages.relationships import AssociateRequest, DisassociateRequest
from leadsdk.messages.seed import run_seeds
from leadsdk.plugins import (
    InvalidPluginExecutionException,
    PluginExecutionContext,
    PluginRegistry,
    PluginStage,
    PluginStep,
)
from leadsdk.storage.base import Storage
from leadsdk.storage.snapshot import restore_storage, snapshot_storage
from leadsdk.types import ColumnSet, Entity, EntityCollection, EntityReference, Relationship, to_uuid

__all__ = ["MAX_DEPTH", "OrganizationService"]

MAX_DEPTH = 8
"""Nested requests deeper than this fault, as Dataverse's infinite-loop guard does."""

T = TypeVar("T")
UTC = dt.timezone.utc

START_HOOKS: list[Callable[[_Core], None]] = []
"""Called whenever a service core opens a store (engines attach themselves here)."""


class _Exec:
    """One running request: the parent of nested requests.

    A batch container (ExecuteMultiple, ExecuteTransaction: `transparent`) is not a parent of its
    items in Dataverse's sense: items run at the container's own depth, as top-level requests.
    """

    __slots__ = ("ctx", "depth", "initiating", "now", "parent", "plugin_ctx", "transparent")

    def __init__(self, depth: int, initiating: uuid.UUID, now: dt.datetime,
                 plugin_ctx: PluginExecutionContext | None, ctx: HandlerContext | None,
                 parent: _Exec | None = None, transparent: bool = False) -> None:
        self.depth = depth
        self.initiating = initiating
        self.now = now
        self.plugin_ctx = plugin_ctx
        self.ctx = ctx
        self.parent = parent
        self.transparent = transparent


class _Core:
    """State shared by every OrganizationService over one store: storage, metadata, plugins, engines."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.metadata: Metadata = builtin_metadata()
        self.plugins = PluginRegistry()
        self.extensions: dict[str, Any] = {"plugin_registry": self.plugins}
        """Core-wide engine state; "plugin_registry" lets cascades see whether child deletes have plugins."""
        self.security: Any = None
        self.lock = threading.RLock()
        self._local = threading.local()
        from leadsdk import customizations

        storage.attach(self.metadata)
        if customizations.load(self.storage, self.metadata):
            storage.attach(self.metadata)  # custom tables and columns: create what is missing
        for hook in START_HOOKS:
            hook(self)
        self._seed()
        self.plugins.load_entry_points(OrganizationService(_core=self))

    def _seed(self) -> None:
        org = self.metadata.table("organization")
        if self.storage.count(org) > 0:
            return
        with self.storage.transaction():
            ctx = self.context(SYSTEM_USER_ID, None, "Seed")
            run_seeds(ctx)

    def context(self, caller: uuid.UUID, parent: _Exec | None, message: str,
                service: OrganizationService | None = None) -> HandlerContext:
        depth = parent.depth + 1 if parent else 1
        now = parent.now if parent else dt.datetime.now(UTC)
        initiating = parent.initiating if parent else caller
        ctx = HandlerContext(
            storage=self.storage, metadata=self.metadata, caller_id=caller, initiating_user_id=initiating,
            depth=depth, service=service or _NullExecutor(), now=now, message_name=message,
            extensions=self.extensions,
            security=None if caller == SYSTEM_USER_ID else self.security,
        )
        return ctx

    # the pipeline -------------------------------------------------------------------
    def execute(self, request: Any, caller_id: uuid.UUID | None, parent: _Exec | None) -> Any:
        if not isinstance(request, OrganizationRequest):
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"execute() takes a request such as CreateRequest, not {type(request).__name__}.",
            )
        fn = HANDLERS.get(type(request))
        if fn is None:
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT, f"The message {type(request).__name__} is not supported."
            )
        while parent is not None and parent.transparent:
            parent = parent.parent
        depth = parent.depth + 1 if parent else 1
        if depth > MAX_DEPTH:
            raise OrganizationServiceFault(
                ErrorCodes.INFINITE_LOOP_DETECTED,
                f"This workflow job was canceled because the workflow that started it included an infinite loop "
                f"(request depth {depth} is over the limit of {MAX_DEPTH}).",
            )
        _messages.keys.bind_targets(self, request)  # alternate keys -> ids, before security and plugins
        caller = caller_id or SYSTEM_USER_ID
        name = request.request_name or type(request).__name__.removesuffix("Request")
        steps: list[PluginStep] = []
        entity: str | None = None
        entity_id: uuid.UUID | None = None
        if self.plugins.steps:
            entity, entity_id = request.primary_entity()
            steps = self._steps(name, entity, request)
        now = parent.now if parent else dt.datetime.now(UTC)
        initiating = parent.initiating if parent else caller
        transactional = getattr(request, "transactional", True)
        me = _Exec(depth, initiating, now, None, None, parent,
                   transparent=getattr(request, "batch_container", False))
        nested = OrganizationService._nested(self, caller, me)
        ctx = HandlerContext(
            storage=self.storage, metadata=self.metadata, caller_id=caller, initiating_user_id=initiating,
            depth=depth, service=nested, now=now, message_name=name, extensions=self.extensions,
            security=None if caller == SYSTEM_USER_ID else self.security,
        )
        me.ctx = ctx
        pctx: PluginExecutionContext | None = None
        if steps:
            pctx = PluginExecutionContext(
                message_name=name, primary_entity_name=entity, primary_entity_id=entity_id,
                stage=PluginStage.PRE_VALIDATION, depth=depth, user_id=caller, initiating_user_id=initiating,
                service=nested, input_parameters=request.input_parameters(),
                parent_context=parent.plugin_ctx if parent else None,
                is_in_transaction=self.storage.in_transaction,
            )
            me.plugin_ctx = pctx
        try:
            if ctx.security is not None:
                ctx.security.check_request(ctx, request)
            if pctx is not None and any(s.stage == PluginStage.PRE_VALIDATION for s in steps):
                self._images(steps, pctx, ctx, request, pre=True, stage=PluginStage.PRE_VALIDATION)
                self._run_stage(steps, PluginStage.PRE_VALIDATION, pctx, request, ctx)
            if (request.read_only or not transactional) and not self.storage.in_transaction and pctx is None:
                return fn(ctx, request)
            with self.storage.transaction() if transactional else _no_transaction():
                if pctx is not None:
                    pctx.is_in_transaction = self.storage.in_transaction
                    self._images(steps, pctx, ctx, request, pre=True)
                    self._run_stage(steps, PluginStage.PRE_OPERATION, pctx, request, ctx)
                response = fn(ctx, request)
                if pctx is not None:
                    pctx.output_parameters.update(response.results)
                    if pctx.primary_entity_id is None:
                        rid = pctx.output_parameters.get("id", pctx.output_parameters.get("Id"))
                        if isinstance(rid, uuid.UUID):
                            pctx.primary_entity_id = rid
                    self._images(steps, pctx, ctx, request, pre=False)
                    self._run_stage(steps, PluginStage.POST_OPERATION, pctx, request, ctx)
                return response
        except OrganizationServiceFault:
            raise
        except InvalidPluginExecutionException as e:
            raise OrganizationServiceFault(
                e.error_code if e.error_code is not None else ErrorCodes.PLUGIN_EXECUTION_FAILED,
                e.message,
                trace_text="\n".join(pctx.trace) if pctx is not None else None,
            ) from e
        except RecursionError as e:
            raise OrganizationServiceFault(ErrorCodes.INFINITE_LOOP_DETECTED, "The request nested too deeply.") from e
        except Exception as e:  # a bug or a plugin's own error: never let it escape raw
            raise OrganizationServiceFault(
                ErrorCodes.UNEXPECTED, f"An unexpected error occurred in {name}: {type(e).__name__}: {e}"
            ) from e

    def _steps(self, name: str, entity: str | None, request: OrganizationRequest) -> list[PluginStep]:
        if not self.plugins.steps:
            return []
        cols: Iterable[str] | None = None
        if name == "Update":
            target = getattr(request, "target", None)
            if isinstance(target, Entity):
                cols = list(target.attributes)
        return self.plugins.for_message(name, entity, cols)

    def _run_stage(self, steps: Sequence[PluginStep], stage: PluginStage, pctx: PluginExecutionContext,
                   request: OrganizationRequest, ctx: HandlerContext) -> None:
        pctx.stage = stage
        for s in steps:
            if s.stage != stage:
                continue
            s.handler(pctx)
        if stage in (PluginStage.PRE_VALIDATION, PluginStage.PRE_OPERATION):
            # a plugin may replace Target (or other inputs): write them back to the request
            for k, v in pctx.input_parameters.items():
                attr = _snake(k)
                if hasattr(request, attr) and getattr(request, attr) is not v:
                    setattr(request, attr, v)
        if pctx.primary_entity_id is None and stage is PluginStage.PRE_OPERATION:
            _, pid = request.primary_entity()
            pctx.primary_entity_id = pid

    def _images(self, steps: Sequence[PluginStep], pctx: PluginExecutionContext, ctx: HandlerContext,
                request: OrganizationRequest, pre: bool, stage: PluginStage | None = None) -> None:
        """Fill the images the steps asked for: pre-images (before the operation; for the
        pre-validation stage, before that stage) and post-images (after it, for post-operation)."""
        from leadsdk.messages.records import retrieve_record

        wanted: dict[str, Sequence[str] | None] = {}
        for s in steps:
            if stage is not None:
                if s.stage == stage:
                    wanted.update(s.pre_images)
            elif (pre and s.stage != PluginStage.PRE_VALIDATION) or (not pre and s.stage == PluginStage.POST_OPERATION):
                wanted.update(s.pre_images if pre else s.post_images)
        if not wanted or pctx.primary_entity_name is None:
            return
        eid = pctx.primary_entity_id
        if eid is None:
            return
        t = self.metadata.get(pctx.primary_entity_name)
        if t is None or not self.storage.exists(t, eid):
            return
        target = pctx.pre_entity_images if pre else pctx.post_entity_images
        for img, cols in wanted.items():
            target[img] = retrieve_record(ctx, pctx.primary_entity_name, eid,
                                          None if cols is None else ColumnSet(*cols))


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


@contextmanager
def _no_transaction() -> Iterator[None]:
    """Batch containers whose items each take their own transaction."""
    yield


class _NullExecutor:
    def execute(self, request: Any) -> Any:  # pragma: no cover - seeding never nests
        raise OrganizationServiceFault(ErrorCodes.INVALID_OPERATION, "No nested requests here.")


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
        _core: _Core | None = None,
        _parent: _Exec | None = None,
    ) -> None:
        if _core is None:
            if storage is None:
                from leadsdk.storage.sqlite import SqliteStorage

                storage = SqliteStorage(":memory:")
            _core = _Core(storage)
        self._core = _core
        self._parent = _parent
        self.caller_id = caller_id

    @classmethod
    def _nested(cls, core: _Core, caller: uuid.UUID, parent: _Exec) -> OrganizationService:
        """The service a running request hands to its handler and plugins (the same as
        `OrganizationService(_core=core, caller_id=caller, _parent=parent)`, built without the checks)."""
        s = cls.__new__(cls)
        s._core = core
        s._parent = parent
        s._caller_id = caller
        return s

    @classmethod
    def open(cls, path: str | Path, **kwargs: Any) -> OrganizationService:
        """A service over a SQLite file (created when missing) or, for a postgresql:// URL, PostgreSQL."""
        p = str(path)
        if p.startswith(("postgresql://", "postgres://")):
            from leadsdk.storage.postgres import PostgresStorage

            return cls(PostgresStorage(p), **kwargs)
        from leadsdk.storage.sqlite import SqliteStorage

        return cls(SqliteStorage(p), **kwargs)

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
        """A service over the same store, acting as another user."""
        return OrganizationService(_core=self._core, caller_id=user_id, _parent=self._parent)

    def close(self) -> None:
        shutdown_jobs(self._core.extensions)  # system jobs (leadsdk.messages.jobs)
        self._core.storage.close()

    def __enter__(self) -> OrganizationService:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._parent is None:
            self.close()

    # the pipeline -------------------------------------------------------------------
    def execute(self, request: Any) -> Any:
        """Run any request (CreateRequest, QualifyLeadRequest, ...) and return its response."""
        return self._core.execute(request, self._caller_id, self._parent)

    # convenience methods (each builds its request and calls execute) ----------------
    def create(self, entity: Any) -> uuid.UUID:
        resp = self.execute(CreateRequest(target=entity))
        rid: uuid.UUID = resp.id
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
        ref = EntityReference(logical, _id(id, logical))
        e: Entity = self.execute(RetrieveRequest(target=ref, column_set=column_set)).entity
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

    def unregister_plugin(self, step_id: uuid.UUID) -> None:
        if not self._core.plugins.unregister(step_id):
            raise OrganizationServiceFault(ErrorCodes.OBJECT_DOES_NOT_EXIST, f"There is no plugin step {step_id}.")

    # snapshots and jobs (issue 20: leadsdk.storage.snapshot, leadsdk.messages.jobs) -------
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


_ = _messages

# the security engine attaches to every core (leadsdk.security never imports the service)
from leadsdk.security import attach_security as _attach_security  # noqa: E402

START_HOOKS.append(_attach_security)

# system jobs (BulkDelete) run in a worker of each core, on top-level services of their own
START_HOOKS.append(lambda core: attach_jobs(
    core.extensions, lambda caller: OrganizationService(_core=core, caller_id=caller)))
