"""Record operations behind Create, Retrieve, Update and Delete: validation, platform columns,
ownership, state rules, lookups and cascades, all driven by metadata.

Feature engines (duplicate detection, audit, routing, scoring) plug in through record events
(`leadsdk.records.events`) rather than by editing these functions.
"""

from __future__ import annotations

import os
import struct
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from itertools import repeat
from operator import attrgetter, is_, itemgetter
from typing import Any

from leadsdk.entities.convert import EntityBuilder, column_converter, column_place, storage_converter, to_storage
from leadsdk.entities.model import AttributeMetadata, AttributeType, CascadeType, EntityMetadata, RequiredLevel
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import SYSTEM_USER_ID, HandlerContext
from leadsdk.records.events import Listener, form_of
from leadsdk.storage.base import Row
from leadsdk.types import ColumnSet, Entity, EntityReference

__all__ = [
    "ColumnHook",
    "CreateTemplate",
    "before_create",
    "create_record",
    "delete_record",
    "finish_create",
    "new_id",
    "new_ids",
    "not_found",
    "organization",
    "prepare_create",
    "prepare_create_many",
    "retrieve_record",
    "rows_of",
    "run_column_hooks",
    "update_record",
    "update_records",
]


def not_found(logical_name: str, id: uuid.UUID) -> OrganizationServiceFault:
    return OrganizationServiceFault(
        ErrorCodes.OBJECT_DOES_NOT_EXIST, f"{logical_name} With Id = {id} Does Not Exist"
    )



_CACHE_TABLES = frozenset({"organization", "transactioncurrency", "systemuser", "team"})
"""Tables whose rows the settings cache holds: a write of any of them invalidates it."""
_SETTINGS = "settings"
"""The StoreCache namespace of organization, currency and owner business-unit rows."""
_BLOBS = frozenset({AttributeType.FILE, AttributeType.IMAGE})


def organization(ctx: HandlerContext) -> Row:
    """The organization row (settings, base currency), cached until it changes."""
    def load() -> Row:
        org = next(iter(ctx.storage.iter_rows(ctx.metadata.table("organization"), batch=1)), None)
        if org is None:
            raise OrganizationServiceFault(ErrorCodes.UNEXPECTED, "This store has no organization row.")
        return org

    return ctx.cache.get((_SETTINGS, "org"), load)


def _currency(ctx: HandlerContext, currency_id: uuid.UUID) -> Row:
    def load() -> Row:
        t = ctx.metadata.table("transactioncurrency")
        row = ctx.storage.get(t, currency_id, ["currencysymbol", "exchangerate", "isocurrencycode"])
        if row is None:
            raise not_found("transactioncurrency", currency_id)
        return row

    return ctx.cache.get((_SETTINGS, "cur", currency_id), load)


def currency_symbol(ctx: HandlerContext) -> str:
    org = organization(ctx)
    cid = org.get("basecurrencyid")
    if cid is None:
        return "$"
    return str(_currency(ctx, cid).get("currencysymbol") or "$")


def _business_unit_of(ctx: HandlerContext, owner: EntityReference) -> uuid.UUID | None:
    return _business_unit(ctx, owner.logical_name, owner.id)


def _business_unit(ctx: HandlerContext, logical_name: str, id_: uuid.UUID) -> uuid.UUID | None:
    def load() -> uuid.UUID | None:
        row = ctx.storage.get(ctx.metadata.table(logical_name), id_, ["businessunitid"])
        if row is None:
            raise not_found(logical_name, id_)
        bu: uuid.UUID | None = row.get("businessunitid")
        return bu

    return ctx.cache.get((_SETTINGS, "bu", logical_name, id_), load)


_new_uuid = uuid.UUID.__new__
_set = object.__setattr__
_urandom = os.urandom
_time_ns = time.time_ns
_SAFE_UNKNOWN = uuid.SafeUUID.unknown
_LOW_MASK = (1 << 62) - 1
_VARIANT = 1 << 63  # RFC 4122 variant bits (10) at the top of the low half
_last_stamp = 0
"""The last id's 60-bit stamp: its millisecond and, below it, 12 bits counting ids within it."""


_random_ids: list[int] = []
"""Random 64-bit numbers read from the OS 512 at a time (one system call, not one per id)."""
if hasattr(os, "register_at_fork"):  # a forked child must not reuse its parent's numbers
    os.register_at_fork(after_in_child=_random_ids.clear)


def _refill() -> int:
    first: int
    first, *rest = struct.unpack(">512Q", _urandom(4096))
    _random_ids.extend(rest)
    return first


