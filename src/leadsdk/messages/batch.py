"""Batches: ExecuteMultiple, ExecuteTransaction, CreateMultiple, UpdateMultiple and UpsertMultiple.

- ExecuteMultiple runs each item in its own transaction and reports per item (0-based
  `request_index`, the response and/or the fault), shaped by `ExecuteMultipleSettings`.
- ExecuteTransaction runs every item in one transaction; the first fault rolls all of it back and
  names the item in `error_details["FaultedRequestIndex"]`.
- Create/Update/UpsertMultiple take records of one table, all or nothing. When no plugin step is
  registered for the per-record message and the caller is SYSTEM, rows are validated one by one but
  inserted with one statement per chunk (the fast path for bulk loads); otherwise each record goes
  through the full pipeline as a nested Create/Update so plugins and security see every record.
"""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterable, Sequence
from functools import partial
from operator import attrgetter
from typing import Any

import attrs

from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import HandlerContext, OrganizationRequest, OrganizationResponse, handler
from leadsdk.messages.crud import CreateRequest, UpdateRequest, UpsertResponse, as_entity
from leadsdk.messages.params import require_parameters
from leadsdk.messages.privileges import NESTED, EachRecord, target
from leadsdk.records.bulk import prepare_create_columns, prepare_create_many, rows_of, run_column_hooks, update_records
from leadsdk.records.columns import ColumnTargets
from leadsdk.records.events import batched
from leadsdk.records.write import CreateTemplate, prepare_create, table_plan, update_record
from leadsdk.types import Entity, EntityCollection, EntityReference

__all__ = [
    "MAX_BATCH_SIZE",
    "CreateMultipleRequest",
    "CreateMultipleResponse",
    "ExecuteMultipleRequest",
    "ExecuteMultipleResponse",
    "ExecuteMultipleResponseItem",
    "ExecuteMultipleSettings",
    "ExecuteTransactionRequest",
    "ExecuteTransactionResponse",
    "UpdateMultipleRequest",
    "UpdateMultipleResponse",
    "UpsertMultipleRequest",
    "UpsertMultipleResponse",
]

MAX_BATCH_SIZE = 1000
"""Most requests an ExecuteMultiple or ExecuteTransaction takes (Dataverse's default limit)."""

_CHUNK = 2000
"""Rows prepared and inserted per statement by the bulk fast path (bounds memory)."""


# ExecuteMultiple / ExecuteTransaction ----------------------------------------------------------


@attrs.define
class ExecuteMultipleSettings:
    """ContinueOnError: go on after a fault. ReturnResponses: report successful items too."""

    continue_on_error: bool = False
    return_responses: bool = False


@attrs.define
class ExecuteMultipleResponseItem:
    """One reported item: its 0-based index in the batch, its response or its fault."""

    request_index: int = 0
    response: OrganizationResponse | None = None
    fault: OrganizationServiceFault | None = None


@attrs.define(eq=False, repr=False, slots=False)
class ExecuteMultipleRequest(OrganizationRequest["ExecuteMultipleResponse"]):
    """Run up to 1000 requests, each in its own transaction."""

    request_name = "ExecuteMultiple"
    requires = NESTED
    transactional = False
    batch_container = True
    requests: list[Any] = attrs.field(factory=list)
    settings: ExecuteMultipleSettings = attrs.field(factory=ExecuteMultipleSettings)


@attrs.define(eq=False, repr=False, slots=False)
class ExecuteMultipleResponse(OrganizationResponse):
    responses: list[ExecuteMultipleResponseItem] = attrs.field(factory=list)
    is_faulted: bool = False


@attrs.define(eq=False, repr=False, slots=False)
class ExecuteTransactionRequest(OrganizationRequest["ExecuteTransactionResponse"]):
    """Run up to 1000 requests in one transaction: all of them or none."""

    request_name = "ExecuteTransaction"
    requires = NESTED
    batch_container = True
    requests: list[Any] = attrs.field(factory=list)
    return_responses: bool = False


