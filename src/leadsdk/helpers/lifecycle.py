"""Lead lifecycle helpers over an `OrganizationService`: bulk qualification and the notes that
follow a lead to the opportunity qualified from it.

    from leadsdk.helpers.lifecycle import qualify_leads, originating_lead_notes
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import attrs

from leadsdk.errors import OrganizationServiceFault
from leadsdk.messages import QualifyLeadRequest
from leadsdk.progress import Progress, make_progress
from leadsdk.query.model import ConditionOperator, OrderType, QueryExpression
from leadsdk.service import OrganizationService
from leadsdk.types import ColumnSet, EntityCollection, EntityReference, to_uuid

__all__ = ["QualifyResult", "originating_lead_notes", "originating_lead_notes_query", "qualify_leads"]


@attrs.define
class QualifyResult:
    """The outcome of qualifying one lead: the created records, or the fault that stopped it."""

    lead_id: uuid.UUID
    created_entities: list[EntityReference] = attrs.field(factory=list)
    fault: OrganizationServiceFault | None = None

    @property
    def ok(self) -> bool:
        return self.fault is None


def qualify_leads(svc: OrganizationService, lead_ids: Iterable[uuid.UUID | str | EntityReference],
                  progress: Progress = None, **flags: Any) -> list[QualifyResult]:
    """Qualify each lead with one QualifyLeadRequest (its own transaction) and the same `flags`
    (create_account=..., create_opportunity=..., status=...). A lead that faults does not stop the
    others: its result carries the fault and nothing of it was changed. `progress=True` shows a bar
    (tqdm); a callable gets `(done, total)`."""
    flags.setdefault("status", 3)
    out: list[QualifyResult] = []
    ids = list(lead_ids)
    tick, close = make_progress(progress, len(ids), "qualify")
    for item in ids:
        tick(1)
        lid = item.id if isinstance(item, EntityReference) else to_uuid(item)
        try:
            resp = svc.execute(QualifyLeadRequest(lead_id=EntityReference("lead", lid), **flags))
        except OrganizationServiceFault as f:
            out.append(QualifyResult(lid, [], f))
        else:
            out.append(QualifyResult(lid, list(resp.created_entities)))
    close()
    return out


def originating_lead_notes_query(opportunity_id: uuid.UUID | str) -> QueryExpression:
    """The notes (annotations) of the lead an opportunity was qualified from, as one query:
    annotation.objectid -> lead <- opportunity.originatingleadid."""
    q = QueryExpression("annotation", column_set=ColumnSet("subject", "notetext", "filename", "isdocument",
                                                           "objectid", "createdon"))
    lead = q.add_link("lead", "objectid", "leadid")
    opp = lead.add_link("opportunity", "leadid", "originatingleadid")
    opp.link_criteria.add_condition("opportunityid", ConditionOperator.EQUAL, to_uuid(opportunity_id))
    q.add_order("createdon", OrderType.ASCENDING)
    return q


def originating_lead_notes(svc: OrganizationService, opportunity_id: uuid.UUID | str) -> EntityCollection:
    """The originating lead's notes, seen from the opportunity (so nothing written on the lead is lost)."""
    return svc.retrieve_multiple(originating_lead_notes_query(opportunity_id))
