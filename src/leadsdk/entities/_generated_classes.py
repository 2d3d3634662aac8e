"""Early-bound classes for the built-in tables, built on first use (see `leadsdk.entities`).

Generated from the table metadata by `python tools/codegen.py`: do not edit.
"""

# ruff: noqa: E501

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import ClassVar

import attrs

from leadsdk.entities.earlybound import EarlyBoundEntity
from leadsdk.types import EntityReference, Money, OptionSetValue


@attrs.define(kw_only=True, repr=False)
class Organization(EarlyBoundEntity):
    """Organization (`organization`): Top level of the business hierarchy: the store's settings.

    Primary id `organizationid`, primary name `name`.
    """

    logical_name: ClassVar[str] = "organization"
    primary_id_attribute: ClassVar[str] = "organizationid"

    organizationid: uuid.UUID | None = None  # Organization
    name: str | None = None  # Name
    basecurrencyid: EntityReference | None = None  # Currency -> transactioncurrency
    isduplicatedetectionenabled: bool | None = None  # Is Duplicate Detection Enabled
    isduplicatedetectionenabledforonlinecreateupdate: bool | None = None  # Is Duplicate Detection Enabled For Online Create/Update
    isauditenabled: bool | None = None  # Is Auditing Enabled
    createaccountonqualify: bool | None = None  # Create Account On Qualify
    createcontactonqualify: bool | None = None  # Create Contact On Qualify
    createopportunityonqualify: bool | None = None  # Create Opportunity On Qualify
    allowmultipleopportunitiesperlead: bool | None = None  # Allow Multiple Opportunities Per Lead
    promptonqualify: bool | None = None  # Let Sellers Choose What To Create On Qualify
    maxuploadfilesize: int | None = None  # Max Upload File Size
    maxrecordsforexporttoexcel: int | None = None  # Max Records For Export
    fullnameconventioncode: OptionSetValue | int | None = None  # Full Name Display Order (FullNameConventionCode)
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number


@attrs.define(kw_only=True, repr=False)
class TransactionCurrency(EarlyBoundEntity):
    """Currency (`transactioncurrency`): Currency in which a financial transaction is carried out.

    Primary id `transactioncurrencyid`, primary name `currencyname`.
    States: `TransactionCurrencyState`; status reasons: `TransactionCurrencyStatus`.
    """

    logical_name: ClassVar[str] = "transactioncurrency"
    primary_id_attribute: ClassVar[str] = "transactioncurrencyid"

    transactioncurrencyid: uuid.UUID | None = None  # Currency
    currencyname: str | None = None  # Currency Name
    isocurrencycode: str | None = None  # Currency Code
    currencysymbol: str | None = None  # Currency Symbol
    exchangerate: Decimal | None = None  # Exchange Rate
    currencyprecision: int | None = None  # Currency Precision
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    organizationid: EntityReference | None = None  # Organization -> organization
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class BusinessUnit(EarlyBoundEntity):
    """Business Unit (`businessunit`): Business, division, or department in the database.

    Primary id `businessunitid`, primary name `name`.
    """

    logical_name: ClassVar[str] = "businessunit"
    primary_id_attribute: ClassVar[str] = "businessunitid"

    businessunitid: uuid.UUID | None = None  # Business Unit
    name: str | None = None  # Name
    divisionname: str | None = None  # Division
    emailaddress: str | None = None  # Email
    websiteurl: str | None = None  # Website
    description: str | None = None  # Description
    isdisabled: bool | None = None  # Is Disabled
    parentbusinessunitid: EntityReference | None = None  # Parent Business -> businessunit
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number


@attrs.define(kw_only=True, repr=False)
class SystemUser(EarlyBoundEntity):
    """User (`systemuser`): Person with access to the system and who owns objects in the database.

    Primary id `systemuserid`, primary name `fullname`.
    """

    logical_name: ClassVar[str] = "systemuser"
    primary_id_attribute: ClassVar[str] = "systemuserid"

    systemuserid: uuid.UUID | None = None  # User
    firstname: str | None = None  # First Name
    middlename: str | None = None  # Middle Name
    lastname: str | None = None  # Last Name
    fullname: str | None = None  # Full Name
    domainname: str | None = None  # User Name
    internalemailaddress: str | None = None  # Primary Email
    title: str | None = None  # Title
    jobtitle: str | None = None  # Job Title
    mobilephone: str | None = None  # Mobile Phone
    isdisabled: bool | None = None  # Status
    accessmode: OptionSetValue | int | None = None  # Access Mode (AccessMode)
    businessunitid: EntityReference | None = None  # Business Unit -> businessunit
    parentsystemuserid: EntityReference | None = None  # Manager -> systemuser
    msdyn_capacity: int | None = None  # Capacity
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number


@attrs.define(kw_only=True, repr=False)
class Team(EarlyBoundEntity):
    """Team (`team`): Collection of system users that routinely collaborate.

    Primary id `teamid`, primary name `name`.
    """

    logical_name: ClassVar[str] = "team"
    primary_id_attribute: ClassVar[str] = "teamid"

    teamid: uuid.UUID | None = None  # Team
    name: str | None = None  # Team Name
    description: str | None = None  # Description
    emailaddress: str | None = None  # Email
    teamtype: OptionSetValue | int | None = None  # Team Type (TeamType)
    isdefault: bool | None = None  # Is Default
    businessunitid: EntityReference | None = None  # Business Unit -> businessunit
    administratorid: EntityReference | None = None  # Administrator -> systemuser
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number


@attrs.define(kw_only=True, repr=False)
class Role(EarlyBoundEntity):
    """Security Role (`role`): Grouping of security privileges. Users are assigned roles that authorize their access.

    Primary id `roleid`, primary name `name`.
    """

    logical_name: ClassVar[str] = "role"
    primary_id_attribute: ClassVar[str] = "roleid"

    roleid: uuid.UUID | None = None  # Security Role
    name: str | None = None  # Name
    businessunitid: EntityReference | None = None  # Business Unit -> businessunit
    parentroleid: EntityReference | None = None  # Parent Role -> role
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number