@attrs.define(eq=False, repr=False, slots=False)
class ExecuteTransactionResponse(OrganizationResponse):
    responses: list[OrganizationResponse] = attrs.field(factory=list)


def _check_batch(requests: Any, name: str) -> list[OrganizationRequest[Any]]:
    """Everything that makes a batch fault before any of it runs."""
    if requests is None:
        raise OrganizationServiceFault(ErrorCodes.REQUIRED_FIELD_MISSING, f"{name} needs 'requests'.")
    items = list(requests)
    if len(items) > MAX_BATCH_SIZE:
        raise OrganizationServiceFault(
            ErrorCodes.EXECUTE_MULTIPLE_BATCH_TOO_LARGE,
            f"{name.removesuffix('Request')} Request batch size exceeds the maximum batch size allowed: it has "
            f"{len(items)} requests; the maximum is {MAX_BATCH_SIZE}.",
            error_details={"MaxBatchSize": MAX_BATCH_SIZE},
        )
    for i, r in enumerate(items):
        if isinstance(r, (ExecuteMultipleRequest, ExecuteTransactionRequest)):
            raise OrganizationServiceFault(
                ErrorCodes.EXECUTE_MULTIPLE_NESTED,
                f"Request {i} of the {name} is a {type(r).__name__}; batches cannot be nested.",
                error_details={"FaultedRequestIndex": i},
            )
        if not isinstance(r, OrganizationRequest):
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"Request {i} of the {name} must be a request such as CreateRequest, not {type(r).__name__}.",
                error_details={"FaultedRequestIndex": i},
            )
    return items


@handler(ExecuteMultipleRequest)
def _execute_multiple(ctx: HandlerContext, req: ExecuteMultipleRequest) -> ExecuteMultipleResponse:
    items = _check_batch(req.requests, "ExecuteMultipleRequest")
    settings = req.settings if req.settings is not None else ExecuteMultipleSettings()
    out = ExecuteMultipleResponse()
    for i, r in enumerate(items):
        try:
            resp = ctx.execute(r)
        except OrganizationServiceFault as f:
            out.is_faulted = True
            out.responses.append(ExecuteMultipleResponseItem(i, None, f))
            if not settings.continue_on_error:
                break
            continue
        if settings.return_responses:
            out.responses.append(ExecuteMultipleResponseItem(i, resp, None))
    return out


@handler(ExecuteTransactionRequest)
def _execute_transaction(ctx: HandlerContext, req: ExecuteTransactionRequest) -> ExecuteTransactionResponse:
    items = _check_batch(req.requests, "ExecuteTransactionRequest")
    out = ExecuteTransactionResponse()
    for i, r in enumerate(items):
        try:
            resp = ctx.execute(r)
        except OrganizationServiceFault as f:
            raise OrganizationServiceFault(
                f.error_code,
                f"Request {i} ({type(r).__name__}) of the ExecuteTransactionRequest failed, so none of the "
                f"requests were applied: {f.message}",
                error_details={**f.error_details, "FaultedRequestIndex": i},
                inner_fault=f,
                trace_text=f.trace_text,
            ) from f
        if req.return_responses:
            out.responses.append(resp)
    return out


# Create / Update / UpsertMultiple ----------------------------------------------------------------


@attrs.define(eq=False, repr=False, slots=False)
class CreateMultipleRequest(OrganizationRequest["CreateMultipleResponse"]):
    """Create records of one table: all of them or none."""

    request_name = "CreateMultiple"
    requires = (EachRecord(),)
    targets: Any = target()


@attrs.define(eq=False, repr=False, slots=False)
class CreateMultipleResponse(OrganizationResponse):
    ids: list[uuid.UUID] = attrs.field(factory=list)


@attrs.define(eq=False, repr=False, slots=False)
class UpdateMultipleRequest(OrganizationRequest["UpdateMultipleResponse"]):
    """Update records of one table: all of them or none."""

    request_name = "UpdateMultiple"
    requires = (EachRecord(),)
    targets: Any = target()


