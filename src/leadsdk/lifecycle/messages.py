"""The lead lifecycle: SetState, QualifyLead, Win/LoseOpportunity, CloseIncident and the rules around them.

- State rules (`state_change` listeners) for lead, opportunity, incident and activities, so `update()` with
  statecode/statuscode follows the same rules as SetState.
- QualifyLead creates the account, contact and opportunity through nested CreateRequests filled from
  the `entitymap`/`attributemap` rows (seeded with the defaults, extensible, defaults undeletable).
- The "Lead to Opportunity Sales Process" stages (Qualify, Develop, Propose, Close) are kept on the
  lead, the opportunity and one `leadtoopportunitysalesprocess` instance.

SetState does its change through a nested UpdateRequest: plugins registered on "SetState" run for the
SetState request and plugins on "Update" run for the nested update (Dataverse runs only the former).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from leadsdk._display import references_html
from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.lifecycle.process import (
    DEFAULT_MAPPINGS,
    LEAD_TO_OPPORTUNITY_PROCESS_ID,
    PROCESS_NAME,
    STAGES,
    STEP_NAMES,
    stage_values,
    traversed_path,
)
from leadsdk.messages.base import HandlerContext, OrganizationRequest, OrganizationResponse, as_reference, handler
from leadsdk.messages.crud import CreateRequest, RetrieveRequest, UpdateRequest, as_entity
from leadsdk.messages.params import require_parameters
from leadsdk.messages.privileges import Access, target
from leadsdk.query.model import ConditionOperator, OrderType, QueryExpression
from leadsdk.records.events import column_form, listens_for, seeds_store
from leadsdk.records.settings import not_found, organization
from leadsdk.storage.base import Row
from leadsdk.types import Entity, EntityReference, Money, OptionSetValue

__all__ = [
    "DEFAULT_MAPPINGS",
    "LEAD_TO_OPPORTUNITY_PROCESS_ID",
    "STAGES",
    "CloseIncidentRequest",
    "CloseIncidentResponse",
    "CreateOpportunityForLeadRequest",
    "CreateOpportunityForLeadResponse",
    "LoseOpportunityRequest",
    "LoseOpportunityResponse",
    "QualifyLeadRequest",
    "QualifyLeadResponse",
    "SetStateRequest",
    "SetStateResponse",
    "WinOpportunityRequest",
    "WinOpportunityResponse",
    "lead_summary",
    "open_activity_count",
]


@seeds_store
def _seed_lifecycle(ctx: HandlerContext) -> None:
    """Seed the default lead mappings and the sales process stages."""
    from leadsdk.records.write import create_record

    for table, pairs in DEFAULT_MAPPINGS.items():
        em = create_record(ctx, Entity("entitymap", sourceentityname="lead", targetentityname=table))
        for src, tgt in pairs:
            create_record(ctx, Entity("attributemap", entitymapid=EntityReference("entitymap", em),
                                      sourceattributename=src, targetattributename=tgt, issystem=True))
    for order, (name, (sid, category, table)) in enumerate(STAGES.items()):
        create_record(ctx, Entity("processstage", sid, stagename=name, stagecategory=OptionSetValue(category),
                                  primaryentitytypecode=table, processid=LEAD_TO_OPPORTUNITY_PROCESS_ID,
                                  stageorder=order))


_MAP_CACHE = "lifecycle.mappings"


def _mappings(ctx: HandlerContext, source: str, target: str) -> list[tuple[str, str]]:
    """The (source column, target column) pairs of one entity map, cached until a mapping changes."""
    return ctx.cache.get((_MAP_CACHE, source, target), lambda: _load_mappings(ctx, source, target))


def _load_mappings(ctx: HandlerContext, source: str, target: str) -> list[tuple[str, str]]:
    em_t = ctx.metadata.table("entitymap")
    am_t = ctx.metadata.table("attributemap")
    pairs = []
    for em_id in ctx.storage.ids_where(em_t, "sourceentityname", source):
        em = ctx.storage.get(em_t, em_id, ["targetentityname"])
        if em is None or em.get("targetentityname") != target:
            continue
        for am_id in ctx.storage.ids_where(am_t, "entitymapid", em_id):
            am = ctx.storage.get(am_t, am_id, ["sourceattributename", "targetattributename"])
            if am is not None:
                pairs.append((str(am["sourceattributename"]), str(am["targetattributename"])))
    pairs.sort()
    return pairs


def _map(ctx: HandlerContext, lead: Entity, target: str) -> Entity:
    """A new `target` record filled from the lead through the lead -> target mappings."""
    e = Entity(target)
    for src, tgt in _mappings(ctx, "lead", target):
        v = lead.attributes.get(src)
        if v is not None:
            e[tgt] = v
    return e


# ----------------------------------------------------------------------------------------------
# requests and responses


def _option(value: Any, field: str, request: str) -> int:
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


@attrs.define
class SetStateRequest(OrganizationRequest["SetStateResponse"]):
    """Set a record's statecode and statuscode; status -1 means the state's default status."""

    request_name = "SetState"
    requires = (Access("Write"),)
    entity_moniker: EntityReference | None = target()
    state: Any = None
    status: Any = -1


@attrs.define
class SetStateResponse(OrganizationResponse):
    pass


@attrs.define
class QualifyLeadRequest(OrganizationRequest["QualifyLeadResponse"]):
    """Qualify a lead into an account, a contact and/or an opportunity.

    `create_account`/`create_contact`/`create_opportunity` may also be None: "as the organization's
    qualification settings say" (see docs/lifecycle.md). Duplicate detection runs on the created
    records unless `suppress_duplicate_detection` (default False, as in the Dataverse UI).
    """

    request_name = "QualifyLead"
    requires = (Access("Write"),)
    lead_id: EntityReference | None = target("lead")
    create_account: bool | None = False
    create_contact: bool | None = False
    create_opportunity: bool | None = False
    opportunity_currency_id: EntityReference | None = None
    opportunity_customer_id: EntityReference | None = None
    source_campaign_id: EntityReference | None = None
    status: Any = 3
    suppress_duplicate_detection: bool = False
    process_instance_id: EntityReference | None = None


@attrs.define
class QualifyLeadResponse(OrganizationResponse):
    created_entities: list[EntityReference] = attrs.field(factory=list)

    def _repr_html_(self) -> str:
        return references_html("Lead qualified; created", self.created_entities)


@attrs.define
class CreateOpportunityForLeadRequest(OrganizationRequest["CreateOpportunityForLeadResponse"]):
    """Create one more opportunity from a lead (allowed when the organization's
    `allowmultipleopportunitiesperlead` is on). `opportunity` holds extra or overriding values."""

    request_name = "CreateOpportunityForLead"
    lead_id: EntityReference | None = target("lead")
    opportunity: Entity | None = None
    opportunity_customer_id: EntityReference | None = None
    opportunity_currency_id: EntityReference | None = None
    suppress_duplicate_detection: bool = False


@attrs.define
class CreateOpportunityForLeadResponse(OrganizationResponse):
    id: uuid.UUID | None = None


@attrs.define
class WinOpportunityRequest(OrganizationRequest["WinOpportunityResponse"]):
    """Close an opportunity as won; `opportunity_close` is an `opportunityclose` Entity."""

    request_name = "WinOpportunity"
    requires = (Access("Write"),)
    opportunity_close: Entity | None = target("opportunity", via="opportunityid")
    status: Any = None
    """Required, as in Dataverse: the status to close with (-1: the closed state's default status)."""


@attrs.define
class WinOpportunityResponse(OrganizationResponse):
    pass


@attrs.define
class LoseOpportunityRequest(OrganizationRequest["LoseOpportunityResponse"]):
    """Close an opportunity as lost (status 4 Canceled, 5 Out-Sold)."""

    request_name = "LoseOpportunity"
    requires = (Access("Write"),)
    opportunity_close: Entity | None = target("opportunity", via="opportunityid")
    status: Any = None
    """Required, as in Dataverse: the status to close with (-1: the closed state's default status)."""


@attrs.define
class LoseOpportunityResponse(OrganizationResponse):
    pass


@attrs.define
class CloseIncidentRequest(OrganizationRequest["CloseIncidentResponse"]):
    """Resolve a case; `incident_resolution` is an `incidentresolution` Entity."""

    request_name = "CloseIncident"
    requires = (Access("Write"),)
    incident_resolution: Entity | None = target("incident", via="incidentid")
    status: Any = None
    """Required, as in Dataverse: the status to close with (-1: the closed state's default status)."""


@attrs.define
class CloseIncidentResponse(OrganizationResponse):
    pass


# ----------------------------------------------------------------------------------------------
# helpers


def _invalid_state(table: str, state: Any, status: Any) -> OrganizationServiceFault:
    return OrganizationServiceFault(
        ErrorCodes.INVALID_STATE_CODE_STATUS_CODE,
        f"State code is invalid or state code is valid but status code is invalid for a specified state code "
        f"(table {table}, statecode {state}, statuscode {status}).",
    )


def _resolve_status(t: EntityMetadata, state: int, status: int) -> int:
    sm = t.state_model
    assert sm is not None
    if not sm.has_state(state):
        raise _invalid_state(t.logical_name, state, status)
    resolved = sm.default_status(state) if status == -1 else status
    if resolved is None or sm.state_of(resolved) != state:
        raise _invalid_state(t.logical_name, state, status)
    return resolved


def _current_state(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID) -> Row:
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


def _update(ctx: HandlerContext, e: Entity, message: str | None = None) -> None:
    if message is None:
        ctx.execute(UpdateRequest(target=e))
        return
    ctx.allowing(message).execute(UpdateRequest(target=e))


# ----------------------------------------------------------------------------------------------
# state rules (also applied to update() with statecode/statuscode)


@listens_for("state_change", tables=("lead",))
def _lead_rule(ctx: HandlerContext, t: EntityMetadata, existing: Row | None, state: int, status: int) -> None:
    if existing is None:
        return
    cur, cur_status = existing.get("statecode"), existing.get("statuscode")
    if (cur, cur_status) == (state, status):
        return
    if cur != 0 and state != 0:
        raise OrganizationServiceFault(
            ErrorCodes.LEAD_ALREADY_IN_CLOSED_STATE,
            f"The lead is already closed (lead {existing.get('leadid', '')} is "
            f"{t.state_model.state_label(cur) if t.state_model and cur is not None else cur}); reactivate it first.",
        )


@listens_for("state_change", tables=("opportunity",))
def _opportunity_rule(ctx: HandlerContext, t: EntityMetadata, existing: Row | None, state: int,
                      status: int) -> None:
    if existing is None:
        return
    cur, cur_status = existing.get("statecode"), existing.get("statuscode")
    if (cur, cur_status) == (state, status):
        return
    if cur != 0 and state != 0:
        raise OrganizationServiceFault(
            ErrorCodes.OPPORTUNITY_IS_ALREADY_CLOSED,
            f"The opportunity is already closed (opportunity {existing.get('opportunityid', '')}).",
        )


@listens_for("state_change", tables=("incident",))
def _incident_rule(ctx: HandlerContext, t: EntityMetadata, existing: Row | None, state: int,
                   status: int) -> None:
    if existing is None:
        return
    cur, cur_status = existing.get("statecode"), existing.get("statuscode")
    if (cur, cur_status) == (state, status) or state == 0:
        return
    iid = existing.get("incidentid")
    if cur == 1 and state == 1:
        raise OrganizationServiceFault(
            ErrorCodes.CASE_ALREADY_RESOLVED, f"The case {iid or ''} has already been resolved.")
    if cur != 0:
        raise OrganizationServiceFault(
            ErrorCodes.INCIDENT_IS_ALREADY_CLOSED_OR_CANCELLED,
            f"The case {iid or ''} is already closed or canceled.")
    if isinstance(iid, uuid.UUID) and open_activity_count(ctx, EntityReference("incident", iid), 1):
        if state == 1:
            raise OrganizationServiceFault(
                ErrorCodes.UN_MANAGED_IDS_INCIDENT_CANNOT_CLOSE,
                f"The case {iid} can not be closed because there are open activities for it.")
        raise OrganizationServiceFault(
            ErrorCodes.INCIDENT_CANNOT_CANCEL,
            f"The case {iid} can not be canceled because there are open activities for it.")


@listens_for("state_change", tables=("task", "phonecall", "email", "appointment", "opportunityclose",
                                        "incidentresolution"))
def _activity_rule(ctx: HandlerContext, t: EntityMetadata, existing: Row | None, state: int,
                   status: int) -> None:
    """A closed activity goes back to an open state before it can take another closed state."""
    sm = t.state_model
    if existing is None or sm is None:
        return
    cur, cur_status = existing.get("statecode"), existing.get("statuscode")
    if (cur, cur_status) == (state, status):
        return
    if cur not in sm.active_states and state not in sm.active_states:
        raise OrganizationServiceFault(
            ErrorCodes.UN_MANAGED_IDS_ACTIVITY_INVALID_STATE,
            f"Invalid activity state: the {t.logical_name} is {sm.state_label(cur) if cur is not None else cur}; "
            f"reopen it before setting it to {sm.state_label(state)}.",
        )


_ALREADY: dict[str, tuple[int | None, int]] = {
    "lead": (ErrorCodes.LEAD_ALREADY_IN_OPEN_STATE, ErrorCodes.LEAD_ALREADY_IN_CLOSED_STATE),
    "opportunity": (ErrorCodes.OPPORTUNITY_ALREADY_IN_OPEN_STATE, ErrorCodes.OPPORTUNITY_IS_ALREADY_CLOSED),
}
"""SetState on these tables: (fault for 'open an open record', fault for 'close a closed record')."""


# ----------------------------------------------------------------------------------------------
# record hooks: stage columns on create, one opportunity per lead, protected system mappings


@listens_for("before_create", tables=("lead", "opportunity", "attributemap"))
def _before_create(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any],
                   existing: Row | None) -> None:
    name = t.logical_name
    if name in ("lead", "opportunity"):
        if row.get("processid") is None:
            process, sid, path = _process_start()
            row["processid"] = process
            if row.get("stageid") is None:
                row["stageid"] = sid
            if row.get("traversedpath") is None:
                row["traversedpath"] = path
            if name == "opportunity" and row.get("stepname") is None:
                row["stepname"] = STEP_NAMES[STAGES["Qualify"][1]]
        if name == "opportunity":
            _check_multiple_opportunities(ctx, row.get("originatingleadid"))
    elif name == "attributemap":
        if ctx.message_name != "Seed":
            row["issystem"] = False
        _check_attribute_map(ctx, row)