@attrs.define(kw_only=True, repr=False)
class Lead(EarlyBoundEntity):
    """Lead (`lead`): Prospect or potential sales opportunity. Leads are converted into accounts, contacts, or opportunities when they are qualified.

    Primary id `leadid`, primary name `fullname`.
    States: `LeadState`; status reasons: `LeadStatus`.
    """

    logical_name: ClassVar[str] = "lead"
    primary_id_attribute: ClassVar[str] = "leadid"

    leadid: uuid.UUID | None = None  # Lead
    subject: str | None = None  # Topic
    salutation: str | None = None  # Salutation
    firstname: str | None = None  # First Name
    middlename: str | None = None  # Middle Name
    jobtitle: str | None = None  # Job Title
    yomifirstname: str | None = None  # Yomi First Name
    yomimiddlename: str | None = None  # Yomi Middle Name
    yomilastname: str | None = None  # Yomi Last Name
    yomifullname: str | None = None  # Yomi Full Name
    mobilephone: str | None = None  # Mobile Phone
    pager: str | None = None  # Pager
    lastname: str | None = None  # Last Name
    fullname: str | None = None  # Name
    companyname: str | None = None  # Company Name
    yomicompanyname: str | None = None  # Yomi Company Name
    emailaddress1: str | None = None  # Email
    emailaddress2: str | None = None  # Email Address 2
    emailaddress3: str | None = None  # Email Address 3
    telephone1: str | None = None  # Business Phone
    telephone2: str | None = None  # Home Phone
    telephone3: str | None = None  # Other Phone
    fax: str | None = None  # Fax
    websiteurl: str | None = None  # Website
    address1_name: str | None = None  # Address 1: Name
    address1_line1: str | None = None  # Address 1: Street 1
    address1_line2: str | None = None  # Address 1: Street 2
    address1_line3: str | None = None  # Address 1: Street 3
    address1_city: str | None = None  # Address 1: City
    address1_stateorprovince: str | None = None  # Address 1: State/Province
    address1_postalcode: str | None = None  # Address 1: ZIP/Postal Code
    address1_country: str | None = None  # Address 1: Country/Region
    address1_county: str | None = None  # Address 1: County
    address1_telephone1: str | None = None  # Address 1: Phone
    address1_latitude: float | None = None  # Address 1: Latitude
    address1_longitude: float | None = None  # Address 1: Longitude
    address2_name: str | None = None  # Address 2: Name
    address2_line1: str | None = None  # Address 2: Street 1
    address2_line2: str | None = None  # Address 2: Street 2
    address2_line3: str | None = None  # Address 2: Street 3
    address2_city: str | None = None  # Address 2: City
    address2_stateorprovince: str | None = None  # Address 2: State/Province
    address2_postalcode: str | None = None  # Address 2: ZIP/Postal Code
    address2_country: str | None = None  # Address 2: Country/Region
    address2_county: str | None = None  # Address 2: County
    address2_telephone1: str | None = None  # Address 2: Phone
    address2_latitude: float | None = None  # Address 2: Latitude
    address2_longitude: float | None = None  # Address 2: Longitude
    description: str | None = None  # Description
    qualificationcomments: str | None = None  # Qualification Comments
    leadsourcecode: OptionSetValue | int | None = None  # Lead Source (LeadSourceCode)
    leadqualitycode: OptionSetValue | int | None = None  # Rating (RatingCode)
    industrycode: OptionSetValue | int | None = None  # Industry (IndustryCode)
    prioritycode: OptionSetValue | int | None = None  # Priority (PriorityCode)
    preferredcontactmethodcode: OptionSetValue | int | None = None  # Preferred Method of Contact (PreferredContactMethodCode)
    budgetstatus: OptionSetValue | int | None = None  # Budget (BudgetStatus)
    purchasetimeframe: OptionSetValue | int | None = None  # Purchase Timeframe (PurchaseTimeframe)
    purchaseprocess: OptionSetValue | int | None = None  # Purchase Process (PurchaseProcess)
    need: OptionSetValue | int | None = None  # Need (Need)
    salesstage: OptionSetValue | int | None = None  # Sales Stage (SalesStage)
    initialcommunication: OptionSetValue | int | None = None  # Initial Communication (InitialCommunication)
    budgetamount: Money | Decimal | None = None  # Budget Amount
    estimatedamount: Money | Decimal | None = None  # Est. Value
    estimatedvalue: float | None = None  # Est. Value (deprecated)
    estimatedclosedate: datetime.date | None = None  # Est. Close Date
    revenue: Money | Decimal | None = None  # Annual Revenue
    numberofemployees: int | None = None  # No. of Employees
    sic: str | None = None  # SIC Code
    decisionmaker: bool | None = None  # Decision Maker?
    evaluatefit: bool | None = None  # Evaluate Fit
    confirminterest: bool | None = None  # Confirm Interest
    merged: bool | None = None  # Merged
    donotemail: bool | None = None  # Do not allow Emails
    donotbulkemail: bool | None = None  # Do not allow Bulk Emails
    donotphone: bool | None = None  # Do not allow Phone Calls
    donotfax: bool | None = None  # Do not allow Faxes
    donotpostalmail: bool | None = None  # Do not allow Mails
    donotsendmm: bool | None = None  # Send Marketing Materials
    parentaccountid: EntityReference | None = None  # Existing Account -> account
    parentcontactid: EntityReference | None = None  # Existing Contact -> contact
    customerid: EntityReference | None = None  # Customer -> account, contact
    qualifyingopportunityid: EntityReference | None = None  # Qualifying Opportunity -> opportunity
    campaignid: EntityReference | None = None  # Source Campaign -> campaign
    originatingcaseid: EntityReference | None = None  # Originating Case -> incident
    masterid: EntityReference | None = None  # Master ID -> lead
    msdyn_leadscore: int | None = None  # Lead Score
    msdyn_leadgrade: OptionSetValue | int | None = None  # Lead Grade (LeadGrade)
    msdyn_leadscoretrend: OptionSetValue | int | None = None  # Lead Score Trend (ScoreTrend)
    msdyn_predictivescoreid: EntityReference | None = None  # Predictive Score -> msdyn_predictivescore
    msdyn_salesassignmentresult: str | None = None  # Assignment Result
    processid: uuid.UUID | None = None  # Process
    stageid: uuid.UUID | None = None  # Process Stage
    traversedpath: str | None = None  # Traversed Path
    transactioncurrencyid: EntityReference | None = None  # Currency -> transactioncurrency
    exchangerate: Decimal | None = None  # Exchange Rate
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    ownerid: EntityReference | None = None  # Owner -> systemuser, team
    owninguser: EntityReference | None = None  # Owning User -> systemuser
    owningteam: EntityReference | None = None  # Owning Team -> team
    owningbusinessunit: EntityReference | None = None  # Owning Business Unit -> businessunit
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class Account(EarlyBoundEntity):
    """Account (`account`): Business that represents a customer or potential customer.

    Primary id `accountid`, primary name `name`.
    States: `AccountState`; status reasons: `AccountStatus`.
    """

    logical_name: ClassVar[str] = "account"
    primary_id_attribute: ClassVar[str] = "accountid"

    accountid: uuid.UUID | None = None  # Account
    name: str | None = None  # Account Name
    accountnumber: str | None = None  # Account Number
    yominame: str | None = None  # Yomi Account Name
    tickersymbol: str | None = None  # Ticker Symbol
    emailaddress1: str | None = None  # Email
    emailaddress2: str | None = None  # Email Address 2
    emailaddress3: str | None = None  # Email Address 3
    telephone1: str | None = None  # Business Phone
    telephone2: str | None = None  # Home Phone
    telephone3: str | None = None  # Other Phone
    fax: str | None = None  # Fax
    websiteurl: str | None = None  # Website
    address1_name: str | None = None  # Address 1: Name
    address1_line1: str | None = None  # Address 1: Street 1
    address1_line2: str | None = None  # Address 1: Street 2
    address1_line3: str | None = None  # Address 1: Street 3
    address1_city: str | None = None  # Address 1: City
    address1_stateorprovince: str | None = None  # Address 1: State/Province
    address1_postalcode: str | None = None  # Address 1: ZIP/Postal Code
    address1_country: str | None = None  # Address 1: Country/Region
    address1_county: str | None = None  # Address 1: County
    address1_telephone1: str | None = None  # Address 1: Phone
    address1_latitude: float | None = None  # Address 1: Latitude
    address1_longitude: float | None = None  # Address 1: Longitude
    address2_name: str | None = None  # Address 2: Name
    address2_line1: str | None = None  # Address 2: Street 1
    address2_line2: str | None = None  # Address 2: Street 2
    address2_line3: str | None = None  # Address 2: Street 3
    address2_city: str | None = None  # Address 2: City
    address2_stateorprovince: str | None = None  # Address 2: State/Province
    address2_postalcode: str | None = None  # Address 2: ZIP/Postal Code
    address2_country: str | None = None  # Address 2: Country/Region
    address2_county: str | None = None  # Address 2: County
    address2_telephone1: str | None = None  # Address 2: Phone
    address2_latitude: float | None = None  # Address 2: Latitude
    address2_longitude: float | None = None  # Address 2: Longitude
    description: str | None = None  # Description
    accountcategorycode: OptionSetValue | int | None = None  # Category (AccountCategoryCode)
    customertypecode: OptionSetValue | int | None = None  # Relationship Type (CustomerTypeCode)
    industrycode: OptionSetValue | int | None = None  # Industry (IndustryCode)
    ownershipcode: OptionSetValue | int | None = None  # Ownership (OwnershipCode)
    accountratingcode: OptionSetValue | int | None = None  # Account Rating (RatingCode)
    preferredcontactmethodcode: OptionSetValue | int | None = None  # Preferred Method of Contact (PreferredContactMethodCode)
    revenue: Money | Decimal | None = None  # Annual Revenue
    creditlimit: Money | Decimal | None = None  # Credit Limit
    creditonhold: bool | None = None  # Credit Hold
    numberofemployees: int | None = None  # Number of Employees
    sic: str | None = None  # SIC Code
    merged: bool | None = None  # Merged
    donotemail: bool | None = None  # Do not allow Emails
    donotbulkemail: bool | None = None  # Do not allow Bulk Emails
    donotphone: bool | None = None  # Do not allow Phone Calls
    donotfax: bool | None = None  # Do not allow Faxes
    donotpostalmail: bool | None = None  # Do not allow Mails
    donotsendmm: bool | None = None  # Send Marketing Materials
    parentaccountid: EntityReference | None = None  # Parent Account -> account
    primarycontactid: EntityReference | None = None  # Primary Contact -> contact
    originatingleadid: EntityReference | None = None  # Originating Lead -> lead
    masterid: EntityReference | None = None  # Master ID -> account
    processid: uuid.UUID | None = None  # Process
    stageid: uuid.UUID | None = None  # Process Stage
    traversedpath: str | None = None  # Traversed Path
    transactioncurrencyid: EntityReference | None = None  # Currency -> transactioncurrency
    exchangerate: Decimal | None = None  # Exchange Rate
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    ownerid: EntityReference | None = None  # Owner -> systemuser, team
    owninguser: EntityReference | None = None  # Owning User -> systemuser
    owningteam: EntityReference | None = None  # Owning Team -> team
    owningbusinessunit: EntityReference | None = None  # Owning Business Unit -> businessunit
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class Contact(EarlyBoundEntity):
    """Contact (`contact`): Person with whom a business unit has a relationship, such as customer, supplier, and colleague.

    Primary id `contactid`, primary name `fullname`.
    States: `ContactState`; status reasons: `ContactStatus`.
    """

    logical_name: ClassVar[str] = "contact"
    primary_id_attribute: ClassVar[str] = "contactid"

    contactid: uuid.UUID | None = None  # Contact
    salutation: str | None = None  # Salutation
    firstname: str | None = None  # First Name
    middlename: str | None = None  # Middle Name
    jobtitle: str | None = None  # Job Title
    yomifirstname: str | None = None  # Yomi First Name
    yomimiddlename: str | None = None  # Yomi Middle Name
    yomilastname: str | None = None  # Yomi Last Name
    yomifullname: str | None = None  # Yomi Full Name
    mobilephone: str | None = None  # Mobile Phone
    pager: str | None = None  # Pager
    lastname: str | None = None  # Last Name
    fullname: str | None = None  # Full Name
    department: str | None = None  # Department
    assistantname: str | None = None  # Assistant
    managername: str | None = None  # Manager
    spousesname: str | None = None  # Spouse/Partner Name
    emailaddress1: str | None = None  # Email
    emailaddress2: str | None = None  # Email Address 2
    emailaddress3: str | None = None  # Email Address 3
    telephone1: str | None = None  # Business Phone
    telephone2: str | None = None  # Home Phone
    telephone3: str | None = None  # Other Phone
    fax: str | None = None  # Fax
    websiteurl: str | None = None  # Website
    address1_name: str | None = None  # Address 1: Name
    address1_line1: str | None = None  # Address 1: Street 1
    address1_line2: str | None = None  # Address 1: Street 2
    address1_line3: str | None = None  # Address 1: Street 3
    address1_city: str | None = None  # Address 1: City
    address1_stateorprovince: str | None = None  # Address 1: State/Province
    address1_postalcode: str | None = None  # Address 1: ZIP/Postal Code
    address1_country: str | None = None  # Address 1: Country/Region
    address1_county: str | None = None  # Address 1: County
    address1_telephone1: str | None = None  # Address 1: Phone
    address1_latitude: float | None = None  # Address 1: Latitude
    address1_longitude: float | None = None  # Address 1: Longitude
    address2_name: str | None = None  # Address 2: Name
    address2_line1: str | None = None  # Address 2: Street 1
    address2_line2: str | None = None  # Address 2: Street 2
    address2_line3: str | None = None  # Address 2: Street 3
    address2_city: str | None = None  # Address 2: City
    address2_stateorprovince: str | None = None  # Address 2: State/Province
    address2_postalcode: str | None = None  # Address 2: ZIP/Postal Code
    address2_country: str | None = None  # Address 2: Country/Region
    address2_county: str | None = None  # Address 2: County
    address2_telephone1: str | None = None  # Address 2: Phone
    address2_latitude: float | None = None  # Address 2: Latitude
    address2_longitude: float | None = None  # Address 2: Longitude
    description: str | None = None  # Description
    birthdate: datetime.date | None = None  # Birthday
    gendercode: OptionSetValue | int | None = None  # Gender (GenderCode)
    familystatuscode: OptionSetValue | int | None = None  # Marital Status (FamilyStatusCode)
    customertypecode: OptionSetValue | int | None = None  # Relationship Type (CustomerTypeCode)
    preferredcontactmethodcode: OptionSetValue | int | None = None  # Preferred Method of Contact (PreferredContactMethodCode)
    merged: bool | None = None  # Merged
    donotemail: bool | None = None  # Do not allow Emails
    donotbulkemail: bool | None = None  # Do not allow Bulk Emails
    donotphone: bool | None = None  # Do not allow Phone Calls
    donotfax: bool | None = None  # Do not allow Faxes
    donotpostalmail: bool | None = None  # Do not allow Mails
    donotsendmm: bool | None = None  # Send Marketing Materials
    parentcustomerid: EntityReference | None = None  # Company Name -> account, contact
    originatingleadid: EntityReference | None = None  # Originating Lead -> lead
    masterid: EntityReference | None = None  # Master ID -> contact
    processid: uuid.UUID | None = None  # Process
    stageid: uuid.UUID | None = None  # Process Stage
    traversedpath: str | None = None  # Traversed Path
    transactioncurrencyid: EntityReference | None = None  # Currency -> transactioncurrency
    exchangerate: Decimal | None = None  # Exchange Rate
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    ownerid: EntityReference | None = None  # Owner -> systemuser, team
    owninguser: EntityReference | None = None  # Owning User -> systemuser
    owningteam: EntityReference | None = None  # Owning Team -> team
    owningbusinessunit: EntityReference | None = None  # Owning Business Unit -> businessunit
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class Opportunity(EarlyBoundEntity):
    """Opportunity (`opportunity`): Potential revenue-generating event, or sale to an account, which needs to be tracked through a sales process to completion.

    Primary id `opportunityid`, primary name `name`.
    States: `OpportunityState`; status reasons: `OpportunityStatus`.
    """

    logical_name: ClassVar[str] = "opportunity"
    primary_id_attribute: ClassVar[str] = "opportunityid"

    opportunityid: uuid.UUID | None = None  # Opportunity
    name: str | None = None  # Topic
    customerid: EntityReference | None = None  # Potential Customer -> account, contact
    parentaccountid: EntityReference | None = None  # Account -> account
    parentcontactid: EntityReference | None = None  # Contact -> contact
    originatingleadid: EntityReference | None = None  # Originating Lead -> lead
    campaignid: EntityReference | None = None  # Source Campaign -> campaign
    estimatedvalue: Money | Decimal | None = None  # Est. Revenue
    estimatedclosedate: datetime.date | None = None  # Est. Close Date
    actualvalue: Money | Decimal | None = None  # Actual Revenue
    actualclosedate: datetime.date | None = None  # Actual Close Date
    budgetamount: Money | Decimal | None = None  # Budget Amount
    closeprobability: int | None = None  # Probability
    budgetstatus: OptionSetValue | int | None = None  # Budget (BudgetStatus)
    purchasetimeframe: OptionSetValue | int | None = None  # Purchase Timeframe (PurchaseTimeframe)
    purchaseprocess: OptionSetValue | int | None = None  # Purchase Process (PurchaseProcess)
    need: OptionSetValue | int | None = None  # Need (Need)
    salesstage: OptionSetValue | int | None = None  # Sales Stage (SalesStage)
    opportunityratingcode: OptionSetValue | int | None = None  # Rating (RatingCode)
    prioritycode: OptionSetValue | int | None = None  # Priority (PriorityCode)
    decisionmaker: bool | None = None  # Decision Maker?
    stepname: str | None = None  # Pipeline Phase
    description: str | None = None  # Description
    qualificationcomments: str | None = None  # Qualification Comments
    currentsituation: str | None = None  # Current Situation
    customerneed: str | None = None  # Customer Need
    proposedsolution: str | None = None  # Proposed Solution
    msdyn_opportunityscore: int | None = None  # Opportunity Score
    msdyn_opportunitygrade: OptionSetValue | int | None = None  # Opportunity Grade (LeadGrade)
    msdyn_opportunityscoretrend: OptionSetValue | int | None = None  # Opportunity Score Trend (ScoreTrend)
    msdyn_predictivescoreid: EntityReference | None = None  # Predictive Score -> msdyn_predictivescore
    msdyn_salesassignmentresult: str | None = None  # Assignment Result
    processid: uuid.UUID | None = None  # Process
    stageid: uuid.UUID | None = None  # Process Stage
    traversedpath: str | None = None  # Traversed Path
    transactioncurrencyid: EntityReference | None = None  # Currency -> transactioncurrency
    exchangerate: Decimal | None = None  # Exchange Rate
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    ownerid: EntityReference | None = None  # Owner -> systemuser, team
    owninguser: EntityReference | None = None  # Owning User -> systemuser
    owningteam: EntityReference | None = None  # Owning Team -> team
    owningbusinessunit: EntityReference | None = None  # Owning Business Unit -> businessunit
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class Incident(EarlyBoundEntity):
    """Case (`incident`): Service request case associated with a contract.

    Primary id `incidentid`, primary name `title`.
    States: `IncidentState`; status reasons: `IncidentStatus`.
    """

    logical_name: ClassVar[str] = "incident"
    primary_id_attribute: ClassVar[str] = "incidentid"

    incidentid: uuid.UUID | None = None  # Case
    title: str | None = None  # Case Title
    ticketnumber: str | None = None  # Case Number
    customerid: EntityReference | None = None  # Customer -> account, contact
    primarycontactid: EntityReference | None = None  # Contact -> contact
    casetypecode: OptionSetValue | int | None = None  # Case Type (CaseTypeCode)
    caseorigincode: OptionSetValue | int | None = None  # Origin (CaseOriginCode)
    prioritycode: OptionSetValue | int | None = None  # Priority (IncidentPriorityCode)
    severitycode: OptionSetValue | int | None = None  # Severity (IncidentSeverityCode)
    description: str | None = None  # Description
    isescalated: bool | None = None  # Is Escalated
    followupby: datetime.datetime | None = None  # Follow Up By
    parentcaseid: EntityReference | None = None  # Parent Case -> incident
    masterid: EntityReference | None = None  # Master Case -> incident
    merged: bool | None = None  # Merged
    processid: uuid.UUID | None = None  # Process
    stageid: uuid.UUID | None = None  # Process Stage
    traversedpath: str | None = None  # Traversed Path
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    ownerid: EntityReference | None = None  # Owner -> systemuser, team
    owninguser: EntityReference | None = None  # Owning User -> systemuser
    owningteam: EntityReference | None = None  # Owning Team -> team
    owningbusinessunit: EntityReference | None = None  # Owning Business Unit -> businessunit
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class IncidentResolution(EarlyBoundEntity):
    """Case Resolution (`incidentresolution`): Special type of activity that includes description of the resolution, billing status, and the duration of the case.

    Primary id `activityid`, primary name `subject`.
    States: `IncidentResolutionState`; status reasons: `IncidentResolutionStatus`.
    """

    logical_name: ClassVar[str] = "incidentresolution"
    primary_id_attribute: ClassVar[str] = "activityid"

    activityid: uuid.UUID | None = None  # Case Resolution
    subject: str | None = None  # Subject
    description: str | None = None  # Description
    regardingobjectid: EntityReference | None = None  # Regarding -> lead, account, contact, opportunity, incident, campaign
    scheduledstart: datetime.datetime | None = None  # Start Date
    scheduledend: datetime.datetime | None = None  # Due Date
    actualstart: datetime.datetime | None = None  # Actual Start
    actualend: datetime.datetime | None = None  # Actual End
    scheduleddurationminutes: int | None = None  # Scheduled Duration
    actualdurationminutes: int | None = None  # Actual Duration
    prioritycode: OptionSetValue | int | None = None  # Priority (PriorityCode)
    activitytypecode: str | None = None  # Activity Type
    isregularactivity: bool | None = None  # Is Regular Activity
    incidentid: EntityReference | None = None  # Case -> incident
    timespent: int | None = None  # Time Spent
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    ownerid: EntityReference | None = None  # Owner -> systemuser, team
    owninguser: EntityReference | None = None  # Owning User -> systemuser
    owningteam: EntityReference | None = None  # Owning Team -> team
    owningbusinessunit: EntityReference | None = None  # Owning Business Unit -> businessunit
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class Task(EarlyBoundEntity):
    """Task (`task`): Generic activity representing work needed to be done.

    Primary id `activityid`, primary name `subject`.
    States: `TaskState`; status reasons: `TaskStatus`.
    """

    logical_name: ClassVar[str] = "task"
    primary_id_attribute: ClassVar[str] = "activityid"

    activityid: uuid.UUID | None = None  # Task
    subject: str | None = None  # Subject
    description: str | None = None  # Description
    regardingobjectid: EntityReference | None = None  # Regarding -> lead, account, contact, opportunity, incident, campaign
    scheduledstart: datetime.datetime | None = None  # Start Date
    scheduledend: datetime.datetime | None = None  # Due Date
    actualstart: datetime.datetime | None = None  # Actual Start
    actualend: datetime.datetime | None = None  # Actual End
    scheduleddurationminutes: int | None = None  # Scheduled Duration
    actualdurationminutes: int | None = None  # Actual Duration
    prioritycode: OptionSetValue | int | None = None  # Priority (PriorityCode)
    activitytypecode: str | None = None  # Activity Type
    isregularactivity: bool | None = None  # Is Regular Activity
    percentcomplete: int | None = None  # Percent Complete
    category: str | None = None  # Category
    subcategory: str | None = None  # Sub-Category
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    ownerid: EntityReference | None = None  # Owner -> systemuser, team
    owninguser: EntityReference | None = None  # Owning User -> systemuser
    owningteam: EntityReference | None = None  # Owning Team -> team
    owningbusinessunit: EntityReference | None = None  # Owning Business Unit -> businessunit
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class PhoneCall(EarlyBoundEntity):
    """Phone Call (`phonecall`): Activity to track a telephone call.

    Primary id `activityid`, primary name `subject`.
    States: `PhoneCallState`; status reasons: `PhoneCallStatus`.
    """

    logical_name: ClassVar[str] = "phonecall"
    primary_id_attribute: ClassVar[str] = "activityid"

    activityid: uuid.UUID | None = None  # Phone Call
    subject: str | None = None  # Subject
    description: str | None = None  # Description
    regardingobjectid: EntityReference | None = None  # Regarding -> lead, account, contact, opportunity, incident, campaign
    scheduledstart: datetime.datetime | None = None  # Start Date
    scheduledend: datetime.datetime | None = None  # Due Date
    actualstart: datetime.datetime | None = None  # Actual Start
    actualend: datetime.datetime | None = None  # Actual End
    scheduleddurationminutes: int | None = None  # Scheduled Duration
    actualdurationminutes: int | None = None  # Actual Duration
    prioritycode: OptionSetValue | int | None = None  # Priority (PriorityCode)
    activitytypecode: str | None = None  # Activity Type
    isregularactivity: bool | None = None  # Is Regular Activity
    phonenumber: str | None = None  # Phone Number
    directioncode: bool | None = None  # Direction
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    ownerid: EntityReference | None = None  # Owner -> systemuser, team
    owninguser: EntityReference | None = None  # Owning User -> systemuser
    owningteam: EntityReference | None = None  # Owning Team -> team
    owningbusinessunit: EntityReference | None = None  # Owning Business Unit -> businessunit
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class Email(EarlyBoundEntity):
    """Email (`email`): Activity that is delivered using email protocols.

    Primary id `activityid`, primary name `subject`.
    States: `EmailState`; status reasons: `EmailStatus`.
    """

    logical_name: ClassVar[str] = "email"
    primary_id_attribute: ClassVar[str] = "activityid"

    activityid: uuid.UUID | None = None  # Email
    subject: str | None = None  # Subject
    description: str | None = None  # Description
    regardingobjectid: EntityReference | None = None  # Regarding -> lead, account, contact, opportunity, incident, campaign
    scheduledstart: datetime.datetime | None = None  # Start Date
    scheduledend: datetime.datetime | None = None  # Due Date
    actualstart: datetime.datetime | None = None  # Actual Start
    actualend: datetime.datetime | None = None  # Actual End
    scheduleddurationminutes: int | None = None  # Scheduled Duration
    actualdurationminutes: int | None = None  # Actual Duration
    prioritycode: OptionSetValue | int | None = None  # Priority (PriorityCode)
    activitytypecode: str | None = None  # Activity Type
    isregularactivity: bool | None = None  # Is Regular Activity
    sender: str | None = None  # From
    torecipients: str | None = None  # To Recipients
    directioncode: bool | None = None  # Direction
    messageid: str | None = None  # Message ID
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    ownerid: EntityReference | None = None  # Owner -> systemuser, team
    owninguser: EntityReference | None = None  # Owning User -> systemuser
    owningteam: EntityReference | None = None  # Owning Team -> team
    owningbusinessunit: EntityReference | None = None  # Owning Business Unit -> businessunit
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class Appointment(EarlyBoundEntity):
    """Appointment (`appointment`): Commitment representing a time interval with start/end times and duration.

    Primary id `activityid`, primary name `subject`.
    States: `AppointmentState`; status reasons: `AppointmentStatus`.
    """

    logical_name: ClassVar[str] = "appointment"
    primary_id_attribute: ClassVar[str] = "activityid"

    activityid: uuid.UUID | None = None  # Appointment
    subject: str | None = None  # Subject
    description: str | None = None  # Description
    regardingobjectid: EntityReference | None = None  # Regarding -> lead, account, contact, opportunity, incident, campaign
    scheduledstart: datetime.datetime | None = None  # Start Date
    scheduledend: datetime.datetime | None = None  # Due Date
    actualstart: datetime.datetime | None = None  # Actual Start
    actualend: datetime.datetime | None = None  # Actual End
    scheduleddurationminutes: int | None = None  # Scheduled Duration
    actualdurationminutes: int | None = None  # Actual Duration
    prioritycode: OptionSetValue | int | None = None  # Priority (PriorityCode)
    activitytypecode: str | None = None  # Activity Type
    isregularactivity: bool | None = None  # Is Regular Activity
    location: str | None = None  # Location
    isalldayevent: bool | None = None  # All Day Event
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    ownerid: EntityReference | None = None  # Owner -> systemuser, team
    owninguser: EntityReference | None = None  # Owning User -> systemuser
    owningteam: EntityReference | None = None  # Owning Team -> team
    owningbusinessunit: EntityReference | None = None  # Owning Business Unit -> businessunit
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class OpportunityClose(EarlyBoundEntity):
    """Opportunity Close (`opportunityclose`): Activity that is created automatically when an opportunity is closed, containing information such as the description of the closing and actual revenue.

    Primary id `activityid`, primary name `subject`.
    States: `OpportunityCloseState`; status reasons: `OpportunityCloseStatus`.
    """

    logical_name: ClassVar[str] = "opportunityclose"
    primary_id_attribute: ClassVar[str] = "activityid"

    activityid: uuid.UUID | None = None  # Opportunity Close
    subject: str | None = None  # Subject
    description: str | None = None  # Description
    regardingobjectid: EntityReference | None = None  # Regarding -> lead, account, contact, opportunity, incident, campaign
    scheduledstart: datetime.datetime | None = None  # Start Date
    scheduledend: datetime.datetime | None = None  # Due Date
    actualstart: datetime.datetime | None = None  # Actual Start
    actualend: datetime.datetime | None = None  # Actual End
    scheduleddurationminutes: int | None = None  # Scheduled Duration
    actualdurationminutes: int | None = None  # Actual Duration
    prioritycode: OptionSetValue | int | None = None  # Priority (PriorityCode)
    activitytypecode: str | None = None  # Activity Type
    isregularactivity: bool | None = None  # Is Regular Activity
    opportunityid: EntityReference | None = None  # Opportunity -> opportunity
    actualrevenue: Money | Decimal | None = None  # Actual Revenue
    transactioncurrencyid: EntityReference | None = None  # Currency -> transactioncurrency
    exchangerate: Decimal | None = None  # Exchange Rate
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    ownerid: EntityReference | None = None  # Owner -> systemuser, team
    owninguser: EntityReference | None = None  # Owning User -> systemuser
    owningteam: EntityReference | None = None  # Owning Team -> team
    owningbusinessunit: EntityReference | None = None  # Owning Business Unit -> businessunit
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class Annotation(EarlyBoundEntity):
    """Note (`annotation`): Note that is attached to one or more objects, including other notes.

    Primary id `annotationid`, primary name `subject`.
    """

    logical_name: ClassVar[str] = "annotation"
    primary_id_attribute: ClassVar[str] = "annotationid"

    annotationid: uuid.UUID | None = None  # Note
    subject: str | None = None  # Title
    notetext: str | None = None  # Description
    isdocument: bool | None = None  # Is Document
    filename: str | None = None  # File Name
    mimetype: str | None = None  # Mime Type
    documentbody: str | None = None  # Document
    filesize: int | None = None  # File Size (Bytes)
    objectid: EntityReference | None = None  # Regarding -> lead, account, contact, opportunity, incident, task, phonecall, email, appointment, campaign
    objecttypecode: str | None = None  # Object Type
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    ownerid: EntityReference | None = None  # Owner -> systemuser, team
    owninguser: EntityReference | None = None  # Owning User -> systemuser
    owningteam: EntityReference | None = None  # Owning Team -> team
    owningbusinessunit: EntityReference | None = None  # Owning Business Unit -> businessunit