@attrs.define(eq=False, repr=False, slots=False)
class UpdateMultipleResponse(OrganizationResponse):
    pass


@attrs.define(eq=False, repr=False, slots=False)
class UpsertMultipleRequest(OrganizationRequest["UpsertMultipleResponse"]):
    """Create or update records of one table: all of them or none."""

    request_name = "UpsertMultiple"
    requires = (EachRecord(),)
    targets: Any = target()


@attrs.define(eq=False, repr=False, slots=False)
class UpsertMultipleResponse(OrganizationResponse):
    responses: list[UpsertResponse] = attrs.field(factory=list)
    """One UpsertResponse per target, in order (Dataverse's `Results`)."""


_ENTITY = frozenset({Entity})
_logical_name = attrgetter("logical_name")


def _targets(ctx: HandlerContext, targets: Any, name: str) -> tuple[EntityMetadata, list[Entity]]:
    """The targets as Entities, checked to be of one table."""
    if targets is None:
        require_parameters(name.removesuffix("Request"), Targets=targets)
    declared: str | None = None
    raw: Iterable[Any]
    if isinstance(targets, EntityCollection):
        declared = targets.entity_name
        raw = targets.entities
    elif isinstance(targets, (list, tuple)):
        raw = targets
    else:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"{name}.targets must be an EntityCollection or a list of entities, not {type(targets).__name__}.",
        )
    ents = list(raw) if set(map(type, raw)) == _ENTITY else \
        [as_entity(e, name, f"targets[{i}]") for i, e in enumerate(raw)]  # early-bound ones, or the fault
    if not ents:  # Dataverse refuses an empty Targets collection rather than doing nothing
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"{name}.targets is empty: {name.removesuffix('Request')} needs at least one record.",
            error_details={"parameter": "Targets"})
    table = declared or ents[0].logical_name
    if set(map(_logical_name, ents)) == {table}:  # (C-level; else the loop names the first other table)
        return ctx.metadata.table(table), ents
    for i, e in enumerate(ents):
        if e.logical_name != table:
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"{name}.targets[{i}] is a {e.logical_name}, but every target must be a {table}: "
                "a batch holds records of one table.",
            )
    return ctx.metadata.table(table), ents


def _per_record(ctx: HandlerContext, message: str, table: str) -> bool:
    """True when records must go through the pipeline one by one (plugin steps or a non-SYSTEM caller)."""
    if ctx.security is not None:
        return True
    reg = ctx.store.plugins
    return bool(reg is not None and reg.steps and reg.for_message(message, table, None))


def _at_index(indexes: Sequence[int], name: str, i: int, f: OrganizationServiceFault) -> OrganizationServiceFault:
    """`_at` for the i-th record of a part of the batch whose batch indexes are `indexes`."""
    return _at(indexes[i], name, f)


def _at(i: int, name: str, f: OrganizationServiceFault) -> OrganizationServiceFault:
    """A record's fault, naming its index in the batch."""
    return OrganizationServiceFault(
        f.error_code, f"{name}.targets[{i}]: {f.message}",
        error_details={**f.error_details, "FaultedRequestIndex": i}, inner_fault=f, trace_text=f.trace_text,
    )


def _bulk_insert(ctx: HandlerContext, t: EntityMetadata, rows: Sequence[tuple[uuid.UUID, dict[str, Any]]]) -> None:
    """Insert prepared rows with one statement (every row given every column), then run after-create hooks."""
    if not rows:
        return
    n = len(rows[0][1])
    full: list[dict[str, Any]] = [row for _, row in rows]
    if any(len(row) != n for row in full):  # give every row every column (rows of one length go as they are)
        cols: dict[str, None] = {}
        for row in full:
            cols.update(dict.fromkeys(row))
        keys = list(cols)
        full = [row if len(row) == len(keys) else {k: row.get(k) for k in keys} for row in full]
    with batched(ctx):
        ctx.storage.insert_many(t, full)
        _after_create_rows(ctx, t, ctx.events.for_table("after_create", t.logical_name), rows)


