"""Requests, responses, the handler registry and the context a handler works in.

A message is a request class, a response class and one handler registered for the request type.
Handlers see the store only through `HandlerContext` (the storage interface, metadata, the caller,
and `ctx.execute()` for nested requests that run through the whole pipeline in the same transaction).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

import attrs

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.privileges import Privilege, target_of
from leadsdk.progress import make_progress
from leadsdk.records.context import SYSTEM_USER_ID, Context
from leadsdk.types import Entity, EntityReference, to_uuid

__all__ = [
    "HANDLERS",
    "SYSTEM_USER_ID",
    "HandlerContext",
    "OrganizationRequest",
    "OrganizationResponse",
    "handler",
    "maybe_uuid",
    "request_progress",
    "require",
]



R = TypeVar("R", bound="OrganizationResponse", covariant=True)


def _fields_repr(self: attrs.AttrsInstance) -> str:
    """`Name(field=value, ...)` over the attrs fields shown in a repr, as attrs writes it. Request and
    response classes share this one method instead of each compiling its own (`repr=False`): ~150 classes
    are built when leadsdk is imported, and the generated reprs were a quarter of that time."""
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in attrs.fields(type(self)) if f.repr)
    return f"{type(self).__qualname__}({shown})"


@attrs.define(eq=False, repr=False, slots=False)
class OrganizationRequest(Generic[R]):
    """Base of every request, generic in its response: `svc.execute(QualifyLeadRequest(...))` is typed as a
    `QualifyLeadResponse`. `request_name` is the Dataverse message name ("Create", "QualifyLead").

    Requests and responses compare by identity, as the SDK's classes do (`eq=False`); subclasses are
    declared `@attrs.define(eq=False, repr=False, slots=False)` and share the base's repr."""

    request_name: ClassVar[str] = ""
    read_only: ClassVar[bool] = False
    """Requests that only read run without a write transaction."""
    transactional: ClassVar[bool] = True
    """False for containers whose items each take their own transaction (ExecuteMultiple)."""
    batch_container: ClassVar[bool] = False
    """Containers whose items run at the container's own depth, as top-level requests."""
    requires: ClassVar[tuple[Privilege, ...] | None] = None
    """The privileges the caller needs (`leadsdk.messages.privileges`); None: Read of the target for a
    request that only reads, else Write."""
    primary_table: ClassVar[str | None] = None
    """The table a request without a `target(...)` field is about."""

    parameters: dict[str, Any] = attrs.field(factory=dict, kw_only=True, repr=False)
    """Extra named parameters, as the .NET `Parameters` collection (e.g. "tag" for plugins)."""

    def __repr__(self) -> str:
        return _fields_repr(self)

    def primary_entity(self) -> tuple[str | None, uuid.UUID | None]:
        """The record this request is about (its `target(...)` field), for plugins, audit and security."""
        return target_of(self)

    def input_parameters(self) -> dict[str, Any]:
        """The request's fields under their Dataverse parameter names (plugins' `input_parameters`)."""
        out: dict[str, Any] = {}
        for f in attrs.fields(type(self)):
            if f.name == "parameters":
                continue
            out["".join(p.capitalize() for p in f.name.split("_"))] = getattr(self, f.name)
        out.update(self.parameters)
        return out


@attrs.define(eq=False, repr=False, slots=False)
class OrganizationResponse:
    """Base of every response; `results` lists its fields by Dataverse name."""

    response_name: ClassVar[str] = ""

    def __repr__(self) -> str:
        return _fields_repr(self)

    @property
    def results(self) -> dict[str, Any]:
        return {
            "".join(p.capitalize() for p in f.name.split("_")): getattr(self, f.name)
            for f in attrs.fields(type(self))
        }

    def __getitem__(self, key: str) -> Any:
        r = self.results
        if key in r:
            return r[key]
        for k, v in r.items():
            if k.lower() == key.lower().replace("_", ""):
                return v
        raise KeyError(key)


HandlerContext = Context
"""The name handlers have always used for the request `Context`."""


Req = TypeVar("Req", bound="OrganizationRequest[Any]")
Handler = Callable[[HandlerContext, Any], OrganizationResponse]

HANDLERS: dict[type[OrganizationRequest[Any]], Handler] = {}


def handler(request_type: type[Req]) -> Callable[[Callable[[HandlerContext, Req], Any]], Callable[..., Any]]:
    """Register the function as the handler of `request_type`."""

    def deco(fn: Callable[[HandlerContext, Req], Any]) -> Callable[..., Any]:
        HANDLERS[request_type] = fn
        return fn

    return deco


def require(value: Any, field: str, request: str) -> Any:
    """Fault unless a required request field is given."""
    if value is None:
        raise OrganizationServiceFault(
            ErrorCodes.REQUIRED_FIELD_MISSING, f"{request} needs '{field}', and none was given."
        )
    return value


def as_reference(value: Any, field: str, request: str, logical_name: str | None = None) -> EntityReference:
    """Accept an EntityReference, an Entity with an id, or (with `logical_name`) a UUID or its text."""
    if isinstance(value, EntityReference):
        ref = value
    elif isinstance(value, Entity) and value.id is not None:
        ref = value.to_entity_reference()
    elif logical_name is not None and isinstance(value, (uuid.UUID, str)):
        try:
            ref = EntityReference(logical_name, to_uuid(value))
        except ValueError:
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT, f"{request}.{field} must be a record id; {value!r} is not a UUID."
            ) from None
    elif value is None:
        raise OrganizationServiceFault(ErrorCodes.REQUIRED_FIELD_MISSING, f"{request} needs '{field}'.")
    else:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"{request}.{field} must be an EntityReference, not {type(value).__name__}.",
        )
    if logical_name is not None and ref.logical_name != logical_name:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"{request}.{field} must refer to a {logical_name}, not a {ref.logical_name}.",
        )
    return ref


def request_progress(request: OrganizationRequest[Any], total: int | None, desc: str) -> tuple[
        Callable[[int], None], Callable[[], None]]:
    """(tick(n), close()) for a long request: `parameters["progress"]` may be True (a tqdm bar) or a
    callback `fn(done, total)`; silent otherwise."""
    return make_progress(request.parameters.get("progress"), total, desc)


def maybe_uuid(value: Any) -> uuid.UUID | None:
    """A UUID from a UUID or its text, or None (for `primary_entity()` of requests whose id may be unset)."""
    try:
        return None if value is None else to_uuid(value)
    except (ValueError, TypeError, AttributeError):
        return None
