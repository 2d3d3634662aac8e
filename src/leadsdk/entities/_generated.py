"""Enums for the built-in tables, loaded on first use (see `leadsdk.entities`).

Generated from the table metadata by `python tools/codegen.py`: do not edit.
"""

from __future__ import annotations

from enum import IntEnum


class TransactionCurrencyState(IntEnum):
    """statecode of transactioncurrency."""

    ACTIVE = 0
    INACTIVE = 1


class TransactionCurrencyStatus(IntEnum):
    """statuscode of transactioncurrency; comments name the state."""

    ACTIVE = 1  # Active
    INACTIVE = 2  # Inactive


class LeadState(IntEnum):
    """statecode of lead."""

    OPEN = 0
    QUALIFIED = 1
    DISQUALIFIED = 2


class LeadStatus(IntEnum):
    """statuscode of lead; comments name the state."""

    NEW = 1  # Open
    CONTACTED = 2  # Open
    QUALIFIED = 3  # Qualified
    LOST = 4  # Disqualified
    CANNOT_CONTACT = 5  # Disqualified
    NO_LONGER_INTERESTED = 6  # Disqualified
    CANCELED = 7  # Disqualified


class AccountState(IntEnum):
    """statecode of account."""

    ACTIVE = 0
    INACTIVE = 1


class AccountStatus(IntEnum):
    """statuscode of account; comments name the state."""

    ACTIVE = 1  # Active
    INACTIVE = 2  # Inactive


class ContactState(IntEnum):
    """statecode of contact."""

    ACTIVE = 0
    INACTIVE = 1


class ContactStatus(IntEnum):
    """statuscode of contact; comments name the state."""

    ACTIVE = 1  # Active
    INACTIVE = 2  # Inactive


class OpportunityState(IntEnum):
    """statecode of opportunity."""

    OPEN = 0
    WON = 1
    LOST = 2


class OpportunityStatus(IntEnum):
    """statuscode of opportunity; comments name the state."""

    IN_PROGRESS = 1  # Open
    ON_HOLD = 2  # Open
    WON = 3  # Won
    CANCELED = 4  # Lost
    OUT_SOLD = 5  # Lost


class IncidentState(IntEnum):
    """statecode of incident."""

    ACTIVE = 0
    RESOLVED = 1
    CANCELLED = 2


class IncidentStatus(IntEnum):
    """statuscode of incident; comments name the state."""

    IN_PROGRESS = 1  # Active
    ON_HOLD = 2  # Active
    WAITING_FOR_DETAILS = 3  # Active
    RESEARCHING = 4  # Active
    PROBLEM_SOLVED = 5  # Resolved
    INFORMATION_PROVIDED = 1000  # Resolved
    CANCELLED = 6  # Cancelled
    MERGED = 2000  # Cancelled


class IncidentResolutionState(IntEnum):
    """statecode of incidentresolution."""

    OPEN = 0
    COMPLETED = 1
    CANCELED = 2


class IncidentResolutionStatus(IntEnum):
    """statuscode of incidentresolution; comments name the state."""

    OPEN = 1  # Open
    COMPLETED = 2  # Completed
    CANCELED = 3  # Canceled


class TaskState(IntEnum):
    """statecode of task."""

    OPEN = 0
    COMPLETED = 1
    CANCELED = 2


class TaskStatus(IntEnum):
    """statuscode of task; comments name the state."""

    NOT_STARTED = 2  # Open
    IN_PROGRESS = 3  # Open
    WAITING_ON_SOMEONE_ELSE = 4  # Open
    DEFERRED = 7  # Open
    COMPLETED = 5  # Completed
    CANCELED = 6  # Canceled


class PhoneCallState(IntEnum):
    """statecode of phonecall."""

    OPEN = 0
    COMPLETED = 1
    CANCELED = 2


class PhoneCallStatus(IntEnum):
    """statuscode of phonecall; comments name the state."""

    OPEN = 1  # Open
    MADE = 2  # Completed
    RECEIVED = 4  # Completed
    CANCELED = 3  # Canceled


class EmailState(IntEnum):
    """statecode of email."""

    OPEN = 0
    COMPLETED = 1
    CANCELED = 2


class EmailStatus(IntEnum):
    """statuscode of email; comments name the state."""

    DRAFT = 1  # Open
    FAILED = 8  # Open
    COMPLETED = 2  # Completed
    SENT = 3  # Completed
    RECEIVED = 4  # Completed
    PENDING_SEND = 6  # Completed
    SENDING = 7  # Completed
    CANCELED = 5  # Canceled


