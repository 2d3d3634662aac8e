"""Routing: assignment rules applied when a lead or opportunity is created (same transaction) and
on demand with `ApplyRoutingRuleRequest(target)`.

The owner change is a nested `AssignRequest` run by the SYSTEM user (the rule engine acts for the
business, not for the seller who created the record), so plugins and audit see it; the reason lands
in the record's `msdyn_salesassignmentresult`. Records no rule matches keep their owner.
"""

from __future__ import annotations

import attrs

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import (
    HandlerContext,
    OrganizationRequest,
    OrganizationResponse,
    as_reference,
    handler,
)
from leadsdk.messages.privileges import Access, target
from leadsdk.records.settings import not_found
from leadsdk.routing import ROUTED_TABLES
from leadsdk.routing.rules import apply_routing
from leadsdk.types import EntityReference

__all__ = [
    "ApplyRoutingRuleRequest",
    "ApplyRoutingRuleResponse",
]


@attrs.define(eq=False, repr=False, slots=False)
class ApplyRoutingRuleRequest(OrganizationRequest["ApplyRoutingRuleResponse"]):
    """Run the assignment rules on an existing lead or opportunity."""

    request_name = "ApplyRoutingRule"
    requires = (Access("Write"),)
    target: EntityReference | None = target()


@attrs.define(eq=False, repr=False, slots=False)
class ApplyRoutingRuleResponse(OrganizationResponse):
    """`assignee` is the new owner (None when no rule assigned one); `reason` says why."""

    assignee: EntityReference | None = None
    assignment_rule: EntityReference | None = None
    reason: str = ""


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