@column_form(_before_create)
def _before_create_columns(ctx: HandlerContext, t: EntityMetadata, columns: dict[str, Sequence[Any]], n: int) -> bool:
    """New leads that say nothing of their process start at its Qualify stage, as the row hook does."""
    if t.logical_name != "lead" or any(c in columns for c in ("processid", "stageid", "traversedpath")):
        return False
    process, sid, path = _process_start()
    columns["processid"] = (process,) * n
    columns["stageid"] = (sid,) * n
    columns["traversedpath"] = (path,) * n
    return True


def _process_start() -> tuple[uuid.UUID, uuid.UUID, str]:
    """Where a new lead or opportunity starts: the lead-to-opportunity process at its Qualify stage."""
    return LEAD_TO_OPPORTUNITY_PROCESS_ID, STAGES["Qualify"][0], traversed_path("Qualify")


_QUALIFYING = "QualifyLead creates its opportunity"
"""Guard of the opportunity a QualifyLead creates (exempt from the one-opportunity-per-lead rule)."""


def _check_multiple_opportunities(ctx: HandlerContext, lead_id: Any) -> None:
    """One opportunity per lead unless the organization allows several.

    The setting governs extra opportunities of one qualification, not a re-qualification: a lead that
    was qualified, reactivated and qualified again gets a new opportunity (the documented way to
    re-qualify), so QualifyLead's own opportunity is never refused here.
    """
    if not isinstance(lead_id, uuid.UUID) or _QUALIFYING in ctx.guards:
        return
    if organization(ctx).get("allowmultipleopportunitiesperlead"):
        return
    t = ctx.metadata.table("opportunity")
    if ctx.storage.ids_where(t, "originatingleadid", lead_id, limit=1):
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_OPERATION,
            f"The lead {lead_id} already has an opportunity, and the organization does not allow several "
            "opportunities per lead (allowmultipleopportunitiesperlead).",
        )


