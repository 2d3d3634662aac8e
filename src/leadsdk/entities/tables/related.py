"""Tables around the sales records: annotation (notes), connection, connectionrole, campaign.

Relationship schema names are Dataverse's (`Lead_Annotation`, `lead_connections1`,
`connection_role_connections1`, `connection_related_connection`, ...).
"""

from __future__ import annotations

import attrs

from leadsdk.entities.declare import (
    REQUIRED,
    TableDecl,
    boolean,
    date,
    datetime,
    integer,
    lookup,
    memo,
    money,
    optionset,
    picklist,
    states,
    string,
    table,
)
from leadsdk.entities.model import CascadeType, OwnershipType
from leadsdk.entities.tables import optionsets as o

ANNOTATION_TARGETS: dict[str, str] = {
    "lead": "Lead_Annotation",
    "account": "Account_Annotation",
    "contact": "Contact_Annotation",
    "opportunity": "Opportunity_Annotation",
    "incident": "Incident_Annotation",
    "task": "Task_Annotation",
    "phonecall": "PhoneCall_Annotation",
    "email": "Email_Annotation",
    "appointment": "Appointment_Annotation",
    "campaign": "Campaign_Annotation",
}

ANNOTATION = table(
    "annotation", "Note", "Notes",
    [
        string("subject", 500, "Title"),
        memo("notetext", 100000, "Description"),
        boolean("isdocument", "Is Document"),
        string("filename", 255, "File Name"),
        string("mimetype", 256, "Mime Type"),
        memo("documentbody", 1073741823, "Document", description="The attachment, base64-encoded."),
        attrs.evolve(integer("filesize", "File Size (Bytes)", min_value=0), is_computed=True),
        lookup("objectid", tuple(ANNOTATION_TARGETS), "Regarding", relationship=ANNOTATION_TARGETS,
               delete=CascadeType.CASCADE, assign=CascadeType.CASCADE),
        string("objecttypecode", 64, "Object Type"),
    ],
    primary_name="subject",
    object_type_code=5,
    description="Note that is attached to one or more objects, including other notes.",
)

CONNECTION_ROLE_CATEGORY = optionset("ConnectionRoleCategory", {
    1: "Business", 2: "Family", 3: "Social", 4: "Sales", 5: "Other",
    1000: "Stakeholder", 1001: "Sales Team", 1002: "Service",
})

CONNECTIONROLE = table(
    "connectionrole", "Connection Role", "Connection Roles",
    [
        string("name", 100, "Name", required=REQUIRED),
        picklist("category", CONNECTION_ROLE_CATEGORY, "Connection Role Category"),
        memo("description", 2000, "Description"),
    ],
    ownership=OwnershipType.ORGANIZATION_OWNED,
    state_model=states(*o.ACTIVE_INACTIVE),
    object_type_code=3231,
    description="Role describing a relationship between two records.",
)

CONNECTION_TARGETS: tuple[str, ...] = (
    "account", "contact", "lead", "opportunity", "incident", "systemuser", "team", "campaign",
)

CONNECTION = table(
    "connection", "Connection", "Connections",
    [
        string("name", 500, "Connection Name"),
        lookup("record1id", CONNECTION_TARGETS, "Connected From",
               relationship={t: f"{t}_connections1" for t in CONNECTION_TARGETS}, delete=CascadeType.CASCADE),
        lookup("record2id", CONNECTION_TARGETS, "Connected To",
               relationship={t: f"{t}_connections2" for t in CONNECTION_TARGETS}, delete=CascadeType.CASCADE),
        lookup("record1roleid", "connectionrole", "Role (From)", relationship="connection_role_connections1"),
        lookup("record2roleid", "connectionrole", "Role (To)", relationship="connection_role_connections2"),
        lookup("relatedconnectionid", "connection", "Reciprocal Connection",
               relationship="connection_related_connection", delete=CascadeType.CASCADE),
        boolean("ismaster", "Is Master"),
        memo("description", 2000, "Description"),
        datetime("effectivestart", "Starting"),
        datetime("effectiveend", "Ending"),
    ],
    state_model=states(*o.ACTIVE_INACTIVE),
    object_type_code=3234,
    description="Relationship between two entities.",
)

CAMPAIGN_TYPE = optionset("CampaignTypeCode", {
    1: "Advertisement", 2: "Direct Marketing", 3: "Event", 4: "Co-branding", 5: "Other",
})

CAMPAIGN = table(
    "campaign", "Campaign", "Campaigns",
    [
        string("name", 128, "Name", required=REQUIRED),
        string("codename", 32, "Campaign Code"),
        picklist("typecode", CAMPAIGN_TYPE, "Campaign Type"),
        money("budgetedcost", "Budget Allocated"),
        money("expectedrevenue", "Estimated Revenue"),
        money("totalactualcost", "Total Cost of Campaign"),
        date("actualstart", "Actual Start"),
        date("actualend", "Actual End"),
        date("proposedstart", "Proposed Start"),
        date("proposedend", "Proposed End"),
        memo("description", 2000, "Description"),
        memo("objective", 2000, "Objective"),
    ],
    state_model=states(
        (0, "Active", {0: "Proposed", 1: "Ready To Launch", 2: "Launched", 3: "Completed", 4: "Canceled",
                       5: "Suspended"}),
        (1, "Inactive", {6: "Inactive"}),
    ),
    object_type_code=4400,
    currency=True,
    description="Container for campaign activities and responses, sales literature, products, and lists "
    "to create, plan, execute, and track the results of a specific marketing campaign through its life.",
)

TABLES: list[TableDecl] = [ANNOTATION, CONNECTIONROLE, CONNECTION, CAMPAIGN]
