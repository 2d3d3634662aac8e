"""Records: create, retrieve, update/upsert (with ETags), delete, and single column values."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages import (
    AssociateRequest,
    ConcurrencyBehavior,
    CreateRequest,
    DeleteRequest,
    RetrieveRequest,
    UpdateRequest,
    UpsertRequest,
)
from leadsdk.types import ColumnSet, Entity, EntityReference
from leadsdk.webapi.columns import select_columns, with_version
from leadsdk.webapi.errors import ApiError
from leadsdk.webapi.expand import expand_lookups
from leadsdk.webapi.http import ApiRequest, ApiResponse
from leadsdk.webapi.serialize import Annotations, entity_from_json, entity_to_json, etag, parse_etag

__all__ = [
    "create",
    "delete",
    "entity_id_response",
    "parameters",
    "property_value",
    "retrieve",
    "suppress_duplicates",
    "update",
]


if TYPE_CHECKING:
    from leadsdk.service import OrganizationService
    from leadsdk.webapi.api import WebApi


def parameters(req: ApiRequest) -> dict[str, Any]:
    """Optional request parameters carried by headers (plugins may read them)."""
    out: dict[str, Any] = {}
    if req.header("mscrm.bypasscustompluginexecution").lower() == "true":
        out["BypassCustomPluginExecution"] = True
    return out


def suppress_duplicates(req: ApiRequest) -> bool:
    """Dataverse's Web API skips duplicate detection unless `MSCRM.SuppressDuplicateDetection: false`."""
    return req.header("mscrm.suppressduplicatedetection", "true").lower() != "false"


def _retrieve(svc: OrganizationService, t: EntityMetadata, id_: uuid.UUID, cols: list[str] | None) -> Entity:
    cs = ColumnSet(all_columns=True) if cols is None else ColumnSet(*with_version(t, cols))
    entity: Entity | None = svc.execute(
        RetrieveRequest(target=EntityReference(t.logical_name, id_), column_set=cs)).entity
    assert entity is not None
    return entity


def record_body(api: WebApi, req: ApiRequest, t: EntityMetadata, e: Entity, cols: list[str] | None) -> dict[str, Any]:
    set_name = t.entity_set_name or t.logical_name
    sel = "" if cols is None else "(" + ",".join(_public(t, c) for c in cols) + ")"
    body: dict[str, Any] = {"@odata.context": req.url(f"$metadata#{set_name}{sel}/$entity")}
    body.update(entity_to_json(api.names, t, e, Annotations.from_prefer(req.header("prefer")), cols))
    return body


def _public(t: EntityMetadata, col: str) -> str:
    a = t.attributes.get(col)
    return f"_{col}_value" if a is not None and a.type.is_lookup else col


def retrieve(api: WebApi, svc: OrganizationService, req: ApiRequest, t: EntityMetadata, id_: uuid.UUID) -> ApiResponse:
    cols = select_columns(api, t, req)
    e = _retrieve(svc, t, id_, None if cols is None else [*cols, *expand_lookups(api, t, req)])
    tag = etag(e.row_version)
    inm = req.header("if-none-match")
    if inm and tag is not None and parse_etag(inm) == parse_etag(tag):
        return ApiResponse(304, headers={"ETag": tag})
    body = record_body(api, req, t, e, cols)
    api.expand_record(svc, req, t, e, body)
    return ApiResponse(200, body, headers={"ETag": tag} if tag else {})


def entity_id_response(api: WebApi, svc: OrganizationService, req: ApiRequest, t: EntityMetadata,
                        id_: uuid.UUID, created: bool) -> ApiResponse:
    set_name = t.entity_set_name or t.logical_name
    location = req.url(f"{set_name}({id_})")
    headers = {"OData-EntityId": location}
    if req.prefers("return=representation"):
        cols = select_columns(api, t, req)
        e = _retrieve(svc, t, id_, cols)
        tag = etag(e.row_version)
        if tag:
            headers["ETag"] = tag
        return ApiResponse(201 if created else 200, record_body(api, req, t, e, cols), headers)
    return ApiResponse(204, headers=headers)


def create(api: WebApi, svc: OrganizationService, req: ApiRequest, t: EntityMetadata) -> ApiResponse:
    """POST `/{set}`; a body holding related records is a deep insert (`deep_insert`)."""
    e = entity_from_json(api.names, t, req.json(), deep=True)
    if e.related_entities:
        return entity_id_response(api, svc, req, t, deep_insert(api, svc, req, t, e), True)
    resp = svc.execute(CreateRequest(target=e, suppress_duplicate_detection=suppress_duplicates(req),
                                     parameters=parameters(req)))
    assert resp.id is not None
    return entity_id_response(api, svc, req, t, resp.id, True)


