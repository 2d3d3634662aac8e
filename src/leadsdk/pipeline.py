"""The pipeline every request runs through, and the feature order (pipeline layer).

validate -> security -> pre-validation plugins -> [transaction: pre-operation plugins -> handler ->
post-operation plugins] -> response. Nested requests (from handlers, event listeners and plugins) run
through the same pipeline inside the outer transaction, one level deeper, with a `Context` derived
from their parent's.

`FEATURES` is the one place that orders the features: their record-event listeners run in this
order, and a feature may import only features before it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from types import ModuleType
from typing import Any

from leadsdk import messages as _messages  # registers every handler
from leadsdk.audit import messages as audit
from leadsdk.changes import rules as changes
from leadsdk.customization import views as customization
from leadsdk.duplicates import rules as duplicates
from leadsdk.entities.builtin import builtin_metadata
from leadsdk.entities.registry import Metadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.jobs import messages as jobs
from leadsdk.keys import messages as keys
from leadsdk.keys.rules import bind_targets
from leadsdk.lifecycle import rules as lifecycle
from leadsdk.messages.base import HANDLERS, OrganizationRequest
from leadsdk.messages.crud import CreateRequest, DeleteRequest, UpdateRequest
from leadsdk.plugins import (
    InvalidPluginExecutionException,
    PluginExecutionContext,
    PluginRegistry,
    PluginStage,
    PluginStep,
)
from leadsdk.records import coherence
from leadsdk.records.context import SYSTEM_USER_ID, Context, Executor, StoreState, new_context
from leadsdk.records.events import Events, upgraders
from leadsdk.records.read import retrieve_record
from leadsdk.records.seeds import run_seeds
from leadsdk.related import rules as related
from leadsdk.routing import RoutingEngine
from leadsdk.routing import rules as routing
from leadsdk.scoring import rules as scoring
from leadsdk.security import messages as security
from leadsdk.security.engine import SecurityEngine
from leadsdk.storage.base import Storage
from leadsdk.storage.customizations import load as load_customizations
from leadsdk.types import ColumnSet, Entity, EntityReference

__all__ = ["FEATURES", "MAX_DEPTH", "Store"]

FEATURES: tuple[ModuleType, ...] = (related, lifecycle, audit, duplicates, security, scoring, routing,
                                     customization, keys, changes, jobs)
"""The features, in the order their record-event listeners and store seeders run."""

MAX_DEPTH = 8
"""Nested requests deeper than this fault, as Dataverse's infinite-loop guard does."""

UTC = dt.timezone.utc
_NO_GUARDS: frozenset[Hashable] = frozenset()

_DETECTING = frozenset({CreateRequest, UpdateRequest})
"""Requests whose handlers first derive a context with duplicate detection set from the request's
`suppress_duplicate_detection` (the context they run under may as well be made so)."""