def new_id() -> uuid.UUID:
    """A new record id, time-ordered as Dataverse's own ids are (it makes sequential GUIDs so that
    inserts append to the primary-key index instead of landing at random pages).

    The layout is RFC 9562's version 7: 48 bits of Unix milliseconds, the version, 12 bits counting
    the ids of that millisecond (more than 4096 borrow the next one), the variant and 62 random bits.
    One thread's ids sort in the order they were made; ids of several threads or processes stay
    unique through the random bits and sort by time, in any order within a millisecond. No lock:
    threads racing for the stamp at worst share it. Built without uuid.UUID's argument checks."""
    u = _new_uuid(uuid.UUID)
    try:
        r = _random_ids.pop()  # atomic: threads never share a number
    except IndexError:
        r = _refill()
    global _last_stamp
    stamp = _last_stamp = max(_time_ns() // 1_000_000 << 12, _last_stamp + 1)
    _set(u, "int", _v7(stamp, r))
    _set(u, "is_safe", _SAFE_UNKNOWN)
    return u


def _v7(stamp: int, r: int) -> int:
    """The 128 bits of a version-7 id from a stamp (milliseconds << 12 | count) and random bits."""
    return ((stamp >> 12) << 16 | 0x7000 | (stamp & 0xFFF)) << 64 | _VARIANT | (r & _LOW_MASK)


def new_ids(n: int) -> list[uuid.UUID]:
    """`n` ids as `n` calls of `new_id` make them, with one clock read and one system call."""
    global _last_stamp
    first = max(_time_ns() // 1_000_000 << 12, _last_stamp + 1)
    _last_stamp = first + n - 1
    out = []
    for stamp, r in zip(range(first, first + n), struct.unpack(f">{n}Q", _urandom(8 * n))):
        u = _new_uuid(uuid.UUID)
        _set(u, "int", _v7(stamp, r))
        _set(u, "is_safe", _SAFE_UNKNOWN)
        out.append(u)
    return out


def _entity_id(t: EntityMetadata, entity: Entity) -> uuid.UUID | None:
    pk = t.primary_id_attribute
    given = entity.attributes.get(pk)
    if given is not None and not isinstance(given, uuid.UUID):
        try:
            given = uuid.UUID(str(given))
        except ValueError:
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT, f"The {pk} of a {t.logical_name} must be a UUID, not {given!r}."
            ) from None
    if entity.id is not None and given is not None and entity.id != given:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"The {t.logical_name} has two different ids: Id {entity.id} and {pk} {given}.",
        )
    return entity.id or given


_SKIP, _ONE, _ONE_LOOKUP, _MANY = 0, 1, 2, 3
"""How `_convert` treats a caller's column: ignore it, one storage column (maybe a lookup), or `to_storage`."""

_Plan = tuple[int, "Callable[[Any], Any] | None", AttributeMetadata]


class _TablePlan:
    """What writes of one table need from its metadata, worked out once per metadata version."""

    __slots__ = ("created", "currency", "default_state", "default_status", "defaults", "exchangerate",
                 "fullname", "owner", "pk", "plans", "required", "simple", "state", "table")

    def __init__(self, t: EntityMetadata) -> None:
        attrs_ = t.attributes
        self.table = t
        self.simple: dict[str, Callable[[Any], Any]] = {}
        """Converters of the plain one-column values seen so far."""
        self.plans: dict[str, _Plan] = {}
        """Plans of every other column seen so far."""
        self.defaults = [(a.logical_name, a.default_value) for a in attrs_.values()
                         if a.default_value is not None and not a.is_system]
        self.pk = t.primary_id_attribute
        self.required = tuple(a.logical_name for a in attrs_.values()
                              if a.required_level is RequiredLevel.SYSTEM_REQUIRED and not a.is_primary_id
                              and not a.is_system and not a.is_computed and a.logical_name not in _PLATFORM)
        """SystemRequired columns the caller must give (the platform fills owner and state)."""
        self.created = "createdon" in attrs_
        self.owner = "ownerid" in attrs_
        self.fullname = "fullname" in attrs_ and attrs_["fullname"].is_computed
        self.currency = "transactioncurrencyid" in attrs_ and t.logical_name != "transactioncurrency"
        self.exchangerate = "exchangerate" in attrs_
        sm = t.state_model
        self.state = sm is not None
        self.default_state = sm.default_state if sm is not None else None
        self.default_status = sm.default_status(sm.default_state) if sm is not None else None


def _plans(ctx: HandlerContext, t: EntityMetadata) -> _TablePlan:
    """The write plan of a table (core-wide, rebuilt when the metadata changes)."""
    plans = ctx.store.plans
    key = ("write", t.logical_name, ctx.metadata.version)
    got: _TablePlan | None = plans.get(key)
    if got is None or got.table is not t:
        got = plans[key] = _TablePlan(t)
    return got


