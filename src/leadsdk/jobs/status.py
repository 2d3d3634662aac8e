"""The codes of a system job's record (`asyncoperation`): its operation type, state and status."""

from __future__ import annotations

__all__ = ["BULK_DELETE", "CANCELED", "COMPLETED", "FAILED", "IN_PROGRESS", "LOCKED", "READY", "SUCCEEDED",
           "WAITING"]

BULK_DELETE = 13
"""`operationtype` of a bulk delete job."""
READY, LOCKED, COMPLETED = 0, 2, 3
"""`statecode` values."""
WAITING, IN_PROGRESS, SUCCEEDED, FAILED, CANCELED = 0, 20, 30, 31, 32
"""`statuscode` values."""