class Store:
    """One open store and the pipeline over it; shared by every service object on the store."""

    def __init__(self, storage: Storage, service_for: Callable[[Context], Executor]) -> None:
        metadata = builtin_metadata()
        self.plugins = PluginRegistry()
        self.state = StoreState(
            storage=storage, metadata=metadata, events=Events(FEATURES), requests=_Requests(), plugins=self.plugins,
            security=SecurityEngine(), routing=RoutingEngine(), run=self.run_nested, service_for=service_for)
        storage.attach(metadata)
        if load_customizations(storage, metadata):
            storage.attach(metadata)  # custom tables and columns: create what is missing
        coherence.start(self.state)
        self._seed()
        self._upgrade()

    @property
    def storage(self) -> Storage:
        return self.state.storage

    @property
    def metadata(self) -> Metadata:
        return self.state.metadata

    def _seed(self) -> None:
        org = self.state.metadata.table("organization")
        if self.storage.count(org) > 0:
            return
        with self.state.cache.scope(), self.storage.setup_transaction():
            if self.storage.count(org) > 0:
                return  # another process seeded the store while this one waited for the lock
            now = dt.datetime.now(UTC)
            run_seeds(Context(self.state, SYSTEM_USER_ID, SYSTEM_USER_ID, 1, now, "Seed"), FEATURES)

    def _upgrade(self) -> None:
        """Bring a store an earlier leadsdk wrote to this version's format (each feature's upgraders)."""
        ctx = Context(self.state, SYSTEM_USER_ID, SYSTEM_USER_ID, 1, dt.datetime.now(UTC), "Upgrade")
        for upgrade in upgraders(FEATURES):
            with self.state.cache.scope():
                upgrade(ctx)

    def transaction(self) -> AbstractContextManager[None]:
        """A write transaction (a savepoint when nested) that the store's cache follows."""
        return _Transaction(self.state.cache.scope(), self.storage.transaction())

    @contextmanager
    def caller_transaction(self, all_or_nothing: bool = False) -> Iterator[None]:
        """A caller's transaction around several top-level requests (`OrganizationService.transaction()`):
        the close gate and the store-wide refresh once, then one transaction the requests nest in (each
        with a savepoint, or, `all_or_nothing`, joining it as nested requests do)."""
        with coherence.top_level(self.state), self.state.cache.scope(), \
                self.storage.transaction(all_or_nothing=all_or_nothing):
            yield

    def _transaction_of(self, parent: Context | None, in_transaction: bool) -> AbstractContextManager[None]:
        """A nested request joins its parent's transaction without a savepoint (its failure fails the
        transaction, as in Dataverse); a top-level request, or an item of a batch that reports faults
        per item (ExecuteMultiple), gets a transaction or savepoint of its own.

        A joined request opens no cache layer of its own: nothing of the transaction is rolled back
        without the whole of it (whose layer the pipeline opened), so what it loads and invalidates
        belongs to the enclosing layer, as the layer's merge on success would have made it."""
        storage = self.state.storage
        if parent is not None and not parent.transparent and in_transaction:
            return storage.nested()
        if parent is None and in_transaction and storage.requests_join:
            return storage.nested()
        return self.transaction()

    # the pipeline -------------------------------------------------------------------------------
    def run_nested(self, request: Any, parent: Context) -> Any:
        return self._execute(request, parent.caller_id, parent)

    def execute(self, request: Any, caller_id: uuid.UUID | None, parent: Context | None) -> Any:
        if parent is None:  # a top-level request: close() waits for it; other services' changes are seen
            with coherence.top_level(self.state):
                return self._execute(request, caller_id, None)
        return self._execute(request, caller_id, parent)

    def _execute(self, request: Any, caller_id: uuid.UUID | None, parent: Context | None) -> Any:
        kind = _KINDS.get(request.__class__)
        if kind is None:
            kind = _kind(request)
        fn = HANDLERS.get(request.__class__)
        if fn is None:
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT, f"The message {type(request).__name__} is not supported."
            )
        name, read_only, transactional, batch_container, detecting = kind
        above = parent
        while above is not None and above.transparent:
            above = above.parent
        depth = above.depth + 1 if above else 1
        if depth > MAX_DEPTH:
            raise OrganizationServiceFault(
                ErrorCodes.INFINITE_LOOP_DETECTED,
                f"This workflow job was canceled because the workflow that started it included an infinite loop "
                f"(request depth {depth} is over the limit of {MAX_DEPTH}).",
            )
        bind_targets(self.state, request, name)  # alternate keys -> ids, before security and plugins (leadsdk.keys)
        caller = caller_id or SYSTEM_USER_ID
        steps: list[PluginStep] = []
        pctx: PluginExecutionContext | None = None
        if self.plugins.steps:
            entity, entity_id = request.primary_entity()
            steps = self._steps(name, entity, request)
            if steps:
                pctx = PluginExecutionContext(
                    message_name=name, primary_entity_name=entity, primary_entity_id=entity_id,
                    stage=PluginStage.PRE_VALIDATION, depth=depth, user_id=caller,
                    initiating_user_id=parent.initiating_user_id if parent else caller, service=None,
                    input_parameters=request.input_parameters(),
                    parent_context=above.plugin_context if above else None,
                    is_in_transaction=self.storage.in_transaction,
                )
        if pctx is None and detecting:
            # the context its handler derives at once (`ctx.detecting(...)`), made in one step; with
            # plugins the request's own context is kept: their nested requests inherit the parent's
            detect = not request.suppress_duplicate_detection
        else:
            detect = parent.detect_duplicates if parent is not None else False
        if parent is None:
            ctx = new_context(self.state, caller, caller, depth, dt.datetime.now(UTC), name, (), detect, _NO_GUARDS,
                              pctx, None, batch_container, {}, {})
        else:
            ctx = new_context(self.state, caller, parent.initiating_user_id, depth, parent.now, name,
                              parent.allowed_state_messages, detect, parent.guards, pctx, parent,
                              batch_container, {}, {})
        if pctx is not None:
            pctx.service = ctx.service
        try:
            if ctx.security is not None:
                ctx.security.check_request(ctx, request)
            if pctx is not None and any(s.stage == PluginStage.PRE_VALIDATION for s in steps):
                self._images(steps, pctx, ctx, pre=True, stage=PluginStage.PRE_VALIDATION)
                self._run_stage(steps, PluginStage.PRE_VALIDATION, pctx, request)
            storage = ctx.storage
            in_transaction = storage.in_transaction
            if (read_only or not transactional) and not in_transaction and pctx is None:
                return fn(ctx, request)
            with self._transaction_of(parent, in_transaction) if transactional else nullcontext():
                if pctx is not None:
                    pctx.is_in_transaction = storage.in_transaction
                    self._images(steps, pctx, ctx, pre=True)
                    self._run_stage(steps, PluginStage.PRE_OPERATION, pctx, request)
                response = fn(ctx, request)
                if pctx is not None or (parent.plugin_context is not None if parent is not None
                                        else in_transaction and storage.requests_join):
                    # a fault of a statement the backend queued is this request's, where a user's code
                    # (its plugins, the plugin that sent it, a caller's all-or-nothing transaction) sees it
                    storage.sync()
                if pctx is not None:
                    pctx.output_parameters.update(response.results)
                    if pctx.primary_entity_id is None:
                        rid = pctx.output_parameters.get("id", pctx.output_parameters.get("Id"))
                        if isinstance(rid, uuid.UUID):
                            pctx.primary_entity_id = rid
                    self._images(steps, pctx, ctx, pre=False)
                    self._run_stage(steps, PluginStage.POST_OPERATION, pctx, request)
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

    # plugins --------------------------------------------------------------------------------------
    def _steps(self, name: str, entity: str | None, request: OrganizationRequest[Any]) -> list[PluginStep]:
        if request.parameters.get("BypassCustomPluginExecution"):
            return []
        cols: Iterable[str] | None = None
        if name == "Update":
            target = getattr(request, "target", None)
            if isinstance(target, Entity):
                cols = list(target.attributes)
        return self.plugins.for_message(name, entity, cols)

    @staticmethod
    def _run_stage(steps: Sequence[PluginStep], stage: PluginStage, pctx: PluginExecutionContext,
                   request: OrganizationRequest[Any]) -> None:
        pctx.stage = stage
        for s in steps:
            if s.stage == stage:
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

    def _images(self, steps: Sequence[PluginStep], pctx: PluginExecutionContext, ctx: Context,
                pre: bool, stage: PluginStage | None = None) -> None:
        """Fill the images the steps asked for: pre-images (before the operation; for the
        pre-validation stage, before that stage) and post-images (after it, for post-operation)."""
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
        t = self.state.metadata.get(pctx.primary_entity_name)
        if t is None or not self.storage.exists(t, eid):
            return
        target = pctx.pre_entity_images if pre else pctx.post_entity_images
        for img, cols in wanted.items():
            target[img] = retrieve_record(ctx, pctx.primary_entity_name, eid,
                                          None if cols is None else ColumnSet(*cols))