def _plan(t: EntityMetadata, name: str) -> _Plan:
    a = t.attributes.get(name)
    if a is None:
        raise OrganizationServiceFault(
            ErrorCodes.QUERY_BUILDER_NO_ATTRIBUTE,
            f"'{t.logical_name}' entity doesn't contain attribute with Name = '{name}' "
            "and NameMapping = 'Logical'.",
        )
    if name == t.primary_id_attribute or a.is_system or a.is_computed:
        return _SKIP, None, a  # platform-managed: Dataverse ignores what the caller sends
    conv = storage_converter(t, a)
    if conv is None:
        return _MANY, None, a
    return (_ONE_LOOKUP if a.type.is_lookup else _ONE), conv, a


def _convert(ctx: HandlerContext, t: EntityMetadata, entity: Entity, *, for_create: bool
             ) -> tuple[dict[str, Any], list[tuple[str, uuid.UUID]]]:
    """Validate the caller's values; return storage columns and the lookups to check."""
    row: dict[str, Any] = {}
    lookups: list[tuple[str, uuid.UUID]] = []
    tp = _plans(ctx, t)
    simple, plans = tp.simple, tp.plans
    for name, value in entity.attributes.items():
        conv = simple.get(name)
        if conv is not None:
            row[name] = conv(value)  # a plain column's converter (None passes through to_storage)
            continue
        p = plans.get(name)
        if p is None:
            p = plans[name] = _plan(t, name)
            if p[0] == _ONE and p[1] is not None:
                simple[name] = p[1]
        kind, conv, a = p
        if kind == _SKIP:
            continue
        if kind == _MANY or conv is None:
            for col, v in to_storage(t, a, value):
                row[col] = v
        else:
            row[name] = None if value is None else conv(value)
        if kind != _ONE and isinstance(value, EntityReference) and a.type.is_lookup:
            lookups.append((value.logical_name, value.id))
    return row, lookups


def _check_lookups(ctx: HandlerContext, lookups: Sequence[tuple[str, uuid.UUID]]) -> None:
    for logical_name, id_ in lookups:
        target = ctx.metadata.get(logical_name)
        if target is None or not ctx.storage.exists(target, id_):
            raise not_found(logical_name, id_)


def _fullname(t: EntityMetadata, row: Mapping[str, Any]) -> str | None:
    parts = [row.get("firstname"), row.get("middlename") if t.logical_name == "systemuser" else None,
             row.get("lastname")]
    name = " ".join(str(p) for p in parts if p)
    return name or None


def _apply_state(ctx: HandlerContext, t: EntityMetadata, row: dict[str, Any], existing: Row | None,
                 creating: bool) -> None:
    """Fill or check statecode/statuscode against the table's state model."""
    sm = t.state_model
    if sm is None:
        return
    raw_state = row.get("statecode")
    raw_status = row.get("statuscode")
    if raw_state is None and raw_status is None:
        if creating:
            row["statecode"] = sm.default_state
            row["statuscode"] = sm.default_status(sm.default_state)
        return
    current_state: int | None = existing.get("statecode") if existing else None
    status: int | None = None if raw_status is None else int(raw_status)
    state: int | None = int(raw_state) if raw_state is not None else None
    if state is None and status is not None:
        state = sm.state_of(status)  # a status alone moves the record to the state that owns it, as Dataverse does
    elif state is None:
        state = current_state
    if state is None or not sm.has_state(state):
        raise _invalid_state(t, state, status)
    if status is None or status == -1:
        status = sm.default_status(state)
    if status is None or sm.state_of(status) != state:
        raise _invalid_state(t, state, status)
    if state in sm.message_only_states and state != current_state:
        msg = sm.message_only_states[state]
        if msg not in ctx.allowed_state_messages:
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_STATE_CODE_STATUS_CODE,
                f"A {t.logical_name} cannot be {'created' if creating else 'set'} as "
                f"{sm.state_label(state)}; use the {msg} message.",
            )
    for rule in ctx.events.for_table("state_change", t.logical_name):
        rule(ctx, t, existing, state, status)
    row["statecode"] = state
    row["statuscode"] = status


def _invalid_state(t: EntityMetadata, state: Any, status: Any) -> OrganizationServiceFault:
    return OrganizationServiceFault(
        ErrorCodes.INVALID_STATE_CODE_STATUS_CODE,
        f"State code is invalid or state code is valid but status code is invalid for a specified state code "
        f"(table {t.logical_name}, statecode {state}, statuscode {status}).",
    )


def _ownership(ctx: HandlerContext, t: EntityMetadata, row: dict[str, Any], owner: EntityReference | None) -> None:
    if "ownerid" not in t.attributes:
        return
    if owner is None:
        owner = EntityReference("systemuser", ctx.caller_id)
    row["ownerid"] = owner.id
    row["ownerid__type"] = owner.logical_name
    row["owninguser"] = owner.id if owner.logical_name == "systemuser" else None
    row["owningteam"] = owner.id if owner.logical_name == "team" else None
    row["owningbusinessunit"] = _business_unit_of(ctx, owner)