@attrs.define(kw_only=True, repr=False)
class ConnectionRole(EarlyBoundEntity):
    """Connection Role (`connectionrole`): Role describing a relationship between two records.

    Primary id `connectionroleid`, primary name `name`.
    States: `ConnectionRoleState`; status reasons: `ConnectionRoleStatus`.
    """

    logical_name: ClassVar[str] = "connectionrole"
    primary_id_attribute: ClassVar[str] = "connectionroleid"

    connectionroleid: uuid.UUID | None = None  # Connection Role
    name: str | None = None  # Name
    category: OptionSetValue | int | None = None  # Connection Role Category (ConnectionRoleCategory)
    description: str | None = None  # Description
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    organizationid: EntityReference | None = None  # Organization -> organization
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class Connection(EarlyBoundEntity):
    """Connection (`connection`): Relationship between two entities.

    Primary id `connectionid`, primary name `name`.
    States: `ConnectionState`; status reasons: `ConnectionStatus`.
    """

    logical_name: ClassVar[str] = "connection"
    primary_id_attribute: ClassVar[str] = "connectionid"

    connectionid: uuid.UUID | None = None  # Connection
    name: str | None = None  # Connection Name
    record1id: EntityReference | None = None  # Connected From -> account, contact, lead, opportunity, incident, systemuser, team, campaign
    record2id: EntityReference | None = None  # Connected To -> account, contact, lead, opportunity, incident, systemuser, team, campaign
    record1roleid: EntityReference | None = None  # Role (From) -> connectionrole
    record2roleid: EntityReference | None = None  # Role (To) -> connectionrole
    relatedconnectionid: EntityReference | None = None  # Reciprocal Connection -> connection
    ismaster: bool | None = None  # Is Master
    description: str | None = None  # Description
    effectivestart: datetime.datetime | None = None  # Starting
    effectiveend: datetime.datetime | None = None  # Ending
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    ownerid: EntityReference | None = None  # Owner -> systemuser, team
    owninguser: EntityReference | None = None  # Owning User -> systemuser
    owningteam: EntityReference | None = None  # Owning Team -> team
    owningbusinessunit: EntityReference | None = None  # Owning Business Unit -> businessunit
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class Campaign(EarlyBoundEntity):
    """Campaign (`campaign`): Container for campaign activities and responses, sales literature, products, and lists to create, plan, execute, and track the results of a specific marketing campaign through its life.

    Primary id `campaignid`, primary name `name`.
    States: `CampaignState`; status reasons: `CampaignStatus`.
    """

    logical_name: ClassVar[str] = "campaign"
    primary_id_attribute: ClassVar[str] = "campaignid"

    campaignid: uuid.UUID | None = None  # Campaign
    name: str | None = None  # Name
    codename: str | None = None  # Campaign Code
    typecode: OptionSetValue | int | None = None  # Campaign Type (CampaignTypeCode)
    budgetedcost: Money | Decimal | None = None  # Budget Allocated
    expectedrevenue: Money | Decimal | None = None  # Estimated Revenue
    totalactualcost: Money | Decimal | None = None  # Total Cost of Campaign
    actualstart: datetime.date | None = None  # Actual Start
    actualend: datetime.date | None = None  # Actual End
    proposedstart: datetime.date | None = None  # Proposed Start
    proposedend: datetime.date | None = None  # Proposed End
    description: str | None = None  # Description
    objective: str | None = None  # Objective
    transactioncurrencyid: EntityReference | None = None  # Currency -> transactioncurrency
    exchangerate: Decimal | None = None  # Exchange Rate
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    ownerid: EntityReference | None = None  # Owner -> systemuser, team
    owninguser: EntityReference | None = None  # Owning User -> systemuser
    owningteam: EntityReference | None = None  # Owning Team -> team
    owningbusinessunit: EntityReference | None = None  # Owning Business Unit -> businessunit
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class SavedQuery(EarlyBoundEntity):
    """View (`savedquery`): Saved query against the database (a system view).

    Primary id `savedqueryid`, primary name `name`.
    States: `SavedQueryState`; status reasons: `SavedQueryStatus`.
    """

    logical_name: ClassVar[str] = "savedquery"
    primary_id_attribute: ClassVar[str] = "savedqueryid"

    savedqueryid: uuid.UUID | None = None  # View
    name: str | None = None  # Name
    description: str | None = None  # Description
    returnedtypecode: str | None = None  # Table
    fetchxml: str | None = None  # FetchXML
    layoutxml: str | None = None  # Layout XML
    querytype: OptionSetValue | int | None = None  # Query Type (SavedQueryQueryType)
    isdefault: bool | None = None  # Default
    isquickfindquery: bool | None = None  # Quick Find Query
    iscustom: bool | None = None  # Custom
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    organizationid: EntityReference | None = None  # Organization -> organization
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class UserQuery(EarlyBoundEntity):
    """Saved View (`userquery`): Saved database query that is owned by a user (a personal view).

    Primary id `userqueryid`, primary name `name`.
    States: `UserQueryState`; status reasons: `UserQueryStatus`.
    """

    logical_name: ClassVar[str] = "userquery"
    primary_id_attribute: ClassVar[str] = "userqueryid"

    userqueryid: uuid.UUID | None = None  # Saved View
    name: str | None = None  # Name
    description: str | None = None  # Description
    returnedtypecode: str | None = None  # Table
    fetchxml: str | None = None  # FetchXML
    layoutxml: str | None = None  # Layout XML
    querytype: OptionSetValue | int | None = None  # Query Type (SavedQueryQueryType)
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    ownerid: EntityReference | None = None  # Owner -> systemuser, team
    owninguser: EntityReference | None = None  # Owning User -> systemuser
    owningteam: EntityReference | None = None  # Owning Team -> team
    owningbusinessunit: EntityReference | None = None  # Owning Business Unit -> businessunit
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class Customization(EarlyBoundEntity):
    """Customization (`leadsdk_customization`): A customization of this store (custom table, column, relationship or label change), replayed onto the metadata when the store is opened.

    Primary id `leadsdk_customizationid`, primary name `name`.
    """

    logical_name: ClassVar[str] = "leadsdk_customization"
    primary_id_attribute: ClassVar[str] = "leadsdk_customizationid"

    leadsdk_customizationid: uuid.UUID | None = None  # Customization
    name: str | None = None  # Name
    kind: str | None = None  # Kind
    entityname: str | None = None  # Table
    payload: str | None = None  # Definition (JSON)
    sequence: int | None = None  # Sequence
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    organizationid: EntityReference | None = None  # Organization -> organization


