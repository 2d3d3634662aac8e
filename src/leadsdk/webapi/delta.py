"""Change tracking over the Web API: `Prefer: odata.track-changes` and `@odata.deltaLink`; face layer.

As in Dataverse: a collection GET of a change-tracked table with `Prefer: odata.track-changes` returns
every record (the first sync) and an `@odata.deltaLink` (`{set}?$select=...&$deltatoken=<token>`);
a GET of that link returns the records created or updated since, the deleted ones as
`{"@odata.context": "...$metadata#{set}/$deletedEntity", "id": ..., "reason": "deleted"}`, and a
new delta link. `Prefer: odata.maxpagesize=n` pages either answer with `@odata.nextLink`; the last
page carries the delta link. Built on RetrieveEntityChangesRequest, so the token is the in-process
data token and security applies as there. Only `$select` may accompany change tracking.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from leadsdk.changes.messages import ChangeType, RetrieveEntityChangesRequest
from leadsdk.entities.model import EntityMetadata
from leadsdk.query import PagingInfo
from leadsdk.types import ColumnSet
from leadsdk.webapi.columns import select_columns
from leadsdk.webapi.errors import ApiError
from leadsdk.webapi.http import ApiRequest, ApiResponse
from leadsdk.webapi.options import page_size
from leadsdk.webapi.serialize import Annotations, RecordWriter

if TYPE_CHECKING:
    from leadsdk.service import OrganizationService
    from leadsdk.webapi.api import WebApi

__all__ = ["is_delta", "track_changes"]

_ALLOWED = {"$select", "$deltatoken", "$skiptoken"}


def is_delta(req: ApiRequest) -> bool:
    """A change-tracking request: the first (`Prefer: odata.track-changes`) or a delta link's."""
    return "$deltatoken" in req.query or req.prefers("odata.track-changes")


def _page(req: ApiRequest) -> PagingInfo:
    cookie = req.query.get("$skiptoken") or None
    if cookie is not None and not cookie.isdigit():
        raise ApiError.bad_request("The $skiptoken is not one this server wrote.")
    return PagingInfo(count=page_size(req), page_number=2 if cookie else 1, paging_cookie=cookie)


def _link(req: ApiRequest, set_name: str, params: dict[str, str]) -> str:
    keep = {k: v for k, v in req.query.items() if k == "$select"}
    keep.update(params)
    return req.url(set_name) + ("?" + urlencode(keep, quote_via=quote, safe="$,") if keep else "")


def track_changes(api: WebApi, svc: OrganizationService, req: ApiRequest, t: EntityMetadata) -> ApiResponse:
    """GET `/{set}` with `Prefer: odata.track-changes`, or a delta link (`?$deltatoken=...`)."""
    extra = sorted(k for k in req.query if k not in _ALLOWED)
    if extra:
        raise ApiError.bad_request(
            f"Change tracking supports only $select; {', '.join(extra)} cannot be used with it.")
    set_name = t.entity_set_name or t.logical_name
    cols = select_columns(api, t, req)
    token = req.query.get("$deltatoken")
    page = _page(req)
    changes = svc.execute(RetrieveEntityChangesRequest(
        entity_name=t.logical_name, columns=ColumnSet(all_columns=True) if cols is None else ColumnSet(*cols),
        data_version=token or None, page_info=page)).entity_changes
    ann = Annotations.from_prefer(req.header("prefer"))
    deleted_context = req.url(f"$metadata#{set_name}/$deletedEntity")
    rows: list[dict[str, Any]] = []
    write = RecordWriter(api.names, t, ann, cols)
    for c in changes.changes:
        if c.type == ChangeType.NEW_OR_UPDATED and c.new_or_updated_entity is not None:
            rows.append(write(c.new_or_updated_entity))
        elif c.removed_item is not None:
            rows.append({"@odata.context": deleted_context, "id": str(c.removed_item.id), "reason": "deleted"})
    shown = "" if cols is None else "(" + ",".join(
        f"_{c}_value" if t.attributes[c].type.is_lookup else c for c in cols) + ")"
    body: dict[str, Any] = {"@odata.context": req.url(f"$metadata#{set_name}{shown}/$delta")}
    if changes.more_records:
        params = {"$skiptoken": str(changes.paging_cookie)}
        if token:
            params["$deltatoken"] = token
        body["@odata.nextLink"] = _link(req, set_name, params)
    else:
        body["@odata.deltaLink"] = _link(req, set_name, {"$deltatoken": str(changes.data_token)})
    body["value"] = rows
    applied = ["odata.track-changes"]
    if req.prefer_value("odata.maxpagesize"):
        applied.append(f"odata.maxpagesize={page.count}")
    return ApiResponse(200, body, headers={"Preference-Applied": ",".join(applied)})
