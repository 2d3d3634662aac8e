"""Reading the audit back: RetrieveRecordChangeHistory and the AuditDetail values it answers with (the
rows are written by the listeners in `leadsdk.audit.messages`, which imports this module). Exported by
`leadsdk.messages`."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import attrs

from leadsdk import entities  # its generated enum AuditAction loads on first use
from leadsdk.entities.model import AttributeMetadata, AttributeType
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import HandlerContext, OrganizationRequest, OrganizationResponse, as_reference, handler
from leadsdk.messages.privileges import target
from leadsdk.query.model import ConditionOperator, OrderType, PagingInfo, QueryExpression
from leadsdk.types import ColumnSet, Entity, EntityReference, Money, OptionSetValue

__all__ = [
    "AttributeAuditDetail",
    "AuditDetail",
    "AuditDetailCollection",
    "RelationshipAuditDetail",
    "RetrieveRecordChangeHistoryRequest",
    "RetrieveRecordChangeHistoryResponse",
]


@attrs.define
class AuditDetail:
    """One audit row (`audit_record`, an `audit` Entity) of a record's history."""

    audit_record: Entity


@attrs.define
class AttributeAuditDetail(AuditDetail):
    """A change of columns: `old_value` and `new_value` are Entities of the audited table holding the
    changed columns (a created record has no old values, a deleted one no new values)."""

    old_value: Entity | None = None
    new_value: Entity | None = None


@attrs.define
class RelationshipAuditDetail(AuditDetail):
    """An N:N associate or disassociate: the relationship and the other side's records."""

    relationship_name: str = ""
    target_records: list[EntityReference] = attrs.field(factory=list)


@attrs.define
class AuditDetailCollection:
    """A record's history, newest first; behaves as a list of details."""

    audit_details: list[AuditDetail] = attrs.field(factory=list)
    more_records: bool = False
    paging_cookie: str | None = None
    total_record_count: int = -1

    def __iter__(self) -> Iterator[AuditDetail]:
        return iter(self.audit_details)

    def __len__(self) -> int:
        return len(self.audit_details)

    def __getitem__(self, index: int) -> AuditDetail:
        return self.audit_details[index]


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveRecordChangeHistoryRequest(OrganizationRequest["RetrieveRecordChangeHistoryResponse"]):
    """The audit history of one record (newest first); `paging_info` pages it."""

    request_name = "RetrieveRecordChangeHistory"
    read_only = True
    target: Any = target()
    paging_info: PagingInfo | None = None


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveRecordChangeHistoryResponse(OrganizationResponse):
    audit_detail_collection: AuditDetailCollection = attrs.field(factory=AuditDetailCollection)


def _typed(a: AttributeMetadata, v: Any) -> Any:
    """A changedata value back as the SDK type of its column."""
    if v is None:
        return None
    ty = a.type
    try:
        if ty.is_lookup:
            table, _, rid = str(v).partition(",")
            return EntityReference(table, uuid.UUID(rid))
        if ty.is_choice:
            return OptionSetValue(int(v))
        if ty is AttributeType.MONEY:
            return Money(Decimal(str(v)))
        if ty is AttributeType.DECIMAL:
            return Decimal(str(v))
        if ty is AttributeType.UNIQUEIDENTIFIER:
            return uuid.UUID(str(v))
        if ty is AttributeType.DATETIME:
            return dt.datetime.fromisoformat(str(v))
        if ty is AttributeType.DATE:
            return dt.date.fromisoformat(str(v))
        if ty is AttributeType.BOOLEAN:
            return bool(v)
        if ty in (AttributeType.FILE, AttributeType.IMAGE):
            return base64.b64decode(str(v))
    except (ValueError, TypeError):
        return v
    return v


