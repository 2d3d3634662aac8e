"""Limits every query is checked against before it is compiled to SQL, so an oversized or malformed
query gets its Dataverse fault instead of a database error (or a Python RecursionError).

The walk is iterative: a filter nested thousands deep is measured without recursing.
"""

from __future__ import annotations

from typing import Any

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.types import ColumnSet

__all__ = ["MAX_FILTER_DEPTH", "MAX_LINK_ENTITIES", "MAX_QUERY_PARAMETERS", "check_query"]

MAX_FILTER_DEPTH = 40
"""Filters nested deeper than this fault TooManyConditionsInQuery: the SQL text nests as deep, and SQLite's parser
stops at about 100 levels of parentheses (each filter level can add two)."""
MAX_QUERY_PARAMETERS = 30_000
"""Condition values in one query: beyond this the statement would pass SQLite's (32,766) or PostgreSQL's
(65,535) limit of bound parameters. An IN of more values faults TooManyConditionParametersInQuery."""
MAX_LINK_ENTITIES = 15
"""Dataverse allows 15 link-entities per query."""


def _check_columns(value: Any, where: str) -> None:
    if value is not None and not isinstance(value, ColumnSet):
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"The {where} must be a ColumnSet (for example ColumnSet('lastname', 'companyname') or "
            f"ColumnSet(all_columns=True)), not {type(value).__name__} {value!r:.80}.")


def check_query(query: Any) -> None:
    """Fault on a query no store should run: columns that are not a ColumnSet, filters nested too deep,
    too many condition values or linked tables."""
    _check_columns(getattr(query, "column_set", None), "column_set of a query")
    params = 0
    links = 0
    filters: list[tuple[Any, int]] = [(getattr(query, "criteria", None), 1)]
    pending = list(getattr(query, "link_entities", None) or [])
    while pending:
        link = pending.pop()
        links += 1
        _check_columns(getattr(link, "columns", None), "columns of a link-entity")
        filters.append((getattr(link, "link_criteria", None), 1))
        pending.extend(getattr(link, "link_entities", None) or [])
    if links > MAX_LINK_ENTITIES:
        raise OrganizationServiceFault(
            ErrorCodes.TOO_MANY_LINK_ENTITIES_IN_QUERY,
            f"The query on {getattr(query, 'entity_name', '?')} links {links} tables; at most "
            f"{MAX_LINK_ENTITIES} link-entities are allowed.")
    while filters:
        f, depth = filters.pop()
        if f is None:
            continue
        if depth > MAX_FILTER_DEPTH:
            raise OrganizationServiceFault(
                ErrorCodes.TOO_MANY_CONDITIONS_IN_QUERY,
                f"The query on {getattr(query, 'entity_name', '?')} nests filters more than "
                f"{MAX_FILTER_DEPTH} levels deep; flatten it (an IN condition or fewer nested AND/OR groups).")
        for c in getattr(f, "conditions", None) or []:
            params += len(getattr(c, "values", None) or ())
        if params > MAX_QUERY_PARAMETERS:
            raise OrganizationServiceFault(
                ErrorCodes.TOO_MANY_CONDITION_PARAMETERS_IN_QUERY,
                f"The query on {getattr(query, 'entity_name', '?')} has more than {MAX_QUERY_PARAMETERS:,} "
                "condition values; split it into several queries (for example IN lists of a few thousand).")
        filters.extend((child, depth + 1) for child in getattr(f, "filters", None) or [])
