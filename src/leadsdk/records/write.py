"""Creating and updating one record (records layer): validation against metadata, platform columns,
ownership, state rules and lookups, with the record events around each write.

Called by the Create/Update handlers, by bulk writes for rows off the column-by-column path, and by features
(through ctx.execute() when plugins must see the write)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache, partial
from typing import Any

from leadsdk.entities.convert import column_place, storage_converter, to_storage
from leadsdk.entities.model import AttributeMetadata, AttributeType, EntityMetadata, RequiredLevel
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.records.coherence import changed
from leadsdk.records.context import Context
from leadsdk.records.ids import new_id
from leadsdk.records.names import fullname_of
from leadsdk.records.settings import (
    REFERENCE_TABLES,
    SETTINGS,
    SETTINGS_TABLES,
    business_unit,
    business_unit_of,
    currency,
    known_to_exist,
    not_found,
    organization,
)
from leadsdk.storage.base import Row
from leadsdk.types import Entity, EntityReference

__all__ = [
    "CreateTemplate", "before_create", "create_record", "finish_create", "finish_update", "platform_columns",
    "prepare_create",
    "prepare_update", "storage_type", "table_plan", "update_changes", "update_columns_needed", "update_record",
    "version_mismatch",
]


_BLOBS = frozenset({AttributeType.FILE, AttributeType.IMAGE})


def _entity_id(t: EntityMetadata, entity: Entity) -> uuid.UUID | None:
    pk = t.primary_id_attribute
    given = entity.attributes.get(pk)
    if given is not None and not isinstance(given, uuid.UUID):
        try:  # only text is parsed: str() of a 32-digit number would read as hex digits
            if not isinstance(given, str):
                raise ValueError(given)
            given = uuid.UUID(given)
        except ValueError:
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT, f"The {pk} of a {t.logical_name} must be a UUID, not {given!r}."
            ) from None
    eid = entity.id  # (a property: read once)
    if eid is not None and given is not None and eid != given:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"The {t.logical_name} has two different ids: Id {eid} and {pk} {given}.",
        )
    return eid or given


_SKIP, _ONE, _ONE_LOOKUP, _MANY = 0, 1, 2, 3
"""How `_convert` treats a caller's column: ignore it, one storage column (maybe a lookup), or `to_storage`."""


_Plan = tuple[int, "Callable[[Any], Any] | None", AttributeMetadata]


class _TablePlan:
    """What writes of one table need from its metadata, worked out once per metadata version."""

    __slots__ = ("checked", "created", "currency", "default_state", "default_status", "defaults", "exchangerate",
                 "fullname", "modified", "needed", "owner", "pk", "plans", "platform", "required", "shapes", "simple",
                 "state", "table")

    def __init__(self, t: EntityMetadata) -> None:
        attrs_ = t.attributes
        self.table = t
        self.simple: dict[str, Callable[[Any], Any]] = {}
        """Converters of the plain one-column values seen so far."""
        self.plans: dict[str, _Plan] = {}
        """Plans of every other column seen so far."""
        self.shapes: dict[tuple[str, ...], _Shape | None] = {}
        """Per caller column list seen before: its generated converter (`_shape`), None when it has none."""
        self.needed: dict[tuple[str, ...], tuple[str, ...]] = {}
        """`update_columns_needed` per list of changed storage columns seen before (at most 64)."""
        self.defaults = [(a.logical_name, a.default_value) for a in attrs_.values()
                         if a.default_value is not None and not a.is_system]
        self.pk = t.primary_id_attribute
        self.platform = platform_columns(t)
        """The columns the platform writes (from metadata)."""
        self.required = tuple(a.logical_name for a in attrs_.values()
                              if a.required_level is RequiredLevel.SYSTEM_REQUIRED and not a.is_primary_id
                              and not a.is_system and not a.is_computed and a.type not in _FILLED_TYPES)
        """SystemRequired columns the caller must give (the platform fills owner and state)."""
        self.created = "createdon" in attrs_
        self.owner = "ownerid" in attrs_
        self.fullname = "fullname" in attrs_ and attrs_["fullname"].is_computed
        self.currency = "transactioncurrencyid" in attrs_ and t.logical_name != "transactioncurrency"
        self.exchangerate = "exchangerate" in attrs_
        self.modified = "modifiedon" in attrs_
        self.checked = frozenset({*self.required, "statecode", "statuscode", "ownerid"}
                                 | ({"firstname", "lastname", "middlename"} if self.fullname else set())
                                 | ({"transactioncurrencyid"} if self.exchangerate else set()))
        """Changed columns `prepare_update` checks: an update naming none of them and no lookup skips the checks."""
        sm = t.state_model
        self.state = sm is not None
        self.default_state = sm.default_state if sm is not None else None
        self.default_status = sm.default_status(sm.default_state) if sm is not None else None