def _check_attribute_map(ctx: HandlerContext, row: dict[str, Any]) -> None:
    em_id = row.get("entitymapid")
    em = ctx.storage.get(ctx.metadata.table("entitymap"), em_id, ["sourceentityname", "targetentityname"]) \
        if isinstance(em_id, uuid.UUID) else None
    if em is None:
        raise OrganizationServiceFault(ErrorCodes.REQUIRED_FIELD_MISSING,
                                       "An attributemap needs the entitymapid of an existing entity map.")
    src_t = ctx.metadata.get(str(em.get("sourceentityname")))
    tgt_t = ctx.metadata.get(str(em.get("targetentityname")))
    src, tgt = row.get("sourceattributename"), row.get("targetattributename")
    sa = src_t.attributes.get(str(src)) if src_t is not None else None
    ta = tgt_t.attributes.get(str(tgt)) if tgt_t is not None else None
    if sa is None or ta is None or ta.is_system or ta.is_computed or ta.is_primary_id:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ATTRIBUTE_MAPPING,
            f"The mapping {em.get('sourceentityname')}.{src} -> {em.get('targetentityname')}.{tgt} is invalid: "
            "both columns must exist and the target must be writable.",
        )
    same = sa.type is ta.type or (sa.type.is_text and ta.type.is_text) or (
        sa.type.is_lookup and ta.type.is_lookup and set(sa.targets) <= set(ta.targets))
    if not same or (sa.type.is_text and ta.max_length is not None and sa.max_length is not None
                    and sa.max_length > ta.max_length):
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ATTRIBUTE_MAPPING,
            f"The mapping lead.{src} -> {em.get('targetentityname')}.{tgt} is invalid: a {sa.type.value} column "
            f"cannot fill a {ta.type.value} column" + (" that is shorter" if same else "") + ".",
        )