def create_record(ctx: HandlerContext, entity: Entity) -> uuid.UUID:
    """Insert a record: validate, fill platform columns, check lookups, run hooks."""
    t, id_, row = prepare_create(ctx, entity)
    ctx.storage.insert(t, row)
    finish_create(ctx, t, id_, row)
    return id_


def finish_create(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any]) -> None:
    """The after-create hooks of a row `prepare_create` made, once it is stored."""
    for hook in ctx.events.for_table("after_create", t.logical_name):
        hook(ctx, t, id_, row, None)


class CreateTemplate:
    """The platform columns every new row of one table gets the same within one request (defaults,
    timestamps, creator, the caller as owner, base currency and rate, default state), worked out once
    for a bulk create. Rows whose caller values touch any of them take the general path."""

    __slots__ = ("base", "columns", "converters", "platform", "table")

    def __init__(self, ctx: HandlerContext, t: EntityMetadata) -> None:
        self.table = t
        self.converters: dict[tuple[str, ...], list[Callable[[Any], Any]]] = {}
        """Per caller column list: the converters of its columns when every one is a plain column, else []."""
        self.columns: dict[tuple[str, ...], list[Callable[[Sequence[Any]], Sequence[Any]]] | None] = {}
        """Per caller column list: column converters for `prepare_create_many`, None when it can't take them."""
        tp = _plans(ctx, t)
        base: dict[str, Any] = {}
        _fill_platform(ctx, t, tp, base, None, None)
        base.pop("versionnumber", None)  # per row
        base.pop("fullname", None)  # per row (from the row's names)
        self.base = base
        defaults = {name for name, _ in tp.defaults}
        self.platform = frozenset(k for k in base if k not in defaults) | _PLATFORM | {tp.pk}
        """Columns the platform sets: a caller's value for any of them takes the general path."""


_PLATFORM = frozenset({
    "createdon", "modifiedon", "createdby", "modifiedby", "overriddencreatedon", "versionnumber", "ownerid",
    "ownerid__type", "owninguser", "owningteam", "owningbusinessunit", "fullname", "transactioncurrencyid",
    "exchangerate", "statecode", "statuscode",
})


def _fill_platform(ctx: HandlerContext, t: EntityMetadata, tp: _TablePlan, row: dict[str, Any],
                   entity: Entity | None, id_: uuid.UUID | None) -> None:
    """The platform columns of a new row (after the caller's values are in `row`); no entity: the
    columns a `CreateTemplate` shares (no version)."""
    caller = ctx.caller_id
    for name, default in tp.defaults:
        if name not in row:
            row[name] = default
    if id_ is not None:
        row[tp.pk] = id_
    if tp.created:
        now = ctx.now
        oc = row.get("overriddencreatedon")
        row["createdon"] = oc if oc is not None else now
        if oc is not None:
            row["overriddencreatedon"] = now
        row["modifiedon"] = now
        row["createdby"] = caller
        row["modifiedby"] = caller
        row["versionnumber"] = ctx.storage.next_version() if entity is not None else None
    if tp.owner:
        owner = entity.attributes.get("ownerid") if entity is not None else None
        if isinstance(owner, EntityReference):
            _ownership(ctx, t, row, owner)
        else:  # the caller owns it (as _ownership does for no owner, without building a reference)
            row["ownerid"] = caller
            row["ownerid__type"] = "systemuser"
            row["owninguser"] = caller
            row["owningteam"] = None
            row["owningbusinessunit"] = _business_unit(ctx, "systemuser", caller)
    if tp.fullname:
        row["fullname"] = _fullname(t, row)
    if tp.currency:
        cur = row.get("transactioncurrencyid")
        if cur is None:
            cur = organization(ctx).get("basecurrencyid")
            row["transactioncurrencyid"] = cur
        if cur is not None and tp.exchangerate:
            row["exchangerate"] = _currency(ctx, cur).get("exchangerate")
    if tp.state and row.get("statecode") is None and row.get("statuscode") is None:
        row["statecode"] = tp.default_state
        row["statuscode"] = tp.default_status
    else:
        _apply_state(ctx, t, row, None, creating=True)