class AppointmentState(IntEnum):
    """statecode of appointment."""

    OPEN = 0
    COMPLETED = 1
    CANCELED = 2
    SCHEDULED = 3


class AppointmentStatus(IntEnum):
    """statuscode of appointment; comments name the state."""

    FREE = 1  # Open
    TENTATIVE = 2  # Open
    COMPLETED = 3  # Completed
    CANCELED = 4  # Canceled
    BUSY = 5  # Scheduled
    OUT_OF_OFFICE = 6  # Scheduled


class OpportunityCloseState(IntEnum):
    """statecode of opportunityclose."""

    OPEN = 0
    COMPLETED = 1
    CANCELED = 2


class OpportunityCloseStatus(IntEnum):
    """statuscode of opportunityclose; comments name the state."""

    OPEN = 1  # Open
    COMPLETED = 2  # Completed
    CANCELED = 3  # Canceled


class ConnectionRoleState(IntEnum):
    """statecode of connectionrole."""

    ACTIVE = 0
    INACTIVE = 1


class ConnectionRoleStatus(IntEnum):
    """statuscode of connectionrole; comments name the state."""

    ACTIVE = 1  # Active
    INACTIVE = 2  # Inactive


class ConnectionState(IntEnum):
    """statecode of connection."""

    ACTIVE = 0
    INACTIVE = 1


class ConnectionStatus(IntEnum):
    """statuscode of connection; comments name the state."""

    ACTIVE = 1  # Active
    INACTIVE = 2  # Inactive


class CampaignState(IntEnum):
    """statecode of campaign."""

    ACTIVE = 0
    INACTIVE = 1


class CampaignStatus(IntEnum):
    """statuscode of campaign; comments name the state."""

    PROPOSED = 0  # Active
    READY_TO_LAUNCH = 1  # Active
    LAUNCHED = 2  # Active
    COMPLETED = 3  # Active
    CANCELED = 4  # Active
    SUSPENDED = 5  # Active
    INACTIVE = 6  # Inactive


class SavedQueryState(IntEnum):
    """statecode of savedquery."""

    ACTIVE = 0
    INACTIVE = 1


class SavedQueryStatus(IntEnum):
    """statuscode of savedquery; comments name the state."""

    ACTIVE = 1  # Active
    INACTIVE = 2  # Inactive


class UserQueryState(IntEnum):
    """statecode of userquery."""

    ACTIVE = 0
    INACTIVE = 1


class UserQueryStatus(IntEnum):
    """statuscode of userquery; comments name the state."""

    ACTIVE = 1  # Active
    INACTIVE = 2  # Inactive


class LeadToOpportunitySalesProcessState(IntEnum):
    """statecode of leadtoopportunitysalesprocess."""

    ACTIVE = 0
    INACTIVE = 1


class LeadToOpportunitySalesProcessStatus(IntEnum):
    """statuscode of leadtoopportunitysalesprocess; comments name the state."""

    ACTIVE = 1  # Active
    FINISHED = 2  # Inactive
    ABORTED = 3  # Inactive


class DuplicateRuleState(IntEnum):
    """statecode of duplicaterule."""

    INACTIVE = 0
    ACTIVE = 1


class DuplicateRuleStatus(IntEnum):
    """statuscode of duplicaterule; comments name the state."""

    UNPUBLISHED = 0  # Inactive
    PUBLISHING = 1  # Inactive
    PUBLISHED = 2  # Active


class ScoringModelState(IntEnum):
    """statecode of scoringmodel."""

    DRAFT = 0
    PUBLISHED = 1


class ScoringModelStatus(IntEnum):
    """statuscode of scoringmodel; comments name the state."""

    DRAFT = 1  # Draft
    PUBLISHED = 2  # Published


class AsyncoperationState(IntEnum):
    """statecode of asyncoperation."""

    READY = 0
    SUSPENDED = 1
    LOCKED = 2
    COMPLETED = 3


class AsyncoperationStatus(IntEnum):
    """statuscode of asyncoperation; comments name the state."""

    WAITING_FOR_RESOURCES = 0  # Ready
    WAITING = 10  # Suspended
    IN_PROGRESS = 20  # Locked
    PAUSING = 21  # Locked
    CANCELING = 22  # Locked
    SUCCEEDED = 30  # Completed
    FAILED = 31  # Completed
    CANCELED = 32  # Completed


class MsdynAssignmentruleState(IntEnum):
    """statecode of msdyn_assignmentrule."""

    ACTIVE = 0
    INACTIVE = 1


class MsdynAssignmentruleStatus(IntEnum):
    """statuscode of msdyn_assignmentrule; comments name the state."""

    ACTIVE = 1  # Active
    INACTIVE = 2  # Inactive