@attrs.define(kw_only=True, repr=False)
class EntityMap(EarlyBoundEntity):
    """Entity Map (`entitymap`): Represents a mapping between two related entities so that data from one record can be used to fill in fields of a new record created from it (lead -> account, contact, opportunity).

    Primary id `entitymapid`.
    """

    logical_name: ClassVar[str] = "entitymap"
    primary_id_attribute: ClassVar[str] = "entitymapid"

    entitymapid: uuid.UUID | None = None  # Entity Map
    sourceentityname: str | None = None  # Source Entity Name
    targetentityname: str | None = None  # Target Entity Name
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    organizationid: EntityReference | None = None  # Organization -> organization


@attrs.define(kw_only=True, repr=False)
class AttributeMap(EarlyBoundEntity):
    """Attribute Map (`attributemap`): Represents a mapping between attributes where the attribute values should be copied from a record into the form of a new related record.

    Primary id `attributemapid`.
    """

    logical_name: ClassVar[str] = "attributemap"
    primary_id_attribute: ClassVar[str] = "attributemapid"

    attributemapid: uuid.UUID | None = None  # Attribute Map
    entitymapid: EntityReference | None = None  # Entity Map -> entitymap
    sourceattributename: str | None = None  # Source Attribute Name
    targetattributename: str | None = None  # Target Attribute Name
    issystem: bool | None = None  # Is System
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    organizationid: EntityReference | None = None  # Organization -> organization


