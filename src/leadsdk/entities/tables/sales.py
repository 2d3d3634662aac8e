"""The sales tables: lead, account, contact, opportunity.

Column names, lengths, option values and state models are Dataverse's
(see shared/reference/dataverse.md); relationship schema names follow Dataverse where known.
"""

from __future__ import annotations

from leadsdk.entities.declare import (
    REQUIRED,
    TableDecl,
    boolean,
    customer,
    date,
    double,
    integer,
    lookup,
    memo,
    money,
    picklist,
    states,
    string,
    table,
    uniqueidentifier,
)
from leadsdk.entities.model import AttributeMetadata, CascadeType
from leadsdk.entities.tables import optionsets as o


def address(n: int = 1) -> list[AttributeMetadata]:
    """The composite address columns `address{n}_*`."""
    p = f"address{n}_"
    return [
        string(p + "name", 200, f"Address {n}: Name"),
        string(p + "line1", 250, f"Address {n}: Street 1"),
        string(p + "line2", 250, f"Address {n}: Street 2"),
        string(p + "line3", 250, f"Address {n}: Street 3"),
        string(p + "city", 80, f"Address {n}: City"),
        string(p + "stateorprovince", 50, f"Address {n}: State/Province"),
        string(p + "postalcode", 20, f"Address {n}: ZIP/Postal Code"),
        string(p + "country", 80, f"Address {n}: Country/Region"),
        string(p + "county", 50, f"Address {n}: County"),
        string(p + "telephone1", 50, f"Address {n}: Phone"),
        double(p + "latitude", f"Address {n}: Latitude", precision=5, min_value=-90, max_value=90),
        double(p + "longitude", f"Address {n}: Longitude", precision=5, min_value=-180, max_value=180),
    ]


def contact_channels() -> list[AttributeMetadata]:
    """E-mail, phone and web columns shared by lead, account and contact."""
    return [
        string("emailaddress1", 100, "Email"),
        string("emailaddress2", 100, "Email Address 2"),
        string("emailaddress3", 100, "Email Address 3"),
        string("telephone1", 50, "Business Phone"),
        string("telephone2", 50, "Home Phone"),
        string("telephone3", 50, "Other Phone"),
        string("fax", 50, "Fax"),
        string("websiteurl", 200, "Website"),
    ]


def do_not_flags() -> list[AttributeMetadata]:
    allow = ("Allow", "Do Not Allow")
    return [
        boolean("donotemail", "Do not allow Emails", labels=allow),
        boolean("donotbulkemail", "Do not allow Bulk Emails", labels=allow),
        boolean("donotphone", "Do not allow Phone Calls", labels=allow),
        boolean("donotfax", "Do not allow Faxes", labels=allow),
        boolean("donotpostalmail", "Do not allow Mails", labels=allow),
        boolean("donotsendmm", "Send Marketing Materials", labels=("Send", "Do Not Send")),
    ]


def process_columns() -> list[AttributeMetadata]:
    """Business process flow tracking (process, active stage, traversed path)."""
    return [
        uniqueidentifier("processid", "Process"),
        uniqueidentifier("stageid", "Process Stage"),
        string("traversedpath", 1250, "Traversed Path"),
    ]


def person_names() -> list[AttributeMetadata]:
    return [
        string("salutation", 100, "Salutation"),
        string("firstname", 50, "First Name"),
        string("middlename", 50, "Middle Name"),
        string("jobtitle", 100, "Job Title"),
        string("yomifirstname", 150, "Yomi First Name"),
        string("yomimiddlename", 150, "Yomi Middle Name"),
        string("yomilastname", 150, "Yomi Last Name"),
        string("yomifullname", 450, "Yomi Full Name"),
        string("mobilephone", 20, "Mobile Phone"),
        string("pager", 20, "Pager"),
    ]


def _computed(a: AttributeMetadata) -> AttributeMetadata:
    import attrs

    return attrs.evolve(a, is_computed=True)