def _after_create_rows(ctx: HandlerContext, t: EntityMetadata, hooks: Sequence[Any],
                       rows: Iterable[tuple[uuid.UUID, dict[str, Any]]]) -> None:
    for id_, row in rows:
        for hook in hooks:
            hook(ctx, t, id_, row, None)


def _bulk_insert_columns(ctx: HandlerContext, t: EntityMetadata, ids: list[uuid.UUID],
                        columns: dict[str, Sequence[Any]]) -> None:
    """Insert rows given column by column with one statement, then run the after-create hooks (their
    batch forms where they have one)."""
    with batched(ctx):
        ctx.storage.insert_columns(t, columns)
        rest = run_column_hooks(ctx, t, ctx.events.for_table("after_create", t.logical_name), columns, len(ids))
        if rest:
            _after_create_rows(ctx, t, rest, zip(ids, rows_of(columns)))


@handler(CreateMultipleRequest)
def _create_multiple(ctx: HandlerContext, req: CreateMultipleRequest) -> CreateMultipleResponse:
    name = "CreateMultipleRequest"
    given = req.targets
    columns: ColumnTargets | None = None
    ents: Sequence[Entity] = ()
    if type(given) is ColumnTargets and given.columns is not None and 0 < given.count <= _CHUNK \
            and given.entity_name in ctx.metadata.tables:  # an import's batch, as it was validated
        columns = given
        t = ctx.metadata.table(given.entity_name)
    else:
        t, ents = _targets(ctx, given, name)
    ids: list[uuid.UUID] = []
    if _per_record(ctx, "Create", t.logical_name):
        for i, e in enumerate(ents if columns is None else columns.entities):
            try:
                ids.append(ctx.execute(CreateRequest(target=e)).id)
            except OrganizationServiceFault as f:
                raise _at(i, name, f) from f
        return CreateMultipleResponse(ids)
    ctx = ctx.detecting(False)  # bulk creates suppress duplicate detection, as Dataverse's do
    # A bulk load allocates a few container objects per row and frees them chunk by chunk; the cyclic
    # collector would otherwise rescan every live object (the caller's entities too) many times over.
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        template: CreateTemplate | None
        try:  # the platform columns every row shares, filled once (rows that set any of them fill their own)
            template = CreateTemplate(ctx, t)
        except OrganizationServiceFault:
            template = None
        hooks = ctx.events.for_table("before_create", t.logical_name)
        if columns is not None:
            with batched(ctx):
                cols = columns.columns
                got = None if template is None or cols is None else \
                    prepare_create_columns(ctx, template, tuple(cols), list(cols.values()), columns.count,
                                           columns.stored)
                if got is not None:
                    _insert_chunk(ctx, t, hooks, *got, 0)
                    return CreateMultipleResponse(got[0])
            t, ents = _targets(ctx, columns, name)  # as Entities: a chunk that does not qualify, or the faulty one
        if len(ents) > _CHUNK and table_plan(ctx, t).created:
            ctx.storage.reserve_versions(len(ents))  # the chunks' versions, before their inserts start
        with batched(ctx):  # one batch: the audit rows go in with one statement after the records'
            _create_chunks(ctx, t, ents, template, hooks, ids)
    finally:
        if gc_was_on:
            gc.enable()
    return CreateMultipleResponse(ids)


def _insert_chunk(ctx: HandlerContext, t: EntityMetadata, hooks: Sequence[Any], made: list[uuid.UUID],
                  columns: dict[str, Sequence[Any]], start: int) -> None:
    """Insert a chunk of new rows prepared column by column (records `start`.. of the batch), through
    the hooks' batch forms (row dicts only for hooks that need rows)."""
    rest = run_column_hooks(ctx, t, hooks, columns, len(made))
    if rest:
        rows = list(zip(made, rows_of(columns)))
        for j, (id_, row) in enumerate(rows):
            try:
                for hook in rest:
                    hook(ctx, t, id_, row, None)
            except OrganizationServiceFault as f:
                raise _at(start + j, "CreateMultipleRequest", f) from f
        _bulk_insert(ctx, t, rows)
    else:
        _bulk_insert_columns(ctx, t, made, columns)