_KINDS: dict[type, tuple[str, bool, bool, bool, bool]] = {}
"""Per request class, what the pipeline reads of it (its class variables, read once: on an instance each
is a lookup through the class), as `_kind` gives it."""


def _kind(request: Any) -> tuple[str, bool, bool, bool, bool]:
    """A request class's message name, read_only, transactional, batch_container, and whether its handler
    runs duplicate detection (kept in `_KINDS`); a fault for what is not a request."""
    if not isinstance(request, OrganizationRequest):
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"execute() takes a request such as CreateRequest, not {type(request).__name__}.",
        )
    cls = request.__class__
    kind = (cls.request_name or cls.__name__.removesuffix("Request"), cls.read_only, cls.transactional,
            cls.batch_container, cls in _DETECTING)
    _KINDS[cls] = kind
    return kind


class _Transaction:
    """`Store.transaction()`: `with cache_scope, transaction:` as a class, not a generator (every
    top-level write enters one)."""

    __slots__ = ("scope", "tx")

    def __init__(self, scope: AbstractContextManager[None], tx: AbstractContextManager[None]) -> None:
        self.scope = scope
        self.tx = tx

    def __enter__(self) -> None:
        self.scope.__enter__()
        try:
            self.tx.__enter__()
        except BaseException as e:
            self.scope.__exit__(type(e), e, e.__traceback__)
            raise

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: Any) -> None:
        try:
            self.tx.__exit__(et, ev, tb)
        except BaseException as e:
            self.scope.__exit__(type(e), e, e.__traceback__)
            raise
        self.scope.__exit__(et, ev, tb)


class _Requests:
    """The requests the record engine runs nested (`records.context.Requests`)."""

    @staticmethod
    def delete(target: EntityReference) -> DeleteRequest:
        return DeleteRequest(target=target)


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)

_ = _messages