def table_plan(ctx: Context, t: EntityMetadata) -> _TablePlan:
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


_Shape = Callable[[Any], tuple[dict[str, Any], list[tuple[str, uuid.UUID]]]]


_PLAIN, _LOOKUP, _LOOKUP_MANY, _OTHER_MANY = 0, 1, 2, 3
"""Columns of a generated converter: `c(v)`; a lookup `None if v is None else c(v)`; columns from
`to_storage` (a polymorphic lookup's two); kept references for the existence check after the lookups."""


@lru_cache(maxsize=256)
def _shape_source(names: tuple[str, ...], kinds: tuple[int, ...]) -> Callable[..., _Shape]:
    """A maker of `_convert` for one column list, straight-line, in the column order (so the same fault
    comes first); a dict display when every column is one storage column."""
    n = len(names)
    if _LOOKUP_MANY not in kinds and _OTHER_MANY not in kinds:
        items = ", ".join(f"{c!r}: (None if v{i} is None else c{i}(v{i}))" if k == _LOOKUP else f"{c!r}: c{i}(v{i})"
                          for i, (c, k) in enumerate(zip(names, kinds)))
        body = [f"row = {{{items}}}", "refs = []"]
    else:
        body = ["row = {}", "refs = []"]
        for i, (c, k) in enumerate(zip(names, kinds)):
            body.append(f"row[{c!r}] = (None if v{i} is None else c{i}(v{i}))" if k == _LOOKUP else
                        f"row[{c!r}] = c{i}(v{i})" if k == _PLAIN else f"row.update(c{i}(v{i}))")
    for i, k in enumerate(kinds):
        if k in (_LOOKUP, _LOOKUP_MANY):
            body.append(f"if isinstance(v{i}, R):\n            refs.append((v{i}.logical_name, v{i}.id))")
    body.append("return row, refs")
    src = (f"def make(R, {', '.join(f'c{i}' for i in range(n))}):\n    def convert(values):\n"
           f"        {''.join(f'v{i}, ' for i in range(n))}= values\n"
           + "".join(f"        {line}\n" for line in body) + "    return convert\n")
    ns: dict[str, Any] = {}
    exec(src, ns)  # the source holds only repr() of metadata column names and numbered names
    make: Callable[..., _Shape] = ns["make"]
    return make


def _shape(t: EntityMetadata, tp: _TablePlan, names: tuple[str, ...]) -> _Shape | None:
    """The generated converter of a column list none of whose columns the platform ignores, made after
    `_convert` first converted the list; None when it can't have one."""
    if not names or len(names) > 250:  # (no columns: nothing to convert; a function's arguments)
        return None
    convs: list[Callable[[Any], Any]] = []
    kinds: list[int] = []
    for n in names:
        conv = tp.simple.get(n)
        if conv is not None:
            convs.append(conv)
            kinds.append(_PLAIN)
            continue
        p = tp.plans.get(n)
        if p is None or p[0] == _SKIP:
            return None
        kind, conv, a = p
        if kind == _MANY or conv is None:
            convs.append(partial(to_storage, t, a))
            kinds.append(_LOOKUP_MANY if a.type.is_lookup else _OTHER_MANY)
        else:
            convs.append(conv)
            kinds.append(_LOOKUP if kind == _ONE_LOOKUP else _PLAIN)
    return _shape_source(names, tuple(kinds))(EntityReference, *convs)


