"""Auditing: who changed what and when, one `audit` row per change, and RetrieveRecordChangeHistory.

Recorded through the record hooks: create, update (old and new values of the changed columns),
delete (the values the record had), state changes (Activate/Deactivate, or Qualify, Win, Resolve ...
by table and state), assign (an `ownerid` change) and N:N associate/disassociate. Other engines
(merge, share ...) call `record(ctx, ...)`. Auditing is on when the organization's `isauditenabled`
and the table's `EntityMetadata.is_audit_enabled` are both true. Each change costs one insert (plus,
for updates, one read of the old values), and CreateMultiple buffers its audit rows into one
statement per chunk.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import json
import threading
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from json.encoder import encode_basestring_ascii
from typing import TYPE_CHECKING, Any

from leadsdk import entities  # its generated enums AuditAction and AuditOperation load on first use
from leadsdk.audit import history  # the reading half: its handler registers with the writing half
from leadsdk.entities.model import AttributeMetadata, EntityMetadata
from leadsdk.errors import OrganizationServiceFault
from leadsdk.messages.base import HandlerContext
from leadsdk.records.events import column_form, listens_for
from leadsdk.records.ids import new_id, new_id_text, new_id_texts, new_ids
from leadsdk.records.settings import organization
from leadsdk.storage.base import Row, Same, uuid_text

if TYPE_CHECKING:
    from leadsdk.entities import AuditAction

__all__ = [
    "flush",
    "history",
    "is_audited",
    "record",
]


_STATE_ACTIONS: dict[tuple[str, int], str] = {
    ("lead", 1): "QUALIFY",
    ("lead", 2): "DISQUALIFY",
    ("opportunity", 1): "WIN",
    ("opportunity", 2): "LOSE",
    ("incident", 1): "RESOLVE",
    ("incident", 2): "CANCEL",
}
"""Closing states with their own audit action; other state changes are Activate/Deactivate."""

def _audited(t: EntityMetadata, col: str) -> bool:
    """Whether a change of the column is an audit line: its metadata's IsAuditEnabled (off for the platform
    columns every write changes)."""
    a = t.attributes.get(col)
    return a is not None and a.is_audit_enabled

_clock_lock = threading.Lock()
_last_time = dt.datetime.min.replace(tzinfo=dt.timezone.utc)


def _now() -> dt.datetime:
    """Strictly increasing time in this process, so history orders even within one request."""
    global _last_time
    with _clock_lock:
        t = dt.datetime.now(dt.timezone.utc)
        if t <= _last_time:
            t = _last_time + dt.timedelta(microseconds=1)
        _last_time = t
        return t


# recording --------------------------------------------------------------------------------------


def is_audited(ctx: HandlerContext, t: EntityMetadata) -> bool:
    """Auditing is on for the organization and for this table."""
    if not t.is_audit_enabled or t.is_intersect or t.logical_name == "audit":
        return False
    if "audit" not in ctx.metadata.tables:
        return False
    try:
        return bool(organization(ctx).get("isauditenabled"))
    except OrganizationServiceFault:  # no organization row yet: the store is being seeded
        return False


_CREATE, _UPDATE = 1, 2
"""AuditAction.CREATE (also AuditOperation.CREATE) and AuditOperation.UPDATE, as numbers: the generated enums load
on first use (not at import), and on Python 3.11 a member read goes through EnumType.__getattr__'s slot (~10x a
global's read). tests/test_qualify_fast_paths.py pins them to the enums."""

_JSON_PLAIN = frozenset({str, int, float, bool})
"""Values that go to the change data as they are (most changed columns are text)."""


_dumps = json.JSONEncoder(separators=(",", ":")).encode
"""`json.dumps(..., separators=(",", ":"))` without building an encoder per call (it does for any option):
the change data of values `_change_data` does not write itself (floats, datetimes, ...)."""


def _json_value(v: Any) -> Any:
    if v is None or v.__class__ in _JSON_PLAIN:
        return v
    if v.__class__ is uuid.UUID:
        return uuid_text(v)
    if isinstance(v, (uuid.UUID, Decimal)):
        return str(v)
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    if isinstance(v, bytes):
        return base64.b64encode(v).decode("ascii")
    if isinstance(v, enum.Enum):
        return v.value
    return v


_JSON_TEXT: dict[type, Callable[[Any], str]] = {
    str: encode_basestring_ascii, int: int.__repr__, bool: lambda v: "true" if v else "false",
    type(None): lambda v: "null", uuid.UUID: lambda v: f'"{uuid_text(v)}"', Decimal: lambda v: f'"{v}"'}
