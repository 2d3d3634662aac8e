"""Tables behind the lead lifecycle: field mappings (entitymap, attributemap) and the sales
business process flow (processstage, leadtoopportunitysalesprocess).

As in Dataverse, the lead -> account/contact/opportunity mappings are rows of `entitymap` and
`attributemap` (seeded by `leadsdk.lifecycle.messages`), and the "Lead to Opportunity Sales Process"
is a set of `processstage` rows plus one `leadtoopportunitysalesprocess` instance per lead/opportunity.
"""

from __future__ import annotations

from leadsdk.entities.declare import (
    REQUIRED,
    TableDecl,
    boolean,
    datetime,
    integer,
    lookup,
    optionset,
    picklist,
    states,
    string,
    table,
    uniqueidentifier,
)
from leadsdk.entities.model import CascadeType, OwnershipType

ORG = OwnershipType.ORGANIZATION_OWNED

ENTITYMAP = table(
    "entitymap", "Entity Map", "Entity Maps",
    [
        string("sourceentityname", 160, "Source Entity Name", required=REQUIRED),
        string("targetentityname", 160, "Target Entity Name", required=REQUIRED),
    ],
    primary_name=None,
    ownership=ORG,
    object_type_code=4600,
    audit=False,
    description="Represents a mapping between two related entities so that data from one record can be "
    "used to fill in fields of a new record created from it (lead -> account, contact, opportunity).",
)

ATTRIBUTEMAP = table(
    "attributemap", "Attribute Map", "Attribute Maps",
    [
        lookup("entitymapid", "entitymap", "Entity Map", relationship="entitymap_attributemap",
               delete=CascadeType.CASCADE, required=REQUIRED),
        string("sourceattributename", 100, "Source Attribute Name", required=REQUIRED),
        string("targetattributename", 100, "Target Attribute Name", required=REQUIRED),
        boolean("issystem", "Is System", description="Whether this is a default mapping (cannot be deleted)."),
    ],
    primary_name=None,
    ownership=ORG,
    object_type_code=4601,
    audit=False,
    description="Represents a mapping between attributes where the attribute values should be copied from "
    "a record into the form of a new related record.",
)

STAGE_CATEGORY = optionset("ProcessStageCategory", {
    0: "Qualify", 1: "Develop", 2: "Propose", 3: "Close", 4: "Identify", 5: "Research", 6: "Resolve",
    7: "Approval",
})

PROCESSSTAGE = table(
    "processstage", "Process Stage", "Process Stages",
    [
        string("stagename", 100, "Stage Name", required=REQUIRED),
        picklist("stagecategory", STAGE_CATEGORY, "Stage Category"),
        string("primaryentitytypecode", 64, "Primary Entity"),
        uniqueidentifier("processid", "Process"),
        integer("stageorder", "Stage Order", min_value=0),
    ],
    primary_name="stagename",
    ownership=ORG,
    object_type_code=4724,
    audit=False,
    description="Stage of a business process flow (Qualify, Develop, Propose, Close).",
)

LEADTOOPPORTUNITYSALESPROCESS = table(
    "leadtoopportunitysalesprocess", "Lead To Opportunity Sales Process", "Lead To Opportunity Sales Process",
    [
        string("name", 200, "Name", required=REQUIRED),
        uniqueidentifier("processid", "Process"),
        lookup("activestageid", "processstage", "Active Stage", relationship="lk_leadtoopportunitysalesprocess_"
               "activestageid"),
        datetime("activestagestartedon", "Active Stage Started On"),
        string("traversedpath", 1250, "Traversed Path"),
        lookup("leadid", "lead", "Lead", relationship="lk_leadtoopportunitysalesprocess_leadid",
               delete=CascadeType.CASCADE),
        lookup("opportunityid", "opportunity", "Opportunity",
               relationship="lk_leadtoopportunitysalesprocess_opportunityid", delete=CascadeType.CASCADE),
        datetime("completedon", "Completed On"),
    ],
    primary_id="businessprocessflowinstanceid",
    primary_name="name",
    ownership=ORG,
    state_model=states((0, "Active", {1: "Active"}), (1, "Inactive", {2: "Finished", 3: "Aborted"})),
    object_type_code=950,
    description="The instance of the Lead to Opportunity Sales Process business process flow for one lead "
    "and the opportunity qualified from it.",
)

TABLES: list[TableDecl] = [ENTITYMAP, ATTRIBUTEMAP, PROCESSSTAGE, LEADTOOPPORTUNITYSALESPROCESS]