def _create_chunks(ctx: HandlerContext, t: EntityMetadata, ents: Sequence[Entity],
                   template: CreateTemplate | None, hooks: Sequence[Any], ids: list[uuid.UUID]) -> None:
    """CreateMultiple's records, `_CHUNK` at a time: column by column where the chunk allows, else row by row."""
    name = "CreateMultipleRequest"
    seen: set[int] = set()
    for start in range(0, len(ents), _CHUNK):
        # the common case, a chunk of new rows with the same plain columns: kept column by column
        got = prepare_create_many(ctx, ents[start:start + _CHUNK], template) if template is not None else None
        if got is not None:
            _insert_chunk(ctx, t, hooks, *got, start)
            ids.extend(got[0])
            continue
        prepared: list[tuple[uuid.UUID, dict[str, Any]]] = []
        pending: set[int] = set()  # the ids of `prepared`, not inserted yet
        for i in range(start, min(start + _CHUNK, len(ents))):
            if pending and _names_one_of(ents[i], t.logical_name, pending):
                # a record pointing at one made earlier in this request (a parent account beside its
                # child): the rows before it go in first, so its lookup finds that record
                _bulk_insert(ctx, t, prepared)
                prepared = []
                pending = set()
            try:
                _, id_, row = prepare_create(ctx, ents[i], template)
            except OrganizationServiceFault as f:
                raise _at(i, name, f) from f
            key = id_.int  # an int hashes in C; a UUID's hash is Python code
            if key in seen:
                raise OrganizationServiceFault(
                    ErrorCodes.DUPLICATE_RECORD,
                    f"{name}.targets[{i}] repeats the id {id_} of an earlier {t.logical_name} of the batch.",
                    error_details={"FaultedRequestIndex": i},
                )
            seen.add(key)
            pending.add(key)
            prepared.append((id_, row))
            ids.append(id_)
        _bulk_insert(ctx, t, prepared)


def _names_one_of(e: Entity, table: str, ids: set[int]) -> bool:
    """Whether a lookup of `e` names a record of `table` among `ids` (as `UUID.int`)."""
    return any(type(v) is EntityReference and v.logical_name == table and v.id is not None and v.id.int in ids
               for v in e.attributes.values())


def _id_of(t: EntityMetadata, e: Entity) -> uuid.UUID | None:
    if e.id is not None:
        return e.id
    v = e.attributes.get(t.primary_id_attribute)
    if v is None:
        return None
    try:  # only text is parsed: str() of a 32-digit number would read as hex digits
        if isinstance(v, uuid.UUID):
            return v
        if not isinstance(v, str):
            raise ValueError(v)
        return uuid.UUID(v)
    except ValueError:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT, f"The {t.primary_id_attribute} {v!r} is not a UUID."
        ) from None


@handler(UpdateMultipleRequest)
def _update_multiple(ctx: HandlerContext, req: UpdateMultipleRequest) -> UpdateMultipleResponse:
    name = "UpdateMultipleRequest"
    t, ents = _targets(ctx, req.targets, name)
    ids: list[uuid.UUID | None] = []
    for i, e in enumerate(ents):
        try:
            id_ = _id_of(t, e)
            if id_ is None:
                raise OrganizationServiceFault(
                    ErrorCodes.REQUIRED_FIELD_MISSING, f"An update of a {t.logical_name} needs its id.")
        except OrganizationServiceFault as f:
            raise _at(i, name, f) from f
        ids.append(id_)
    slow = _per_record(ctx, "Update", t.logical_name)
    if slow or len(set(ids)) != len(ids):
        # plugins or security see every record as its own Update; a record updated twice in one batch
        # must see its first update: both go one by one
        for i, e in enumerate(ents):
            try:
                if slow:
                    ctx.execute(UpdateRequest(target=e))
                else:
                    update_record(ctx, e)
            except OrganizationServiceFault as f:
                raise _at(i, name, f) from f
        return UpdateMultipleResponse()
    for start in range(0, len(ents), _CHUNK):
        with batched(ctx):
            update_records(ctx, ents[start:start + _CHUNK], partial(_at_index, range(start, len(ents)), name))
    return UpdateMultipleResponse()