class AccessMode(IntEnum):
    """The AccessMode choices."""

    READ_WRITE = 0
    ADMINISTRATIVE = 1
    READ = 2
    SUPPORT_USER = 3
    NON_INTERACTIVE = 4
    DELEGATED_ADMIN = 5


class AccountCategoryCode(IntEnum):
    """The AccountCategoryCode choices."""

    PREFERRED_CUSTOMER = 1
    STANDARD = 2


class AsyncOperationOperationType(IntEnum):
    """The AsyncOperationOperationType choices."""

    SYSTEM_EVENT = 1
    WORKFLOW = 10
    BULK_DELETE = 13
    IMPORT = 17
    BULK_DELETE_SUBPROCESS = 94


class AuditAction(IntEnum):
    """The AuditAction choices."""

    UNKNOWN = 0
    CREATE = 1
    UPDATE = 2
    DELETE = 3
    ACTIVATE = 4
    DEACTIVATE = 5
    CASCADE = 11
    MERGE = 12
    ASSIGN = 13
    SHARE = 14
    RETRIEVE = 15
    CLOSE = 16
    CANCEL = 17
    COMPLETE = 18
    RESOLVE = 20
    REOPEN = 21
    FULFILL = 22
    PAID = 23
    QUALIFY = 24
    DISQUALIFY = 25
    SUBMIT = 26
    REJECT = 27
    APPROVE = 28
    INVOICE = 29
    HOLD = 30
    ADD_MEMBER = 31
    REMOVE_MEMBER = 32
    ASSOCIATE_ENTITIES = 33
    DISASSOCIATE_ENTITIES = 34
    ADD_MEMBERS = 35
    REMOVE_MEMBERS = 36
    ADD_ITEM = 37
    REMOVE_ITEM = 38
    ADD_SUBSTITUTE = 39
    REMOVE_SUBSTITUTE = 40
    SET_STATE = 41
    RENEW = 42
    REVISE = 43
    WIN = 44
    LOSE = 45
    INTERNAL_PROCESSING = 46
    RESCHEDULE = 47
    MODIFY_SHARE = 48
    UNSHARE = 49
    BOOK = 50


class AuditOperation(IntEnum):
    """The AuditOperation choices."""

    CREATE = 1
    UPDATE = 2
    DELETE = 3
    ACCESS = 4
    UPSERT = 5


class BudgetStatus(IntEnum):
    """The BudgetStatus choices."""

    NO_COMMITTED_BUDGET = 0
    MAY_BUY = 1
    CAN_BUY = 2
    WILL_BUY = 3


class CampaignTypeCode(IntEnum):
    """The CampaignTypeCode choices."""

    ADVERTISEMENT = 1
    DIRECT_MARKETING = 2
    EVENT = 3
    CO_BRANDING = 4
    OTHER = 5


class CaseOriginCode(IntEnum):
    """The CaseOriginCode choices."""

    PHONE = 1
    EMAIL = 2
    WEB = 3
    FACEBOOK = 2483
    TWITTER = 3986
    IOT = 700610000


class CaseTypeCode(IntEnum):
    """The CaseTypeCode choices."""

    QUESTION = 1
    PROBLEM = 2
    REQUEST = 3


class ConnectionRoleCategory(IntEnum):
    """The ConnectionRoleCategory choices."""

    BUSINESS = 1
    FAMILY = 2
    SOCIAL = 3
    SALES = 4
    OTHER = 5
    STAKEHOLDER = 1000
    SALES_TEAM = 1001
    SERVICE = 1002


class CustomerTypeCode(IntEnum):
    """The CustomerTypeCode choices."""

    COMPETITOR = 1
    CONSULTANT = 2
    CUSTOMER = 3
    INVESTOR = 4
    PARTNER = 5
    INFLUENCER = 6
    PRESS = 7
    PROSPECT = 8
    RESELLER = 9
    SUPPLIER = 10
    VENDOR = 11
    OTHER = 12


class DuplicateRuleConditionOperatorCode(IntEnum):
    """The DuplicateRuleConditionOperatorCode choices."""

    EXACT_MATCH = 0
    SAME_FIRST_CHARACTERS = 1
    SAME_LAST_CHARACTERS = 2
    SAME_DATE = 3
    SAME_DATE_AND_TIME = 4
    EXACT_MATCH_PICK_LIST_LABEL = 5
    EXACT_MATCH_PICK_LIST_VALUE = 6


