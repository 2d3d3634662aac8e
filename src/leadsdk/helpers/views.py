"""Views by name: find a system view (`savedquery`) or a personal view (`userquery`) and run it.

    from leadsdk.helpers.views import run_view
    rows = run_view(svc, "My Open Leads")          # as svc's caller: "My" views return their records
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.query.model import ConditionOperator, QueryExpression
from leadsdk.types import ColumnSet, EntityCollection, EntityReference

if TYPE_CHECKING:
    from leadsdk.service import OrganizationService

__all__ = ["run_view", "view_reference"]


def view_reference(svc: OrganizationService, name: str, table: str | None = None) -> EntityReference:
    """The view named `name` (optionally of `table`): a personal view of the caller's first, then a
    system view. Faults OBJECT_DOES_NOT_EXIST when there is none, INVALID_ARGUMENT when the name is
    ambiguous across tables."""
    for logical in ("userquery", "savedquery"):
        q = QueryExpression(logical, ColumnSet("name", "returnedtypecode"))
        q.criteria.add_condition("name", ConditionOperator.EQUAL, name)
        q.criteria.add_condition("statecode", ConditionOperator.EQUAL, 0)
        if table is not None:
            q.criteria.add_condition("returnedtypecode", ConditionOperator.EQUAL, table)
        found = svc.retrieve_multiple(q).entities
        if len(found) > 1:
            tables = sorted({str(e.get("returnedtypecode")) for e in found})
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"More than one view is named '{name}' (tables: {', '.join(tables)}); name the table too.")
        if found and found[0].id is not None:
            return EntityReference(logical, found[0].id, name)
    where = f" of table '{table}'" if table else ""
    raise OrganizationServiceFault(ErrorCodes.OBJECT_DOES_NOT_EXIST, f"There is no view named '{name}'{where}.")


def run_view(svc: OrganizationService, name: str | uuid.UUID, table: str | None = None) -> EntityCollection:
    """Run a view by name (or by its savedquery id) and return its rows, with the view's columns."""
    ref = EntityReference("savedquery", name) if isinstance(name, uuid.UUID) else view_reference(svc, name, table)
    return svc.retrieve_multiple(ref)
