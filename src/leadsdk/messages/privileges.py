"""What a request is about and what it needs of its caller, declared on the request class (messages core).

A request marks the field that names its record with `target(...)`; plugins, audit and security read it
through `primary_entity()`, so no request writes that method by hand. It lists the privileges its
caller needs in `requires` (checked by the security engine before it runs, for callers other than
SYSTEM; not named `privileges`, which is a Dataverse parameter of AddPrivilegesRole); None (the default)
means Read of the target for requests that only read, else Write::

    @attrs.define
    class QualifyLeadRequest(OrganizationRequest["QualifyLeadResponse"]):
        requires = (Access("Write"),)
        lead_id: EntityReference | None = target("lead")

`NESTED` (no privileges) is for containers whose nested requests carry the checks (ExecuteMultiple).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from leadsdk.entities.registry import Metadata
from leadsdk.query.model import FetchExpression, QueryByAttribute, QueryExpression
from leadsdk.types import Entity, EntityCollection, EntityReference, to_uuid

if TYPE_CHECKING:
    from leadsdk.records.context import Context

__all__ = [
    "NESTED", "Access", "AppendLinks", "CreateOf", "Customize", "EachRecord", "Privilege", "ReadOf", "Security",
    "TableAccess", "declared_target", "reference", "target", "target_of",
]

_TARGET = "leadsdk.target"


def target(table: str | None = None, *, via: str | None = None, table_name: bool = False, default: Any = None
           ) -> Any:
    """An attrs field holding the request's primary record: an EntityReference, an Entity, or (with
    `table`) its id; with `via`, an Entity whose `via` lookup names the record (opportunity_close ->
    opportunityid); a query or a collection of entities (their table only); with `table_name`, the name
    of the table the request is about."""
    return attrs.field(default=default, metadata={_TARGET: (table, via, table_name)})


_Spec = tuple[str, "str | None", "str | None", bool]
_SPECS: dict[type, _Spec | None] = {}


def _target_field(cls: type) -> _Spec | None:
    """(field name, table, via, table_name) of a request class's target field, worked out once."""
    if cls in _SPECS:
        return _SPECS[cls]
    found: _Spec | None = None
    for f in attrs.fields(cls):
        spec = f.metadata.get(_TARGET)
        if spec is not None:
            found = (f.name, spec[0], spec[1], spec[2])
            break
    _SPECS[cls] = found
    return found


def declared_target(cls: type) -> tuple[bool, str | None]:
    """Whether a request class names a primary record or table, and the one table it is about (None: any)."""
    spec = _target_field(cls)
    if spec is None:
        table = getattr(cls, "primary_table", None)
        return table is not None, table
    return True, spec[1]


def reference(value: Any, table: str | None = None, via: str | None = None) -> tuple[str | None, uuid.UUID | None]:
    """(table, id) of a reference-like value; (table, None) when it names no record (yet)."""
    if via is not None:
        value = value.get(via) if isinstance(value, Entity) else None
    if isinstance(value, EntityReference):
        return value.logical_name, value.id
    if isinstance(value, Entity):
        return value.logical_name, value.id
    if isinstance(value, (QueryExpression, QueryByAttribute)):
        return value.entity_name, None
    if isinstance(value, FetchExpression):
        return None, None
    if isinstance(value, (EntityCollection, list, tuple)):
        items = value.entities if isinstance(value, EntityCollection) else value
        name = value.entity_name if isinstance(value, EntityCollection) else None
        first = next(iter(items), None)
        return (name or reference(first)[0] if first is not None else name), None
    to_entity = getattr(value, "to_entity", None)
    if callable(to_entity):
        return reference(to_entity())
    if table is not None and isinstance(value, (uuid.UUID, str)):
        try:
            return table, to_uuid(value)
        except (ValueError, TypeError, AttributeError):
            return table, None
    return table, None


def target_of(request: Any) -> tuple[str | None, uuid.UUID | None]:
    """The record a request is about, from its `target(...)` field."""
    spec = _target_field(type(request))
    if spec is None:
        return request.primary_table, None
    name, table, via, table_name = spec
    value = getattr(request, name)
    if table_name:
        return (value if isinstance(value, str) else None), None
    return reference(value, table, via)


class Security(Protocol):
    """What privileges ask of the security engine (`leadsdk.security.engine.SecurityEngine`)."""

    def record(self, ctx: Context, action: str, ref: Any) -> None: ...

    def require(self, ctx: Context, action: str, table: str) -> Any: ...

    def require_privilege(self, ctx: Context, privilege: str) -> None: ...