LEAD = table(
    "lead", "Lead", "Leads",
    [
        string("subject", 300, "Topic", required=REQUIRED),
        *person_names(),
        string("lastname", 50, "Last Name", required=REQUIRED),
        _computed(string("fullname", 160, "Name")),
        string("companyname", 100, "Company Name"),
        string("yomicompanyname", 100, "Yomi Company Name"),
        *contact_channels(),
        *address(1),
        *address(2),
        memo("description", 2000, "Description"),
        memo("qualificationcomments", 2000, "Qualification Comments"),
        picklist("leadsourcecode", o.LEAD_SOURCE, "Lead Source"),
        picklist("leadqualitycode", o.RATING, "Rating", default=2),
        picklist("industrycode", o.INDUSTRY, "Industry"),
        picklist("prioritycode", o.PRIORITY, "Priority", default=1),
        picklist("preferredcontactmethodcode", o.PREFERRED_CONTACT_METHOD, "Preferred Method of Contact", default=1),
        picklist("budgetstatus", o.BUDGET_STATUS, "Budget"),
        picklist("purchasetimeframe", o.PURCHASE_TIMEFRAME, "Purchase Timeframe"),
        picklist("purchaseprocess", o.PURCHASE_PROCESS, "Purchase Process"),
        picklist("need", o.NEED, "Need"),
        picklist("salesstage", o.SALES_STAGE, "Sales Stage", default=0),
        picklist("initialcommunication", o.INITIAL_COMMUNICATION, "Initial Communication"),
        money("budgetamount", "Budget Amount"),
        money("estimatedamount", "Est. Value"),
        double("estimatedvalue", "Est. Value (deprecated)"),
        date("estimatedclosedate", "Est. Close Date"),
        money("revenue", "Annual Revenue"),
        integer("numberofemployees", "No. of Employees", min_value=0, max_value=1000000000),
        string("sic", 20, "SIC Code"),
        boolean("decisionmaker", "Decision Maker?", labels=("no", "yes")),
        boolean("evaluatefit", "Evaluate Fit"),
        boolean("confirminterest", "Confirm Interest"),
        boolean("merged", "Merged"),
        *do_not_flags(),
        lookup("parentaccountid", "account", "Existing Account", relationship="lead_parent_account"),
        lookup("parentcontactid", "contact", "Existing Contact", relationship="lead_parent_contact"),
        customer("customerid", "Customer",
                 relationship={"account": "lead_customer_accounts", "contact": "lead_customer_contacts"}),
        lookup("qualifyingopportunityid", "opportunity", "Qualifying Opportunity",
               relationship="lead_qualifying_opportunity"),
        lookup("campaignid", "campaign", "Source Campaign", relationship="campaign_leads"),
        lookup("originatingcaseid", "incident", "Originating Case", relationship="lead_originating_case"),
        lookup("masterid", "lead", "Master ID", relationship="lead_master_lead"),
        integer("msdyn_leadscore", "Lead Score", min_value=0, max_value=100),
        picklist("msdyn_leadgrade", o.LEAD_GRADE, "Lead Grade"),
        picklist("msdyn_leadscoretrend", o.SCORE_TREND, "Lead Score Trend"),
        lookup("msdyn_predictivescoreid", "msdyn_predictivescore", "Predictive Score",
               relationship="msdyn_msdyn_predictivescore_lead"),
        memo("msdyn_salesassignmentresult", 2000, "Assignment Result",
             description="Why the record has its owner: the assignment rule that routed it."),
        *process_columns(),
    ],
    primary_name="fullname",
    state_model=states(
        (0, "Open", {1: "New", 2: "Contacted"}),
        (1, "Qualified", {3: "Qualified"}),
        (2, "Disqualified", {4: "Lost", 5: "Cannot Contact", 6: "No Longer Interested", 7: "Canceled"}),
        message_only={1: "QualifyLead"},
    ),
    object_type_code=4,
    currency=True,
    mergeable=True,
    duplicate_detection=True,
    description="Prospect or potential sales opportunity. Leads are converted into accounts, contacts, "
    "or opportunities when they are qualified.",
    change_tracking=True,
)

ACCOUNT = table(
    "account", "Account", "Accounts",
    [
        string("name", 160, "Account Name", required=REQUIRED),
        string("accountnumber", 20, "Account Number"),
        string("yominame", 160, "Yomi Account Name"),
        string("tickersymbol", 10, "Ticker Symbol"),
        *contact_channels(),
        *address(1),
        *address(2),
        memo("description", 2000, "Description"),
        picklist("accountcategorycode", o.ACCOUNT_CATEGORY, "Category"),
        picklist("customertypecode", o.CUSTOMER_TYPE, "Relationship Type"),
        picklist("industrycode", o.INDUSTRY, "Industry"),
        picklist("ownershipcode", o.OWNERSHIP, "Ownership"),
        picklist("accountratingcode", o.RATING, "Account Rating"),
        picklist("preferredcontactmethodcode", o.PREFERRED_CONTACT_METHOD, "Preferred Method of Contact", default=1),
        money("revenue", "Annual Revenue"),
        money("creditlimit", "Credit Limit"),
        boolean("creditonhold", "Credit Hold"),
        integer("numberofemployees", "Number of Employees", min_value=0, max_value=1000000000),
        string("sic", 20, "SIC Code"),
        boolean("merged", "Merged"),
        *do_not_flags(),
        lookup("parentaccountid", "account", "Parent Account", relationship="account_parent_account"),
        lookup("primarycontactid", "contact", "Primary Contact", relationship="account_primary_contact"),
        lookup("originatingleadid", "lead", "Originating Lead", relationship="account_originating_lead"),
        lookup("masterid", "account", "Master ID", relationship="account_master_account"),
        *process_columns(),
    ],
    primary_name="name",
    state_model=states(*o.ACTIVE_INACTIVE),
    object_type_code=1,
    currency=True,
    mergeable=True,
    duplicate_detection=True,
    hierarchy="parentaccountid",
    description="Business that represents a customer or potential customer.",
    change_tracking=True,
)

