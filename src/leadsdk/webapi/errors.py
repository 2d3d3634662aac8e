"""Faults as the Web API writes them: `{"error": {"code": "0x80040217", "message": ...}}` with an HTTP status."""

from __future__ import annotations

from typing import Any

from leadsdk.errors import ErrorCodes, OrganizationServiceFault

__all__ = ["ODATA_SYNTAX", "ApiError", "error_body", "fault_status", "hex_code"]

ODATA_SYNTAX = 0x80060888 - (1 << 32)
"""0x80060888: the code Dataverse gives for a malformed URL, query option or body."""

_STATUS: dict[int, int] = {
    ErrorCodes.OBJECT_DOES_NOT_EXIST: 404,
    ErrorCodes.LEAD_DOES_NOT_EXIST: 404,
    ErrorCodes.OPPORTUNITY_DOES_NOT_EXIST: 404,
    ErrorCodes.RECORD_NOT_FOUND_BY_ENTITY_KEY: 404,
    ErrorCodes.QUERY_BUILDER_NO_ENTITY_KEY: 404,
    ErrorCodes.PRIVILEGE_DENIED: 403,
    ErrorCodes.PRINCIPAL_PRIVILEGE_DENIED: 403,
    ErrorCodes.ACCESS_DENIED: 403,
    ErrorCodes.UN_MANAGED_IDS_ACCESS_DENIED: 403,
    ErrorCodes.CONCURRENCY_VERSION_MISMATCH: 412,
    ErrorCodes.DUPLICATE_RECORD: 412,
    ErrorCodes.DUPLICATE_RECORDS_FOUND: 412,
    ErrorCodes.THROTTLING: 429,
    ErrorCodes.REQUEST_LENGTH_TOO_LARGE: 413,
    ErrorCodes.UNEXPECTED: 500,
    ErrorCodes.SQL_ERROR: 500,
}


def hex_code(code: int) -> str:
    """A signed 32-bit error code as Dataverse spells it in JSON: "0x80040217"."""
    return f"0x{code & 0xFFFFFFFF:08x}"


def fault_status(code: int) -> int:
    """The HTTP status Dataverse answers a fault with (400 unless the code says otherwise)."""
    return _STATUS.get(code, 400)


def error_body(code: int, message: str) -> dict[str, Any]:
    return {"error": {"code": hex_code(code), "message": message}}


class ApiError(Exception):
    """A request the Web API layer itself rejects (bad URL, bad body): status, Dataverse code and message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    @classmethod
    def from_fault(cls, fault: OrganizationServiceFault) -> ApiError:
        return cls(fault_status(fault.error_code), fault.error_code, fault.message)

    @classmethod
    def bad_request(cls, message: str, code: int = ODATA_SYNTAX) -> ApiError:
        return cls(400, code, message)

    @classmethod
    def not_found(cls, message: str) -> ApiError:
        return cls(404, ErrorCodes.OBJECT_DOES_NOT_EXIST, message)

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message)
