"""Routing rules (routing feature): new leads routed by the first matching active assignment rule,
assignment rules checked when written, and the rules cache dropped when one changes. Record-event listeners;
`route` does the work for the listener and for the ApplyRoutingRule handler."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import (
    SYSTEM_USER_ID,
    HandlerContext,
)
from leadsdk.messages.crud import UpdateRequest
from leadsdk.records.events import column_form, listens_for
from leadsdk.records.write import update_record
from leadsdk.routing import ROUTED_TABLES, Decision, RoutingEngine, Rule, parse_condition
from leadsdk.security import SecurityEngine, privilege_name
from leadsdk.security.messages import AssignRequest, assign_record
from leadsdk.types import Entity, EntityReference

__all__ = ["apply_routing"]


def _engine(ctx: HandlerContext) -> RoutingEngine:
    eng: RoutingEngine = ctx.store.routing
    return eng


def _system(ctx: HandlerContext) -> Any:
    """A service running nested requests as SYSTEM in this transaction (None during seeding)."""
    as_user = getattr(ctx.service, "as_user", None)
    return as_user(SYSTEM_USER_ID) if callable(as_user) else None


def apply_routing(ctx: HandlerContext, entity: str, record_id: uuid.UUID) -> Decision:
    """Route one record: first matching rule, a seller by its distribution, the owner changed."""
    eng = _engine(ctx)
    t = ctx.metadata.table(entity)
    system_ctx = ctx.as_system()
    sec = ctx.store.security
    read = privilege_name("Read", t)

    def eligible(user: uuid.UUID) -> bool:
        if user == SYSTEM_USER_ID or not isinstance(sec, SecurityEngine):
            return True
        return sec.rights(system_ctx, EntityReference("systemuser", user)).depth(read) is not None

    decision = eng.route(system_ctx, entity, record_id, eligible)
    if decision.rule is None:
        return decision
    service = _system(ctx)
    if decision.seller is not None:
        row = ctx.storage.get(t, record_id, ["ownerid"])
        if row is not None and row.get("ownerid") != decision.seller:
            assignee = EntityReference("systemuser", decision.seller)
            if service is not None:
                service.execute(AssignRequest(target=EntityReference(entity, record_id), assignee=assignee))
            else:
                assign_record(system_ctx, EntityReference(entity, record_id), assignee)
    if "msdyn_salesassignmentresult" in t.attributes:
        change = Entity(entity, record_id, {"msdyn_salesassignmentresult": decision.reason})
        if service is not None:
            service.execute(UpdateRequest(target=change))
        else:
            update_record(system_ctx, change)
    return decision


# hooks ------------------------------------------------------------------------------------
@listens_for("after_create", tables=ROUTED_TABLES)
def _route_new(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any], _: Any) -> None:
    if t.logical_name in ROUTED_TABLES and _engine(ctx).rules(ctx, t.logical_name):
        apply_routing(ctx, t.logical_name, id_)


@column_form(_route_new)
def _route_new_columns(ctx: HandlerContext, t: EntityMetadata, columns: dict[str, Sequence[Any]], n: int) -> bool:
    return t.logical_name not in ROUTED_TABLES or not _engine(ctx).rules(ctx, t.logical_name)


@listens_for(("before_create", "before_update"), tables=("msdyn_assignmentrule",))
def _check_rule(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, values: dict[str, Any], existing: Any) -> None:
    """Reject a rule whose record type or condition is not usable, when it is written."""
    if t.logical_name != "msdyn_assignmentrule":
        return
    if "msdyn_entitytype" not in values and "msdyn_condition" not in values:
        return
    entity = values.get("msdyn_entitytype")
    condition = values.get("msdyn_condition")
    if existing is not None and ("msdyn_entitytype" not in values or "msdyn_condition" not in values):
        row = ctx.storage.get(t, id_, ["msdyn_entitytype", "msdyn_condition"]) or {}
        entity = values.get("msdyn_entitytype", row.get("msdyn_entitytype"))
        condition = values.get("msdyn_condition", row.get("msdyn_condition"))
    if entity not in ROUTED_TABLES:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"An assignment rule routes lead or opportunity records; msdyn_entitytype {entity!r} is neither.")
    query = parse_condition(str(entity), condition)
    if query is not None:  # compile it once now, so an unknown column faults here, not on every create
        probe = Rule(uuid.UUID(int=0), "", 0, str(entity), query, 0, None)
        _engine(ctx).matches(ctx, probe, uuid.UUID(int=0))


@listens_for(("after_create", "after_update", "after_delete"), tables=("msdyn_assignmentrule",))
def _invalidate(ctx: HandlerContext, t: EntityMetadata, *_: Any) -> None:
    if t.logical_name == "msdyn_assignmentrule":
        _engine(ctx).invalidate(ctx)
