"""Qualifying a lead (lifecycle feature): the account, contact and opportunity made from it through the
entity maps, the sales process instance and the summary note.

Called by the QualifyLead and CreateOpportunityForLead handlers; every record is created or changed with a
nested request, so plugins, security, audit and duplicate detection see it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from itertools import compress, repeat
from operator import is_not
from typing import TYPE_CHECKING, Any

from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.lifecycle.process import (
    LEAD_TO_OPPORTUNITY_PROCESS_ID,
    PROCESS_NAME,
    STAGES,
    stage_values,
    traversed_path,
)
from leadsdk.lifecycle.rules import QUALIFYING, lead_mappings, with_mappings
from leadsdk.lifecycle.state import option_value, update_state
from leadsdk.messages.base import HandlerContext, as_reference
from leadsdk.messages.crud import CreateRequest, RetrieveRequest, UpdateRequest
from leadsdk.query.model import ConditionOperator, OrderType, QueryExpression
from leadsdk.records.settings import not_found, organization
from leadsdk.storage.base import Row
from leadsdk.types import ColumnSet, Entity, EntityReference, Money, OptionSetValue, formatted_values_of

if TYPE_CHECKING:
    from leadsdk.lifecycle.messages import QualifyLeadRequest

__all__ = ["lead_summary", "qualify_lead"]


def mapped_from_lead(ctx: HandlerContext, lead: Entity, target: str) -> Entity:
    """A new `target` record filled from the lead through the lead -> target mappings: each mapped
    column the lead has a value in, in the mappings' order (C-level passes over the ~25 pairs a map has)."""
    sources, targets = with_mappings(ctx, ("split", "lead", target), lambda: _split(lead_mappings(ctx, "lead", target)))
    got = list(map(lead.attributes.get, sources))
    return Entity(target, attributes=dict(compress(zip(targets, got), map(is_not, got, repeat(None)))))