def _system_map_guard(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID) -> None:
    if t.logical_name == "attributemap":
        row = ctx.storage.get(t, id_, ["issystem", "sourceattributename", "targetattributename"])
        if row is not None and row.get("issystem"):
            raise OrganizationServiceFault(
                ErrorCodes.SYSTEM_ATTRIBUTE_MAP,
                f"The attribute map {row.get('sourceattributename')} -> {row.get('targetattributename')} is a "
                "system (default) mapping and cannot be deleted or changed.",
            )
    elif t.logical_name == "entitymap":
        row = ctx.storage.get(t, id_, ["sourceentityname", "targetentityname"])
        if row is not None and row.get("sourceentityname") == "lead" and \
                row.get("targetentityname") in DEFAULT_MAPPINGS:
            raise OrganizationServiceFault(
                ErrorCodes.SYSTEM_ENTITY_MAP,
                f"The entity map lead -> {row.get('targetentityname')} is a system map and cannot be deleted.",
            )


@listens_for("before_update")
def _before_update(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, changes: dict[str, Any],
                   existing: Row | None) -> None:
    if t.logical_name == "attributemap" and ctx.message_name != "Seed":
        _system_map_guard(ctx, t, id_)
        changes.pop("issystem", None)
    elif t.logical_name == "entitymap":
        _system_map_guard(ctx, t, id_)


@listens_for("before_delete")
def _before_delete(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID) -> None:
    if t.logical_name in ("attributemap", "entitymap"):
        _system_map_guard(ctx, t, id_)


@listens_for(("after_create", "after_delete"), tables=("attributemap", "entitymap"))
def _mapping_changed(ctx: HandlerContext, t: EntityMetadata, *_: Any) -> None:
    if t.logical_name in ("attributemap", "entitymap"):
        ctx.cache.invalidate(_MAP_CACHE)


@listens_for("after_update")
def _after_update(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, changes: dict[str, Any],
                  existing: Row | None) -> None:
    _mapping_changed(ctx, t)
    if t.logical_name in ("lead", "opportunity") and "statecode" in changes and existing is not None \
            and existing.get("statecode") != changes["statecode"]:
        _sync_instance_state(ctx, t.logical_name, id_, int(changes["statecode"]))


def _sync_instance_state(ctx: HandlerContext, table: str, id_: uuid.UUID, state: int) -> None:
    """Keep the process instance's state with its record: a disqualified lead aborts it, a won or lost
    opportunity finishes it, reopening the record makes it active again."""
    it = ctx.metadata.table("leadtoopportunitysalesprocess")
    column = "leadid" if table == "lead" else "opportunityid"
    for iid in ctx.storage.ids_where(it, column, id_):
        if state == 0:
            values: dict[str, Any] = {"statecode": OptionSetValue(0), "statuscode": OptionSetValue(1),
                                      "completedon": None}
        elif table == "lead" and state == 2:
            values = {"statecode": OptionSetValue(1), "statuscode": OptionSetValue(3)}
        elif table == "opportunity":
            values = {"statecode": OptionSetValue(1), "statuscode": OptionSetValue(2), "completedon": ctx.now}
        else:
            continue
        row = ctx.storage.get(it, iid, ["statecode", "opportunityid"])
        if row is None:
            continue
        if table == "lead" and row.get("opportunityid") is not None and state != 0:
            continue  # once an opportunity carries the process, the lead no longer drives it
        if row.get("statecode") == values["statecode"].value and state != 0:
            continue
        ctx.execute(UpdateRequest(target=Entity("leadtoopportunitysalesprocess", iid, values)))


# ----------------------------------------------------------------------------------------------
# SetState