def _convert(tp: _TablePlan, entity: Entity) -> tuple[dict[str, Any], list[tuple[str, uuid.UUID]]]:
    """Validate the caller's values against the table's write plan; return storage columns and the
    lookups to check."""
    t = tp.table
    values = entity.attributes
    names = tuple(values)
    shapes = tp.shapes
    fn = shapes.get(names)
    if fn is not None:
        return fn(values.values())
    row: dict[str, Any] = {}
    lookups: list[tuple[str, uuid.UUID]] = []
    simple, plans = tp.simple, tp.plans
    for name, value in values.items():
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
    if len(shapes) < 64 and names not in shapes:  # the converter of this list, for its next writes
        shapes[names] = _shape(t, tp, names)
    return row, lookups


def _check_lookups(ctx: Context, lookups: Sequence[tuple[str, uuid.UUID]]) -> None:
    for logical_name, id_ in lookups:
        if logical_name in REFERENCE_TABLES:
            known_to_exist(ctx, logical_name, id_)  # kept in the settings cache; not found faults
            continue
        target = ctx.metadata.get(logical_name)
        if target is None or not ctx.storage.exists(target, id_):
            raise not_found(logical_name, id_)


def _apply_state(ctx: Context, t: EntityMetadata, row: dict[str, Any], existing: Row | None,
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


def _ownership(ctx: Context, t: EntityMetadata, row: dict[str, Any], owner: EntityReference | None) -> None:
    if "ownerid" not in t.attributes:
        return
    if owner is None:
        owner = EntityReference("systemuser", ctx.caller_id)
    row["ownerid"] = owner.id
    row["ownerid__type"] = owner.logical_name
    row["owninguser"] = owner.id if owner.logical_name == "systemuser" else None
    row["owningteam"] = owner.id if owner.logical_name == "team" else None
    row["owningbusinessunit"] = business_unit_of(ctx, owner)


def create_record(ctx: Context, entity: Entity) -> uuid.UUID:
    """Insert a record: validate, fill platform columns, check lookups, run hooks."""
    t, id_, row = prepare_create(ctx, entity)
    ctx.storage.insert(t, row)
    finish_create(ctx, t, id_, row)
    return id_


def finish_create(ctx: Context, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any]) -> None:
    """The after-create hooks of a row `prepare_create` made, once it is stored."""
    for hook in ctx.events.for_table("after_create", t.logical_name):
        hook(ctx, t, id_, row, None)


class CreateTemplate:
    """The platform columns every new row of one table gets the same within one request (defaults,
    timestamps, creator, the caller as owner, base currency and rate, default state), worked out once
    for a bulk create. Rows whose caller values touch any of them take the general path."""

    __slots__ = ("base", "columns", "converters", "platform", "table")

    def __init__(self, ctx: Context, t: EntityMetadata) -> None:
        self.table = t
        self.converters: dict[tuple[str, ...], list[Callable[[Any], Any]]] = {}
        """Per caller column list: the converters of its columns when every one is a plain column, else []."""
        self.columns: dict[tuple[str, ...], list[Callable[[Sequence[Any]], Sequence[Any]]] | None] = {}
        """Per caller column list: column converters for `prepare_create_many`, None when it can't take them."""
        tp = table_plan(ctx, t)
        base: dict[str, Any] = {}
        _fill_platform(ctx, t, tp, base, None, None)
        base.pop("versionnumber", None)  # per row
        base.pop("fullname", None)  # per row (from the row's names)
        self.base = base
        defaults = {name for name, _ in tp.defaults}
        self.platform = frozenset(k for k in base if k not in defaults) | tp.platform | {tp.pk}
        """Columns the platform sets: a caller's value for any of them takes the general path."""


_FILLED_TYPES = frozenset({AttributeType.OWNER, AttributeType.STATE, AttributeType.STATUS})
"""Column types the platform fills when the caller leaves them empty (owner, state, status)."""


def platform_columns(t: EntityMetadata) -> frozenset[str]:
    """The columns of a table the platform writes, from its metadata: system and computed columns, the
    owner (and its type column), state and status, the currency, and `overriddencreatedon` (given, it
    becomes `createdon`)."""
    out: set[str] = set()
    for a in t.attributes.values():
        if a.is_system or a.is_computed or a.type in _FILLED_TYPES:
            out.add(a.logical_name)
            if a.is_polymorphic:
                out.add(a.type_column)
    out.update(c for c in ("transactioncurrencyid", "overriddencreatedon") if c in t.attributes)
    return frozenset(out)


