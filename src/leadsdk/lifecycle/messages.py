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
import uuid
from decimal import Decimal
from typing import Any

import attrs

from leadsdk._display import references_html
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.lifecycle.process import (
    DEFAULT_MAPPINGS,
    LEAD_TO_OPPORTUNITY_PROCESS_ID,
    STAGES,
    stage_values,
    traversed_path,
)
from leadsdk.lifecycle.qualify import (
    exists,
    mapped_from_lead,
    opportunity_links,
    optional_reference,
    qualify_lead,
    retrieve,
)
from leadsdk.lifecycle.state import (
    ALREADY,
    current_state,
    open_activity_count,
    option_value,
    resolve_status,
    update_state,
)
from leadsdk.messages.base import HandlerContext, OrganizationRequest, OrganizationResponse, as_reference, handler
from leadsdk.messages.crud import CreateRequest, UpdateRequest, as_entity
from leadsdk.messages.params import require_parameters
from leadsdk.messages.privileges import Access, target
from leadsdk.records.settings import not_found, organization
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
]


@attrs.define(eq=False, repr=False, slots=False)
class SetStateRequest(OrganizationRequest["SetStateResponse"]):
    """Set a record's statecode and statuscode; status -1 means the state's default status."""

    request_name = "SetState"
    requires = (Access("Write"),)
    entity_moniker: EntityReference | None = target()
    state: Any = None
    status: Any = -1


@attrs.define(eq=False, repr=False, slots=False)
class SetStateResponse(OrganizationResponse):
    pass


@attrs.define(eq=False, repr=False, slots=False)
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


@attrs.define(eq=False, repr=False, slots=False)
class QualifyLeadResponse(OrganizationResponse):
    created_entities: list[EntityReference] = attrs.field(factory=list)

    def _repr_html_(self) -> str:
        return references_html("Lead qualified; created", self.created_entities)


@attrs.define(eq=False, repr=False, slots=False)
class CreateOpportunityForLeadRequest(OrganizationRequest["CreateOpportunityForLeadResponse"]):
    """Create one more opportunity from a lead (allowed when the organization's
    `allowmultipleopportunitiesperlead` is on). `opportunity` holds extra or overriding values."""

    request_name = "CreateOpportunityForLead"
    lead_id: EntityReference | None = target("lead")
    opportunity: Entity | None = None
    opportunity_customer_id: EntityReference | None = None
    opportunity_currency_id: EntityReference | None = None
    suppress_duplicate_detection: bool = False


@attrs.define(eq=False, repr=False, slots=False)
class CreateOpportunityForLeadResponse(OrganizationResponse):
    id: uuid.UUID | None = None


@attrs.define(eq=False, repr=False, slots=False)
class WinOpportunityRequest(OrganizationRequest["WinOpportunityResponse"]):
    """Close an opportunity as won; `opportunity_close` is an `opportunityclose` Entity."""

    request_name = "WinOpportunity"
    requires = (Access("Write"),)
    opportunity_close: Entity | None = target("opportunity", via="opportunityid")
    status: Any = None
    """Required, as in Dataverse: the status to close with (-1: the closed state's default status)."""


@attrs.define(eq=False, repr=False, slots=False)
class WinOpportunityResponse(OrganizationResponse):
    pass


@attrs.define(eq=False, repr=False, slots=False)
class LoseOpportunityRequest(OrganizationRequest["LoseOpportunityResponse"]):
    """Close an opportunity as lost (status 4 Canceled, 5 Out-Sold)."""

    request_name = "LoseOpportunity"
    requires = (Access("Write"),)
    opportunity_close: Entity | None = target("opportunity", via="opportunityid")
    status: Any = None
    """Required, as in Dataverse: the status to close with (-1: the closed state's default status)."""


@attrs.define(eq=False, repr=False, slots=False)
class LoseOpportunityResponse(OrganizationResponse):
    pass


@attrs.define(eq=False, repr=False, slots=False)
class CloseIncidentRequest(OrganizationRequest["CloseIncidentResponse"]):
    """Resolve a case; `incident_resolution` is an `incidentresolution` Entity."""

    request_name = "CloseIncident"
    requires = (Access("Write"),)
    incident_resolution: Entity | None = target("incident", via="incidentid")
    status: Any = None
    """Required, as in Dataverse: the status to close with (-1: the closed state's default status)."""


@attrs.define(eq=False, repr=False, slots=False)
class CloseIncidentResponse(OrganizationResponse):
    pass


@handler(SetStateRequest)
def _set_state(ctx: HandlerContext, req: SetStateRequest) -> SetStateResponse:
    ref = as_reference(req.entity_moniker, "entity_moniker", "SetStateRequest")
    t = ctx.metadata.table(ref.logical_name)
    if t.state_model is None:
        raise OrganizationServiceFault(
            ErrorCodes.ENTITY_HAS_NO_STATE_CODE, f"The {t.logical_name} table has no statecode to set.")
    if req.state is None:
        raise OrganizationServiceFault(ErrorCodes.REQUIRED_FIELD_MISSING, "SetStateRequest needs 'state'.")
    state = option_value(req.state, "state", "SetStateRequest")
    status = option_value(-1 if req.status is None else req.status, "status", "SetStateRequest")
    status = resolve_status(t, state, status)
    cur = current_state(ctx, t, ref.id)
    codes = ALREADY.get(t.logical_name)
    if codes is not None:
        open_code, closed_code = codes
        if state == 0 and cur.get("statecode") == 0 and open_code is not None:
            raise OrganizationServiceFault(
                open_code, f"The {t.logical_name} {ref.id} is already in the open state.")
        if state != 0 and cur.get("statecode") != 0:
            raise OrganizationServiceFault(
                closed_code, f"The {t.logical_name} {ref.id} is already closed; reactivate it first.")
    update_state(ctx, Entity(t.logical_name, ref.id, statecode=OptionSetValue(state),
                             statuscode=OptionSetValue(status)))
    return SetStateResponse()


@handler(QualifyLeadRequest)
def _qualify_lead(ctx: HandlerContext, req: QualifyLeadRequest) -> QualifyLeadResponse:
    """Qualify the lead: check it is open and the request is sound, create what the request (or the
    organization's settings) asks for from the lead's mapped columns, close the lead as Qualified, start
    the sales process and leave a summary note. Everything runs as nested requests in this transaction."""
    return QualifyLeadResponse(qualify_lead(ctx, req))


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
    customer = optional_reference(req.opportunity_customer_id, "opportunity_customer_id", r, ("account", "contact"))
    currency = optional_reference(req.opportunity_currency_id, "opportunity_currency_id", r, ("transactioncurrency",))
    for ref in (customer, currency):
        if ref is not None:
            exists(ctx, ref)
    lead = retrieve(ctx, lead_ref)
    o = mapped_from_lead(ctx, lead, "opportunity")
    acc, con = lead.get("parentaccountid"), lead.get("parentcontactid")
    opportunity_links(o, customer, acc if isinstance(acc, EntityReference) else None,
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
    status = resolve_status(t, state, option_value(-1 if status_in is None else status_in, "status", request))
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
    update_state(ctx, changes, "WinOpportunity" if won else "LoseOpportunity")
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
    status = resolve_status(t, 1, option_value(-1 if req.status is None else req.status, "status", r))
    cur = current_state(ctx, t, ref.id)
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
    update_state(ctx, Entity("incident", ref.id, statecode=OptionSetValue(1), statuscode=OptionSetValue(status)),
            "CloseIncident")
    return CloseIncidentResponse()