"""The JSON `_dumps` writes for a value of these exact types (most audited values are; a UUID's and a
Decimal's text, which `_json_value` gives, is plain ASCII)."""


def _change_data(changes: Sequence[tuple[str, Any, Any]]) -> str:
    """An audit row's change data, `{"changedAttributes": [{"logicalName", "oldValue", "newValue"}, ...]}`
    as `_dumps` writes it. Written directly when every value is None, text, an int, a bool, a UUID or a
    Decimal (half the encoder's cost: it takes a dict per column and walks them), else by `_dumps`."""
    parts = []
    get = _JSON_TEXT.get
    for c, o, n in changes:
        old, new = get(o.__class__), get(n.__class__)
        if old is None or new is None or c.__class__ is not str:
            return _dumps({"changedAttributes": [
                {"logicalName": c, "oldValue": _json_value(o), "newValue": _json_value(n)} for c, o, n in changes
            ]})
        parts.append(f'{{"logicalName":{encode_basestring_ascii(c)},"oldValue":{old(o)},"newValue":{new(n)}}}')
    return '{"changedAttributes":[' + ",".join(parts) + "]}"


def _lookup_text(a: AttributeMetadata, v: Any, target: Any) -> Any:
    if v is None:
        return None
    table = target if isinstance(target, str) and target else (a.targets[0] if a.targets else "")
    return f"{table},{uuid_text(v) if v.__class__ is uuid.UUID else v}"


def record(
    ctx: HandlerContext,
    table: str,
    object_id: uuid.UUID,
    action: int,
    operation: int | None = None,
    changes: Sequence[tuple[str, Any, Any]] | None = None,
    *,
    force: bool = False,
) -> None:
    """Write one audit row for a record: `changes` are (column, old value, new value) in storage form
    (lookups as "table,id" text or a UUID). Does nothing when auditing is off for the table, unless
    `force`. For engines that change records outside the record hooks (Merge, Share ...)."""
    if not force:
        t = ctx.metadata.get(table)
        if t is None or not is_audited(ctx, t):
            return
    elif table not in ctx.metadata.tables:
        return
    _write(ctx, table, object_id, action, operation, changes)


def _write(ctx: HandlerContext, table: str, object_id: uuid.UUID, action: int, operation: int | None,
           changes: Sequence[tuple[str, Any, Any]] | None) -> None:
    """`record`'s audit row, once it is known to be wanted (the create hook calls it directly)."""
    if action.__class__ is not int:
        action = int(action)  # (an AuditAction member)
    if operation is None:
        operation = action if action in (1, 3) else 2
    elif operation.__class__ is not int:
        operation = int(operation)
    caller = ctx.caller_id
    initiating = ctx.initiating_user_id
    buf = ctx.scratch.get("audit_buffer")
    storage = ctx.storage
    row: dict[str, Any] = {
        "auditid": new_id_text() if buf is None and storage.text_ids else new_id(),  # (text: only ever written)
        "action": action,
        "operation": operation,
        "objectid": object_id,
        "objecttypecode": table,
        "userid": caller,
        "callinguserid": None if initiating is caller or initiating == caller else initiating,  # (`is`: no UUID.__eq__)
        "createdon": _now(),
        "changedata": _change_data(changes) if changes else None,
        "attributemask": ",".join([c for c, _, _ in changes]) if changes else None,
        "transactionid": None,
    }
    if buf is not None:
        buf.append(row)
    else:
        storage.insert_later(ctx.metadata.table("audit"), row)  # one statement for the transaction's rows


_FLUSH_ROWS = 5000
"""Audit rows of a bulk create built and inserted per slice (a CreateMultiple's batch is all its records)."""


@listens_for("batch_start")
def _batch_start(ctx: HandlerContext) -> None:
    """In a bulk write, audit rows are collected in memory and inserted with one statement per kind when
    the batch ends. The creates of one batch share its time: one request's records, one transaction."""
    ctx.scratch.update(audit_buffer=[], audit_buffer_tables={}, audit_buffer_creates={}, audit_buffer_time=_now())


@listens_for("batch_end")
def _batch_end(ctx: HandlerContext, ok: bool) -> None:
    if ok:
        flush(ctx)
    for key in ("audit_buffer", "audit_buffer_tables", "audit_buffer_creates", "audit_buffer_time"):
        ctx.scratch.pop(key, None)


