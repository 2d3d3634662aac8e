"""Faults: `OrganizationServiceFault` and the Dataverse error codes (`ErrorCodes`).

Every code is the signed 32-bit value a .NET client sees as `OrganizationServiceFault.ErrorCode`,
named as in the Dataverse SDK's ErrorCodes.cs, in UPPER_SNAKE_CASE.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Final

__all__ = ["ErrorCodes", "OrganizationServiceFault", "default_message", "error_name"]


def _s32(code: int) -> int:
    """The signed value of an HRESULT written in hex."""
    return code - (1 << 32) if code >= (1 << 31) else code


class ErrorCodes:
    """Dataverse error codes (signed int32), named as in ErrorCodes.cs."""

    # records and values
    OBJECT_DOES_NOT_EXIST: Final = _s32(0x80040217)
    LEAD_DOES_NOT_EXIST: Final = _s32(0x80040501)
    OPPORTUNITY_DOES_NOT_EXIST: Final = _s32(0x80040500)
    ACCOUNT_DOES_NOT_EXIST: Final = _s32(0x80040502)
    CONTACT_DOES_NOT_EXIST: Final = _s32(0x80040503)
    DUPLICATE_RECORD: Final = _s32(0x80040237)
    DUPLICATE_RECORDS_FOUND: Final = _s32(0x80040333)
    DUPLICATE_RECORD_ENTITY_KEY: Final = _s32(0x80060892)
    REQUIRED_FIELD_MISSING: Final = _s32(0x80040200)
    INVALID_ARGUMENT: Final = _s32(0x80040203)
    INVALID_ATTRIBUTE_VALUE: Final = _s32(0x80044331)
    INVALID_DATA_FORMAT: Final = _s32(0x80040366)
    STRING_LENGTH_TOO_LONG: Final = _s32(0x80044330)
    NUMBER_OUT_OF_RANGE: Final = _s32(0x8004438E)
    INVALID_OPTION_SET_VALUE: Final = _s32(0x8004431A)
    INVALID_ENTITY_NAME: Final = _s32(0x80040206)
    ENTITY_NOT_FOUND: Final = _s32(0x80040304)
    ATTRIBUTE_DOES_NOT_EXIST: Final = _s32(0x80047003)
    LOOKUP_ENTITY_TYPE_NOT_ALLOWED: Final = _s32(0x8004431C)
    INVALID_OPERATION: Final = _s32(0x80040265)
    UNEXPECTED: Final = _s32(0x80040216)
    TRANSACTION_ABORTED: Final = _s32(0x80040255)
    SQL_ERROR: Final = _s32(0x80044150)
    CANNOT_DELETE_DUE_TO_ASSOCIATION: Final = _s32(0x80040227)
    ATTRIBUTE_NOT_VALID_FOR_CREATE: Final = _s32(0x80040213)
    ATTRIBUTE_NOT_VALID_FOR_UPDATE: Final = _s32(0x80040211)
    # state and status
    INVALID_STATE_CODE_STATUS_CODE: Final = _s32(0x80048408)
    ERROR_IN_SET_STATE: Final = _s32(0x80040357)
    ENTITY_HAS_NO_STATE_CODE: Final = _s32(0x80047015)
    INVALID_STATE: Final = _s32(0x80040233)
    LEAD_ALREADY_IN_CLOSED_STATE: Final = _s32(0x80040519)
    LEAD_ALREADY_IN_OPEN_STATE: Final = _s32(0x80040518)
    CANNOT_QUALIFY_LEAD: Final = _s32(0x80081018)
    OPPORTUNITY_IS_ALREADY_CLOSED: Final = _s32(0x80040515)
    OPPORTUNITY_CANNOT_BE_CLOSED: Final = _s32(0x80040516)
    OPPORTUNITY_ALREADY_IN_OPEN_STATE: Final = _s32(0x8004051A)
    CUSTOMER_IS_INACTIVE: Final = _s32(0x80040517)
    INCIDENT_IS_ALREADY_CLOSED_OR_CANCELLED: Final = _s32(0x80044411)
    UN_MANAGED_IDS_INCIDENT_CANNOT_CLOSE: Final = _s32(0x8004440A)
    INCIDENT_CANNOT_CANCEL: Final = _s32(0x8004440E)
    CASE_ALREADY_RESOLVED: Final = _s32(0x800404CF)
    UN_MANAGED_IDS_ACTIVITY_INVALID_STATE: Final = _s32(0x80043500)
    # security
    PRIVILEGE_DENIED: Final = _s32(0x80040220)
    PRINCIPAL_PRIVILEGE_DENIED: Final = _s32(0x80040231)
    ACCESS_DENIED: Final = _s32(0x80048405)
    CANNOT_SHARE_WITH_OWNER: Final = _s32(0x80040214)
    CANNOT_ASSIGN_TO_DISABLED_BUSINESS: Final = _s32(0x8004032D)
    INVALID_PRIVILEGE_DEPTH: Final = _s32(0x8004140B)
    # concurrency and pipeline
    CONCURRENCY_VERSION_MISMATCH: Final = _s32(0x80060882)
    CONCURRENCY_VERSION_NOT_PROVIDED: Final = _s32(0x80060883)
    OPTIMISTIC_CONCURRENCY_NOT_ENABLED: Final = _s32(0x8006088D)
    THROTTLING: Final = _s32(0x8005F103)
    PLUGIN_EXECUTION_FAILED: Final = _s32(0x80040265)
    INFINITE_LOOP_DETECTED: Final = _s32(0x80044182)
    EXECUTE_MULTIPLE_BATCH_TOO_LARGE: Final = _s32(0x8004118D)
    EXECUTE_MULTIPLE_NESTED: Final = _s32(0x8004118E)
    # queries
    QUERY_BUILDER_NO_ATTRIBUTE: Final = _s32(0x80041103)
    QUERY_BUILDER_NO_ENTITY: Final = _s32(0x80041102)
    QUERY_BUILDER_INVALID_CONDITION_OPERATOR: Final = _s32(0x80041120)
    QUERY_BUILDER_INVALID_PAGING_COOKIE: Final = _s32(0x8004112A)
    QUERY_BUILDER_BAD_CONDITION: Final = _s32(0x8004110C)
    QUERY_BUILDER_SERIALIZATION: Final = _s32(0x8004111C)
    QUERY_BUILDER_INVALID_FILTER_TYPE: Final = _s32(0x80041108)
    QUERY_BUILDER_ATTRIBUTE_CANNOT_BE_GROUP_BY_AND_AGGREGATE: Final = _s32(0x80041137)
    QUERY_BUILDER_INVALID_AGGREGATE_ATTRIBUTE: Final = _s32(0x80041131)
    QUERY_BUILDER_ALIAS_DOES_NOT_EXIST: Final = _s32(0x80041130)
    AGGREGATE_QUERY_RECORD_LIMIT_EXCEEDED: Final = _s32(0x8004E023)
    OVER_RETRIEVAL_UPPER_LIMIT_WITHOUT_PAGING_COOKIE: Final = _s32(0x8004430A)
    INVALID_FETCH_XML: Final = _s32(0x8004111C)
    # duplicates and merge
    DUPLICATE_CHECK_NOT_ENABLED: Final = _s32(0x80048412)
    DUPLICATE_CHECK_NOT_SUPPORTED_ON_ENTITY: Final = _s32(0x80048410)
    NO_PUBLISHED_DUPLICATE_DETECTION_RULES: Final = _s32(0x80048436)
    CANNOT_PUBLISH_INACTIVE_RULE: Final = _s32(0x80048413)
    MAX_MATCH_CODE_LENGTH_EXCEEDED: Final = _s32(0x80048429)
    DUPLICATE_DETECTION_NOT_SUPPORTED_ON_ATTRIBUTE_TYPE: Final = _s32(0x80048430)
    MERGE_ENTITIES_IDENTICAL_ERROR: Final = _s32(0x80045305)
    MERGE_ENTITY_NOT_ACTIVE_ERROR: Final = _s32(0x80045304)
    MERGE_SECURITY_ERROR: Final = _s32(0x80045301)
    MERGE_CYCLICAL_PARENTING_ERROR: Final = _s32(0x80045300)
    MERGE_DIFFERENTLY_PARENTED_WARNING: Final = _s32(0x80045316)
    MERGE_LOSS_OF_PARENTING_WARNING: Final = _s32(0x80045317)
    # metadata
    INVALID_CUSTOMIZATION_PREFIX: Final = _s32(0x80048465)
    CANNOT_DELETE_SYSTEM_ATTRIBUTE: Final = _s32(0x80047011)
    DUPLICATE_ATTRIBUTE_NAME: Final = _s32(0x80044355)
    DUPLICATE_ENTITY_NAME: Final = _s32(0x80044356)


_MESSAGES: dict[int, str] = {
    ErrorCodes.OBJECT_DOES_NOT_EXIST: "The specified object was not found.",
    ErrorCodes.DUPLICATE_RECORD: "Operation failed due to a SQL integrity violation.",
    ErrorCodes.DUPLICATE_RECORDS_FOUND: (
        "A record was not created or updated because a duplicate of the current record already exists."
    ),
    ErrorCodes.REQUIRED_FIELD_MISSING: "Required field missing.",
    ErrorCodes.INVALID_ARGUMENT: "Invalid argument.",
    ErrorCodes.INVALID_STATE_CODE_STATUS_CODE: (
        "State code is invalid or state code is valid but status code is invalid for a specified state code."
    ),
    ErrorCodes.LEAD_ALREADY_IN_CLOSED_STATE: "The lead is already closed.",
    ErrorCodes.LEAD_ALREADY_IN_OPEN_STATE: "The lead is already in the open state.",
    ErrorCodes.OPPORTUNITY_IS_ALREADY_CLOSED: "The opportunity is already closed.",
    ErrorCodes.PRIVILEGE_DENIED: "The user does not hold the necessary privileges.",
    ErrorCodes.CONCURRENCY_VERSION_MISMATCH: (
        "The version of the existing record doesn't match the RowVersion property provided."
    ),
    ErrorCodes.TRANSACTION_ABORTED: "Transaction Aborted.",
}


def default_message(code: int) -> str:
    """Dataverse's stock text for a code, or a generic sentence."""
    return _MESSAGES.get(code, f"The operation failed with error code {code:#x}.".replace("-", "-"))