@attrs.define(kw_only=True, repr=False)
class ProcessStage(EarlyBoundEntity):
    """Process Stage (`processstage`): Stage of a business process flow (Qualify, Develop, Propose, Close).

    Primary id `processstageid`, primary name `stagename`.
    """

    logical_name: ClassVar[str] = "processstage"
    primary_id_attribute: ClassVar[str] = "processstageid"

    processstageid: uuid.UUID | None = None  # Process Stage
    stagename: str | None = None  # Stage Name
    stagecategory: OptionSetValue | int | None = None  # Stage Category (ProcessStageCategory)
    primaryentitytypecode: str | None = None  # Primary Entity
    processid: uuid.UUID | None = None  # Process
    stageorder: int | None = None  # Stage Order
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    organizationid: EntityReference | None = None  # Organization -> organization


@attrs.define(kw_only=True, repr=False)
class LeadToOpportunitySalesProcess(EarlyBoundEntity):
    """Lead To Opportunity Sales Process (`leadtoopportunitysalesprocess`): The instance of the Lead to Opportunity Sales Process business process flow for one lead and the opportunity qualified from it.

    Primary id `businessprocessflowinstanceid`, primary name `name`.
    States: `LeadToOpportunitySalesProcessState`; status reasons: `LeadToOpportunitySalesProcessStatus`.
    """

    logical_name: ClassVar[str] = "leadtoopportunitysalesprocess"
    primary_id_attribute: ClassVar[str] = "businessprocessflowinstanceid"

    businessprocessflowinstanceid: uuid.UUID | None = None  # Lead To Opportunity Sales Process
    name: str | None = None  # Name
    processid: uuid.UUID | None = None  # Process
    activestageid: EntityReference | None = None  # Active Stage -> processstage
    activestagestartedon: datetime.datetime | None = None  # Active Stage Started On
    traversedpath: str | None = None  # Traversed Path
    leadid: EntityReference | None = None  # Lead -> lead
    opportunityid: EntityReference | None = None  # Opportunity -> opportunity
    completedon: datetime.datetime | None = None  # Completed On
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    organizationid: EntityReference | None = None  # Organization -> organization
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class DuplicateRule(EarlyBoundEntity):
    """Duplicate Detection Rule (`duplicaterule`): Condition which, if true, determines that the compared records are duplicates.

    Primary id `duplicateruleid`, primary name `name`.
    States: `DuplicateRuleState`; status reasons: `DuplicateRuleStatus`.
    """

    logical_name: ClassVar[str] = "duplicaterule"
    primary_id_attribute: ClassVar[str] = "duplicateruleid"

    duplicateruleid: uuid.UUID | None = None  # Duplicate Detection Rule
    name: str | None = None  # Name
    description: str | None = None  # Description
    baseentityname: str | None = None  # Base Record Type
    matchingentityname: str | None = None  # Matching Record Type
    iscasesensitive: bool | None = None  # Case-Sensitive
    excludeinactiverecords: bool | None = None  # Exclude Inactive Records
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    ownerid: EntityReference | None = None  # Owner -> systemuser, team
    owninguser: EntityReference | None = None  # Owning User -> systemuser
    owningteam: EntityReference | None = None  # Owning Team -> team
    owningbusinessunit: EntityReference | None = None  # Owning Business Unit -> businessunit
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class DuplicateRuleCondition(EarlyBoundEntity):
    """Duplicate Rule Condition (`duplicaterulecondition`): Condition of a duplicate detection rule.

    Primary id `duplicateruleconditionid`.
    """

    logical_name: ClassVar[str] = "duplicaterulecondition"
    primary_id_attribute: ClassVar[str] = "duplicateruleconditionid"

    duplicateruleconditionid: uuid.UUID | None = None  # Duplicate Rule Condition
    regardingobjectid: EntityReference | None = None  # Regarding -> duplicaterule
    baseattributename: str | None = None  # Base Attribute Name
    matchingattributename: str | None = None  # Matching Attribute Name
    operatorcode: OptionSetValue | int | None = None  # Operator Code (DuplicateRuleConditionOperatorCode)
    operatorparam: int | None = None  # Operator Parameter
    ignoreblankvalues: bool | None = None  # Ignore Blank Values
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    organizationid: EntityReference | None = None  # Organization -> organization


