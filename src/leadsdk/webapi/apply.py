"""`$apply`: `groupby((a,b),aggregate(x with sum as total,$count as n))`, `aggregate(...)`, `filter(...)/...`.

Compiles to an aggregate QueryExpression (the same one FetchXML `aggregate='true'` gives), so grouping and
aggregation run as one SQL statement.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from leadsdk.entities.model import EntityMetadata
from leadsdk.messages import RetrieveMultipleRequest
from leadsdk.query import QueryExpression
from leadsdk.query.model import AggregateColumn
from leadsdk.types import EntityCollection
from leadsdk.webapi.errors import ApiError
from leadsdk.webapi.http import ApiRequest, ApiResponse
from leadsdk.webapi.odata_filter import parse_filter
from leadsdk.webapi.options import filter_of, split_top
from leadsdk.webapi.serialize import Annotations, records_to_json

if TYPE_CHECKING:
    from leadsdk.service import OrganizationService
    from leadsdk.webapi.api import WebApi

__all__ = ["apply_query", "run_apply"]

_METHODS = {"sum": "sum", "average": "avg", "min": "min", "max": "max", "countdistinct": "countcolumn"}
_AGG = re.compile(r"^\s*(\$count|[A-Za-z_][A-Za-z0-9_]*)(?:\s+with\s+([A-Za-z]+))?\s+as\s+([A-Za-z_][A-Za-z0-9_]*)\s*$")


def _column(t: EntityMetadata, name: str) -> str:
    col = name[1:-6] if name.startswith("_") and name.endswith("_value") else name
    if col not in t.attributes:
        raise ApiError.bad_request(f"Could not find a property named '{name}' on type "
                                   f"'Microsoft.Dynamics.CRM.{t.logical_name}'.")
    return col


def _call(text: str, name: str) -> str | None:
    """The argument text of `name(...)` when `text` is exactly that call."""
    t = text.strip()
    if t.startswith(name + "(") and t.endswith(")"):
        return t[len(name) + 1:-1]
    return None


def _aggregates(t: EntityMetadata, text: str) -> list[AggregateColumn]:
    out: list[AggregateColumn] = []
    for item in (p for p in text.split(",") if p.strip()):
        m = _AGG.match(item)
        if m is None:
            raise ApiError.bad_request(f"'{item.strip()}' is not 'column with method as alias' or '$count as alias'.")
        col, method, alias = m.groups()
        if col == "$count":
            out.append(AggregateColumn(t.primary_id_attribute, alias, "count"))
            continue
        fn = _METHODS.get((method or "").lower())
        if fn is None:
            raise ApiError.bad_request(f"'{method}' is not an aggregation method (sum, average, min, max, "
                                       "countdistinct).")
        out.append(AggregateColumn(_column(t, col), alias, fn, distinct=fn == "countcolumn"))
    return out


def apply_query(t: EntityMetadata, text: str, api: WebApi | None = None) -> QueryExpression:
    """`$apply` as an aggregate query; with `api`, `filter(...)` also takes lambda operators."""
    q = QueryExpression(t.logical_name, aggregate=True)
    steps = [s.strip() for s in split_top(text, "/") if s.strip()]  # `/` between steps, not inside them
    for step in steps:
        if (inner := _call(step, "filter")) is not None:
            q.criteria.add_filter(parse_filter(inner, t) if api is None else filter_of(api, t, inner))
        elif (inner := _call(step, "aggregate")) is not None:
            q.aggregate_columns += _aggregates(t, inner)
        elif (inner := _call(step, "groupby")) is not None:
            m = re.match(r"^\s*\(([^)]*)\)\s*(?:,\s*aggregate\((.*)\))?\s*$", inner)
            if m is None:
                raise ApiError.bad_request(f"Bad groupby in $apply: '{step}'.")
            for name in (n.strip() for n in m.group(1).split(",") if n.strip()):
                col = _column(t, name)
                q.aggregate_columns.append(AggregateColumn(col, col, group_by=True))
            if m.group(2):
                q.aggregate_columns += _aggregates(t, m.group(2))
        else:
            raise ApiError.bad_request(f"$apply supports filter, groupby and aggregate, not '{step}'.")
    if not q.aggregate_columns:
        raise ApiError.bad_request("$apply needs a groupby or an aggregate.")
    return q


def run_apply(api: WebApi, svc: OrganizationService, req: ApiRequest, t: EntityMetadata) -> ApiResponse:
    q = apply_query(t, req.query["$apply"], api)
    result: EntityCollection = svc.execute(RetrieveMultipleRequest(query=q)).entity_collection
    ann = Annotations.from_prefer(req.header("prefer"))
    cols = [c.alias or c.attribute_name for c in q.aggregate_columns]
    rows = records_to_json(api.names, t, result.entities, ann, cols)
    for row in rows:
        row.pop(t.primary_id_attribute, None)
    return ApiResponse(200, {"@odata.context": req.url(f"$metadata#{t.entity_set_name}"), "value": rows})
