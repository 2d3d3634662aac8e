"""Record states in the lifecycle (lifecycle feature): option values of requests, the status a state
resolves to, the current state of a record, open activities, and the nested Update that moves a record to
a message-only state. Used by the lifecycle rules and handlers."""

from __future__ import annotations

import enum
import uuid
from typing import Any

from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import HandlerContext
from leadsdk.messages.crud import UpdateRequest
from leadsdk.query.model import ConditionOperator, QueryExpression
from leadsdk.records.settings import not_found
from leadsdk.storage.base import Row
from leadsdk.types import Entity, EntityReference, OptionSetValue

__all__ = ["open_activity_count"]


def option_value(value: Any, field: str, request: str) -> int:
    """An int from an int, OptionSetValue or IntEnum."""
    if isinstance(value, OptionSetValue):
        return value.value
    if isinstance(value, enum.Enum) and isinstance(value.value, int):
        return value.value
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise OrganizationServiceFault(
        ErrorCodes.INVALID_ARGUMENT,
        f"{request}.{field} must be an int, an OptionSetValue or an IntEnum member, not {type(value).__name__}.",
    )


def _invalid_state(table: str, state: Any, status: Any) -> OrganizationServiceFault:
    return OrganizationServiceFault(
        ErrorCodes.INVALID_STATE_CODE_STATUS_CODE,
        f"State code is invalid or state code is valid but status code is invalid for a specified state code "
        f"(table {table}, statecode {state}, statuscode {status}).",
    )


def resolve_status(t: EntityMetadata, state: int, status: int) -> int:
    sm = t.state_model
    assert sm is not None
    if not sm.has_state(state):
        raise _invalid_state(t.logical_name, state, status)
    resolved = sm.default_status(state) if status == -1 else status
    if resolved is None or sm.state_of(resolved) != state:
        raise _invalid_state(t.logical_name, state, status)
    return resolved


def current_state(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID) -> Row:
    ctx.storage.lock(t, id_)  # the state check and the change cannot interleave with another writer's
    row = ctx.storage.get(t, id_, ["statecode", "statuscode"])
    if row is None:
        raise not_found(t.logical_name, id_)
    return row


def open_activity_count(ctx: HandlerContext, regarding: EntityReference, limit: int | None = None) -> int:
    """How many open activities (any activity table, active states) are regarding a record."""
    n = 0
    for t in ctx.metadata:
        if not t.is_activity or "regardingobjectid" not in t.attributes or t.state_model is None:
            continue
        q = QueryExpression(t.logical_name)
        q.column_set.columns = [t.primary_id_attribute]
        q.criteria.add_condition("regardingobjectid", ConditionOperator.EQUAL, regarding.id)
        q.criteria.add_condition("statecode", ConditionOperator.IN, *sorted(t.state_model.active_states))
        if limit is not None:
            q.top_count = limit
        n += len(ctx.storage.select(q).rows)
        if limit is not None and n >= limit:
            return n
    return n


def update_state(ctx: HandlerContext, e: Entity, message: str | None = None) -> None:
    if message is None:
        ctx.execute(UpdateRequest(target=e))
        return
    ctx.allowing(message).execute(UpdateRequest(target=e))


ALREADY: dict[str, tuple[int | None, int]] = {
    "lead": (ErrorCodes.LEAD_ALREADY_IN_OPEN_STATE, ErrorCodes.LEAD_ALREADY_IN_CLOSED_STATE),
    "opportunity": (ErrorCodes.OPPORTUNITY_ALREADY_IN_OPEN_STATE, ErrorCodes.OPPORTUNITY_IS_ALREADY_CLOSED),
}
"""SetState on these tables: (fault for 'open an open record', fault for 'close a closed record')."""