@handler(SetStateRequest)
def _set_state(ctx: HandlerContext, req: SetStateRequest) -> SetStateResponse:
    ref = as_reference(req.entity_moniker, "entity_moniker", "SetStateRequest")
    t = ctx.metadata.table(ref.logical_name)
    if t.state_model is None:
        raise OrganizationServiceFault(
            ErrorCodes.ENTITY_HAS_NO_STATE_CODE, f"The {t.logical_name} table has no statecode to set.")
    if req.state is None:
        raise OrganizationServiceFault(ErrorCodes.REQUIRED_FIELD_MISSING, "SetStateRequest needs 'state'.")
    state = _option(req.state, "state", "SetStateRequest")
    status = _option(-1 if req.status is None else req.status, "status", "SetStateRequest")
    status = _resolve_status(t, state, status)
    cur = _current_state(ctx, t, ref.id)
    codes = _ALREADY.get(t.logical_name)
    if codes is not None:
        open_code, closed_code = codes
        if state == 0 and cur.get("statecode") == 0 and open_code is not None:
            raise OrganizationServiceFault(
                open_code, f"The {t.logical_name} {ref.id} is already in the open state.")
        if state != 0 and cur.get("statecode") != 0:
            raise OrganizationServiceFault(
                closed_code, f"The {t.logical_name} {ref.id} is already closed; reactivate it first.")
    _update(ctx, Entity(t.logical_name, ref.id, statecode=OptionSetValue(state), statuscode=OptionSetValue(status)))
    return SetStateResponse()


# ----------------------------------------------------------------------------------------------
# QualifyLead


def _flag(value: bool | None, org: Row, setting: str) -> bool:
    """A request flag; None means the organization's setting (or False when sellers choose)."""
    if value is not None:
        return bool(value)
    if org.get("promptonqualify"):
        return False
    return bool(org.get(setting))


def _ref(value: Any, field: str, request: str, allowed: Sequence[str]) -> EntityReference | None:
    if value is None:
        return None
    ref = as_reference(value, field, request)
    if ref.logical_name not in allowed:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"{request}.{field} must refer to {' or '.join(allowed)}, not to a {ref.logical_name}.",
        )
    return ref


def _exists(ctx: HandlerContext, ref: EntityReference) -> None:
    t = ctx.metadata.table(ref.logical_name)
    if not ctx.storage.exists(t, ref.id):
        raise not_found(ref.logical_name, ref.id)


def _retrieve(ctx: HandlerContext, ref: EntityReference) -> Entity:
    e: Entity = ctx.execute(RetrieveRequest(target=ref)).entity
    return e


def _opportunity_links(opp: Entity, customer: EntityReference | None, account: EntityReference | None,
                       contact: EntityReference | None) -> None:
    """customerid, parentaccountid and parentcontactid of a new opportunity, kept consistent."""
    if customer is None:
        customer = account or contact
    if customer is None:
        return
    opp["customerid"] = customer
    if customer.logical_name == "account":
        opp["parentaccountid"] = customer
        if contact is not None:
            opp["parentcontactid"] = contact
    else:
        opp["parentcontactid"] = customer
        if account is not None:
            opp["parentaccountid"] = account