def _split(pairs: Sequence[tuple[str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The source columns and the target columns of mapping pairs, in their order."""
    return tuple(s for s, _ in pairs), tuple(t for _, t in pairs)


def setting_on(value: bool | None, org: Row, setting: str) -> bool:
    """A request flag; None means the organization's setting (or False when sellers choose)."""
    if value is not None:
        return bool(value)
    if org.get("promptonqualify"):
        return False
    return bool(org.get(setting))


def optional_reference(value: Any, field: str, request: str, allowed: Sequence[str]) -> EntityReference | None:
    if value is None:
        return None
    ref = as_reference(value, field, request)
    if ref.logical_name not in allowed:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"{request}.{field} must refer to {' or '.join(allowed)}, not to a {ref.logical_name}.",
        )
    return ref


def exists(ctx: HandlerContext, ref: EntityReference) -> None:
    t = ctx.metadata.table(ref.logical_name)
    if not ctx.storage.exists(t, ref.id):
        raise not_found(ref.logical_name, ref.id)


def retrieve(ctx: HandlerContext, ref: EntityReference, columns: Sequence[str] | None = None) -> Entity:
    """A record through a nested Retrieve: all columns, or only `columns`."""
    cs = None
    if columns is not None:  # column names from metadata: no checks of each by ColumnSet(*columns)
        cs = ColumnSet()
        cs.columns = list(columns)
    e: Entity = ctx.execute(RetrieveRequest(target=ref, column_set=cs)).entity
    return e


def opportunity_links(opp: Entity, customer: EntityReference | None, account: EntityReference | None,
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


def start_process_instance(ctx: HandlerContext, lead_ref: EntityReference, lead: Entity,
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
_SUMMARY_LINES = (("Job title", "jobtitle"), ("Company", "companyname"), ("Topic", "subject"),
                  ("Source", "leadsourcecode"), ("Rating", "leadqualitycode"), ("Industry", "industrycode"),
                  ("Email", "emailaddress1"), ("Phone", "telephone1"), ("Mobile", "mobilephone"),
                  ("City", "address1_city"), ("Country", "address1_country"))
_SUMMARY_KEYS = (("Budget", "budgetamount"), ("Est. value", "estimatedamount"),
                 ("Est. close", "estimatedclosedate"), ("Purchase timeframe", "purchasetimeframe"),
                 ("Purchase process", "purchaseprocess"), ("Need", "need"), ("Budget status", "budgetstatus"),
                 ("Lead score", "msdyn_leadscore"))
_QUALIFY_COLUMNS = ("statecode", "fullname", "companyname", "parentaccountid", "parentcontactid",
                    *(c for _, c in _SUMMARY_LINES), *(c for _, c in _SUMMARY_KEYS))
"""The lead columns QualifyLead reads besides the mapped ones: its checks and the summary note's."""
_SUMMARY_COLUMNS = frozenset(("fullname", *(c for _, c in _SUMMARY_LINES), *(c for _, c in _SUMMARY_KEYS)))
"""The lead columns whose formatted values the summary shows."""


def lead_summary(ctx: HandlerContext, lead: Entity) -> str:
    """A deterministic plain-text summary of a lead: who, company, source, topic, key values and its
    last three activities. Built only from stored data (no external service)."""
    fv = formatted_values_of(lead, _SUMMARY_COLUMNS)  # not the other columns' (the maps' sources)

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
    for label, col in _SUMMARY_LINES:
        v = text(col)
        if v is not None:
            lines.append(f"{label}: {v}")
    keys = []
    for label, col in _SUMMARY_KEYS:
        v = text(col)
        if v is not None:
            keys.append(f"{label} {v}")
    lines.append("Key values: " + ("; ".join(keys) if keys else "none recorded"))
    acts: list[tuple[str, str, str, str]] = []
    lid = lead.id
    tables = [t for t in map(ctx.metadata.get, _SUMMARY_ACTIVITY_TABLES) if t is not None]
    # most leads have no activities: one probe of every kind, and ordered queries only for the kinds found
    having = ctx.storage.tables_with_row(tables, "regardingobjectid", lid) if lid is not None else set()
    for t in tables:
        name = t.logical_name
        if name not in having:
            continue
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


def summary_notes(ctx: HandlerContext, lead: Entity, opportunity: EntityReference | None) -> None:
    text = lead_summary(ctx, lead)
    subject = "Lead summary"
    assert lead.id is not None
    targets = [EntityReference("lead", lead.id)]
    if opportunity is not None:
        targets.append(opportunity)
    for about in targets:
        ctx.execute(CreateRequest(target=Entity("annotation", subject=subject, notetext=text, objectid=about,
                                                objecttypecode=about.logical_name)))


def qualify_columns(ctx: HandlerContext, lead_t: EntityMetadata, account: bool, contact: bool,
                    opportunity: bool) -> tuple[str, ...]:
    """The lead columns a qualification reads: the sources of the maps to the records it makes, its own
    checks' and the summary's. Reading only these, not the lead's ~110 columns and their lookup names,
    is most of the lead read's cost (the lookups' name joins are the slowest part on PostgreSQL)."""
    def load() -> tuple[str, ...]:
        cols = dict.fromkeys(_QUALIFY_COLUMNS)
        for made, target in ((account, "account"), (contact, "contact"), (opportunity, "opportunity")):
            if made:
                cols.update(dict.fromkeys(src for src, _ in lead_mappings(ctx, "lead", target)))
        return tuple(c for c in cols if c in lead_t.attributes)

    return with_mappings(ctx, ("qualify", account, contact, opportunity, ctx.metadata.version), load)


def qualify_lead(ctx: HandlerContext, req: QualifyLeadRequest) -> list[EntityReference]:
    """The work of QualifyLead (see its handler); the records it created."""
    r = "QualifyLeadRequest"
    lead_ref = as_reference(req.lead_id, "lead_id", r, "lead")
    lead_t = ctx.metadata.table("lead")
    raw_status = option_value(-1 if req.status is None else req.status, "status", r)
    sm = lead_t.state_model
    status = sm.default_status(1) if raw_status == -1 and sm is not None else raw_status
    if sm is None or status is None or sm.state_of(status) != 1:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_STATE_CODE_STATUS_CODE,
            f"State code is invalid or state code is valid but status code is invalid for a specified state code: "
            f"QualifyLead needs a Qualified status of the lead, and {req.status!r} is not one.",
        )
    customer = optional_reference(req.opportunity_customer_id, "opportunity_customer_id", r, ("account", "contact"))
    currency = optional_reference(req.opportunity_currency_id, "opportunity_currency_id", r, ("transactioncurrency",))
    campaign = optional_reference(req.source_campaign_id, "source_campaign_id", r, ("campaign",))
    org = organization(ctx)
    make_account = setting_on(req.create_account, org, "createaccountonqualify")
    make_contact = setting_on(req.create_contact, org, "createcontactonqualify")
    make_opportunity = setting_on(req.create_opportunity, org, "createopportunityonqualify")
    ctx.storage.lock(lead_t, lead_ref.id)  # two QualifyLeads of one lead: the second sees it closed
    lead = retrieve(ctx, lead_ref, qualify_columns(ctx, lead_t, make_account, make_contact, make_opportunity))
    lead_id = lead_ref.id
    state = lead.get("statecode")
    if not isinstance(state, OptionSetValue) or state.value != 0:
        raise OrganizationServiceFault(
            ErrorCodes.LEAD_ALREADY_IN_CLOSED_STATE,
            f"The lead is already closed: lead {lead_id} ({lead.get('fullname') or ''}) is not open.",
        )
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
            exists(ctx, ref)
    process_instance: uuid.UUID | None = None
    if req.process_instance_id is not None:
        pref = optional_reference(req.process_instance_id, "process_instance_id", r, ("leadtoopportunitysalesprocess",))
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
            a = mapped_from_lead(ctx, lead, "account")
            a["originatingleadid"] = lead_ref
            aid = ctx.execute(CreateRequest(target=a, suppress_duplicate_detection=sdd)).id
            account = EntityReference("account", aid, a.get("name"))  # named, for display
            created.append(account)
            new_account = True
    if make_contact:
        if isinstance(existing_contact, EntityReference):
            contact = EntityReference("contact", existing_contact.id)
        else:
            c = mapped_from_lead(ctx, lead, "contact")
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
        update_state(ctx, Entity("account", account.id, primarycontactid=contact))

    opportunity: EntityReference | None = None
    if make_opportunity:
        o = mapped_from_lead(ctx, lead, "opportunity")
        fallback_account = account or (EntityReference("account", existing_account.id)
                                       if isinstance(existing_account, EntityReference) else None)
        fallback_contact = contact or (EntityReference("contact", existing_contact.id)
                                       if isinstance(existing_contact, EntityReference) else None)
        opportunity_links(o, customer, fallback_account, fallback_contact)
        if currency is not None:
            o["transactioncurrencyid"] = currency
        if campaign is not None:
            o["campaignid"] = campaign
        o["originatingleadid"] = lead_ref
        o.attributes.update(stage_values("Develop", stepname=True))
        oid = ctx.guarded(QUALIFYING).execute(CreateRequest(target=o, suppress_duplicate_detection=sdd)).id
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
    update_state(ctx, changes, "QualifyLead")

    start_process_instance(ctx, lead_ref, lead, opportunity, process_instance)
    summary_notes(ctx, lead, opportunity)
    return created