def deep_insert(api: WebApi, svc: OrganizationService, req: ApiRequest, t: EntityMetadata, e: Entity) -> uuid.UUID:
    """Create `e` and the related records it holds, in one transaction (all or nothing), as Dataverse does:
    a single-valued navigation property's record first (the new record's lookup points at it), then the
    record, then the records of its collection-valued ones (their lookup points back; N:N ones are
    associated). Each is an ordinary Create through the pipeline, so plugins, security and audit apply."""
    sdd, params = suppress_duplicates(req), parameters(req)

    def create_tree(inner: OrganizationService, table: EntityMetadata, record: Entity) -> uuid.UUID:
        related, record.related_entities = record.related_entities, {}
        navs = [(api.names.require_nav(table.logical_name, name), coll) for name, coll in related.items()]
        for nav, coll in navs:
            if nav.kind == "single":
                assert nav.lookup is not None
                child = coll.entities[0]
                record[nav.lookup] = EntityReference(nav.target, create_tree(inner, _table(api, nav.target), child))
        new_id = inner.execute(CreateRequest(target=record, suppress_duplicate_detection=sdd, parameters=params)).id
        assert new_id is not None
        for nav, coll in navs:
            children = []
            for child in coll.entities:
                if nav.kind == "many":
                    assert nav.lookup is not None
                    child[nav.lookup] = EntityReference(table.logical_name, new_id)
                if nav.kind != "single":
                    children.append(EntityReference(nav.target, create_tree(inner, _table(api, nav.target), child)))
            if nav.kind == "manytomany" and children:
                inner.execute(AssociateRequest(target=EntityReference(table.logical_name, new_id),
                                               relationship=nav.relationship, related_entities=children))
        return new_id

    with svc.transaction(all_or_nothing=True):  # the whole tree is created, or nothing
        return create_tree(svc, t, e)


def _table(api: WebApi, logical_name: str) -> EntityMetadata:
    return api.names.metadata.table(logical_name)


def update(api: WebApi, svc: OrganizationService, req: ApiRequest, t: EntityMetadata, id_: uuid.UUID,
           defaults: dict[str, Any] | None = None) -> ApiResponse:
    """PATCH: upsert by default; `If-Match: *` updates only, `If-Match: W/"v"` only that version,
    `If-None-Match: *` creates only. `defaults`: columns the body may not override (an alternate
    key's values when PATCH by key creates the record)."""
    e = entity_from_json(api.names, t, req.json(), id_)
    for col, value in (defaults or {}).items():
        e.attributes.setdefault(col, value)
    if_match, if_none = req.header("if-match").strip(), req.header("if-none-match").strip()
    params = parameters(req)
    sdd = suppress_duplicates(req)
    if if_none == "*":
        try:
            svc.execute(RetrieveRequest(target=EntityReference(t.logical_name, id_),
                                        column_set=ColumnSet(t.primary_id_attribute)))
        except OrganizationServiceFault as f:
            if f.error_code != ErrorCodes.OBJECT_DOES_NOT_EXIST:
                raise
        else:
            raise ApiError(412, ErrorCodes.DUPLICATE_RECORD, "A record with matching key values already exists.")
        svc.execute(CreateRequest(target=e, suppress_duplicate_detection=sdd, parameters=params))
        return entity_id_response(api, svc, req, t, id_, True)
    if if_match:
        behavior = ConcurrencyBehavior.DEFAULT
        if if_match != "*":
            e.row_version = parse_etag(if_match)
            behavior = ConcurrencyBehavior.IF_ROW_VERSION_MATCHES
        try:
            svc.execute(UpdateRequest(target=e, concurrency_behavior=behavior, suppress_duplicate_detection=sdd,
                                      parameters=params))
        except OrganizationServiceFault as f:
            if f.error_code == ErrorCodes.OBJECT_DOES_NOT_EXIST and if_match == "*":
                raise ApiError(404, f.error_code, f.message) from None
            raise
        return entity_id_response(api, svc, req, t, id_, False)
    resp = svc.execute(UpsertRequest(target=e, parameters=params))
    return entity_id_response(api, svc, req, t, id_, bool(resp.record_created))


def delete(svc: OrganizationService, req: ApiRequest, t: EntityMetadata, id_: uuid.UUID) -> ApiResponse:
    if_match = req.header("if-match").strip()
    ref = EntityReference(t.logical_name, id_)
    if if_match and if_match != "*":
        svc.execute(DeleteRequest(target=ref, concurrency_behavior=ConcurrencyBehavior.IF_ROW_VERSION_MATCHES,
                                  row_version=parse_etag(if_match), parameters=parameters(req)))
    else:
        svc.execute(DeleteRequest(target=ref, parameters=parameters(req)))
    return ApiResponse(204)


def property_value(api: WebApi, svc: OrganizationService, req: ApiRequest, t: EntityMetadata, id_: uuid.UUID,
                   column: str) -> ApiResponse:
    """GET, PUT or DELETE `/{set}({id})/{column}`: one column's value."""
    a = t.attributes.get(column)
    if a is None:
        raise ApiError.bad_request(
            f"Could not find a property named '{column}' on type 'Microsoft.Dynamics.CRM.{t.logical_name}'."
        )
    set_name = t.entity_set_name or t.logical_name
    if req.method == "GET":
        e = _retrieve(svc, t, id_, [column])
        body = entity_to_json(api.names, t, e, Annotations(), [column])
        key = f"_{column}_value" if a.type.is_lookup else column
        return ApiResponse(200, {"@odata.context": req.url(f"$metadata#{set_name}({id_})/{column}"),
                                 "value": body.get(key)})
    if req.method == "PUT":
        payload = req.json()
        if not isinstance(payload, dict) or "value" not in payload:
            raise ApiError.bad_request('PUT of a column takes a body {"value": ...}.')
        e = entity_from_json(api.names, t, {column: payload["value"]}, id_)
    elif req.method == "DELETE":
        e = Entity(t.logical_name, id_)
        e[column] = None
    else:
        raise ApiError(405, ErrorCodes.NOT_SUPPORTED, f"{req.method} is not supported on a column.")
    svc.execute(UpdateRequest(target=e, parameters=parameters(req)))
    return ApiResponse(204)