@handler(QualifyLeadRequest)
def _qualify_lead(ctx: HandlerContext, req: QualifyLeadRequest) -> QualifyLeadResponse:
    r = "QualifyLeadRequest"
    lead_ref = as_reference(req.lead_id, "lead_id", r, "lead")
    lead_t = ctx.metadata.table("lead")
    raw_status = _option(-1 if req.status is None else req.status, "status", r)
    sm = lead_t.state_model
    status = sm.default_status(1) if raw_status == -1 and sm is not None else raw_status
    if sm is None or status is None or sm.state_of(status) != 1:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_STATE_CODE_STATUS_CODE,
            f"State code is invalid or state code is valid but status code is invalid for a specified state code: "
            f"QualifyLead needs a Qualified status of the lead, and {req.status!r} is not one.",
        )
    customer = _ref(req.opportunity_customer_id, "opportunity_customer_id", r, ("account", "contact"))
    currency = _ref(req.opportunity_currency_id, "opportunity_currency_id", r, ("transactioncurrency",))
    campaign = _ref(req.source_campaign_id, "source_campaign_id", r, ("campaign",))
    ctx.storage.lock(lead_t, lead_ref.id)  # two QualifyLeads of one lead: the second sees it closed
    lead = _retrieve(ctx, lead_ref)
    lead_id = lead_ref.id
    state = lead.get("statecode")
    if not isinstance(state, OptionSetValue) or state.value != 0:
        raise OrganizationServiceFault(
            ErrorCodes.LEAD_ALREADY_IN_CLOSED_STATE,
            f"The lead is already closed: lead {lead_id} ({lead.get('fullname') or ''}) is not open.",
        )
    org = organization(ctx)
    make_account = _flag(req.create_account, org, "createaccountonqualify")
    make_contact = _flag(req.create_contact, org, "createcontactonqualify")
    make_opportunity = _flag(req.create_opportunity, org, "createopportunityonqualify")
    existing_account = lead.get("parentaccountid")
    existing_contact = lead.get("parentcontactid")
    if make_account and existing_account is None and not lead.get("companyname"):
        raise OrganizationServiceFault(
            ErrorCodes.REQUIRED_FIELD_MISSING,
            f"The lead {lead_id} has no companyname, which the new account's name comes from; set the lead's "
            "Company Name or qualify without creating an account.",
        )
    for ref in (customer, currency, campaign):
        if ref is not None:
            _exists(ctx, ref)
    process_instance: uuid.UUID | None = None
    if req.process_instance_id is not None:
        pref = _ref(req.process_instance_id, "process_instance_id", r, ("leadtoopportunitysalesprocess",))
        assert pref is not None
        it = ctx.metadata.table("leadtoopportunitysalesprocess")
        row = ctx.storage.get(it, pref.id, ["leadid"])
        if row is None:
            raise not_found(pref.logical_name, pref.id)
        if row.get("leadid") not in (None, lead_id):
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"The process instance {pref.id} belongs to another lead, not to lead {lead_id}.")
        process_instance = pref.id

    sdd = req.suppress_duplicate_detection
    created: list[EntityReference] = []
    lead_ref = EntityReference("lead", lead_id)
    account: EntityReference | None = None
    contact: EntityReference | None = None
    new_account = False
    if make_account:
        if isinstance(existing_account, EntityReference):
            account = EntityReference("account", existing_account.id)
        else:
            a = _map(ctx, lead, "account")
            a["originatingleadid"] = lead_ref
            aid = ctx.execute(CreateRequest(target=a, suppress_duplicate_detection=sdd)).id
            account = EntityReference("account", aid, a.get("name"))  # named, for display
            created.append(account)
            new_account = True
    if make_contact:
        if isinstance(existing_contact, EntityReference):
            contact = EntityReference("contact", existing_contact.id)
        else:
            c = _map(ctx, lead, "contact")
            c["originatingleadid"] = lead_ref
            parent = account or (EntityReference("account", existing_account.id)
                                 if isinstance(existing_account, EntityReference) else None)
            if parent is not None:
                c["parentcustomerid"] = parent
            cid = ctx.execute(CreateRequest(target=c, suppress_duplicate_detection=sdd)).id
            contact = EntityReference(
                "contact", cid, " ".join(str(x) for x in (c.get("firstname"), c.get("lastname")) if x) or None)
            created.append(contact)
    if new_account and account is not None and contact is not None:
        _update(ctx, Entity("account", account.id, primarycontactid=contact))

    opportunity: EntityReference | None = None
    if make_opportunity:
        o = _map(ctx, lead, "opportunity")
        fallback_account = account or (EntityReference("account", existing_account.id)
                                       if isinstance(existing_account, EntityReference) else None)
        fallback_contact = contact or (EntityReference("contact", existing_contact.id)
                                       if isinstance(existing_contact, EntityReference) else None)
        _opportunity_links(o, customer, fallback_account, fallback_contact)
        if currency is not None:
            o["transactioncurrencyid"] = currency
        if campaign is not None:
            o["campaignid"] = campaign
        o["originatingleadid"] = lead_ref
        o.attributes.update(stage_values("Develop", stepname=True))
        oid = ctx.guarded(_QUALIFYING).execute(CreateRequest(target=o, suppress_duplicate_detection=sdd)).id
        opportunity = EntityReference("opportunity", oid, o.get("name"))
        created.append(opportunity)

    changes = Entity("lead", lead_id, statecode=OptionSetValue(1), statuscode=OptionSetValue(status))
    if opportunity is not None:
        changes["qualifyingopportunityid"] = opportunity
        changes.attributes.update(stage_values("Develop", stepname=False))
    if existing_account is None and account is not None:
        changes["parentaccountid"] = account
    if existing_contact is None and contact is not None:
        changes["parentcontactid"] = contact
    _update(ctx, changes, "QualifyLead")

    _process_instance(ctx, lead_ref, lead, opportunity, process_instance)
    _summary_notes(ctx, lead, opportunity)
    return QualifyLeadResponse(created)


def _process_instance(ctx: HandlerContext, lead_ref: EntityReference, lead: Entity,
                      opportunity: EntityReference | None, instance: uuid.UUID | None) -> None:
    """Record where the sales process stands after qualification (Develop only with an opportunity)."""
    stage = "Develop" if opportunity is not None else "Qualify"
    values: dict[str, Any] = {
        "processid": LEAD_TO_OPPORTUNITY_PROCESS_ID,
        "activestageid": EntityReference("processstage", STAGES[stage][0]),
        "traversedpath": traversed_path(stage),
        "leadid": lead_ref,
    }
    if opportunity is not None:
        values["opportunityid"] = opportunity
        values["activestagestartedon"] = ctx.now
    if instance is None:
        it = ctx.metadata.table("leadtoopportunitysalesprocess")
        found = ctx.storage.ids_where(it, "leadid", lead_ref.id, limit=1)
        instance = found[0] if found else None
    if instance is None:
        values["name"] = PROCESS_NAME
        values["activestagestartedon"] = ctx.now
        ctx.execute(CreateRequest(target=Entity("leadtoopportunitysalesprocess", attributes=values)))
    else:
        ctx.execute(UpdateRequest(target=Entity("leadtoopportunitysalesprocess", instance, values)))


_SUMMARY_ACTIVITY_TABLES = ("task", "phonecall", "email", "appointment")