class FamilyStatusCode(IntEnum):
    """The FamilyStatusCode choices."""

    SINGLE = 1
    MARRIED = 2
    DIVORCED = 3
    WIDOWED = 4


class FullNameConventionCode(IntEnum):
    """The FullNameConventionCode choices."""

    LAST_NAME_FIRST_NAME = 0
    FIRST_NAME = 1
    LAST_NAME_FIRST_NAME_MIDDLE_INITIAL = 2
    FIRST_NAME_MIDDLE_INITIAL_LAST_NAME = 3
    LAST_NAME_FIRST_NAME_MIDDLE_NAME = 4
    FIRST_NAME_MIDDLE_NAME_LAST_NAME = 5
    LAST_NAME_SPACE_FIRST_NAME = 6
    LAST_NAME_NO_SPACE_FIRST_NAME = 7


class GenderCode(IntEnum):
    """The GenderCode choices."""

    MALE = 1
    FEMALE = 2


class IncidentPriorityCode(IntEnum):
    """The IncidentPriorityCode choices."""

    HIGH = 1
    NORMAL = 2
    LOW = 3


class IncidentSeverityCode(IntEnum):
    """The IncidentSeverityCode choices."""

    DEFAULT_VALUE = 1


class IndustryCode(IntEnum):
    """The IndustryCode choices."""

    ACCOUNTING = 1
    AGRICULTURE_AND_NON_PETROL_NATURAL_RESOURCE_EXTRACTION = 2
    BROADCASTING_PRINTING_AND_PUBLISHING = 3
    BROKERS = 4
    BUILDING_SUPPLY_RETAIL = 5
    BUSINESS_SERVICES = 6
    CONSULTING = 7
    CONSUMER_SERVICES = 8
    DESIGN_DIRECTION_AND_CREATIVE_MANAGEMENT = 9
    DISTRIBUTORS_DISPATCHERS_AND_PROCESSORS = 10
    DOCTORS_OFFICES_AND_CLINICS = 11
    DURABLE_MANUFACTURING = 12
    EATING_AND_DRINKING_PLACES = 13
    ENTERTAINMENT_RETAIL = 14
    EQUIPMENT_RENTAL_AND_LEASING = 15
    FINANCIAL = 16
    FOOD_AND_TOBACCO_PROCESSING = 17
    INBOUND_CAPITAL_INTENSIVE_PROCESSING = 18
    INBOUND_REPAIR_AND_SERVICES = 19
    INSURANCE = 20
    LEGAL_SERVICES = 21
    NON_DURABLE_MERCHANDISE_RETAIL = 22
    OUTBOUND_CONSUMER_SERVICE = 23
    PETROCHEMICAL_EXTRACTION_AND_DISTRIBUTION = 24
    SERVICE_RETAIL = 25
    SIG_AFFILIATIONS = 26
    SOCIAL_SERVICES = 27
    SPECIAL_OUTBOUND_TRADE_CONTRACTORS = 28
    SPECIALTY_REALTY = 29
    TRANSPORTATION = 30
    UTILITY_CREATION_AND_DISTRIBUTION = 31
    VEHICLE_RETAIL = 32
    WHOLESALE = 33


class InitialCommunication(IntEnum):
    """The InitialCommunication choices."""

    CONTACTED = 0
    NOT_CONTACTED = 1


class LeadGrade(IntEnum):
    """The LeadGrade choices."""

    GRADE_A = 0
    GRADE_B = 1
    GRADE_C = 2
    GRADE_D = 3


class LeadSourceCode(IntEnum):
    """The LeadSourceCode choices."""

    ADVERTISEMENT = 1
    EMPLOYEE_REFERRAL = 2
    EXTERNAL_REFERRAL = 3
    PARTNER = 4
    PUBLIC_RELATIONS = 5
    SEMINAR = 6
    TRADE_SHOW = 7
    WEB = 8
    WORD_OF_MOUTH = 9
    OTHER = 10


class MsdynDistributionType(IntEnum):
    """The MsdynDistributionType choices."""

    ROUND_ROBIN = 0
    LOAD_BALANCING = 1


class Need(IntEnum):
    """The Need choices."""

    MUST_HAVE = 0
    SHOULD_HAVE = 1
    GOOD_TO_HAVE = 2
    NO_NEED = 3


class OwnershipCode(IntEnum):
    """The OwnershipCode choices."""

    PUBLIC = 1
    PRIVATE = 2
    SUBSIDIARY = 3
    OTHER = 4


class PreferredContactMethodCode(IntEnum):
    """The PreferredContactMethodCode choices."""

    ANY = 1
    EMAIL = 2
    PHONE = 3
    FAX = 4
    MAIL = 5