def flush(ctx: HandlerContext) -> None:
    """Insert the buffered audit rows: the creates column by column, then the others."""
    scratch = ctx.scratch
    creates: dict[str, list[Any]] | None = scratch.get("audit_buffer_creates")
    if creates:
        audit_t = ctx.metadata.table("audit")
        caller = ctx.caller_id
        initiating = ctx.initiating_user_id
        when = scratch.get("audit_buffer_time") or _now()
        make_ids = new_id_texts if ctx.storage.text_ids else new_ids  # (audit ids are only written)
        for name, all_ids in creates.items():
            for start in range(0, len(all_ids), _FLUSH_ROWS):  # one COPY on PostgreSQL, fed a slice at a time
                ids = all_ids[start:start + _FLUSH_ROWS]
                n = len(ids)
                ctx.storage.insert_columns(audit_t, {
                    "auditid": make_ids(n), "action": Same.of(int(entities.AuditAction.CREATE), n),
                    "operation": Same.of(int(entities.AuditOperation.CREATE), n), "objectid": ids,
                    "objecttypecode": Same.of(name, n), "userid": Same.of(caller, n),
                    "callinguserid": Same.of(initiating if initiating != caller else None, n),
                    "createdon": Same.of(when, n),
                })
        creates.clear()
    buf = scratch.get("audit_buffer")
    if buf:
        ctx.storage.insert_many(ctx.metadata.table("audit"), buf)
        buf.clear()


def _buffered_creates(ctx: HandlerContext, t: EntityMetadata) -> list[Any] | None:
    """Inside a batch (`records.events.batched`): the list the table's created ids (or their stored
    texts) go to, None when the table is not audited (asked once per batch)."""
    creates: dict[str, list[Any]] = ctx.scratch["audit_buffer_creates"]
    name = t.logical_name
    ids = creates.get(name)
    if ids is None:
        seen: dict[str, bool] = ctx.scratch["audit_buffer_tables"]
        on = seen.get(name)
        if on is None:
            on = seen[name] = is_audited(ctx, t) and name in ctx.metadata.tables
        if not on:
            return None
        ids = creates[name] = []
    return ids


@listens_for("after_create")
def _after_create(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any], _: Row | None
                  ) -> None:
    if "audit_buffer_creates" not in ctx.scratch:
        if is_audited(ctx, t):
            _write(ctx, t.logical_name, id_, _CREATE, _CREATE, None)
        return
    # a bulk create: `flush` writes the rows (as `record` makes them for a create) column by column
    ids = _buffered_creates(ctx, t)
    if ids is not None:
        ids.append(id_)


@column_form(_after_create)
def _after_create_columns(ctx: HandlerContext, t: EntityMetadata, columns: dict[str, Sequence[Any]], n: int) -> bool:
    """A bulk create's audit rows: its ids go to the buffer at once, as the texts the store just wrote
    for them where it keeps ids as text (the audit rows' objectids then need no formatting again)."""
    if "audit_buffer_creates" not in ctx.scratch:
        return False
    ids = _buffered_creates(ctx, t)
    if ids is not None:
        made = columns[t.primary_id_attribute]
        storage = ctx.storage
        texts = storage.written_id_texts(made) if storage.text_ids else None
        ids.extend(made if texts is None else texts)
    return True


_OLD = "audit_old"
"""The scratch entry holding the stored rows of records being updated or deleted, by (table, id's int): what
their after-hooks diff against (a tuple key: no text made of the id, and an int hashes in C, a UUID in Python)."""


def _keep_old(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: Row) -> None:
    olds: dict[tuple[str, int], Row] | None = ctx.scratch.get(_OLD)
    if olds is None:
        olds = ctx.scratch[_OLD] = {}
    olds[(t.logical_name, id_.int)] = row


def _take_old(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID) -> Row | None:
    olds: dict[tuple[str, int], Row] | None = ctx.scratch.get(_OLD)
    return olds.pop((t.logical_name, id_.int), None) if olds else None


@listens_for("before_update")
def _before_update(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, changes: dict[str, Any],
                   existing: Row | None) -> None:
    if not is_audited(ctx, t):
        return
    have = existing or {}
    want = [c for c in changes if c not in have and _audited(t, c)]
    old = dict(have)
    if want:
        got = ctx.storage.get(t, id_, want)
        if got is not None:
            old.update(got)
    _keep_old(ctx, t, id_, old)