class Privilege(Protocol):
    def check(self, security: Security, ctx: Context, request: Any) -> None: ...


def _ref(metadata: Metadata, value: Any, table: str | None = None, via: str | None = None
         ) -> EntityReference | None:
    name, id_ = reference(value, table, via)
    if name is None or id_ is None or name not in metadata:
        return None
    return EntityReference(name, id_)


@attrs.frozen
class Access:
    """`action` (Read, Write, Delete, Assign, Share, Append, AppendTo) on the record in `field` (default:
    the target); `table` for a field holding a bare id, `table_of` to take the table of another field's
    record, `via` for an Entity whose lookup names the record."""

    action: str
    field: str | None = None
    table: str | None = None
    via: str | None = None
    table_of: str | None = None

    def check(self, security: Security, ctx: Context, request: Any) -> None:
        if self.field is None:
            spec = _target_field(type(request))
            if spec is None or spec[3]:
                return
            name, table, via, _ = spec
        else:
            name, table, via = self.field, self.table, self.via
        if self.table_of is not None:
            table = reference(getattr(request, self.table_of))[0]
            if table is None:
                return
        value = getattr(request, name)
        ref = _ref(ctx.metadata, value, table, via)
        if ref is None:  # a table-level check when the request names a table but no record yet
            tname = reference(value, table, via)[0]
            if tname is not None and tname in ctx.metadata and self.action == "Read" and request.read_only:
                security.require(ctx, "Read", tname)
            return
        security.record(ctx, self.action, ref)


@attrs.frozen
class TableAccess:
    """`action` on the table (not a record) named by `field`: an Entity's table (Create) or a query's (Read)."""

    action: str
    field: str

    def check(self, security: Security, ctx: Context, request: Any) -> None:
        name = reference(getattr(request, self.field))[0]
        if name is not None and name in ctx.metadata:
            security.require(ctx, self.action, name)


def CreateOf(field: str = "target") -> TableAccess:
    """Create on the table of the Entity in `field`."""
    return TableAccess("Create", field)


def ReadOf(field: str = "query") -> TableAccess:
    """Read on the table a query in `field` reads."""
    return TableAccess("Read", field)


@attrs.frozen
class AppendLinks:
    """Associate/Disassociate: for an N:N relationship, Append on the target and AppendTo on each related
    record. (A 1:N relationship runs nested Updates, which carry their own checks.)"""

    def check(self, security: Security, ctx: Context, request: Any) -> None:
        rel = request.relationship
        schema = getattr(rel, "schema_name", rel)
        if not isinstance(schema, str) or schema not in ctx.metadata.many_to_many:
            return
        security.record(ctx, "Append", request.target)
        for other in request.related_entities or []:
            security.record(ctx, "AppendTo", other)


@attrs.frozen
class EachRecord:
    """CreateMultiple / UpdateMultiple / UpsertMultiple write rows without nested requests: Create for each
    new record, Write for each existing one."""

    def check(self, security: Security, ctx: Context, request: Any) -> None:
        targets = request.targets
        items: Iterable[Any] = getattr(targets, "entities", targets) or []
        creating = request.request_name == "CreateMultiple"
        for item in items:
            e = item if isinstance(item, Entity) else getattr(item, "to_entity", lambda: None)()
            if not isinstance(e, Entity) or e.logical_name not in ctx.metadata:
                continue
            t = ctx.metadata.table(e.logical_name)
            raw = e.id or e.attributes.get(t.primary_id_attribute)
            try:
                id_ = None if raw is None else to_uuid(raw)
            except (ValueError, TypeError, AttributeError):
                id_ = None
            exists = id_ is not None and ctx.storage.exists(t, id_)
            if creating or not exists:
                if creating or request.request_name == "UpsertMultiple":
                    security.require(ctx, "Create", t.logical_name)
            else:
                assert id_ is not None
                security.record(ctx, "Write", EntityReference(t.logical_name, id_))


@attrs.frozen
class Customize:
    """A customizer's privilege that is about no one table (prvCreateEntity, prvWriteAttribute, ...)."""

    privilege: str

    def check(self, security: Security, ctx: Context, request: Any) -> None:
        security.require_privilege(ctx, self.privilege)


NESTED: tuple[Privilege, ...] = ()
"""No checks of its own: the nested requests of a container carry them."""