def prepare_create(ctx: HandlerContext, entity: Entity, template: CreateTemplate | None = None
                   ) -> tuple[EntityMetadata, uuid.UUID, dict[str, Any]]:
    """Everything of a create except the insert: validated storage row with platform columns, lookups
    checked, before-create hooks run. CreateMultiple prepares each row (with a `CreateTemplate` of the
    table's shared platform columns), then inserts them together."""
    t = ctx.metadata.table(entity.logical_name)
    id_ = _entity_id(t, entity) or new_id()
    convs: list[Callable[[Any], Any]] | None = None
    if template is not None and template.table is t:
        values = entity.attributes
        keys = tuple(values)
        convs = template.converters.get(keys)
    if convs:  # the caller's columns are plain ones seen before: convert them as _convert does
        row = {k: f(v) for k, f, v in zip(keys, convs, values.values())}
        lookups: list[tuple[str, uuid.UUID]] = []
    else:
        row, lookups = _convert(ctx, t, entity, for_create=True)
        if convs is None and template is not None and template.table is t and len(template.converters) < 64:
            simple = _plans(ctx, t).simple
            found = [simple.get(k) for k in keys]
            template.converters[keys] = [f for f in found if f is not None] if None not in found else []
    tp = _plans(ctx, t)
    if (template is not None and template.table is t and template.platform.isdisjoint(row)
            and "ownerid" not in entity.attributes):
        given, row = row, template.base.copy()
        row.update(given)
        row[tp.pk] = id_
        if tp.created:
            row["versionnumber"] = ctx.storage.next_version()
        if tp.fullname:
            row["fullname"] = _fullname(t, row)
    else:
        _fill_platform(ctx, t, tp, row, entity, id_)
    for c in tp.required:
        if row.get(c) is None:
            raise _required(t, c, "created")
    if lookups:
        _check_lookups(ctx, lookups)
    before_create(ctx, t, id_, row)
    return t, id_, row


def _required(t: EntityMetadata, column: str, verb: str) -> OrganizationServiceFault:
    return OrganizationServiceFault(
        ErrorCodes.REQUIRED_FIELD_MISSING,
        f"The {column_place(t, t.attributes[column])} is required (SystemRequired): the record cannot be {verb} "
        "without a value for it.",
    )


def before_create(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any]) -> None:
    """Run the before-create hooks of a prepared row (they may change it or fault)."""
    for hook in ctx.events.for_table("before_create", t.logical_name):
        hook(ctx, t, id_, row, None)


_attributes = attrgetter("attributes")
_logical_name = attrgetter("logical_name")
_given_id = attrgetter("id")


def _column_plan(ctx: HandlerContext, template: CreateTemplate, keys: tuple[str, ...]
                 ) -> list[Callable[[Sequence[Any]], Sequence[Any]]] | None:
    """Column converters for rows carrying `keys`, or None when any of them is not a plain caller
    column (a lookup, a platform or unknown column): such rows go through `prepare_create`."""
    t = template.table
    if not keys or not template.platform.isdisjoint(keys):
        return None
    out = []
    for k in keys:
        a = t.attributes.get(k)
        if a is None or k == t.primary_id_attribute or a.is_system or a.is_computed or a.type.is_lookup:
            return None
        f = column_converter(t, a)
        if f is None:
            return None
        out.append(f)
    return out


def prepare_create_many(ctx: HandlerContext, entities: Sequence[Entity], template: CreateTemplate
                        ) -> tuple[list[uuid.UUID], dict[str, Sequence[Any]]] | None:
    """What `prepare_create` makes, for new records of the template's table that all carry the same
    plain columns (a bulk load's common case), converted and returned column by column: the new ids
    and every storage column, in the order `prepare_create`'s rows have. No hooks are run: see
    `run_column_hooks`.

    None when the entities don't qualify (ids given, differing columns, lookups, owners or platform
    columns) or a value is bad: prepare them one by one then, which names the faulty one."""
    t = template.table
    if not entities:
        return None
    keys = tuple(entities[0].attributes)
    if keys in template.columns:
        convs = template.columns[keys]
    else:
        convs = template.columns[keys] = _column_plan(ctx, template, keys) if len(template.columns) < 64 else None
    if convs is None:
        return None
    if set(map(_logical_name, entities)) != {t.logical_name} or set(map(_given_id, entities)) != {None}:
        return None
    given = list(map(_attributes, entities))
    if set(map(len, given)) != {len(keys)}:
        return None
    try:  # the same columns, in `keys` order
        cols = list(zip(*map(itemgetter(*keys), given))) if len(keys) > 1 else [list(map(itemgetter(keys[0]), given))]
    except KeyError:
        return None
    try:
        converted = [f(col) for f, col in zip(convs, cols)]
    except OrganizationServiceFault:
        return None
    n = len(entities)
    tp = _plans(ctx, t)
    for c in tp.required:  # a required column missing or empty: the record-by-record path faults on it
        if c not in keys or any(map(is_, converted[keys.index(c)], repeat(None))):
            return None
    columns: dict[str, Sequence[Any]] = {k: (v,) * n for k, v in template.base.items()}
    columns.update(zip(keys, converted))
    ids = new_ids(n)
    columns[tp.pk] = ids
    if tp.created:
        columns["versionnumber"] = ctx.storage.next_versions(n)
    if tp.fullname:  # as _fullname: the parts that are set, joined by spaces
        none = (None,) * n
        parts = [columns.get("firstname", none), columns.get("middlename", none) if t.logical_name == "systemuser"
                 else none, columns.get("lastname", none)]
        columns["fullname"] = [" ".join(map(str, filter(None, p))) or None for p in zip(*parts)]
    return ids, columns


