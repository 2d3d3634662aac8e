"""Customer service: incident (case) and its resolution activity, incidentresolution.

Column names, option values and the state model are Dataverse's (ce entity reference
`incident.md`; shared/reference/dataverse.md section 3.1).
"""

from __future__ import annotations

from leadsdk.entities.declare import (
    REQUIRED,
    SYSTEM_REQUIRED,
    TableDecl,
    boolean,
    customer,
    datetime,
    integer,
    lookup,
    memo,
    optionset,
    picklist,
    states,
    string,
    table,
)
from leadsdk.entities.model import CascadeType
from leadsdk.entities.tables.activities import CLOSE_ACTIVITY_STATES, activity_table
from leadsdk.entities.tables.sales import process_columns

CASE_TYPE = optionset("CaseTypeCode", {1: "Question", 2: "Problem", 3: "Request"})

CASE_ORIGIN = optionset("CaseOriginCode", {
    1: "Phone", 2: "Email", 3: "Web", 2483: "Facebook", 3986: "Twitter", 700610000: "IoT",
})

INCIDENT_PRIORITY = optionset("IncidentPriorityCode", {1: "High", 2: "Normal", 3: "Low"})

INCIDENT_SEVERITY = optionset("IncidentSeverityCode", {1: "Default Value"})

INCIDENT = table(
    "incident", "Case", "Cases",
    [
        string("title", 200, "Case Title", required=REQUIRED),
        string("ticketnumber", 100, "Case Number"),
        customer("customerid", "Customer", delete=CascadeType.CASCADE, required=SYSTEM_REQUIRED,
                 relationship={"account": "incident_customer_accounts",
                               "contact": "incident_customer_contacts"}),
        lookup("primarycontactid", "contact", "Contact", relationship="contact_as_primary_contact"),
        picklist("casetypecode", CASE_TYPE, "Case Type"),
        picklist("caseorigincode", CASE_ORIGIN, "Origin"),
        picklist("prioritycode", INCIDENT_PRIORITY, "Priority", default=2),
        picklist("severitycode", INCIDENT_SEVERITY, "Severity", default=1),
        memo("description", 2000, "Description"),
        boolean("isescalated", "Is Escalated"),
        datetime("followupby", "Follow Up By"),
        lookup("parentcaseid", "incident", "Parent Case", relationship="incident_parent_incident"),
        lookup("masterid", "incident", "Master Case", relationship="incident_master_incident"),
        boolean("merged", "Merged"),
        *process_columns(),
    ],
    primary_name="title",
    state_model=states(
        (0, "Active", {1: "In Progress", 2: "On Hold", 3: "Waiting for Details", 4: "Researching"}),
        (1, "Resolved", {5: "Problem Solved", 1000: "Information Provided"}),
        (2, "Cancelled", {6: "Cancelled", 2000: "Merged"}),
        message_only={1: "CloseIncident"},
    ),
    object_type_code=112,
    mergeable=True,
    hierarchy="parentcaseid",
    description="Service request case associated with a contract.",
)

INCIDENTRESOLUTION = activity_table(
    "incidentresolution", "Case Resolution", "Case Resolutions",
    [
        lookup("incidentid", "incident", "Case", relationship="Incident_IncidentResolutions",
               delete=CascadeType.CASCADE),
        integer("timespent", "Time Spent", min_value=0),
    ],
    regarding_plural=None,
    state_model=states(*CLOSE_ACTIVITY_STATES),
    object_type_code=4206,
    description="Special type of activity that includes description of the resolution, billing status, "
    "and the duration of the case.",
)

TABLES: list[TableDecl] = [INCIDENT, INCIDENTRESOLUTION]
