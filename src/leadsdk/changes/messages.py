"""Change tracking: RetrieveEntityChanges (changes feature; the tombstones deletes leave are `rules`).

A table with `change_tracking_enabled` (lead, account, contact, opportunity) has an index on its
rows' `versionnumber`; every write gives a row a new, larger version. A data token is the highest
version a caller has seen ("<version>!<UTC time>"); the changes since it are the rows whose version
is above it (read through that index, never a scan) plus the tombstones (`leadsdk_tombstone`, also
indexed by version) of records deleted since. Tokens are plain numbers in the store, so they
survive reopening it, snapshots and migrations.
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from leadsdk.changes.rules import TOMBSTONE
from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import HandlerContext, OrganizationRequest, OrganizationResponse, handler, require
from leadsdk.messages.crud import RetrieveMultipleRequest
from leadsdk.messages.privileges import NESTED, target
from leadsdk.query.model import (
    ConditionExpression,
    ConditionOperator,
    OrderExpression,
    PagingInfo,
    QueryExpression,
)
from leadsdk.types import ColumnSet, Entity, EntityReference

__all__ = [
    "BusinessEntityChanges",
    "ChangeType",
    "EntityChange",
    "RetrieveEntityChangesRequest",
    "RetrieveEntityChangesResponse",
]

DEFAULT_PAGE = 5000


class ChangeType(str, enum.Enum):
    """The `type` of an `EntityChange` (the SDK's ChangeType names)."""

    NEW_OR_UPDATED = "NewOrUpdated"
    REMOVE_OR_DELETED = "RemoveOrDeleted"


@attrs.define
class EntityChange:
    """One change: a record created or updated (`new_or_updated_entity`, with the asked columns) or
    deleted (`removed_item`, a reference)."""

    type: ChangeType
    new_or_updated_entity: Entity | None = None
    removed_item: EntityReference | None = None
    version: int = attrs.field(default=0, repr=False)


@attrs.define
class BusinessEntityChanges:
    """A page of changes, oldest first. `data_token` is the token for the next call once
    `more_records` is False; while it is True, pass `paging_cookie` in the next `page_info`."""

    changes: list[EntityChange] = attrs.field(factory=list)
    data_token: str | None = None
    more_records: bool = False
    paging_cookie: str | None = None


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveEntityChangesRequest(OrganizationRequest["RetrieveEntityChangesResponse"]):
    """The records of a change-tracked table created, updated or deleted since a data token."""

    request_name = "RetrieveEntityChanges"
    read_only = True
    requires = NESTED
    """Its nested RetrieveMultiple checks Read on the table and filters the rows the caller may read."""
    entity_name: str | None = target(table_name=True)
    columns: ColumnSet | None = None
    data_version: str | None = None
    """The token of an earlier call; None: every record there is now (the first sync)."""
    page_info: PagingInfo | None = None


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveEntityChangesResponse(OrganizationResponse):
    entity_changes: BusinessEntityChanges = attrs.field(factory=BusinessEntityChanges)


def _token(version: int) -> str:
    stamp = dt.datetime.fromtimestamp(version / 1_000_000, dt.timezone.utc) if version > 0 else None
    return f"{version}!{stamp.strftime('%m/%d/%Y %H:%M:%S') if stamp else ''}"


def _version_of(token: str | None, what: str) -> int:
    if token is None or token == "":
        return 0
    try:
        v = int(str(token).split("!", 1)[0])
    except ValueError:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT, f"{what} {token!r} is not a token this store issued.") from None
    if v < 0:
        raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT, f"{what} {token!r} is not a valid token.")
    return v


def _tracked(ctx: HandlerContext, name: str) -> EntityMetadata:
    t = ctx.metadata.table(name)
    if not t.change_tracking_enabled:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"Change tracking is not enabled for the {name} entity, so RetrieveEntityChanges cannot be used on it.")
    return t


@handler(RetrieveEntityChangesRequest)
def _retrieve_changes(ctx: HandlerContext, req: RetrieveEntityChangesRequest) -> RetrieveEntityChangesResponse:
    name = require(req.entity_name, "entity_name", "RetrieveEntityChangesRequest")
    _tracked(ctx, name)
    since = _version_of(req.data_version, "The data version")
    page = req.page_info or PagingInfo(count=DEFAULT_PAGE, page_number=1)
    count = page.count if page.count and page.count > 0 else DEFAULT_PAGE
    after = max(since, _version_of(page.paging_cookie, "The paging cookie")) if page.paging_cookie else since
    # rows and tombstones newer than `after`, each read by its version index, count + 1 at most
    q = QueryExpression(name, column_set=req.columns or ColumnSet(all_columns=True))
    cols = q.column_set
    if not cols.all_columns and "versionnumber" not in cols.columns:
        q.column_set = ColumnSet(*cols.columns, "versionnumber")
    q.criteria.conditions.append(ConditionExpression("versionnumber", ConditionOperator.GREATER_THAN, [after]))
    q.orders.append(OrderExpression("versionnumber"))
    q.page_info = PagingInfo(count=count, page_number=1)
    got = ctx.execute(RetrieveMultipleRequest(query=q)).entity_collection
    changes: list[EntityChange] = []
    for e in got.entities:
        v = int(e.attributes["versionnumber"])
        if not cols.all_columns and "versionnumber" not in cols.columns:
            del e.attributes["versionnumber"]
        changes.append(EntityChange(ChangeType.NEW_OR_UPDATED, new_or_updated_entity=e, version=v))
    limit: int | None = changes[-1].version if got.more_records else None
    more = bool(got.more_records)
    if req.data_version:  # a first sync lists what exists; deletes matter only after a token
        tq = QueryExpression(TOMBSTONE, column_set=ColumnSet("objectid", "deletedversion"))
        tq.criteria.conditions.append(ConditionExpression("deletedversion", ConditionOperator.GREATER_THAN, [after]))
        tq.criteria.conditions.append(ConditionExpression("entityname", ConditionOperator.EQUAL, [name]))
        tq.orders.append(OrderExpression("deletedversion"))
        tq.page_info = PagingInfo(count=count, page_number=1)
        res = ctx.storage.select(tq)
        tombs = [EntityChange(ChangeType.REMOVE_OR_DELETED, removed_item=EntityReference(name, r["objectid"]),
                              version=int(r["deletedversion"])) for r in res.rows]
        if res.more_records:
            more = True
            limit = tombs[-1].version if limit is None else min(limit, tombs[-1].version)
        changes = sorted(changes + tombs, key=lambda c: c.version)
    # items past the point where either list was cut off would skip unread ones: they go on the next page
    kept = [c for c in changes if limit is None or c.version <= limit][:count]
    more = more or len(kept) < len(changes)
    last = kept[-1].version if kept else after
    out = BusinessEntityChanges(kept, more_records=more)
    if more:
        out.paging_cookie = str(last)
    else:
        # after a first sync, a version no write has had yet: deletes done before it are not news
        out.data_token = _token(max(last, since) if req.data_version else ctx.storage.next_version())
    return RetrieveEntityChangesResponse(out)
