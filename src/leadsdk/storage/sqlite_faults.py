"""SQLite errors about the file itself (not a database, damaged, read-only, disk full) as faults a
person can act on; never a raw `sqlite3` error."""

from __future__ import annotations

import sqlite3

from leadsdk.errors import ErrorCodes, OrganizationServiceFault

__all__ = ["PAGE_SIZES", "SYNCHRONOUS_MODES", "open_fault", "storage_fault"]

SYNCHRONOUS_MODES = ("FULL", "NORMAL", "EXTRA")
"""The `synchronous=` settings a file store accepts (see docs/backends.md for what each promises)."""

PAGE_SIZES = frozenset(1 << k for k in range(9, 17))
"""The `page_size=` values SQLite takes: powers of two from 512 to 65536 bytes."""

_PROBLEMS = (
    (("file is not a database", "not a database"),
     "is not a SQLite database (or is encrypted): open a leadsdk store or a new file"),
    (("malformed", "corrupt"),
     "is damaged (truncated or overwritten): restore it from a backup"),
    (("readonly", "read-only", "read only"),
     "is read-only: leadsdk needs to write the file and its -wal and -shm files next to it"),
    (("unable to open",),
     "cannot be opened: check that its folder exists and is writable"),
    (("disk is full", "disk full"),
     "cannot grow: the disk is full; free space and try again"),
    (("disk i/o error",),
     "cannot be read or written (disk I/O error)"),
)


def _problem(e: sqlite3.Error) -> str | None:
    msg = str(e).lower()
    for needles, text in _PROBLEMS:
        if any(n in msg for n in needles):
            return text
    return None


def open_fault(path: str, e: sqlite3.Error) -> OrganizationServiceFault:
    """The fault for an error while opening a store or creating its tables."""
    problem = _problem(e) or f"cannot be opened as a leadsdk store ({e})"
    return OrganizationServiceFault(
        ErrorCodes.SQL_ERROR, f"The database file '{path}' {problem}.",
        error_details={"path": path, "sqlite_error": str(e)})


def storage_fault(path: str, e: sqlite3.Error) -> OrganizationServiceFault:
    """The fault for any other SQLite error during a request (the file's problem when it is one)."""
    problem = _problem(e)
    if problem is not None:
        return OrganizationServiceFault(
            ErrorCodes.SQL_ERROR, f"The database file '{path}' {problem}.",
            error_details={"path": path, "sqlite_error": str(e)})
    return OrganizationServiceFault(ErrorCodes.SQL_ERROR, f"The database reported an error: {e}.")