def _changed_columns(ctx: HandlerContext, t: EntityMetadata, changes: dict[str, Any]
                     ) -> tuple[tuple[str, AttributeMetadata | None], ...]:
    """An update's audited columns in its changes' order, with a lookup's metadata (recorded as "table,id"
    texts), else None: once per column list (at most 64 a table and metadata version)."""
    plans = ctx.store.plans
    key = ("audited_changes", t.logical_name, ctx.metadata.version)
    per: dict[tuple[str, ...], tuple[tuple[str, AttributeMetadata | None], ...]] | None = plans.get(key)
    if per is None:
        per = plans[key] = {}
    names = tuple(changes)
    got = per.get(names)
    if got is None:
        got = tuple((c, a if a.type.is_lookup else None) for c in names
                    if (a := t.attributes.get(c)) is not None and a.is_audit_enabled)
        if len(per) < 64:
            per[names] = got
    return got


@listens_for("after_update")
def _after_update(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, changes: dict[str, Any],
                  existing: Row | None) -> None:
    old = _take_old(ctx, t, id_)
    if old is None:
        return
    diffs: list[tuple[str, Any, Any]] = []
    for col, a in _changed_columns(ctx, t, changes):
        new = changes[col]
        prev = old.get(col)
        if a is not None:  # a lookup: "table,id" texts
            type_column = a.type_column
            prev = _lookup_text(a, prev, old.get(col + "@type") or old.get(type_column))
            new = _lookup_text(a, new, changes.get(type_column))
        if prev == new:
            continue
        diffs.append((col, prev, new))
    if not diffs:
        return
    action: int = _UPDATE  # AuditAction.UPDATE (the same number)
    if "statecode" in changes or "ownerid" in changes:
        cols = {c for c, _, _ in diffs}
        actions = entities.AuditAction
        if "statecode" in cols:
            state = changes.get("statecode")
            if state is not None:
                closing = _STATE_ACTIONS.get((t.logical_name, int(state)))
                action = actions[closing] if closing else actions.ACTIVATE if state == 0 else actions.DEACTIVATE
        elif "ownerid" in cols:
            action = actions.ASSIGN
    if t.logical_name in ctx.metadata.tables:  # (`record(..., force=True)`, inline: every update)
        _write(ctx, t.logical_name, id_, action, _UPDATE, diffs)


@listens_for("before_delete")
def _before_delete(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID) -> None:
    if is_audited(ctx, t):
        row = ctx.storage.get(t, id_, names=False)  # (`_after_delete` records lookups as "table,id")
        if row is not None:
            _keep_old(ctx, t, id_, row)


@listens_for("after_delete")
def _after_delete(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID) -> None:
    old = _take_old(ctx, t, id_)
    if old is None:
        return
    diffs: list[tuple[str, Any, Any]] = []
    for col, a in t.attributes.items():
        v = old.get(col)
        if v is None or not a.is_audit_enabled or a.is_primary_id:
            continue
        if a.type.is_lookup:
            v = _lookup_text(a, v, old.get(col + "@type"))
        diffs.append((col, v, None))
    record(ctx, t.logical_name, id_, entities.AuditAction.DELETE, entities.AuditOperation.DELETE, diffs, force=True)


def _relate(ctx: HandlerContext, action: AuditAction, schema_name: str, id1: uuid.UUID, id2: uuid.UUID) -> None:
    rel = ctx.metadata.relationship(schema_name)
    e1 = getattr(rel, "entity1_logical_name", None)
    e2 = getattr(rel, "entity2_logical_name", None)
    if not isinstance(e1, str) or not isinstance(e2, str):
        return
    for (me, mid), (other, oid) in (((e1, id1), (e2, id2)), ((e2, id2), (e1, id1))):
        t = ctx.metadata.get(me)
        if t is not None and is_audited(ctx, t):
            change = (schema_name, None, f"{other},{oid}") if action == entities.AuditAction.ASSOCIATE_ENTITIES \
                else (schema_name, f"{other},{oid}", None)
            record(ctx, me, mid, action, entities.AuditOperation.UPDATE, [change], force=True)
        if e1 == e2:
            break


@listens_for("after_associate")
def _after_associate(ctx: HandlerContext, schema_name: str, id1: uuid.UUID, id2: uuid.UUID) -> None:
    _relate(ctx, entities.AuditAction.ASSOCIATE_ENTITIES, schema_name, id1, id2)


@listens_for("after_disassociate")
def _after_disassociate(ctx: HandlerContext, schema_name: str, id1: uuid.UUID, id2: uuid.UUID) -> None:
    _relate(ctx, entities.AuditAction.DISASSOCIATE_ENTITIES, schema_name, id1, id2)