def rows_of(columns: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Column-by-column values as row dicts."""
    names = tuple(columns)
    return [dict(zip(names, vals)) for vals in zip(*columns.values())]


ColumnHook = Callable[[HandlerContext, EntityMetadata, dict[str, Sequence[Any]], int], bool]
"""The batch form of a write hook: `(ctx, table, columns, n)` for n rows given column by column (the
table's primary key column holds their ids). It may add or replace columns. It returns True when it
has done for every row what the row hook would do, False to have the row hook called for each row
instead; it must not fault (the row hook faults, naming the row)."""

def run_column_hooks(ctx: HandlerContext, t: EntityMetadata, hooks: Sequence[Listener],
                     columns: dict[str, Sequence[Any]], n: int) -> list[Listener]:
    """Run the batch forms of `hooks` over rows given column by column; return the hooks still to be
    called row by row. Once one hook needs rows, every later one runs row by row too, so each row
    sees the hooks in their order."""
    rest: list[Listener] = []
    for hook in hooks:
        form = form_of(hook)
        if rest or form is None or not form(ctx, t, columns, n):
            rest.append(hook)
    return rest


def update_record(ctx: HandlerContext, entity: Entity, *, expected_version: int | None = None) -> None:
    """Change the given columns of a record; None clears a column."""
    t, id_, changes, lookups = _update_changes(ctx, entity)
    existing = ctx.storage.get(t, id_, _update_need(t, changes))
    if existing is None:
        raise not_found(t.logical_name, id_)
    if expected_version is not None and existing.get("versionnumber") != expected_version:
        raise _version_mismatch(t, id_)
    _prepare_update(ctx, t, id_, entity, changes, lookups, existing)
    ok = ctx.storage.update(t, id_, changes, expected_version=expected_version)
    if not ok:
        if expected_version is not None:
            raise _version_mismatch(t, id_)
        raise not_found(t.logical_name, id_)
    _finish_update(ctx, t, [(id_, changes, existing)])


def update_records(ctx: HandlerContext, entities: Sequence[Entity],
                   at: Callable[[int, OrganizationServiceFault], OrganizationServiceFault]) -> None:
    """`update_record` for records of one table with distinct ids (UpdateMultiple), batched: their old
    values are read with one statement, the changes written with one statement per column list, and
    the hooks run per record as `update_record` runs them. A fault is passed through `at` with the
    record's index."""
    if not entities:
        return
    prepared: list[tuple[EntityMetadata, uuid.UUID, dict[str, Any], list[tuple[str, uuid.UUID]]]] = []
    for i, e in enumerate(entities):
        try:
            prepared.append(_update_changes(ctx, e))
        except OrganizationServiceFault as f:
            raise at(i, f) from f
    t = prepared[0][0]
    need: dict[str, None] = {}
    for _, _, changes, _ in prepared:
        need.update(dict.fromkeys(_update_need(t, changes)))
    pk = t.primary_id_attribute
    found = {r[pk]: r for r in ctx.storage.get_many(t, [p[1] for p in prepared], [*need, pk])}
    done: list[tuple[uuid.UUID, dict[str, Any], Row]] = []
    for i, (e, (_, id_, changes, lookups)) in enumerate(zip(entities, prepared)):
        row = found.get(id_)
        try:
            if row is None:
                raise not_found(t.logical_name, id_)
            _prepare_update(ctx, t, id_, e, changes, lookups, row)
        except OrganizationServiceFault as f:
            raise at(i, f) from f
        done.append((id_, changes, row))
    ctx.storage.update_many(t, [{pk: id_, **changes} for id_, changes, _ in done])
    _finish_update(ctx, t, done)


def _update_changes(ctx: HandlerContext, entity: Entity
                    ) -> tuple[EntityMetadata, uuid.UUID, dict[str, Any], list[tuple[str, uuid.UUID]]]:
    """An update's table, id, validated storage changes and the lookups to check."""
    t = ctx.metadata.table(entity.logical_name)
    id_ = _entity_id(t, entity)
    if id_ is None:
        raise OrganizationServiceFault(
            ErrorCodes.REQUIRED_FIELD_MISSING, f"An update of a {t.logical_name} needs its id."
        )
    changes, lookups = _convert(ctx, t, entity, for_create=False)
    return t, id_, changes, lookups


def _update_need(t: EntityMetadata, changes: Mapping[str, Any]) -> list[str]:
    """The stored values an update reads first: state, version, owner, names, and for audited tables
    the old values of the changed columns (read with the rest, not by a second statement)."""
    attrs_ = t.attributes
    need: list[str] = [c for c in ("statecode", "statuscode", "versionnumber", "ownerid", "firstname", "lastname",
                                   "middlename") if c in attrs_]
    if t.is_audit_enabled:
        need.extend(c for c in changes if c in attrs_ and c not in need and attrs_[c].type not in _BLOBS)
    return need


def _prepare_update(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, entity: Entity, changes: dict[str, Any],
                    lookups: Sequence[tuple[str, uuid.UUID]], existing: Row) -> None:
    """Everything of an update before the write: state rules, owner, computed columns, lookups,
    before-update hooks, and the modified on/by and version columns."""
    attrs_ = t.attributes
    for c in _plans(ctx, t).required:
        if c in changes and changes[c] is None:
            raise _required(t, c, "saved")
    if "statecode" in changes or "statuscode" in changes:
        _apply_state(ctx, t, changes, existing, creating=False)
    if "ownerid" in changes:
        owner = entity.attributes.get("ownerid")
        if not isinstance(owner, EntityReference):
            raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT,
                                           f"The owner of a {t.logical_name} cannot be cleared.")
        _ownership(ctx, t, changes, owner)
    if "fullname" in attrs_ and attrs_["fullname"].is_computed and (
        "firstname" in changes or "lastname" in changes or "middlename" in changes
    ):
        merged = {**existing, **changes}
        changes["fullname"] = _fullname(t, merged)
    if "transactioncurrencyid" in changes and "exchangerate" in attrs_:
        cur = changes["transactioncurrencyid"]
        changes["exchangerate"] = _currency(ctx, cur).get("exchangerate") if cur is not None else None
    _check_lookups(ctx, lookups)
    for hook in ctx.events.for_table("before_update", t.logical_name):
        hook(ctx, t, id_, changes, existing)
    if "modifiedon" in attrs_:
        changes["modifiedon"] = ctx.now
        changes["modifiedby"] = ctx.caller_id
        changes["versionnumber"] = ctx.storage.next_version()


def _finish_update(ctx: HandlerContext, t: EntityMetadata, done: Sequence[tuple[uuid.UUID, dict[str, Any], Row]]
                   ) -> None:
    """After the write: caches of settings tables, then the after-update hooks of each record."""
    if t.logical_name in _CACHE_TABLES:
        ctx.cache.invalidate(_SETTINGS)
    hooks = ctx.events.for_table("after_update", t.logical_name)
    for id_, changes, existing in done:
        for hook in hooks:
            hook(ctx, t, id_, changes, existing)


def _version_mismatch(t: EntityMetadata, id_: uuid.UUID) -> OrganizationServiceFault:
    return OrganizationServiceFault(
        ErrorCodes.CONCURRENCY_VERSION_MISMATCH,
        f"The version of the existing {t.logical_name} {id_} doesn't match the RowVersion property provided.",
    )


def delete_record(ctx: HandlerContext, logical_name: str, id_: uuid.UUID, *,
                  expected_version: int | None = None, _seen: set[uuid.UUID] | None = None) -> None:
    """Delete a record and apply its relationships' cascades (cascade, remove link, restrict).

    Cascades are set-based: each level of children is found, unlinked or deleted with one statement
    per relationship (per chunk of ids), not one recursive call per child, so a lead with thousands of
    notes and activities goes in a handful of statements, in the caller's transaction. Every deleted
    record, cascaded or not, passes through the `before_delete` / `after_delete` events. Cascaded children
    of a table that has Delete plugin steps are deleted with nested `DeleteRequest`s so that those
    plugins run (as in Dataverse); children of tables without Delete plugins are deleted directly.
    """
    t = ctx.metadata.table(logical_name)
    seen = _seen if _seen is not None else set()
    if id_ in seen:
        return
    if expected_version is not None:
        row = ctx.storage.get(t, id_, ["versionnumber"])
        if row is None:
            raise not_found(logical_name, id_)
        if row.get("versionnumber") != expected_version:
            raise _version_mismatch(t, id_)
    elif not ctx.storage.exists(t, id_):
        raise not_found(logical_name, id_)
    if logical_name == "systemuser" and id_ == SYSTEM_USER_ID:
        raise OrganizationServiceFault(ErrorCodes.INVALID_OPERATION, "The SYSTEM user cannot be deleted.")
    seen.add(id_)
    for hook in ctx.events.for_table("before_delete", t.logical_name):
        hook(ctx, t, id_)
    _cascade(ctx, t, [id_], seen)
    _delete_rows(ctx, t, [id_])
    for dhook in ctx.events.for_table("after_delete", t.logical_name):
        dhook(ctx, t, id_)


def _has_delete_plugins(ctx: HandlerContext, table: str) -> bool:
    reg = ctx.store.plugins
    return bool(reg is not None and reg.steps and reg.for_message("Delete", table, None))


def _cascade(ctx: HandlerContext, t: EntityMetadata, ids: list[uuid.UUID], seen: set[uuid.UUID]) -> None:
    """Apply every 1:N relationship's delete cascade for the records `ids` of table `t` (about to go)."""
    storage = ctx.storage
    for rel in ctx.metadata.referencing(t.logical_name):
        kind = rel.cascade.delete
        if kind is CascadeType.NO_CASCADE:
            continue
        child = ctx.metadata.get(rel.referencing_entity)
        if child is None or rel.referencing_attribute not in child.attributes:
            continue
        col = rel.referencing_attribute
        if child is t and col == t.primary_id_attribute:
            continue
        if kind is CascadeType.RESTRICT:
            found = storage.ids_where_in(child, col, ids, limit=1)
            if found and found[0] in seen:
                found = [c for c in storage.ids_where_in(child, col, ids) if c not in seen]
            if found:
                raise OrganizationServiceFault(
                    ErrorCodes.CANNOT_DELETE_DUE_TO_ASSOCIATION,
                    f"The {t.logical_name} cannot be deleted because {child.display_collection_name.lower()} "
                    f"refer to it through {col} ({rel.schema_name}), which restricts deletion.",
                )
        elif kind is CascadeType.CASCADE:
            child_ids = [c for c in storage.ids_where_in(child, col, ids) if c not in seen]
            if not child_ids:
                continue
            if _has_delete_plugins(ctx, child.logical_name):
                from leadsdk.messages.crud import DeleteRequest

                for cid in child_ids:
                    if cid not in seen and storage.exists(child, cid):
                        ctx.execute(DeleteRequest(target=EntityReference(child.logical_name, cid)))
                        seen.add(cid)
                continue
            seen.update(child_ids)
            for hook in ctx.events.for_table("before_delete", child.logical_name):
                for cid in child_ids:
                    hook(ctx, child, cid)
            _cascade(ctx, child, child_ids, seen)
            _delete_rows(ctx, child, child_ids)
            for dhook in ctx.events.for_table("after_delete", child.logical_name):
                for cid in child_ids:
                    dhook(ctx, child, cid)
        else:  # remove link
            values: dict[str, Any] = {col: None}
            if child.attributes[col].is_polymorphic:
                values[child.attributes[col].type_column] = None
            storage.update_where_in(child, col, ids, values)


def _delete_rows(ctx: HandlerContext, t: EntityMetadata, ids: list[uuid.UUID]) -> None:
    """Remove the records' N:N intersect rows, then the records themselves."""
    name = t.logical_name
    for m2m in ctx.metadata.many_to_many_of(name):
        inter = ctx.metadata.table(m2m.intersect_entity_name)
        cols = {m2m.entity1_intersect_attribute if m2m.entity1_logical_name == name else None,
                m2m.entity2_intersect_attribute if m2m.entity2_logical_name == name else None}
        for c in cols:
            if c is None:
                continue
            unlinked = ctx.events.of("after_disassociate")
            if not unlinked:
                ctx.storage.delete_where_in(inter, c, ids)
                continue
            # hooks (security caches, audit) hear of every pair the delete unlinks
            iids = ctx.storage.ids_where_in(inter, c, ids)
            if not iids:
                continue
            a1, a2 = m2m.entity1_intersect_attribute, m2m.entity2_intersect_attribute
            pairs = ctx.storage.get_many(inter, iids, [a1, a2])
            ctx.storage.delete_many(inter, iids)
            for p in pairs:
                for dhook in unlinked:
                    dhook(ctx, m2m.schema_name, p[a1], p[a2])
    if len(ids) == 1:
        ctx.storage.delete(t, ids[0])
    else:
        ctx.storage.delete_many(t, ids)
    if name in _CACHE_TABLES:
        ctx.cache.invalidate(_SETTINGS)


def columns_of(t: EntityMetadata, column_set: ColumnSet | None, metadata_check: Callable[[str], Any]
               ) -> list[str] | None:
    """The column list to read for a ColumnSet (None: all), each checked against metadata."""
    if column_set is None or column_set.all_columns:
        return None
    cols = list(dict.fromkeys(column_set.columns))
    for c in cols:
        metadata_check(c)
    if t.primary_id_attribute not in cols:
        cols.insert(0, t.primary_id_attribute)
    return cols


def retrieve_record(ctx: HandlerContext, logical_name: str, id_: uuid.UUID, column_set: ColumnSet | None
                    ) -> Entity:
    t = ctx.metadata.table(logical_name)
    cols = columns_of(t, column_set, lambda c: ctx.metadata.attribute(t, c))
    row = ctx.storage.get(t, id_, cols)
    if row is None:
        raise not_found(logical_name, id_)
    sym = currency_symbol(ctx)
    key = ("builder", logical_name, None if cols is None else tuple(cols), ctx.metadata.version, sym)
    plans = ctx.store.plans
    build = plans.get(key)
    if build is None:  # one conversion plan per table and column set, reused by every retrieve
        names = cols if cols is not None else list(t.attributes)
        build = plans[key] = EntityBuilder(ctx.metadata.tables, logical_name,
                                           [(c, logical_name, c, False) for c in names], sym)
    entity: Entity = build(row)
    return entity


def storage_type(t: EntityMetadata, column: str) -> AttributeType:
    return t.attributes[column].type