CONTACT = table(
    "contact", "Contact", "Contacts",
    [
        *person_names(),
        string("lastname", 50, "Last Name", required=REQUIRED),
        _computed(string("fullname", 160, "Full Name")),
        string("department", 100, "Department"),
        string("assistantname", 100, "Assistant"),
        string("managername", 100, "Manager"),
        string("spousesname", 100, "Spouse/Partner Name"),
        *contact_channels(),
        *address(1),
        *address(2),
        memo("description", 2000, "Description"),
        date("birthdate", "Birthday"),
        picklist("gendercode", o.GENDER, "Gender"),
        picklist("familystatuscode", o.FAMILY_STATUS, "Marital Status"),
        picklist("customertypecode", o.CUSTOMER_TYPE, "Relationship Type"),
        picklist("preferredcontactmethodcode", o.PREFERRED_CONTACT_METHOD, "Preferred Method of Contact", default=1),
        boolean("merged", "Merged"),
        *do_not_flags(),
        customer("parentcustomerid", "Company Name",
                 relationship={"account": "contact_customer_accounts", "contact": "contact_customer_contacts"}),
        lookup("originatingleadid", "lead", "Originating Lead", relationship="contact_originating_lead"),
        lookup("masterid", "contact", "Master ID", relationship="contact_master_contact"),
        *process_columns(),
    ],
    primary_name="fullname",
    state_model=states(*o.ACTIVE_INACTIVE),
    object_type_code=2,
    currency=True,
    mergeable=True,
    duplicate_detection=True,
    description="Person with whom a business unit has a relationship, such as customer, supplier, and colleague.",
    change_tracking=True,
)

OPPORTUNITY = table(
    "opportunity", "Opportunity", "Opportunities",
    [
        string("name", 300, "Topic", required=REQUIRED),
        customer("customerid", "Potential Customer", delete=CascadeType.CASCADE,
                 relationship={"account": "opportunity_customer_accounts",
                               "contact": "opportunity_customer_contacts"}),
        lookup("parentaccountid", "account", "Account", relationship="opportunity_parent_account",
               delete=CascadeType.CASCADE),
        lookup("parentcontactid", "contact", "Contact", relationship="opportunity_parent_contact"),
        lookup("originatingleadid", "lead", "Originating Lead", relationship="opportunity_originating_lead"),
        lookup("campaignid", "campaign", "Source Campaign", relationship="campaign_opportunities"),
        money("estimatedvalue", "Est. Revenue"),
        date("estimatedclosedate", "Est. Close Date"),
        money("actualvalue", "Actual Revenue"),
        date("actualclosedate", "Actual Close Date"),
        money("budgetamount", "Budget Amount"),
        integer("closeprobability", "Probability", min_value=0, max_value=100),
        picklist("budgetstatus", o.BUDGET_STATUS, "Budget"),
        picklist("purchasetimeframe", o.PURCHASE_TIMEFRAME, "Purchase Timeframe"),
        picklist("purchaseprocess", o.PURCHASE_PROCESS, "Purchase Process"),
        picklist("need", o.NEED, "Need"),
        picklist("salesstage", o.SALES_STAGE, "Sales Stage", default=0),
        picklist("opportunityratingcode", o.RATING, "Rating", default=2),
        picklist("prioritycode", o.PRIORITY, "Priority", default=1),
        boolean("decisionmaker", "Decision Maker?", labels=("no", "yes")),
        string("stepname", 200, "Pipeline Phase"),
        memo("description", 2000, "Description"),
        memo("qualificationcomments", 2000, "Qualification Comments"),
        memo("currentsituation", 2000, "Current Situation"),
        memo("customerneed", 2000, "Customer Need"),
        memo("proposedsolution", 2000, "Proposed Solution"),
        integer("msdyn_opportunityscore", "Opportunity Score", min_value=0, max_value=100),
        picklist("msdyn_opportunitygrade", o.LEAD_GRADE, "Opportunity Grade"),
        picklist("msdyn_opportunityscoretrend", o.SCORE_TREND, "Opportunity Score Trend"),
        lookup("msdyn_predictivescoreid", "msdyn_predictivescore", "Predictive Score",
               relationship="msdyn_msdyn_predictivescore_opportunity"),
        memo("msdyn_salesassignmentresult", 2000, "Assignment Result",
             description="Why the record has its owner: the assignment rule that routed it."),
        *process_columns(),
    ],
    primary_name="name",
    state_model=states(
        (0, "Open", {1: "In Progress", 2: "On Hold"}),
        (1, "Won", {3: "Won"}),
        (2, "Lost", {4: "Canceled", 5: "Out-Sold"}),
        message_only={1: "WinOpportunity", 2: "LoseOpportunity"},
    ),
    object_type_code=3,
    currency=True,
    duplicate_detection=True,
    description="Potential revenue-generating event, or sale to an account, which needs to be tracked "
    "through a sales process to completion.",
    change_tracking=True,
)

TABLES: list[TableDecl] = [LEAD, ACCOUNT, CONTACT, OPPORTUNITY]
