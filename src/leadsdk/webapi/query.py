"""Collections: query options (`$select $filter $orderby $top $count $expand`, paging) and `?fetchXml=`.

Each request compiles to one QueryExpression run by RetrieveMultiple, so security and the SQL compiler
apply exactly as in-process. `$expand` runs one more query per expanded navigation property.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlencode

from leadsdk.entities.model import EntityMetadata
from leadsdk.messages import ExecuteByIdSavedQueryRequest, ExecuteByIdUserQueryRequest, RetrieveMultipleRequest
from leadsdk.query import ConditionOperator, FetchExpression, PagingInfo, QueryExpression
from leadsdk.query.model import AggregateColumn
from leadsdk.types import ColumnSet, EntityCollection
from leadsdk.webapi.apply import run_apply
from leadsdk.webapi.delta import is_delta, track_changes
from leadsdk.webapi.errors import ApiError
from leadsdk.webapi.expand import expand_into, expand_lookups, link_many_to_many
from leadsdk.webapi.http import ApiRequest, ApiResponse, Segment
from leadsdk.webapi.names import Nav
from leadsdk.webapi.options import build_query, filter_of, page_size, refuse_unsupported
from leadsdk.webapi.records import retrieve as retrieve_record
from leadsdk.webapi.serialize import Annotations, records_to_json

__all__ = [
    "collection",
    "count",
    "related",
]


if TYPE_CHECKING:
    from leadsdk.service import OrganizationService
    from leadsdk.webapi.api import WebApi


_COOKIE = re.compile(r'pagenumber="(\d+)"(?:\s+pagingcookie="([^"]*)")?')


def _page(req: ApiRequest) -> PagingInfo:
    page = PagingInfo(count=page_size(req), page_number=1,
                      return_total_record_count=req.query.get("$count", "").lower() == "true")
    token = req.query.get("$skiptoken")
    if token:
        m = _COOKIE.search(token)
        if m is None:
            raise ApiError.bad_request("The $skiptoken is not one this server wrote.")
        page.page_number = int(m.group(1))
        page.paging_cookie = unquote(unquote(m.group(2))) if m.group(2) else None
    return page


def _next_link(req: ApiRequest, result: EntityCollection, page: PagingInfo) -> str:
    cookie = quote(quote(result.paging_cookie or "", safe=""), safe="")
    token = f'<cookie pagenumber="{page.page_number + 1}" pagingcookie="{cookie}" istracking="False" />'
    params = {k: v for k, v in req.query.items() if k != "$skiptoken"}
    params["$skiptoken"] = token
    return req.url(req.path) + "?" + urlencode(params, quote_via=quote)


def _context(req: ApiRequest, set_name: str, cols: list[str] | None, t: EntityMetadata) -> str:
    if cols is None:
        return req.url(f"$metadata#{set_name}")
    names = [f"_{c}_value" if (a := t.attributes.get(c)) is not None and a.type.is_lookup else c for c in cols]
    return req.url(f"$metadata#{set_name}({','.join(names)})")


def collection(api: WebApi, svc: OrganizationService, req: ApiRequest, t: EntityMetadata,
               extra: tuple[str, uuid.UUID] | None = None) -> ApiResponse:
    """GET `/{set}` (optionally limited to the children of one record: `extra` = (lookup, parent id))."""
    if extra is None and is_delta(req):
        return track_changes(api, svc, req, t)
    set_name = t.entity_set_name or t.logical_name
    ann = Annotations.from_prefer(req.header("prefer"))
    refuse_unsupported(req.query)
    if "fetchXml" in req.query:
        return _fetch(api, svc, req, t, ann)
    if "$apply" in req.query:

        return run_apply(api, svc, req, t)
    views: tuple[tuple[str, Any], ...] = (("savedQuery", ExecuteByIdSavedQueryRequest),
                                          ("userQuery", ExecuteByIdUserQueryRequest))
    for key, cls in views:
        if key in req.query:
            saved: Any = svc.execute(cls(entity_id=_uuid(req.query[key])))
            found: EntityCollection = saved.entity_collection
            rows = records_to_json(api.names, t, found.entities, ann)
            return ApiResponse(200, {"@odata.context": req.url(f"$metadata#{set_name}"), "value": rows})
    q, cols = build_query(api, t, req.query, req)
    if cols is not None:
        for col in expand_lookups(api, t, req):
            q.column_set.add_column(col)
    if extra is not None:
        q.criteria.add_condition(extra[0], ConditionOperator.EQUAL, extra[1])
    page: PagingInfo | None = None
    if q.top_count is None:
        page = q.page_info = _page(req)
    result: EntityCollection = svc.execute(RetrieveMultipleRequest(query=q)).entity_collection
    body: dict[str, Any] = {"@odata.context": _context(req, set_name, cols, t)}
    if req.query.get("$count", "").lower() == "true":
        body["@odata.count"] = result.total_record_count if result.total_record_count >= 0 else len(result)
    rows = records_to_json(api.names, t, result.entities, ann, cols)
    expand_into(api, svc, req, t, result.entities, rows)
    body["value"] = rows
    if page is not None and result.more_records:
        body["@odata.nextLink"] = _next_link(req, result, page)
    return ApiResponse(200, body, headers={"Preference-Applied": f"odata.maxpagesize={page.count}"}
                       if page is not None and req.prefer_value("odata.maxpagesize") else {})


def count(api: WebApi, svc: OrganizationService, req: ApiRequest, t: EntityMetadata) -> ApiResponse:
    """GET `/{set}/$count[?$filter=...]`: the number of matching records, as text."""

    refuse_unsupported(req.query)
    q = QueryExpression(t.logical_name, aggregate=True)
    if req.query.get("$filter"):
        q.criteria = filter_of(api, t, req.query["$filter"])
    q.aggregate_columns = [AggregateColumn(t.primary_id_attribute, "n", "count")]
    rows = svc.execute(RetrieveMultipleRequest(query=q)).entity_collection.entities
    n = rows[0]["n"].value if rows else 0
    return ApiResponse(200, str(n), media_type="text/plain")


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip().strip("{}"))
    except ValueError:
        raise ApiError.bad_request(f"'{text}' is not a GUID.") from None


def _fetch(api: WebApi, svc: OrganizationService, req: ApiRequest, t: EntityMetadata, ann: Annotations) -> ApiResponse:
    xml = req.query["fetchXml"]
    result: EntityCollection = svc.execute(RetrieveMultipleRequest(query=FetchExpression(xml))).entity_collection
    if result.entity_name not in (None, t.logical_name):
        raise ApiError.bad_request(f"The FetchXML queries '{result.entity_name}', not the '{t.logical_name}' set.")
    set_name = t.entity_set_name or t.logical_name
    body: dict[str, Any] = {"@odata.context": req.url(f"$metadata#{set_name}")}
    if result.total_record_count >= 0:
        body["@Microsoft.Dynamics.CRM.totalrecordcount"] = result.total_record_count
        body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] = result.total_record_count_limit_exceeded
    if result.paging_cookie:
        m = re.search(r'page=["\'](\d+)', xml)
        page = int(m.group(1)) if m else 1
        body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"] = (
            f'<cookie pagenumber="{page + 1}" pagingcookie="{quote(quote(result.paging_cookie, safe=""), safe="")}" '
            'istracking="False" />')
    body["@Microsoft.Dynamics.CRM.morerecords"] = result.more_records
    body["value"] = records_to_json(api.names, t, result.entities, ann)
    return ApiResponse(200, body)


def related(api: WebApi, svc: OrganizationService, req: ApiRequest, t: EntityMetadata, id_: uuid.UUID, nav: Nav,
            seg: Segment) -> ApiResponse:
    """GET `/{set}({id})/{nav}`: the record a lookup points at, or the related records."""
    if req.method != "GET":
        raise ApiError.bad_request(f"{req.method} on a navigation property needs /$ref.")
    target = api.names.metadata.table(nav.target)
    if nav.kind == "single":
        assert nav.lookup is not None
        row = svc.retrieve(t.logical_name, id_, ColumnSet(nav.lookup))
        ref = row.get(nav.lookup)
        if ref is None or ref.logical_name != nav.target:
            return ApiResponse(204)
        return retrieve_record(api, svc, req, target, ref.id)
    if nav.kind == "many":
        assert nav.lookup is not None
        return collection(api, svc, req, target, (nav.lookup, id_))
    q, cols = build_query(api, target, req.query, req)
    link_many_to_many(api, q, nav, [id_])
    result = svc.execute(RetrieveMultipleRequest(query=q)).entity_collection
    ann = Annotations.from_prefer(req.header("prefer"))
    return ApiResponse(200, {"@odata.context": req.url(f"$metadata#{target.entity_set_name}"),
                             "value": records_to_json(api.names, target, result.entities, ann, cols)})