@attrs.define(kw_only=True, repr=False)
class DuplicateRecord(EarlyBoundEntity):
    """Duplicate Record (`duplicaterecord`): Potential duplicate record found by a duplicate detection job or rule.

    Primary id `duplicateid`.
    """

    logical_name: ClassVar[str] = "duplicaterecord"
    primary_id_attribute: ClassVar[str] = "duplicateid"

    duplicateid: uuid.UUID | None = None  # Duplicate Record
    baserecordid: EntityReference | None = None  # Base Record -> lead, account, contact, opportunity
    duplicaterecordid: EntityReference | None = None  # Duplicate Record -> lead, account, contact, opportunity
    duplicateruleid: EntityReference | None = None  # Duplicate Rule -> duplicaterule
    asyncoperationid: uuid.UUID | None = None  # System Job
    matchscore: int | None = None  # Match Score
    matchedfields: str | None = None  # Matched Fields
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    ownerid: EntityReference | None = None  # Owner -> systemuser, team
    owninguser: EntityReference | None = None  # Owning User -> systemuser
    owningteam: EntityReference | None = None  # Owning Team -> team
    owningbusinessunit: EntityReference | None = None  # Owning Business Unit -> businessunit


@attrs.define(kw_only=True, repr=False)
class DuplicateMatchCode(EarlyBoundEntity):
    """Duplicate Match Code (`duplicatematchcode`): Internal: the match code of one record under one published rule (indexed hash).

    Primary id `duplicatematchcodeid`.
    """

    logical_name: ClassVar[str] = "duplicatematchcode"
    primary_id_attribute: ClassVar[str] = "duplicatematchcodeid"

    duplicatematchcodeid: uuid.UUID | None = None  # Duplicate Match Code
    duplicateruleid: uuid.UUID | None = None  # Duplicate Rule
    recordid: uuid.UUID | None = None  # Record
    entityname: str | None = None  # Record Type
    matchcode: str | None = None  # Match Code
    isactive: bool | None = None  # Is Active


