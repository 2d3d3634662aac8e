"""Routing: assignment rules applied when a lead or opportunity is created (same transaction) and
on demand with `ApplyRoutingRuleRequest(target)`.

The owner change is a nested `AssignRequest` run by the SYSTEM user (the rule engine acts for the
business, not for the seller who created the record), so plugins and audit see it; the reason lands
in the record's `msdyn_salesassignmentresult`. Records no rule matches keep their owner.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import attrs

from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import (
    SYSTEM_USER_ID,
    HandlerContext,
    OrganizationRequest,
    OrganizationResponse,
    as_reference,
    handler,
)
from leadsdk.messages.crud import UpdateRequest
from leadsdk.messages.privileges import Access, target
from leadsdk.records.events import column_form, listens_for
from leadsdk.records.settings import not_found
from leadsdk.records.write import update_record
from leadsdk.routing import ROUTED_TABLES, Decision, RoutingEngine, Rule, parse_condition
from leadsdk.security import SecurityEngine, privilege_name
from leadsdk.security.messages import AssignRequest, assign_record
from leadsdk.types import Entity, EntityReference

__all__ = ["ApplyRoutingRuleRequest", "ApplyRoutingRuleResponse", "apply_routing"]


@attrs.define
class ApplyRoutingRuleRequest(OrganizationRequest["ApplyRoutingRuleResponse"]):
    """Run the assignment rules on an existing lead or opportunity."""

    request_name = "ApplyRoutingRule"
    requires = (Access("Write"),)
    target: EntityReference | None = target()


@attrs.define
class ApplyRoutingRuleResponse(OrganizationResponse):
    """`assignee` is the new owner (None when no rule assigned one); `reason` says why."""

    assignee: EntityReference | None = None
    assignment_rule: EntityReference | None = None
    reason: str = ""


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


@handler(ApplyRoutingRuleRequest)
def _apply(ctx: HandlerContext, req: ApplyRoutingRuleRequest) -> ApplyRoutingRuleResponse:
    ref = as_reference(req.target, "target", "ApplyRoutingRuleRequest")
    if ref.logical_name not in ROUTED_TABLES:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"Assignment rules route leads and opportunities, not a {ref.logical_name}.")
    t = ctx.metadata.table(ref.logical_name)
    if not ctx.storage.exists(t, ref.id):
        raise not_found(ref.logical_name, ref.id)
    d = apply_routing(ctx, ref.logical_name, ref.id)
    return ApplyRoutingRuleResponse(
        EntityReference("systemuser", d.seller) if d.seller is not None else None,
        EntityReference("msdyn_assignmentrule", d.rule.id) if d.rule is not None else None,
        d.reason,
    )


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


