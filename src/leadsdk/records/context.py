"""The typed per-request `Context` and the per-store `StoreState` it points to (records layer).

A `Context` is made by the pipeline for every request and handed to its handler, the record engine
and every event listener. It is immutable: per-request facts (the caller, the depth, the time, which
message-only states nested writes may reach, whether duplicate detection runs) are fields, and a
handler that wants a nested request to see a different value makes a new context with `allowing()` or
`attrs.evolve()` and calls `execute()` on it. Nothing per request lives in the store, so requests on
several threads never see each other's state.

`StoreState` is what every request on one store shares: storage, metadata, plugin steps, the feature
engines, the transaction-aware `StoreCache` and the per-metadata-version write plans. It is safe to
share between threads (engines keep their data in the cache).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from leadsdk.entities.registry import Metadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.records.cache import StoreCache
from leadsdk.storage.base import Storage
from leadsdk.types import EntityReference

if TYPE_CHECKING:
    from leadsdk.records.events import Events

__all__ = ["SYSTEM_USER_ID", "Context", "Executor", "Jobs", "Requests", "StoreState", "new_context"]

SYSTEM_USER_ID = uuid.UUID("00000000-0000-0000-0000-00000000a001")
"""The built-in SYSTEM user every store has; the caller when none is set."""


class Requests(Protocol):
    """The requests the record engine makes of the pipeline without naming message classes (records sit
    below the messages): a cascaded delete goes through the pipeline when the child has Delete plugins."""

    def delete(self, target: EntityReference) -> Any: ...


class Executor(Protocol):
    """Something that runs requests (an OrganizationService, or a context's nested service)."""

    def execute(self, request: Any) -> Any: ...


class Jobs(Protocol):
    """The store's system-job runner (`leadsdk.jobs.runner.JobRunner`, made by the service): BulkDelete
    queues its job here, or runs it at once."""

    def submit(self, job_id: uuid.UUID, caller: uuid.UUID, progress: Any = None) -> None: ...

    def run(self, job_id: uuid.UUID, caller: uuid.UUID, progress: Any = None) -> None: ...

    def shutdown(self, timeout: float = 10.0) -> None: ...


@attrs.define(eq=False)
class StoreState:
    """Everything requests on one store share (see the module docstring)."""

    storage: Storage
    metadata: Metadata
    events: Events
    requests: Requests
    """Builds the requests the record engine runs nested (the pipeline's)."""
    cache: StoreCache = attrs.field(factory=StoreCache)
    plugins: Any = None
    """The store's `PluginRegistry` (the pipeline's; cascades ask whether child deletes have steps)."""
    security: Any = None
    """The security engine (`leadsdk.security.engine.SecurityEngine`)."""
    routing: Any = None
    """The routing engine (`leadsdk.routing.RoutingEngine`)."""
    plans: dict[Hashable, Any] = attrs.field(factory=dict)
    """Derived from metadata only (write plans, entity builders): keyed by the metadata version."""
    run: Callable[[Any, Context], Any] | None = None
    """The pipeline: runs a nested request under a parent context (set by the service)."""
    service_for: Callable[[Context], Executor] | None = None
    """A service object running nested requests under a context (what plugins get as `service`)."""
    jobs: Jobs | None = None
    """The store's system-job runner (`leadsdk.jobs.runner.JobRunner`), set by the service."""
    watch: Any = None
    """What the store last saw of the store-wide counter (`records.coherence`'s, set by its `start`): an
    attribute, not a weak-keyed map's entry, as every top-level request reads it."""


@attrs.frozen(eq=False, weakref_slot=False)
class Context:
    """What a handler, the record engine and event listeners work with during one request."""

    store: StoreState
    caller_id: uuid.UUID
    initiating_user_id: uuid.UUID
    depth: int
    now: dt.datetime
    message_name: str = ""
    allowed_state_messages: tuple[str, ...] = ()
    """Messages running above this request that may move records to their message-only states
    (QualifyLead may set a lead Qualified, by a nested Update): inherited by nested requests."""
    detect_duplicates: bool = False
    """Whether writes of this request run duplicate detection (Create/Update set it from their
    `suppress_duplicate_detection`); inherited by nested requests."""
    guards: frozenset[Hashable] = frozenset()
    """Re-entrancy guards of rules that write through nested requests (a connection's reciprocal)."""
    plugin_context: Any = None
    """The plugin execution context of this request, when plugin steps run for it."""
    parent: Context | None = None
    transparent: bool = False
    """A batch container (ExecuteMultiple, ExecuteTransaction): its items run at its own depth."""
    scratch: dict[str, Any] = attrs.field(factory=dict)
    """State of this request alone (an audit buffer, pending scores); never seen by another request."""
    output_parameters: dict[str, Any] = attrs.field(factory=dict)
    # -- the store's, as fields: read by every step of a request (a property read is a Python call) --
    storage: Storage = attrs.field(init=False)
    metadata: Metadata = attrs.field(init=False)
    cache: StoreCache = attrs.field(init=False)
    events: Events = attrs.field(init=False)
    security: Any = attrs.field(init=False)
    """The security engine when the caller is a user, None for SYSTEM (which may do anything)."""

    def __attrs_post_init__(self) -> None:
        store = self.store
        for name, value in (("storage", store.storage), ("metadata", store.metadata), ("cache", store.cache),
                            ("events", store.events), ("security", _security(store, self.caller_id))):
            object.__setattr__(self, name, value)

    # -- derived --------------------------------------------------------------------------------

    @property
    def is_system(self) -> bool:
        return self.caller_id == SYSTEM_USER_ID

    @property
    def service(self) -> Executor:
        """A service running nested requests under this context (in this transaction, as this caller)."""
        make = self.store.service_for
        if make is None:
            return _NoNesting()
        return make(self)

    # -- nested requests ------------------------------------------------------------------------
    def execute(self, request: Any) -> Any:
        """Run `request` through the whole pipeline as a child of this one (same transaction)."""
        run = self.store.run
        if run is None:
            return _NoNesting().execute(request)
        return run(request, self)

    def _with(self, caller_id: uuid.UUID, allowed_state_messages: tuple[str, ...], detect_duplicates: bool,
              guards: frozenset[Hashable]) -> Context:
        """This context with other values of the fields its derivations change; everything else (its
        `scratch` and `output_parameters` too) shared, as `attrs.evolve` would, without its per-field
        introspection (nested requests derive contexts several times each)."""
        return new_context(self.store, caller_id, self.initiating_user_id, self.depth, self.now, self.message_name,
                           allowed_state_messages, detect_duplicates, guards, self.plugin_context, self.parent,
                           self.transparent, self.scratch, self.output_parameters)

    def allowing(self, message: str) -> Context:
        """This context, letting nested writes reach the states only `message` may set."""
        return self._with(self.caller_id, (*self.allowed_state_messages, message), self.detect_duplicates,
                          self.guards)

    def guarded(self, guard: Hashable) -> Context:
        """This context with one more re-entrancy guard."""
        return self._with(self.caller_id, self.allowed_state_messages, self.detect_duplicates,
                          self.guards | {guard})

    def detecting(self, on: bool) -> Context:
        """This context with duplicate detection on or off for its writes."""
        if on == self.detect_duplicates:
            return self
        return self._with(self.caller_id, self.allowed_state_messages, on, self.guards)

    def as_system(self) -> Context:
        """This context acting as SYSTEM (engines reading what the caller may not)."""
        return self._with(SYSTEM_USER_ID, self.allowed_state_messages, self.detect_duplicates, self.guards)


_FIELDS = ("store", "caller_id", "initiating_user_id", "depth", "now", "message_name", "allowed_state_messages",
           "detect_duplicates", "guards", "plugin_context", "parent", "transparent", "scratch", "output_parameters",
           "storage", "metadata", "cache", "events", "security")
if tuple(a.name for a in attrs.fields(Context)) != _FIELDS:  # pragma: no cover - a field added above
    raise ImportError("new_context must set every field of Context, in order")


class _Unfrozen:
    """Context's slots, in its layout, without its frozen `__setattr__`: `new_context` fills one with plain
    slot stores and then makes it a Context (`__class__` assignment, allowed between the same slots). No
    `__weakref__` slot on either: CPython refuses the assignment between classes that have one after
    their slots."""

    __slots__ = ("allowed_state_messages", "cache", "caller_id", "depth", "detect_duplicates", "events", "guards",
                 "initiating_user_id", "message_name", "metadata", "now", "output_parameters", "parent",
                 "plugin_context", "scratch", "security", "storage", "store", "transparent")
    # (CPython lays slots out in sorted order, whatever order they are declared in)
    store: StoreState
    caller_id: uuid.UUID
    initiating_user_id: uuid.UUID
    depth: int
    now: dt.datetime
    message_name: str
    allowed_state_messages: tuple[str, ...]
    detect_duplicates: bool
    guards: frozenset[Hashable]
    plugin_context: Any
    parent: Context | None
    transparent: bool
    scratch: dict[str, Any]
    output_parameters: dict[str, Any]
    storage: Storage
    metadata: Metadata
    cache: StoreCache
    events: Events
    security: Any


def _security(store: StoreState, caller: uuid.UUID) -> Any:
    """A context's `security`: the store's engine, None for SYSTEM."""
    return None if caller is SYSTEM_USER_ID or caller == SYSTEM_USER_ID else store.security


if sorted(_Unfrozen.__slots__) != sorted(_FIELDS):  # pragma: no cover - a field added to Context
    raise ImportError("_Unfrozen must have exactly Context's slots")
_new_context = object.__new__


def new_context(store: StoreState, caller_id: uuid.UUID, initiating_user_id: uuid.UUID, depth: int,
                now: dt.datetime, message_name: str, allowed_state_messages: tuple[str, ...], detect_duplicates: bool,
                guards: frozenset[Hashable], plugin_context: Any, parent: Context | None, transparent: bool,
                scratch: dict[str, Any], output_parameters: dict[str, Any]) -> Context:
    """`Context(...)` with every field given, made as an `_Unfrozen` and turned into a Context: attrs' frozen
    `__init__` goes through `object.__setattr__` by name for each field, and the slots' own setters are a
    wrapper call each (the pipeline makes one context per request; a slot store is a specialized opcode)."""
    c: _Unfrozen = _new_context(_Unfrozen)
    c.store = store
    c.caller_id = caller_id
    c.initiating_user_id = initiating_user_id
    c.depth = depth
    c.now = now
    c.message_name = message_name
    c.allowed_state_messages = allowed_state_messages
    c.detect_duplicates = detect_duplicates
    c.guards = guards
    c.plugin_context = plugin_context
    c.parent = parent
    c.transparent = transparent
    c.scratch = scratch
    c.output_parameters = output_parameters
    c.storage = store.storage
    c.metadata = store.metadata
    c.cache = store.cache
    c.events = store.events
    c.security = _security(store, caller_id)
    c.__class__ = Context  # type: ignore[assignment]
    return c  # type: ignore[return-value]


class _NoNesting:
    def execute(self, request: Any) -> Any:  # pragma: no cover - only while a store is being seeded
        raise OrganizationServiceFault(ErrorCodes.INVALID_OPERATION, "No nested requests here.")