def lead_summary(ctx: HandlerContext, lead: Entity) -> str:
    """A deterministic plain-text summary of a lead: who, company, source, topic, key values and its
    last three activities. Built only from stored data (no external service)."""
    fv = lead.formatted_values

    def text(col: str) -> str | None:
        v = lead.get(col)
        if v is None or v == "":
            return None
        if col in fv:
            return str(fv[col])
        if isinstance(v, Money):
            return f"{v.value:,.2f}"
        if isinstance(v, EntityReference):
            return v.name or str(v.id)
        return str(v)

    lines = [f"Lead summary: {text('fullname') or '(no name)'}"]
    for label, col in (("Job title", "jobtitle"), ("Company", "companyname"), ("Topic", "subject"),
                       ("Source", "leadsourcecode"), ("Rating", "leadqualitycode"), ("Industry", "industrycode"),
                       ("Email", "emailaddress1"), ("Phone", "telephone1"), ("Mobile", "mobilephone"),
                       ("City", "address1_city"), ("Country", "address1_country")):
        v = text(col)
        if v is not None:
            lines.append(f"{label}: {v}")
    keys = []
    for label, col in (("Budget", "budgetamount"), ("Est. value", "estimatedamount"),
                       ("Est. close", "estimatedclosedate"), ("Purchase timeframe", "purchasetimeframe"),
                       ("Purchase process", "purchaseprocess"), ("Need", "need"), ("Budget status", "budgetstatus"),
                       ("Lead score", "msdyn_leadscore")):
        v = text(col)
        if v is not None:
            keys.append(f"{label} {v}")
    lines.append("Key values: " + ("; ".join(keys) if keys else "none recorded"))
    acts: list[tuple[str, str, str, str]] = []
    lid = lead.id
    for name in _SUMMARY_ACTIVITY_TABLES:
        t = ctx.metadata.get(name)
        if t is None or lid is None or not ctx.storage.ids_where(t, "regardingobjectid", lid, limit=1):
            continue  # most leads have no activities of a kind: skip compiling the ordered query
        q = QueryExpression(name)
        q.column_set.columns = ["subject", "createdon", "statecode"]
        q.criteria.add_condition("regardingobjectid", ConditionOperator.EQUAL, lid)
        q.add_order("createdon", OrderType.DESCENDING)
        q.top_count = 3
        for row in ctx.storage.select(q).rows:
            when = row.get("createdon")
            stamp = when.strftime("%Y-%m-%d") if isinstance(when, dt.datetime) else ""
            sm = t.state_model
            st = row.get("statecode")
            state_label = (sm.state_label(int(st)) if sm is not None and st is not None else None) or ""
            acts.append((stamp, t.display_name, str(row.get("subject") or ""), state_label))
    acts.sort(key=lambda a: (a[0], a[1], a[2]), reverse=True)
    if acts:
        lines.append("Last activities:")
        lines.extend(f"- {d} {kind}: {subj} ({st})" for d, kind, subj, st in acts[:3])
    else:
        lines.append("Last activities: none")
    return "\n".join(lines)


def _summary_notes(ctx: HandlerContext, lead: Entity, opportunity: EntityReference | None) -> None:
    text = lead_summary(ctx, lead)
    subject = "Lead summary"
    assert lead.id is not None
    targets = [EntityReference("lead", lead.id)]
    if opportunity is not None:
        targets.append(opportunity)
    for about in targets:
        ctx.execute(CreateRequest(target=Entity("annotation", subject=subject, notetext=text, objectid=about,
                                                objecttypecode=about.logical_name)))


# ----------------------------------------------------------------------------------------------
# extra opportunities for one lead


@handler(CreateOpportunityForLeadRequest)
def _create_opportunity_for_lead(ctx: HandlerContext, req: CreateOpportunityForLeadRequest
                                 ) -> CreateOpportunityForLeadResponse:
    r = "CreateOpportunityForLeadRequest"
    lead_ref = as_reference(req.lead_id, "lead_id", r, "lead")
    if not organization(ctx).get("allowmultipleopportunitiesperlead"):
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_OPERATION,
            f"The organization does not allow several opportunities per lead, so no more opportunity can be "
            f"created for lead {lead_ref.id}; turn on allowmultipleopportunitiesperlead first.",
        )
    customer = _ref(req.opportunity_customer_id, "opportunity_customer_id", r, ("account", "contact"))
    currency = _ref(req.opportunity_currency_id, "opportunity_currency_id", r, ("transactioncurrency",))
    for ref in (customer, currency):
        if ref is not None:
            _exists(ctx, ref)
    lead = _retrieve(ctx, lead_ref)
    o = _map(ctx, lead, "opportunity")
    acc, con = lead.get("parentaccountid"), lead.get("parentcontactid")
    _opportunity_links(o, customer, acc if isinstance(acc, EntityReference) else None,
                       con if isinstance(con, EntityReference) else None)
    if currency is not None:
        o["transactioncurrencyid"] = currency
    o["originatingleadid"] = EntityReference("lead", lead_ref.id)
    o.attributes.update(stage_values("Develop", stepname=True))
    if req.opportunity is not None:
        extra = as_entity(req.opportunity, r, "opportunity")
        o.attributes.update(extra.attributes)
    oid = ctx.execute(CreateRequest(target=o, suppress_duplicate_detection=req.suppress_duplicate_detection)).id
    return CreateOpportunityForLeadResponse(oid)


# ----------------------------------------------------------------------------------------------
# WinOpportunity / LoseOpportunity