def _fill_platform(ctx: Context, t: EntityMetadata, tp: _TablePlan, row: dict[str, Any],
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
            row["owningbusinessunit"] = business_unit(ctx, "systemuser", caller)
    if tp.fullname:
        row["fullname"] = fullname_of(ctx, row)
    if tp.currency:
        cur = row.get("transactioncurrencyid")
        if cur is None:
            cur = organization(ctx).get("basecurrencyid")
            row["transactioncurrencyid"] = cur
        if cur is not None and tp.exchangerate:
            row["exchangerate"] = currency(ctx, cur).get("exchangerate")
    if tp.state and row.get("statecode") is None and row.get("statuscode") is None:
        row["statecode"] = tp.default_state
        row["statuscode"] = tp.default_status
    else:
        _apply_state(ctx, t, row, None, creating=True)


def prepare_create(ctx: Context, entity: Entity, template: CreateTemplate | None = None
                   ) -> tuple[EntityMetadata, uuid.UUID, dict[str, Any]]:
    """Everything of a create except the insert: validated storage row with platform columns, lookups
    checked, before-create hooks run. CreateMultiple prepares each row (with a `CreateTemplate` of the
    table's shared platform columns), then inserts them together."""
    t = ctx.metadata.table(entity.logical_name)
    tp = table_plan(ctx, t)
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
        row, lookups = _convert(tp, entity)
        if convs is None and template is not None and template.table is t and len(template.converters) < 64:
            simple = tp.simple
            found = [simple.get(k) for k in keys]
            template.converters[keys] = [f for f in found if f is not None] if None not in found else []
    if (template is not None and template.table is t and template.platform.isdisjoint(row)
            and "ownerid" not in entity.attributes):
        given, row = row, template.base.copy()
        row.update(given)
        row[tp.pk] = id_
        if tp.created:
            row["versionnumber"] = ctx.storage.next_version()
        if tp.fullname:
            row["fullname"] = fullname_of(ctx, row)
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


def before_create(ctx: Context, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any]) -> None:
    """Run the before-create hooks of a prepared row (they may change it or fault)."""
    for hook in ctx.events.for_table("before_create", t.logical_name):
        hook(ctx, t, id_, row, None)


def update_record(ctx: Context, entity: Entity, *, expected_version: int | None = None) -> None:
    """Change the given columns of a record; None clears a column."""
    t, tp, id_, changes, lookups = _update_changes(ctx, entity)
    needed = tp.needed
    key = tuple(changes)
    columns = needed.get(key)
    if columns is None:
        columns = tuple(update_columns_needed(t, changes))
        if len(needed) < 64:
            needed[key] = columns
    storage = ctx.store.storage
    existing = storage.get(t, id_, columns, names=False)  # (its readers use the lookups' ids, not names)
    if existing is None:
        raise not_found(t.logical_name, id_)
    if expected_version is not None and existing.get("versionnumber") != expected_version:
        raise version_mismatch(t, id_)
    prepare_update(ctx, t, id_, entity, changes, lookups, existing, tp)
    ok = storage.update(t, id_, changes, expected_version=expected_version)
    if not ok:
        if expected_version is not None:
            raise version_mismatch(t, id_)
        raise not_found(t.logical_name, id_)
    finish_update(ctx, t, [(id_, changes, existing)])


def update_changes(ctx: Context, entity: Entity
                    ) -> tuple[EntityMetadata, uuid.UUID, dict[str, Any], list[tuple[str, uuid.UUID]]]:
    """An update's table, id, validated storage changes and the lookups to check."""
    t, _, id_, changes, lookups = _update_changes(ctx, entity)
    return t, id_, changes, lookups


def _update_changes(ctx: Context, entity: Entity
                    ) -> tuple[EntityMetadata, _TablePlan, uuid.UUID, dict[str, Any], list[tuple[str, uuid.UUID]]]:
    """`update_changes` with the table's write plan (which `update_record` goes on with)."""
    t = ctx.metadata.table(entity.logical_name)
    id_ = _entity_id(t, entity)
    if id_ is None:
        raise OrganizationServiceFault(ErrorCodes.REQUIRED_FIELD_MISSING,
                                       f"An update of a {t.logical_name} needs its id.")
    tp = table_plan(ctx, t)
    changes, lookups = _convert(tp, entity)
    return t, tp, id_, changes, lookups