@attrs.define(kw_only=True, repr=False)
class Audit(EarlyBoundEntity):
    """Auditing (`audit`): History of changes made on entities: who changed what, when.

    Primary id `auditid`.
    """

    logical_name: ClassVar[str] = "audit"
    primary_id_attribute: ClassVar[str] = "auditid"

    auditid: uuid.UUID | None = None  # Auditing
    action: OptionSetValue | int | None = None  # Event (AuditAction)
    operation: OptionSetValue | int | None = None  # Operation (AuditOperation)
    objectid: uuid.UUID | None = None  # Record
    objecttypecode: str | None = None  # Entity
    userid: EntityReference | None = None  # Changed By -> systemuser
    callinguserid: EntityReference | None = None  # Calling User -> systemuser
    createdon: datetime.datetime | None = None  # Changed Date
    changedata: str | None = None  # Change Data
    attributemask: str | None = None  # Changed Field
    transactionid: uuid.UUID | None = None  # Transaction


@attrs.define(kw_only=True, repr=False)
class ScoringModel(EarlyBoundEntity):
    """Scoring Model (`scoringmodel`): A predictive scoring model for leads or opportunities: its filter, training window, grade thresholds and, once trained, its parameters.

    Primary id `scoringmodelid`, primary name `name`.
    States: `ScoringModelState`; status reasons: `ScoringModelStatus`.
    """

    logical_name: ClassVar[str] = "scoringmodel"
    primary_id_attribute: ClassVar[str] = "scoringmodelid"

    scoringmodelid: uuid.UUID | None = None  # Scoring Model
    name: str | None = None  # Name
    entityname: str | None = None  # Table
    filtercolumn: str | None = None  # Filter Column
    filtervalues: str | None = None  # Filter Values
    trainingwindowmonths: int | None = None  # Train With Records From The Past (Months)
    gradeathreshold: int | None = None  # Grade A Minimum Score
    gradebthreshold: int | None = None  # Grade B Minimum Score
    gradecthreshold: int | None = None  # Grade C Minimum Score
    engine: str | None = None  # Engine
    columns: str | None = None  # Columns
    parameters: str | None = None  # Model Parameters
    auc: float | None = None  # Accuracy (AUC)
    accuracystatus: OptionSetValue | int | None = None  # Accuracy (ScoringModelAccuracy)
    qualifiedcount: int | None = None  # Qualified (Won) Records
    disqualifiedcount: int | None = None  # Disqualified (Lost) Records
    lasttrainedon: datetime.datetime | None = None  # Last Trained On
    publishedon: datetime.datetime | None = None  # Published On
    lastscoredon: datetime.datetime | None = None  # Last Scored On
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    organizationid: EntityReference | None = None  # Organization -> organization
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class MsdynPredictiveScore(EarlyBoundEntity):
    """Predictive Score (`msdyn_predictivescore`): The predictive score of one lead or opportunity: score, grade, trend and the model that gave it.

    Primary id `msdyn_predictivescoreid`, primary name `msdyn_name`.
    """

    logical_name: ClassVar[str] = "msdyn_predictivescore"
    primary_id_attribute: ClassVar[str] = "msdyn_predictivescoreid"

    msdyn_predictivescoreid: uuid.UUID | None = None  # Predictive Score
    msdyn_name: str | None = None  # Name
    msdyn_score: int | None = None  # Score
    msdyn_previousscore: int | None = None  # Previous Score
    msdyn_scoretrend: OptionSetValue | int | None = None  # Score Trend (ScoreTrend)
    msdyn_grade: OptionSetValue | int | None = None  # Grade (LeadGrade)
    msdyn_entityid: EntityReference | None = None  # Scored Record -> lead, opportunity
    msdyn_entitytype: str | None = None  # Scored Table
    msdyn_scoringmodelid: EntityReference | None = None  # Scoring Model -> scoringmodel
    msdyn_scoredon: datetime.datetime | None = None  # Scored On
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    organizationid: EntityReference | None = None  # Organization -> organization


@attrs.define(kw_only=True, repr=False)
class Asyncoperation(EarlyBoundEntity):
    """System Job (`asyncoperation`): Process whose execution can proceed independently or in the background (a system job).

    Primary id `asyncoperationid`.
    States: `AsyncoperationState`; status reasons: `AsyncoperationStatus`.
    """

    logical_name: ClassVar[str] = "asyncoperation"
    primary_id_attribute: ClassVar[str] = "asyncoperationid"

    asyncoperationid: uuid.UUID | None = None  # System Job
    name: str | None = None  # System Job Name
    operationtype: OptionSetValue | int | None = None  # System Job Type (AsyncOperationOperationType)
    data: str | None = None  # Data
    message: str | None = None  # Message
    friendlymessage: str | None = None  # Friendly message
    startedon: datetime.datetime | None = None  # Started On
    completedon: datetime.datetime | None = None  # Completed On
    successcount: int | None = None  # Success Count
    failurecount: int | None = None  # Failure Count
    totalcount: int | None = None  # Total Count
    errorcode: int | None = None  # Error Code
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    ownerid: EntityReference | None = None  # Owner -> systemuser, team
    owninguser: EntityReference | None = None  # Owning User -> systemuser
    owningteam: EntityReference | None = None  # Owning Team -> team
    owningbusinessunit: EntityReference | None = None  # Owning Business Unit -> businessunit
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class LeadsdkTombstone(EarlyBoundEntity):
    """Deleted Record (`leadsdk_tombstone`): A record deleted from a change-tracked table, so RetrieveEntityChanges can report it.

    Primary id `leadsdk_tombstoneid`.
    """

    logical_name: ClassVar[str] = "leadsdk_tombstone"
    primary_id_attribute: ClassVar[str] = "leadsdk_tombstoneid"

    leadsdk_tombstoneid: uuid.UUID | None = None  # Deleted Record
    entityname: str | None = None  # Table
    objectid: uuid.UUID | None = None  # Record
    deletedversion: int | None = None  # Deleted at version