def _close_opportunity(ctx: HandlerContext, close: Any, status_in: Any, state: int, request: str) -> None:
    require_parameters(request.removesuffix("Request"), OpportunityClose=close, Status=status_in)
    e = as_entity(close, request, "opportunity_close")
    if e.logical_name != "opportunityclose":
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"{request}.opportunity_close must be an opportunityclose entity, not a {e.logical_name}.")
    ref = e.attributes.get("opportunityid")
    if not isinstance(ref, EntityReference) or ref.logical_name != "opportunity":
        raise OrganizationServiceFault(
            ErrorCodes.REQUIRED_FIELD_MISSING,
            f"{request}.opportunity_close needs opportunityid, an EntityReference to the opportunity to close.")
    t = ctx.metadata.table("opportunity")
    status = _resolve_status(t, state, _option(-1 if status_in is None else status_in, "status", request))
    ctx.storage.lock(t, ref.id)
    row = ctx.storage.get(t, ref.id, ["statecode", "estimatedvalue", "name"])
    if row is None:
        raise not_found("opportunity", ref.id)
    if row.get("statecode") != 0:
        raise OrganizationServiceFault(
            ErrorCodes.OPPORTUNITY_IS_ALREADY_CLOSED,
            f"The opportunity {ref.id} ({row.get('name')}) is already closed.")
    won = state == 1
    act = Entity("opportunityclose", e.id, dict(e.attributes))
    act["opportunityid"] = EntityReference("opportunity", ref.id)
    if not act.get("subject"):
        act["subject"] = f"Opportunity Close: {'Won' if won else 'Lost'}: {row.get('name') or ''}".rstrip(": ")
    end = act.get("actualend")
    if end is None:
        end = ctx.now
        act["actualend"] = end
    act["statecode"] = OptionSetValue(1)
    act["statuscode"] = OptionSetValue(2)
    ctx.execute(CreateRequest(target=act))
    changes = Entity("opportunity", ref.id, statecode=OptionSetValue(state), statuscode=OptionSetValue(status))
    revenue = act.get("actualrevenue")
    if revenue is not None:
        changes["actualvalue"] = revenue
    elif won and row.get("estimatedvalue") is not None:
        changes["actualvalue"] = Money(Decimal(row["estimatedvalue"]))
    if isinstance(end, str):
        end = dt.datetime.fromisoformat(end.replace("Z", "+00:00"))
    changes["actualclosedate"] = end.date() if isinstance(end, dt.datetime) else end
    changes["closeprobability"] = 100 if won else 0
    changes.attributes.update(stage_values("Close", stepname=True))
    _update(ctx, changes, "WinOpportunity" if won else "LoseOpportunity")
    it = ctx.metadata.table("leadtoopportunitysalesprocess")
    for iid in ctx.storage.ids_where(it, "opportunityid", ref.id):
        ctx.execute(UpdateRequest(target=Entity("leadtoopportunitysalesprocess", iid, {
            "activestageid": EntityReference("processstage", STAGES["Close"][0]),
            "traversedpath": traversed_path("Close"), "activestagestartedon": ctx.now,
        })))


@handler(WinOpportunityRequest)
def _win(ctx: HandlerContext, req: WinOpportunityRequest) -> WinOpportunityResponse:
    _close_opportunity(ctx, req.opportunity_close, req.status, 1, "WinOpportunityRequest")
    return WinOpportunityResponse()


@handler(LoseOpportunityRequest)
def _lose(ctx: HandlerContext, req: LoseOpportunityRequest) -> LoseOpportunityResponse:
    _close_opportunity(ctx, req.opportunity_close, req.status, 2, "LoseOpportunityRequest")
    return LoseOpportunityResponse()


# ----------------------------------------------------------------------------------------------
# CloseIncident


@handler(CloseIncidentRequest)
def _close_incident(ctx: HandlerContext, req: CloseIncidentRequest) -> CloseIncidentResponse:
    r = "CloseIncidentRequest"
    require_parameters("CloseIncident", IncidentResolution=req.incident_resolution, Status=req.status)
    e = as_entity(req.incident_resolution, r, "incident_resolution")
    if e.logical_name != "incidentresolution":
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"{r}.incident_resolution must be an incidentresolution entity, not a {e.logical_name}.")
    ref = e.attributes.get("incidentid")
    if not isinstance(ref, EntityReference) or ref.logical_name != "incident":
        raise OrganizationServiceFault(
            ErrorCodes.REQUIRED_FIELD_MISSING,
            f"{r}.incident_resolution needs incidentid, an EntityReference to the case to resolve.")
    t = ctx.metadata.table("incident")
    status = _resolve_status(t, 1, _option(-1 if req.status is None else req.status, "status", r))
    cur = _current_state(ctx, t, ref.id)
    if cur.get("statecode") == 1:
        raise OrganizationServiceFault(ErrorCodes.CASE_ALREADY_RESOLVED,
                                       f"The case {ref.id} has already been resolved.")
    if cur.get("statecode") != 0:
        raise OrganizationServiceFault(ErrorCodes.INCIDENT_IS_ALREADY_CLOSED_OR_CANCELLED,
                                       f"The case {ref.id} is already closed or canceled.")
    if open_activity_count(ctx, EntityReference("incident", ref.id), 1):
        raise OrganizationServiceFault(
            ErrorCodes.UN_MANAGED_IDS_INCIDENT_CANNOT_CLOSE,
            f"The case {ref.id} can not be closed because there are open activities for it.")
    act = Entity("incidentresolution", e.id, dict(e.attributes))
    act["incidentid"] = EntityReference("incident", ref.id)
    if not act.get("subject"):
        act["subject"] = "Case Resolved"
    if act.get("actualend") is None:
        act["actualend"] = ctx.now
    act["statecode"] = OptionSetValue(1)
    act["statuscode"] = OptionSetValue(2)
    ctx.execute(CreateRequest(target=act))
    _update(ctx, Entity("incident", ref.id, statecode=OptionSetValue(1), statuscode=OptionSetValue(status)),
            "CloseIncident")
    return CloseIncidentResponse()
