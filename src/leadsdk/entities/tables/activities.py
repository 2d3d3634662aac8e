"""Activity tables: task, phonecall, email, appointment and the opportunity-close activity.

Every activity shares the columns of `activitypointer` (built by `activity_columns()`); its
primary id is `activityid` and its `regardingobjectid` makes one `{Target}_{Plural}` relationship
per regarding table (`Lead_Tasks`, `Account_Emails`, ...), parental: deleting the record deletes
its activities. State models are those of shared/reference/dataverse.md section 3.1.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from leadsdk.entities.declare import (
    REQUIRED,
    LookupDecl,
    TableDecl,
    boolean,
    datetime,
    integer,
    lookup,
    memo,
    money,
    picklist,
    states,
    string,
    table,
)
from leadsdk.entities.model import AttributeMetadata, CascadeType, StateModel
from leadsdk.entities.tables import optionsets as o

REGARDING_TABLES: tuple[str, ...] = ("lead", "account", "contact", "opportunity", "incident", "campaign")
"""The tables an activity can be regarding."""

CLOSE_ACTIVITY_STATES = (
    (0, "Open", {1: "Open"}),
    (1, "Completed", {2: "Completed"}),
    (2, "Canceled", {3: "Canceled"}),
)
"""The state model of the close activities (opportunityclose, incidentresolution)."""

DIRECTION_LABELS = ("Incoming", "Outgoing")


def activity_columns(
    logical_name: str,
    regarding_plural: str | None,
    *,
    regarding: Sequence[str] = REGARDING_TABLES,
    description_length: int = 2000,
) -> list[AttributeMetadata | LookupDecl]:
    """The `activitypointer` columns every activity has. `regarding_plural` names the regarding
    relationships `{Target}_{regarding_plural}`; with None they get generated names."""
    relationship = (
        {t: f"{t.capitalize()}_{regarding_plural}" for t in regarding} if regarding_plural else None
    )
    return [
        string("subject", 200, "Subject", required=REQUIRED),
        memo("description", description_length, "Description"),
        lookup("regardingobjectid", regarding, "Regarding", relationship=relationship,
               delete=CascadeType.CASCADE, assign=CascadeType.CASCADE),
        datetime("scheduledstart", "Start Date"),
        datetime("scheduledend", "Due Date"),
        datetime("actualstart", "Actual Start"),
        datetime("actualend", "Actual End"),
        integer("scheduleddurationminutes", "Scheduled Duration", min_value=0, max_value=2147483647),
        integer("actualdurationminutes", "Actual Duration", min_value=0, max_value=2147483647),
        picklist("prioritycode", o.PRIORITY, "Priority", default=1),
        attrs.evolve(string("activitytypecode", 100, "Activity Type"), default_value=logical_name),
        boolean("isregularactivity", "Is Regular Activity", default=True),
    ]


def activity_table(
    logical_name: str,
    display_name: str,
    plural: str,
    columns: Iterable[AttributeMetadata | LookupDecl],
    *,
    regarding_plural: str | None,
    state_model: StateModel,
    object_type_code: int,
    description_length: int = 2000,
    currency: bool = False,
    description: str = "",
) -> TableDecl:
    """Declare an activity: the common activity columns, then the table's own ones."""
    return table(
        logical_name, display_name, plural,
        [*activity_columns(logical_name, regarding_plural, description_length=description_length), *columns],
        primary_id="activityid",
        primary_name="subject",
        state_model=state_model,
        object_type_code=object_type_code,
        currency=currency,
        activity=True,
        description=description,
    )


TASK = activity_table(
    "task", "Task", "Tasks",
    [
        integer("percentcomplete", "Percent Complete", min_value=0, max_value=100),
        string("category", 250, "Category"),
        string("subcategory", 250, "Sub-Category"),
    ],
    regarding_plural="Tasks",
    state_model=states(
        (0, "Open", {2: "Not Started", 3: "In Progress", 4: "Waiting on someone else", 7: "Deferred"}),
        (1, "Completed", {5: "Completed"}),
        (2, "Canceled", {6: "Canceled"}),
    ),
    object_type_code=4212,
    description="Generic activity representing work needed to be done.",
)

PHONECALL = activity_table(
    "phonecall", "Phone Call", "Phone Calls",
    [
        string("phonenumber", 200, "Phone Number"),
        boolean("directioncode", "Direction", default=True, labels=DIRECTION_LABELS),
    ],
    regarding_plural="Phonecalls",
    state_model=states(
        (0, "Open", {1: "Open"}),
        (1, "Completed", {2: "Made", 4: "Received"}),
        (2, "Canceled", {3: "Canceled"}),
    ),
    object_type_code=4210,
    description="Activity to track a telephone call.",
)

EMAIL = activity_table(
    "email", "Email", "Email Messages",
    [
        string("sender", 250, "From"),
        string("torecipients", 500, "To Recipients"),
        boolean("directioncode", "Direction", default=True, labels=DIRECTION_LABELS),
        string("messageid", 100, "Message ID"),
    ],
    regarding_plural="Emails",
    description_length=1048576,
    state_model=states(
        (0, "Open", {1: "Draft", 8: "Failed"}),
        (1, "Completed", {2: "Completed", 3: "Sent", 4: "Received", 6: "Pending Send", 7: "Sending"}),
        (2, "Canceled", {5: "Canceled"}),
    ),
    object_type_code=4202,
    description="Activity that is delivered using email protocols.",
)

APPOINTMENT = activity_table(
    "appointment", "Appointment", "Appointments",
    [
        string("location", 200, "Location"),
        boolean("isalldayevent", "All Day Event"),
    ],
    regarding_plural="Appointments",
    state_model=states(
        (0, "Open", {1: "Free", 2: "Tentative"}),
        (1, "Completed", {3: "Completed"}),
        (2, "Canceled", {4: "Canceled"}),
        (3, "Scheduled", {5: "Busy", 6: "Out of Office"}),
        active=(0, 3),
    ),
    object_type_code=4201,
    description="Commitment representing a time interval with start/end times and duration.",
)

OPPORTUNITYCLOSE = activity_table(
    "opportunityclose", "Opportunity Close", "Opportunity Close Activities",
    [
        lookup("opportunityid", "opportunity", "Opportunity", relationship="Opportunity_OpportunityClose",
               delete=CascadeType.CASCADE),
        money("actualrevenue", "Actual Revenue"),
    ],
    regarding_plural=None,
    state_model=states(*CLOSE_ACTIVITY_STATES),
    object_type_code=4208,
    currency=True,
    description="Activity that is created automatically when an opportunity is closed, containing "
    "information such as the description of the closing and actual revenue.",
)

TABLES: list[TableDecl] = [TASK, PHONECALL, EMAIL, APPOINTMENT, OPPORTUNITYCLOSE]
