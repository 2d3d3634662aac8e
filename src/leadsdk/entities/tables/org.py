"""The organization and its principals: organization, businessunit, systemuser, team, role, currency."""

from __future__ import annotations

import attrs

from leadsdk.entities.declare import (
    REQUIRED,
    TableDecl,
    boolean,
    decimal,
    integer,
    lookup,
    memo,
    states,
    string,
    table,
)
from leadsdk.entities.declare import optionset as _optionset
from leadsdk.entities.declare import picklist as _picklist
from leadsdk.entities.model import CascadeType, OwnershipType
from leadsdk.entities.tables import optionsets as o

ORG = OwnershipType.ORGANIZATION_OWNED
BIZ = OwnershipType.BUSINESS_OWNED

FULL_NAME_CONVENTION = _optionset("FullNameConventionCode", {
    0: "Last Name, First Name", 1: "First Name", 2: "Last Name, First Name, Middle Initial",
    3: "First Name, Middle Initial, Last Name", 4: "Last Name, First Name, Middle Name",
    5: "First Name, Middle Name, Last Name", 6: "Last Name, space, First Name", 7: "Last Name, no space, First Name",
})
"""How full names are built (organization.fullnameconventioncode; UserSettingsFullNameConventionCode values)."""

ORGANIZATION = table(
    "organization", "Organization", "Organizations",
    [
        string("name", 160, "Name", required=REQUIRED),
        lookup("basecurrencyid", "transactioncurrency", "Currency", relationship="basecurrency_organization",
               delete=CascadeType.RESTRICT),
        boolean("isduplicatedetectionenabled", "Is Duplicate Detection Enabled", default=True),
        boolean("isduplicatedetectionenabledforonlinecreateupdate",
                "Is Duplicate Detection Enabled For Online Create/Update", default=True),
        boolean("isauditenabled", "Is Auditing Enabled", default=True),
        boolean("createaccountonqualify", "Create Account On Qualify", default=True),
        boolean("createcontactonqualify", "Create Contact On Qualify", default=True),
        boolean("createopportunityonqualify", "Create Opportunity On Qualify", default=True),
        boolean("allowmultipleopportunitiesperlead", "Allow Multiple Opportunities Per Lead", default=False),
        boolean("promptonqualify", "Let Sellers Choose What To Create On Qualify", default=False),
        integer("maxuploadfilesize", "Max Upload File Size", min_value=0, max_value=131072000),
        integer("maxrecordsforexporttoexcel", "Max Records For Export", min_value=0),
        _picklist("fullnameconventioncode", FULL_NAME_CONVENTION, "Full Name Display Order", default=1),
    ],
    ownership=OwnershipType.NONE,
    object_type_code=1019,
    description="Top level of the business hierarchy: the store's settings.",
)

TRANSACTIONCURRENCY = table(
    "transactioncurrency", "Currency", "Currencies",
    [
        string("currencyname", 100, "Currency Name", required=REQUIRED),
        string("isocurrencycode", 5, "Currency Code", required=REQUIRED),
        string("currencysymbol", 10, "Currency Symbol", required=REQUIRED),
        decimal("exchangerate", "Exchange Rate", precision=10, min_value=0.0000000001, max_value=100000000000,
                required=REQUIRED),
        integer("currencyprecision", "Currency Precision", min_value=0, max_value=4),
    ],
    primary_name="currencyname",
    ownership=ORG,
    state_model=states(*o.ACTIVE_INACTIVE),
    object_type_code=9105,
    description="Currency in which a financial transaction is carried out.",
)

BUSINESSUNIT = table(
    "businessunit", "Business Unit", "Business Units",
    [
        string("name", 160, "Name", required=REQUIRED),
        string("divisionname", 100, "Division"),
        string("emailaddress", 100, "Email"),
        string("websiteurl", 200, "Website"),
        memo("description", 2000, "Description"),
        boolean("isdisabled", "Is Disabled"),
        lookup("parentbusinessunitid", "businessunit", "Parent Business",
               relationship="business_unit_parent_business_unit", delete=CascadeType.RESTRICT),
    ],
    ownership=BIZ,
    object_type_code=10,
    hierarchy="parentbusinessunitid",
    description="Business, division, or department in the database.",
)

ACCESS_MODE = _optionset("AccessMode", {
    0: "Read-Write", 1: "Administrative", 2: "Read", 3: "Support User", 4: "Non-interactive", 5: "Delegated Admin",
})

SYSTEMUSER = table(
    "systemuser", "User", "Users",
    [
        string("firstname", 64, "First Name"),
        string("middlename", 50, "Middle Name"),
        string("lastname", 64, "Last Name", required=REQUIRED),
        # built from first and last name, as lead's and contact's (every owner lookup then has a name)
        attrs.evolve(string("fullname", 200, "Full Name"), is_computed=True),
        string("domainname", 1024, "User Name", required=REQUIRED),
        string("internalemailaddress", 100, "Primary Email"),
        string("title", 128, "Title"),
        string("jobtitle", 100, "Job Title"),
        string("mobilephone", 64, "Mobile Phone"),
        boolean("isdisabled", "Status", labels=("Enabled", "Disabled")),
        _picklist("accessmode", ACCESS_MODE, "Access Mode", default=0),
        lookup("businessunitid", "businessunit", "Business Unit", relationship="business_unit_system_users",
               delete=CascadeType.RESTRICT, required=REQUIRED),
        lookup("parentsystemuserid", "systemuser", "Manager", relationship="user_parent_user"),
        integer("msdyn_capacity", "Capacity", min_value=0),
    ],
    primary_name="fullname",
    ownership=BIZ,
    object_type_code=8,
    hierarchy="parentsystemuserid",
    description="Person with access to the system and who owns objects in the database.",
)

TEAM_TYPE = _optionset("TeamType", {0: "Owner", 1: "Access", 2: "Security Group", 3: "Office Group"})

TEAM = table(
    "team", "Team", "Teams",
    [
        string("name", 160, "Team Name", required=REQUIRED),
        memo("description", 2000, "Description"),
        string("emailaddress", 100, "Email"),
        _picklist("teamtype", TEAM_TYPE, "Team Type", default=0),
        boolean("isdefault", "Is Default"),
        lookup("businessunitid", "businessunit", "Business Unit", relationship="business_unit_teams",
               delete=CascadeType.RESTRICT, required=REQUIRED),
        lookup("administratorid", "systemuser", "Administrator", relationship="lk_teambase_administratorid"),
    ],
    ownership=BIZ,
    object_type_code=9,
    description="Collection of system users that routinely collaborate.",
)

ROLE = table(
    "role", "Security Role", "Security Roles",
    [
        string("name", 100, "Name", required=REQUIRED),
        lookup("businessunitid", "businessunit", "Business Unit", relationship="business_unit_roles",
               delete=CascadeType.RESTRICT, required=REQUIRED),
        lookup("parentroleid", "role", "Parent Role", relationship="role_parent_role"),
    ],
    ownership=BIZ,
    object_type_code=1036,
    description="Grouping of security privileges. Users are assigned roles that authorize their access.",
)

TABLES: list[TableDecl] = [ORGANIZATION, TRANSACTIONCURRENCY, BUSINESSUNIT, SYSTEMUSER, TEAM, ROLE]
