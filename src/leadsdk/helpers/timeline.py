"""A record's timeline: its activities and notes, newest first, read with ordinary queries.

`timeline(svc, EntityReference("lead", id))` runs one `RetrieveMultiple` per activity table whose
`regardingobjectid` can point at the record's table, and one for the notes (`annotation.objectid`),
each filtered, ordered (`createdon` descending) and limited in the store, then merges the already
sorted pages. Notes are listed without `documentbody`, so attachments of many MB are never read;
retrieve a note by id with `ColumnSet("documentbody")` to download one.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterator
from typing import TYPE_CHECKING

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.query import ConditionOperator, OrderType, QueryExpression
from leadsdk.types import ColumnSet, Entity, EntityReference

if TYPE_CHECKING:
    from leadsdk.service import OrganizationService

__all__ = ["ACTIVITY_COLUMNS", "NOTE_COLUMNS", "timeline", "timeline_queries"]

ACTIVITY_COLUMNS: tuple[str, ...] = (
    "subject", "description", "activitytypecode", "regardingobjectid", "scheduledstart", "scheduledend",
    "actualend", "prioritycode", "statecode", "statuscode", "ownerid", "createdon", "modifiedon",
)
"""Columns read from each activity table (those every activity has)."""

NOTE_COLUMNS: tuple[str, ...] = (
    "subject", "notetext", "isdocument", "filename", "mimetype", "filesize", "objectid", "ownerid",
    "createdon", "modifiedon",
)
"""Columns read from notes: metadata only, never `documentbody`."""

_MIN = dt.datetime.min.replace(tzinfo=dt.timezone.utc)


def timeline_queries(svc: OrganizationService, regarding: EntityReference,
                     top: int | None = None) -> list[QueryExpression]:
    """The queries behind `timeline()`: one per activity table that can regard the record, one for notes."""
    md = svc.metadata
    md.table(regarding.logical_name)
    queries: list[QueryExpression] = []
    for t in md:
        if t.is_activity:
            column, wanted = "regardingobjectid", ACTIVITY_COLUMNS
        elif t.logical_name == "annotation":
            column, wanted = "objectid", NOTE_COLUMNS
        else:
            continue
        a = t.attributes.get(column)
        if a is None or regarding.logical_name not in a.targets:
            continue
        q = QueryExpression(t.logical_name, column_set=ColumnSet(*(c for c in wanted if c in t.attributes)))
        q.criteria.add_condition(column, ConditionOperator.EQUAL, regarding.id)
        q.add_order("createdon", OrderType.DESCENDING)
        q.add_order(t.primary_id_attribute, OrderType.DESCENDING)
        if top is not None:
            q.top_count = top
        queries.append(q)
    return queries


def timeline(svc: OrganizationService, regarding: EntityReference, top: int | None = None) -> list[Entity]:
    """The record's activities (task, phonecall, email, appointment, ...) and notes, newest first.

    Each item is an `Entity` of its own table (`e.logical_name` says which); `top` keeps the newest `top`.
    """
    if not isinstance(regarding, EntityReference):
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"timeline() takes an EntityReference to the record, not {type(regarding).__name__}.",
        )
    pages = [list(svc.retrieve_multiple(q)) for q in timeline_queries(svc, regarding, top)]

    def key(e: Entity) -> dt.datetime:
        v = e.get("createdon")
        return v if isinstance(v, dt.datetime) else _MIN

    merged: Iterator[Entity] = heapq.merge(*pages, key=key, reverse=True)
    out = list(merged)
    return out if top is None else out[:top]