def _audit_entity(row: Mapping[str, Any]) -> Entity:
    e = Entity("audit", row.get("auditid"))
    for k in ("action", "operation"):
        if row.get(k) is not None:
            e[k] = OptionSetValue(int(row[k]))
    e["objectid"] = EntityReference(str(row.get("objecttypecode") or ""), row["objectid"])
    e["objecttypecode"] = row.get("objecttypecode")
    if row.get("userid") is not None:
        e["userid"] = EntityReference("systemuser", row["userid"], row.get("userid@name"))
    if row.get("callinguserid") is not None:
        e["callinguserid"] = EntityReference("systemuser", row["callinguserid"])
    for k in ("createdon", "attributemask", "changedata"):
        if row.get(k) is not None:
            e[k] = row[k]
    action = row.get("action")
    if action is not None:
        try:
            e.formatted_values["action"] = entities.AuditAction(int(action)).name.replace("_", " ").title()
        except ValueError:
            pass
    return e


def _detail(ctx: HandlerContext, row: Mapping[str, Any]) -> AuditDetail:
    rec = _audit_entity(row)
    table = str(row.get("objecttypecode") or "")
    oid = row["objectid"]
    action = int(row.get("action") or 0)
    changes: list[dict[str, Any]] = []
    raw = row.get("changedata")
    if raw:
        try:
            changes = list(json.loads(raw).get("changedAttributes", []))
        except (ValueError, AttributeError):
            changes = []
    if action in (entities.AuditAction.ASSOCIATE_ENTITIES, entities.AuditAction.DISASSOCIATE_ENTITIES):
        refs: list[EntityReference] = []
        name = ""
        for c in changes:
            name = str(c.get("logicalName") or "")
            v = c.get("newValue") or c.get("oldValue")
            if v:
                other, _, rid = str(v).partition(",")
                refs.append(EntityReference(other, uuid.UUID(rid)))
        return RelationshipAuditDetail(rec, name, refs)
    t = ctx.metadata.get(table)
    old = Entity(table, oid) if action != entities.AuditAction.CREATE else None
    new = Entity(table, oid) if action != entities.AuditAction.DELETE else None
    for c in changes:
        col = str(c.get("logicalName") or "")
        a = t.attributes.get(col) if t is not None else None
        ov, nv = c.get("oldValue"), c.get("newValue")
        if a is not None:
            ov, nv = _typed(a, ov), _typed(a, nv)
        if old is not None and ov is not None:
            old[col] = ov
        if new is not None and nv is not None:
            new[col] = nv
    return AttributeAuditDetail(rec, old, new)


def _check_history_access(ctx: HandlerContext, ref: EntityReference) -> None:
    """A deleted record's history needs more than the Read check made before the handler (the security
    engine's `check_history`: the audit summary privilege or organization-wide Read)."""
    sec = ctx.security
    if sec is not None:
        sec.check_history(ctx, ctx.metadata.table(ref.logical_name), ref.id)


@handler(RetrieveRecordChangeHistoryRequest)
def _history(ctx: HandlerContext, req: RetrieveRecordChangeHistoryRequest) -> RetrieveRecordChangeHistoryResponse:
    ref = as_reference(req.target, "target", "RetrieveRecordChangeHistoryRequest")
    if ctx.metadata.get(ref.logical_name) is None:
        raise OrganizationServiceFault(
            ErrorCodes.QUERY_BUILDER_NO_ENTITY, f"There is no table named '{ref.logical_name}'."
        )
    _check_history_access(ctx, ref)
    q = QueryExpression("audit", column_set=ColumnSet(all_columns=True))
    q.criteria.add_condition("objectid", ConditionOperator.EQUAL, ref.id)
    q.criteria.add_condition("objecttypecode", ConditionOperator.EQUAL, ref.logical_name)
    q.add_order("createdon", OrderType.DESCENDING)
    if req.paging_info is not None:
        q.page_info = req.paging_info
    res = ctx.storage.select(q)
    coll = AuditDetailCollection([_detail(ctx, r) for r in res.rows], res.more_records, res.paging_cookie,
                                 res.total_record_count)
    return RetrieveRecordChangeHistoryResponse(coll)
