"""Faults: `OrganizationServiceFault` and the Dataverse error codes (`ErrorCodes`).

Every code is the signed 32-bit value a .NET client sees as `OrganizationServiceFault.ErrorCode`, named as
in the Dataverse SDK's ErrorCodes.cs in UPPER_SNAKE_CASE.  The full catalogue (every code of ErrorCodes.cs
with its stock message) is generated into `leadsdk._errorcodes` by tools/gen_errorcodes.py; `ErrorCodes`
inherits all of it and adds a few SDK-specific aliases, each pointing at a real Dataverse code.
"""

from __future__ import annotations

import datetime as _dt
import functools
from typing import Any, Final

from leadsdk._display import fault_html
from leadsdk._errorcodes import _GeneratedCodes, codes

__all__ = ["ErrorCodes", "InvalidArgumentFault", "OrganizationServiceFault", "default_message", "error_name"]


def _s32(code: int) -> int:
    """The signed value of an HRESULT written in hex."""
    return code - (1 << 32) if code >= (1 << 31) else code


class ErrorCodes(_GeneratedCodes):
    """Dataverse error codes (signed int32), named as in ErrorCodes.cs.

    Every ErrorCodes.cs constant is inherited from the generated catalogue, e.g. `OBJECT_DOES_NOT_EXIST`,
    `DUPLICATE_RECORDS_FOUND`, `LEAD_ALREADY_IN_CLOSED_STATE`, `INVALID_STATE_CODE_STATUS_CODE`,
    `PRIVILEGE_DENIED`, `CONCURRENCY_VERSION_MISMATCH`, `QUERY_BUILDER_BAD_CONDITION`, `INVALID_FETCH_XML`.
    The names below are aliases this SDK uses; each comment names the Dataverse constant it stands for.
    """

    # records and values
    LEAD_DOES_NOT_EXIST: Final = _s32(0x80040501)  # unManagedidsleaddoesnotexist
    OPPORTUNITY_DOES_NOT_EXIST: Final = _s32(0x80040500)  # unManagedidsopportunitydoesnotexist
    INVALID_ATTRIBUTE_VALUE: Final = _s32(0x80041A07)  # unManagedidsxmlinvalidfield
    NUMBER_OUT_OF_RANGE: Final = _s32(0x8004432F)  # IntegerValueOutOfRange
    INVALID_OPTION_SET_VALUE: Final = _s32(0x8004431A)  # PicklistValueOutOfRange
    ENTITY_NOT_FOUND: Final = _s32(0x80041102)  # QueryBuilderNoEntity
    ATTRIBUTE_DOES_NOT_EXIST: Final = _s32(0x80041103)  # QueryBuilderNoAttribute
    LOOKUP_ENTITY_TYPE_NOT_ALLOWED: Final = _s32(0x8004021F)  # InvalidObjectTypes
    UNEXPECTED: Final = _s32(0x80040216)  # UnExpected
    SQL_ERROR: Final = _s32(0x80044150)  # unManagedidssqlerror
    ATTRIBUTE_NOT_VALID_FOR_CREATE: Final = _s32(0x80041A01)  # unManagedidsxmlinvalidcreate
    ATTRIBUTE_NOT_VALID_FOR_UPDATE: Final = _s32(0x80041A02)  # unManagedidsxmlinvalidupdate
    # state and status
    UN_MANAGED_IDS_INCIDENT_CANNOT_CLOSE: Final = _s32(0x8004440A)  # unManagedidsincidentcannotclose
    UN_MANAGED_IDS_ACTIVITY_INVALID_STATE: Final = _s32(0x80043500)  # unManagedidsactivityinvalidstate
    # pipeline
    PLUGIN_EXECUTION_FAILED: Final = _s32(0x80040265)  # IsvAborted (InvalidPluginExecutionException's default)
    INFINITE_LOOP_DETECTED: Final = _s32(0x80044182)  # SdkCorrelationTokenDepthTooHigh
    EXECUTE_MULTIPLE_BATCH_TOO_LARGE: Final = _s32(0x80040315)  # NotSupported, as Dataverse answers it
    EXECUTE_MULTIPLE_NESTED: Final = _s32(0x80040315)  # NotSupported
    # queries
    QUERY_BUILDER_SERIALIZATION: Final = _s32(0x80040303)  # InvalidFetchXml
    # metadata
    INVALID_CUSTOMIZATION_PREFIX: Final = _s32(0x80048062)  # ImportAttributeNameError
    CANNOT_DELETE_SYSTEM_ATTRIBUTE: Final = _s32(0x80047009)  # AttributeIsNotCustomAttribute
    DUPLICATE_ATTRIBUTE_NAME: Final = _s32(0x80047013)  # DuplicateAttributeSchemaName
    DUPLICATE_ENTITY_NAME: Final = _s32(0x8004700B)  # InvalidSchemaName


_NAMES: dict[int, str] | None = None


@functools.cache
def _messages() -> dict[int, str]:
    """Dataverse's stock message for every code of the catalogue (aliases share their code's text)."""
    return {code: message for _, code, message in codes()}


def default_message(code: int) -> str:
    """Dataverse's stock text for a code, or a generic sentence for a code outside the catalogue."""
    message = _messages().get(code)
    if message is None:
        return f"The operation failed with error code 0x{code & 0xFFFFFFFF:08X}."
    return message


def error_name(code: int) -> str | None:
    """The ErrorCodes name of a code: the ErrorCodes.cs name where there is one, else an SDK alias."""
    global _NAMES
    if _NAMES is None:
        names = {value: name for name, value, _ in reversed(codes())}
        for name, value in vars(ErrorCodes).items():
            if name.isupper() and isinstance(value, int):
                names.setdefault(value, name)
        _NAMES = names
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
        return fault_html(self)


class InvalidArgumentFault(OrganizationServiceFault, ValueError):
    """A value class given a value it cannot hold (an id that is no GUID, a bool as money ...).

    Raised by constructors such as `Entity("lead", "not-a-guid")`, before any request: an
    `OrganizationServiceFault` with `INVALID_ARGUMENT` like every other bad input, and a `ValueError`
    as Python code expects from a constructor."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorCodes.INVALID_ARGUMENT, message)