class PriorityCode(IntEnum):
    """The PriorityCode choices."""

    LOW = 0
    NORMAL = 1
    HIGH = 2


class ProcessStageCategory(IntEnum):
    """The ProcessStageCategory choices."""

    QUALIFY = 0
    DEVELOP = 1
    PROPOSE = 2
    CLOSE = 3
    IDENTIFY = 4
    RESEARCH = 5
    RESOLVE = 6
    APPROVAL = 7


class PurchaseProcess(IntEnum):
    """The PurchaseProcess choices."""

    INDIVIDUAL = 0
    COMMITTEE = 1
    UNKNOWN = 2


class PurchaseTimeframe(IntEnum):
    """The PurchaseTimeframe choices."""

    IMMEDIATE = 0
    THIS_QUARTER = 1
    NEXT_QUARTER = 2
    THIS_YEAR = 3
    UNKNOWN = 4


class RatingCode(IntEnum):
    """The RatingCode choices."""

    HOT = 1
    WARM = 2
    COLD = 3


class SalesStage(IntEnum):
    """The SalesStage choices."""

    QUALIFY = 0
    DEVELOP = 1
    PROPOSE = 2
    CLOSE = 3


class SavedQueryQueryType(IntEnum):
    """The SavedQueryQueryType choices."""

    MAIN_APPLICATION_VIEW = 0
    ADVANCED_SEARCH = 1
    SUB_GRID = 2
    QUICK_FIND_SEARCH = 4
    LOOKUP_VIEW = 64
    PERSONAL_VIEW = 8192


class ScoreTrend(IntEnum):
    """The ScoreTrend choices."""

    IMPROVING = 0
    STEADY = 1
    DECLINING = 2
    NOT_ENOUGH_INFO = 3


class ScoringModelAccuracy(IntEnum):
    """The ScoringModelAccuracy choices."""

    READY_TO_PUBLISH = 0
    OK_TO_PUBLISH = 1
    NOT_READY_TO_PUBLISH = 2


class TeamType(IntEnum):
    """The TeamType choices."""

    OWNER = 0
    ACCESS = 1
    SECURITY_GROUP = 2
    OFFICE_GROUP = 3


__all__ = [
    "AccessMode",
    "AccountCategoryCode",
    "AccountState",
    "AccountStatus",
    "AppointmentState",
    "AppointmentStatus",
    "AsyncOperationOperationType",
    "AsyncoperationState",
    "AsyncoperationStatus",
    "AuditAction",
    "AuditOperation",
    "BudgetStatus",
    "CampaignState",
    "CampaignStatus",
    "CampaignTypeCode",
    "CaseOriginCode",
    "CaseTypeCode",
    "ConnectionRoleCategory",
    "ConnectionRoleState",
    "ConnectionRoleStatus",
    "ConnectionState",
    "ConnectionStatus",
    "ContactState",
    "ContactStatus",
    "CustomerTypeCode",
    "DuplicateRuleConditionOperatorCode",
    "DuplicateRuleState",
    "DuplicateRuleStatus",
    "EmailState",
    "EmailStatus",
    "FamilyStatusCode",
    "FullNameConventionCode",
    "GenderCode",
    "IncidentPriorityCode",
    "IncidentResolutionState",
    "IncidentResolutionStatus",
    "IncidentSeverityCode",
    "IncidentState",
    "IncidentStatus",
    "IndustryCode",
    "InitialCommunication",
    "LeadGrade",
    "LeadSourceCode",
    "LeadState",
    "LeadStatus",
    "LeadToOpportunitySalesProcessState",
    "LeadToOpportunitySalesProcessStatus",
    "MsdynAssignmentruleState",
    "MsdynAssignmentruleStatus",
    "MsdynDistributionType",
    "Need",
    "OpportunityCloseState",
    "OpportunityCloseStatus",
    "OpportunityState",
    "OpportunityStatus",
    "OwnershipCode",
    "PhoneCallState",
    "PhoneCallStatus",
    "PreferredContactMethodCode",
    "PriorityCode",
    "ProcessStageCategory",
    "PurchaseProcess",
    "PurchaseTimeframe",
    "RatingCode",
    "SalesStage",
    "SavedQueryQueryType",
    "SavedQueryState",
    "SavedQueryStatus",
    "ScoreTrend",
    "ScoringModelAccuracy",
    "ScoringModelState",
    "ScoringModelStatus",
    "TaskState",
    "TaskStatus",
    "TeamType",
    "TransactionCurrencyState",
    "TransactionCurrencyStatus",
    "UserQueryState",
    "UserQueryStatus",
]
