"""Copy a whole store into another one (SQLite -> PostgreSQL and back), row for row.

Ids, row versions, created/modified stamps, owners, notes and attachment bytes are copied as
stored; nothing goes through the request pipeline (no plugins, no new versions, no audit), so the
target is the same store in another engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.storage.base import Row, Storage

__all__ = ["copy_store"]

Progress = Callable[[str, int, int], Any]
"""progress(table, rows copied so far in that table, rows in that table)."""


def copy_store(source: Storage, target: Storage, *, batch: int = 1000, progress: Progress | None = None
               ) -> dict[str, int]:
    """Replace everything in `target` with the rows of `source`; returns rows copied per table.

    Both storages must be attached (opened by an `OrganizationService`, or `attach(metadata)`);
    a target without metadata gets the source's. The target's own rows (its seeded organization,
    currency, business unit) are deleted first, all in one target transaction, so a failed copy
    leaves the target as it was. Stop writers to the source while copying. Reopen services over
    the target afterwards: their caches (organization, currency) describe the old rows.
    """
    if batch < 1:
        raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT, f"batch must be at least 1, not {batch}.")
    tables = list(source.metadata)
    if not tables:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            "The source store is not attached to metadata; open it with OrganizationService first.")
    if not list(target.metadata):
        target.attach(source.metadata)
    for t in tables:
        tt = target.metadata.get(t.logical_name)
        missing = [] if tt is None else [c for c in t.attributes if c not in tt.attributes]
        if tt is None or missing:
            what = f"the table {t.logical_name}" if tt is None else f"{t.logical_name}.{', '.join(missing)}"
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"The target store has no {what}; attach it to the source's metadata first.")
    scan = getattr(source, "scan", None)
    clear = getattr(target, "clear", None)
    if scan is None or clear is None:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"copy_store works between SQL stores; {type(source).__name__} or {type(target).__name__} is not one.")
    copied: dict[str, int] = {}
    top_version = 0
    with target.transaction():
        for t in tables:
            clear(target.metadata.table(t.logical_name))
        for t in tables:
            tt = target.metadata.table(t.logical_name)
            total = source.count(t)
            n = 0
            chunk: list[Row] = []
            for row in scan(t, batch):
                v = row.get("versionnumber")
                if isinstance(v, int) and v > top_version:
                    top_version = v
                chunk.append(row)
                if len(chunk) >= batch:
                    target.insert_many(tt, chunk)
                    n += len(chunk)
                    chunk = []
                    if progress is not None:
                        progress(t.logical_name, n, total)
            if chunk:
                target.insert_many(tt, chunk)
                n += len(chunk)
            if progress is not None:
                progress(t.logical_name, n, total)
            copied[t.logical_name] = n
    bump = getattr(target, "ensure_version_above", None)
    if callable(bump):
        bump(top_version)
    return copied