_NAMES: dict[int, str] | None = None


def error_name(code: int) -> str | None:
    """The ErrorCodes name of a code (the first one, where several share a value)."""
    global _NAMES
    if _NAMES is None:
        _NAMES = {}
        for name, value in vars(ErrorCodes).items():
            if name.isupper() and isinstance(value, int):
                _NAMES.setdefault(value, name)
    return _NAMES.get(code)


class OrganizationServiceFault(Exception):
    """The one exception a caller sees: a Dataverse error code and a sentence a person understands."""

    def __init__(
        self,
        error_code: int,
        message: str | None = None,
        *,
        error_details: dict[str, Any] | None = None,
        inner_fault: OrganizationServiceFault | None = None,
        trace_text: str | None = None,
    ) -> None:
        self.error_code: int = error_code
        self.message: str = message if message is not None else default_message(error_code)
        self.error_details: dict[str, Any] = dict(error_details or {})
        self.inner_fault = inner_fault
        self.trace_text = trace_text
        self.timestamp: _dt.datetime = _dt.datetime.now(_dt.timezone.utc)
        super().__init__(self.message)

    @property
    def hex_code(self) -> str:
        """The code as Dataverse documents it, e.g. 0x80040217."""
        return f"0x{self.error_code & 0xFFFFFFFF:08X}"

    @property
    def error_name(self) -> str | None:
        return error_name(self.error_code)

    def __repr__(self) -> str:
        name = self.error_name or self.hex_code
        return f"OrganizationServiceFault({name}, {self.message!r})"

    def __str__(self) -> str:
        return f"{self.message} ({self.error_name or self.hex_code})"

    def _repr_html_(self) -> str:
        from leadsdk._html import fault_html

        return fault_html(self)