_READ_ON_UPDATE: dict[str, list[tuple[frozenset[str], tuple[str, ...]]]] = {}


def read_on_update(table: str, when: Iterable[str], columns: Iterable[str]) -> None:
    """Declare that a rule reacting to updates of `table` that change any of `when` reads `columns` of
    the stored row: an update's first read includes them (its `existing` row), so the rule needs no
    statement of its own."""
    _READ_ON_UPDATE.setdefault(table, []).append((frozenset(when), tuple(columns)))


def update_columns_needed(t: EntityMetadata, changes: Mapping[str, Any]) -> list[str]:
    """The stored values an update reads first: state, version, owner, names, for audited tables the
    old values of the changed columns, and what rules declared with `read_on_update` (all read with one
    statement, not one each)."""
    attrs_ = t.attributes
    need: list[str] = [c for c in ("statecode", "statuscode", "versionnumber", "ownerid", "firstname", "lastname",
                                   "middlename") if c in attrs_]
    if t.is_audit_enabled:
        need.extend(c for c in changes if c in attrs_ and c not in need and attrs_[c].type not in _BLOBS)
    for when, cols in _READ_ON_UPDATE.get(t.logical_name, ()):
        if not when.isdisjoint(changes):
            need.extend(c for c in cols if c in attrs_ and c not in need)
    return need


def prepare_update(ctx: Context, t: EntityMetadata, id_: uuid.UUID, entity: Entity, changes: dict[str, Any],
                   lookups: Sequence[tuple[str, uuid.UUID]], existing: Row, tp: _TablePlan | None = None) -> None:
    """Everything of an update before the write: state rules, owner, computed columns, lookups (skipped
    when the changes name no lookup and none of the plan's `checked` columns), before-update hooks, and the
    modified on/by and version columns (`tp`: the table's write plan, when the caller has it)."""
    if tp is None:
        tp = table_plan(ctx, t)
    if lookups or not tp.checked.isdisjoint(changes):
        for c in tp.required:
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
        if tp.fullname and ("firstname" in changes or "lastname" in changes or "middlename" in changes):
            merged = {**existing, **changes}
            changes["fullname"] = fullname_of(ctx, merged)
        if tp.exchangerate and "transactioncurrencyid" in changes:
            cur = changes["transactioncurrencyid"]
            changes["exchangerate"] = currency(ctx, cur).get("exchangerate") if cur is not None else None
        if lookups:
            _check_lookups(ctx, lookups)
    store = ctx.store
    for hook, when in store.events.for_update("before_update", t.logical_name):
        if when is None or not when.isdisjoint(changes):  # (the changes as they are at its turn)
            hook(ctx, t, id_, changes, existing)
    if tp.modified:
        changes["modifiedon"] = ctx.now
        changes["modifiedby"] = ctx.caller_id
        changes["versionnumber"] = store.storage.next_version()


def finish_update(ctx: Context, t: EntityMetadata, done: Sequence[tuple[uuid.UUID, dict[str, Any], Row]]
                   ) -> None:
    """After the write: caches of settings tables, then the after-update hooks of each record."""
    if t.logical_name in SETTINGS_TABLES:
        changed(ctx, SETTINGS)
    hooks = ctx.store.events.for_update("after_update", t.logical_name)
    for id_, changes, existing in done:
        for hook, when in hooks:
            if when is None or not when.isdisjoint(changes):
                hook(ctx, t, id_, changes, existing)


def version_mismatch(t: EntityMetadata, id_: uuid.UUID) -> OrganizationServiceFault:
    return OrganizationServiceFault(
        ErrorCodes.CONCURRENCY_VERSION_MISMATCH,
        f"The version of the existing {t.logical_name} {id_} doesn't match the RowVersion property provided.",
    )


def storage_type(t: EntityMetadata, column: str) -> AttributeType:
    return t.attributes[column].type