@attrs.define(kw_only=True, repr=False)
class Privilege(EarlyBoundEntity):
    """Privilege (`privilege`): Permission to perform an action in Microsoft CRM (prvReadLead, prvCreateAccount, ...).

    Primary id `privilegeid`, primary name `name`.
    """

    logical_name: ClassVar[str] = "privilege"
    primary_id_attribute: ClassVar[str] = "privilegeid"

    privilegeid: uuid.UUID | None = None  # Privilege
    name: str | None = None  # Name
    accessright: int | None = None  # Access Right
    canbebasic: bool | None = None  # Can Be Basic
    canbelocal: bool | None = None  # Can Be Local
    canbedeep: bool | None = None  # Can Be Deep
    canbeglobal: bool | None = None  # Can Be Global
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number


@attrs.define(kw_only=True, repr=False)
class Roleprivileges(EarlyBoundEntity):
    """Role Privilege (`roleprivileges`): A privilege a role holds, with its depth (1 Basic, 2 Local, 4 Deep, 8 Global).

    Primary id `roleprivilegeid`.
    """

    logical_name: ClassVar[str] = "roleprivileges"
    primary_id_attribute: ClassVar[str] = "roleprivilegeid"

    roleprivilegeid: uuid.UUID | None = None  # Role Privilege
    roleid: EntityReference | None = None  # Role -> role
    privilegeid: EntityReference | None = None  # Privilege -> privilege
    privilegedepthmask: int | None = None  # Privilege Depth Mask


@attrs.define(kw_only=True, repr=False)
class MsdynAssignmentrule(EarlyBoundEntity):
    """Assignment Rule (`msdyn_assignmentrule`): Defines criteria based on which Entities are routed to Users or Sales Team.

    Primary id `msdyn_assignmentruleid`, primary name `msdyn_name`.
    States: `MsdynAssignmentruleState`; status reasons: `MsdynAssignmentruleStatus`.
    """

    logical_name: ClassVar[str] = "msdyn_assignmentrule"
    primary_id_attribute: ClassVar[str] = "msdyn_assignmentruleid"

    msdyn_assignmentruleid: uuid.UUID | None = None  # Assignment Rule
    msdyn_name: str | None = None  # Name
    msdyn_priority: int | None = None  # Priority
    msdyn_entitytype: str | None = None  # Record Type
    msdyn_condition: str | None = None  # Condition
    msdyn_teamid: EntityReference | None = None  # Sellers Team -> team
    msdyn_distributiontype: OptionSetValue | int | None = None  # Distribute By (MsdynDistributionType)
    msdyn_assignmentcursor: int | None = None  # Round Robin Position
    createdon: datetime.datetime | None = None  # Created On
    modifiedon: datetime.datetime | None = None  # Modified On
    createdby: EntityReference | None = None  # Created By -> systemuser
    modifiedby: EntityReference | None = None  # Modified By -> systemuser
    createdonbehalfby: EntityReference | None = None  # Created By (Delegate) -> systemuser
    modifiedonbehalfby: EntityReference | None = None  # Modified By (Delegate) -> systemuser
    overriddencreatedon: datetime.datetime | None = None  # Record Created On
    importsequencenumber: int | None = None  # Import Sequence Number
    versionnumber: int | None = None  # Version Number
    ownerid: EntityReference | None = None  # Owner -> systemuser, team
    owninguser: EntityReference | None = None  # Owning User -> systemuser
    owningteam: EntityReference | None = None  # Owning Team -> team
    owningbusinessunit: EntityReference | None = None  # Owning Business Unit -> businessunit
    statecode: OptionSetValue | int | None = None  # Status
    statuscode: OptionSetValue | int | None = None  # Status Reason


@attrs.define(kw_only=True, repr=False)
class Principalobjectaccess(EarlyBoundEntity):
    """Principal Object Access (`principalobjectaccess`): A record shared with a user or team, and the access rights granted (AccessRights flags).

    Primary id `principalobjectaccessid`.
    """

    logical_name: ClassVar[str] = "principalobjectaccess"
    primary_id_attribute: ClassVar[str] = "principalobjectaccessid"

    principalobjectaccessid: uuid.UUID | None = None  # Principal Object Access
    objectid: EntityReference | None = None  # Object -> account, annotation, appointment, asyncoperation, campaign, connection, contact, duplicaterecord, duplicaterule, email, incident, incidentresolution, lead, msdyn_assignmentrule, opportunity, opportunityclose, phonecall, task, userquery
    principalid: EntityReference | None = None  # Principal -> systemuser, team
    accessrightsmask: int | None = None  # Access Rights
    inheritedaccessrightsmask: int | None = None  # Inherited Access Rights


EARLY_BOUND_CLASSES: dict[str, type[EarlyBoundEntity]] = {
    "organization": Organization,
    "transactioncurrency": TransactionCurrency,
    "businessunit": BusinessUnit,
    "systemuser": SystemUser,
    "team": Team,
    "role": Role,
    "lead": Lead,
    "account": Account,
    "contact": Contact,
    "opportunity": Opportunity,
    "incident": Incident,
    "incidentresolution": IncidentResolution,
    "task": Task,
    "phonecall": PhoneCall,
    "email": Email,
    "appointment": Appointment,
    "opportunityclose": OpportunityClose,
    "annotation": Annotation,
    "connectionrole": ConnectionRole,
    "connection": Connection,
    "campaign": Campaign,
    "savedquery": SavedQuery,
    "userquery": UserQuery,
    "leadsdk_customization": Customization,
    "entitymap": EntityMap,
    "attributemap": AttributeMap,
    "processstage": ProcessStage,
    "leadtoopportunitysalesprocess": LeadToOpportunitySalesProcess,
    "duplicaterule": DuplicateRule,
    "duplicaterulecondition": DuplicateRuleCondition,
    "duplicaterecord": DuplicateRecord,
    "duplicatematchcode": DuplicateMatchCode,
    "audit": Audit,
    "scoringmodel": ScoringModel,
    "msdyn_predictivescore": MsdynPredictiveScore,
    "asyncoperation": Asyncoperation,
    "leadsdk_tombstone": LeadsdkTombstone,
    "privilege": Privilege,
    "roleprivileges": Roleprivileges,
    "msdyn_assignmentrule": MsdynAssignmentrule,
    "principalobjectaccess": Principalobjectaccess,
}
"""The early-bound class of each table, by logical name."""


__all__ = [
    "EARLY_BOUND_CLASSES",
    "Account",
    "Annotation",
    "Appointment",
    "Asyncoperation",
    "AttributeMap",
    "Audit",
    "BusinessUnit",
    "Campaign",
    "Connection",
    "ConnectionRole",
    "Contact",
    "Customization",
    "DuplicateMatchCode",
    "DuplicateRecord",
    "DuplicateRule",
    "DuplicateRuleCondition",
    "Email",
    "EntityMap",
    "Incident",
    "IncidentResolution",
    "Lead",
    "LeadToOpportunitySalesProcess",
    "LeadsdkTombstone",
    "MsdynAssignmentrule",
    "MsdynPredictiveScore",
    "Opportunity",
    "OpportunityClose",
    "Organization",
    "PhoneCall",
    "Principalobjectaccess",
    "Privilege",
    "ProcessStage",
    "Role",
    "Roleprivileges",
    "SavedQuery",
    "ScoringModel",
    "SystemUser",
    "Task",
    "Team",
    "TransactionCurrency",
    "UserQuery",
]