@handler(UpsertMultipleRequest)
def _upsert_multiple(ctx: HandlerContext, req: UpsertMultipleRequest) -> UpsertMultipleResponse:
    name = "UpsertMultipleRequest"
    t, ents = _targets(ctx, req.targets, name)
    slow = _per_record(ctx, "Create", t.logical_name) or _per_record(ctx, "Update", t.logical_name)
    ids: list[uuid.UUID | None] = []
    for i, e in enumerate(ents):
        try:
            ids.append(_id_of(t, e))
        except OrganizationServiceFault as f:
            raise _at(i, name, f) from f
    given = [i for i in ids if i is not None]
    if slow or len(set(given)) != len(given):
        return UpsertMultipleResponse(_upsert_one_by_one(ctx, t, ents, slow, name))
    # distinct ids: which exist is read a chunk at a time; then each chunk's creates go in with one
    # insert and its updates with one read and one write per column list
    results: list[UpsertResponse] = []
    pk = t.primary_id_attribute
    for start in range(0, len(ents), _CHUNK):
        chunk = range(start, min(start + _CHUNK, len(ents)))
        known = [x for x in (ids[i] for i in chunk) if x is not None]
        found = {r[pk] for r in ctx.storage.get_many(t, known, [pk])} if known else set()
        updates = [i for i in chunk if ids[i] in found]
        created: list[tuple[uuid.UUID, dict[str, Any]]] = []
        for i in chunk:
            if ids[i] not in found:
                try:
                    _, new_id, row = prepare_create(ctx, ents[i])
                except OrganizationServiceFault as f:
                    raise _at(i, name, f) from f
                created.append((new_id, row))
        _bulk_insert(ctx, t, created)
        with batched(ctx):
            update_records(ctx, [ents[i] for i in updates], partial(_at_index, updates, name))
        made = iter(created)
        for i in chunk:
            id_ = ids[i]
            if id_ is not None and id_ in found:
                results.append(UpsertResponse(EntityReference(t.logical_name, id_), False))
            else:
                results.append(UpsertResponse(EntityReference(t.logical_name, next(made)[0]), True))
    return UpsertMultipleResponse(results)


def _upsert_one_by_one(ctx: HandlerContext, t: EntityMetadata, ents: list[Entity], slow: bool, name: str
                       ) -> list[UpsertResponse]:
    """Upserts in order, each seeing the ones before it (plugin steps or security need every record as
    its own Create or Update; a batch naming one id twice needs the second to see the first)."""
    results: list[UpsertResponse] = []
    pending: list[tuple[uuid.UUID, dict[str, Any]]] = []
    pending_ids: set[uuid.UUID] = set()
    for i, e in enumerate(ents):
        try:
            id_ = _id_of(t, e)
            if id_ is not None and id_ in pending_ids:
                _bulk_insert(ctx, t, pending)
                pending, pending_ids = [], set()
            if id_ is not None and ctx.storage.exists(t, id_):
                if slow:
                    ctx.execute(UpdateRequest(target=e))
                else:
                    update_record(ctx, e)
                results.append(UpsertResponse(EntityReference(t.logical_name, id_), False))
                continue
            if slow:
                new_id = ctx.execute(CreateRequest(target=e)).id
            else:
                _, new_id, row = prepare_create(ctx, e)
                pending.append((new_id, row))
                pending_ids.add(new_id)
                if len(pending) >= _CHUNK:
                    _bulk_insert(ctx, t, pending)
                    pending, pending_ids = [], set()
            results.append(UpsertResponse(EntityReference(t.logical_name, new_id), True))
        except OrganizationServiceFault as f:
            raise _at(i, name, f) from f
    _bulk_insert(ctx, t, pending)
    return results
