"""Actions and functions from one generic mapping of leadsdk.messages request classes, plus `$ref`.

`POST /QualifyLead`, `POST /leads(id)/Microsoft.Dynamics.CRM.QualifyLead`, `GET /RetrieveDuplicates(...)`:
the Dataverse message name finds the request class; each parameter (`LeadId`, `CreateAccount`) fills the
field of the same name in snake_case (`lead_id`, `create_account`), converted by the field's type.
"""

from __future__ import annotations

import enum
import json
import uuid
from typing import TYPE_CHECKING, Any

import attrs

import leadsdk.webapi.keys as keys
from leadsdk import messages
from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes
from leadsdk.messages import OrganizationRequest, OrganizationResponse
from leadsdk.query import PagingInfo, QueryExpression
from leadsdk.security import SYSTEM_USER_ID, AccessRights, PrincipalAccess
from leadsdk.types import ColumnSet, Entity, EntityCollection, EntityReference, Relationship
from leadsdk.webapi.errors import ApiError
from leadsdk.webapi.http import ApiRequest, ApiResponse, Segment, split_path
from leadsdk.webapi.names import Nav, parse_record_url
from leadsdk.webapi.records import suppress_duplicates
from leadsdk.webapi.serialize import Annotations, entity_from_json, entity_to_json, json_value

if TYPE_CHECKING:
    from leadsdk.service import OrganizationService
    from leadsdk.webapi.api import WebApi

__all__ = ["REQUESTS", "bound", "references", "unbound", "who_am_i"]

CRM = "Microsoft.Dynamics.CRM."
ROOT_MARK = "/api/data/v9.2/"
REQUESTS: dict[str, type[OrganizationRequest[Any]]] = {
    c.request_name.lower(): c
    for c in vars(messages).values()
    if isinstance(c, type) and issubclass(c, OrganizationRequest) and c.request_name
}
"""Every leadsdk request class by its Dataverse message name (lower case)."""

_BINDING_FIELDS = ("target", "entity_moniker", "business_entity", "record")


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and (not name[i - 1].isupper() or (i + 1 < len(name) and name[i + 1].islower())):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def _pascal(name: str) -> str:
    return "".join(p.capitalize() for p in name.split("_"))


def who_am_i(api: WebApi, svc: OrganizationService, req: ApiRequest) -> ApiResponse:
    """WhoAmI: any caller may ask who it is, so the lookup itself runs as SYSTEM."""
    uid = svc.caller_id or SYSTEM_USER_ID
    svc = api.service
    user = svc.retrieve("systemuser", uid, ColumnSet("businessunitid"))
    bu = user.get("businessunitid")
    q = QueryExpression("organization", column_set=ColumnSet("organizationid"))
    q.top_count = 1
    orgs = svc.retrieve_multiple(q).entities
    return ApiResponse(200, {
        "@odata.context": req.url("$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse"),
        "BusinessUnitId": str(bu.id) if bu is not None else None,
        "UserId": str(uid),
        "OrganizationId": str(orgs[0].id) if orgs else None,
    })


def _request_class(name: str) -> type[OrganizationRequest[Any]]:
    cls = REQUESTS.get(name.lower())
    if cls is None:
        raise ApiError.not_found(f"Resource not found for the segment '{name}'.")
    return cls


def unbound(api: WebApi, svc: OrganizationService, req: ApiRequest, segs: list[Segment]) -> ApiResponse:
    if len(segs) != 1:
        raise ApiError.not_found(f"Resource not found for the segment '{segs[0].name}'.")
    name = segs[0].name.removeprefix(CRM)
    cls = _request_class(name)
    params = _params(req, segs[0])
    return _run(api, svc, req, cls, params, None, None)


def bound(api: WebApi, svc: OrganizationService, req: ApiRequest, t: EntityMetadata, id_: uuid.UUID | None,
          seg: Segment) -> ApiResponse:
    cls = _request_class(seg.name.removeprefix(CRM))
    return _run(api, svc, req, cls, _params(req, seg), t, id_)


def _params(req: ApiRequest, seg: Segment) -> dict[str, Any]:
    """Action parameters from the JSON body; function parameters from `Name(P=@p1)?@p1=...`."""
    if req.method == "POST":
        body = req.json()
        if not isinstance(body, dict):
            raise ApiError.bad_request("An action takes a JSON object of parameters.")
        return body
    out: dict[str, Any] = {}
    if isinstance(seg.key, dict):
        for k, v in seg.key.items():
            raw = req.query.get(v, "") if v.startswith("@") else v
            out[k] = _literal(raw)
    return out


def _literal(raw: str) -> Any:
    text = raw.strip()
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1].replace("''", "'")
    for candidate in (text, text.replace("'", '"')):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return text


def _run(api: WebApi, svc: OrganizationService, req: ApiRequest, cls: type[OrganizationRequest[Any]],
         params: dict[str, Any], t: EntityMetadata | None, id_: uuid.UUID | None) -> ApiResponse:
    fields = {f.name: f for f in attrs.fields(cls) if f.name != "parameters"}
    kwargs: dict[str, Any] = {}
    if t is not None:
        _bind(cls, fields, kwargs, t, id_)
    for key, value in params.items():
        if key.startswith("@"):
            continue
        name = _snake(key)
        if name not in fields and f"{name}_id" in fields:
            name = f"{name}_id"
        if name not in fields:
            raise ApiError.bad_request(f"The parameter '{key}' is not a parameter of {cls.request_name}.")
        kwargs[name] = _convert(api, svc, name, str(fields[name].type), value, t)
    try:
        request = cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ApiError.bad_request(f"Bad parameters for {cls.request_name}: {exc}.") from None
    if "suppress_duplicate_detection" in fields and "suppress_duplicate_detection" not in kwargs:

        setattr(request, "suppress_duplicate_detection", suppress_duplicates(req))  # noqa: B010
    response = svc.execute(request)
    fields_out = attrs.fields(type(response))
    if len(fields_out) == 1 and isinstance(only := getattr(response, fields_out[0].name), EntityCollection):
        # operations returning a collection of records answer as a collection, as Dataverse's do
        return ApiResponse(200, {"@odata.context": req.url(f"$metadata#{only.entity_name or 'crmbaseentity'}"),
                                 "value": _out(api, only)})
    body = _results(api, response)
    if not body:
        return ApiResponse(204)
    return ApiResponse(200, {"@odata.context": req.url(f"$metadata#{CRM}{cls.request_name}Response"), **body})


def _bind(cls: type[OrganizationRequest[Any]], fields: dict[str, Any], kwargs: dict[str, Any], t: EntityMetadata,
          id_: uuid.UUID | None) -> None:
    """The bound record (or, for CreateMultiple, the bound set) fills the request's binding field."""
    if id_ is None:
        return
    ref = EntityReference(t.logical_name, id_)
    for name in (f"{t.logical_name}_id", *_BINDING_FIELDS):
        if name in fields:
            kwargs[name] = ref
            return
    for name, f in fields.items():
        if "EntityReference" in str(f.type):
            kwargs[name] = ref
            return
    raise ApiError.bad_request(f"{cls.request_name} is not bound to a record.")


def _table_of(api: WebApi, value: dict[str, Any], default: str | None) -> EntityMetadata | None:
    typ = value.get("@odata.type")
    if isinstance(typ, str):
        return api.names.metadata.table(typ.lstrip("#").removeprefix(CRM))
    return api.names.metadata.get(default) if default else None


def _convert(api: WebApi, svc: OrganizationService, name: str, typ: str, value: Any,
             bound_table: EntityMetadata | None) -> Any:
    """One parameter value as the request field wants it."""
    if value is None:
        return None
    if isinstance(value, list):
        items = [_convert(api, svc, name, typ, v, bound_table) for v in value]
        if name == "targets":
            return EntityCollection(items, bound_table.logical_name if bound_table else None)
        return items
    if "PagingInfo" in typ and isinstance(value, dict):
        return PagingInfo(count=int(value.get("Count", 0)), page_number=int(value.get("PageNumber", 1)),
                          paging_cookie=value.get("PagingCookie"),
                          return_total_record_count=bool(value.get("ReturnTotalRecordCount", False)))
    if "PrincipalAccess" in typ and isinstance(value, dict):
        principal = _convert(api, svc, "principal", "EntityReference", value.get("Principal"), None)
        return PrincipalAccess(principal, _access_mask(value.get("AccessMask", 0)))
    if "AccessRights" in typ or name == "access_mask":
        return _access_mask(value)
    if not isinstance(value, dict):
        return value
    if "@odata.id" in value and not any(not k.startswith("@") for k in value):
        set_name, rid = parse_record_url(value["@odata.id"])
        return EntityReference(api.names.table_by_set(set_name).logical_name, rid)
    if "@odata.id" in value:
        return _addressed_entity(api, svc, value)
    default = name.replace("_", "") if name.replace("_", "") in api.names.metadata else (
        bound_table.logical_name if bound_table is not None else None)
    t = _table_of(api, value, default)
    if t is None:
        raise ApiError.bad_request(f"The parameter '{_pascal(name)}' needs '@odata.type' naming its table.")
    body = {k: v for k, v in value.items() if k != "@odata.type"}
    if typ.startswith("EntityReference") or name.endswith("_id") or name == "principal":
        pk = body.get(t.primary_id_attribute)
        if pk is None:
            raise ApiError.bad_request(f"The parameter '{_pascal(name)}' needs '{t.primary_id_attribute}'.")
        rid = uuid.UUID(str(pk))
        return rid if "uuid" in typ and "EntityReference" not in typ else EntityReference(t.logical_name, rid)
    return entity_from_json(api.names, t, body)


def _addressed_entity(api: WebApi, svc: OrganizationService, value: dict[str, Any]) -> Entity:
    """An UpsertMultiple/UpdateMultiple target addressed by `@odata.id`: `set(id)` or `set(key='v')`.

    A key that matches no record leaves the id unset and writes the key's values (the upsert creates it).
    """
    seg = split_path(str(value["@odata.id"]).split(ROOT_MARK, 1)[-1])[-1]
    t = api.names.table_by_set(seg.name)
    body = {k: v for k, v in value.items() if not k.startswith("@")}
    if isinstance(seg.key, uuid.UUID):
        return entity_from_json(api.names, t, body, seg.key)
    if not isinstance(seg.key, dict):
        raise ApiError.bad_request(f"'{value['@odata.id']}' does not address a record.")
    id_ = keys.resolve(svc, t, seg)
    if id_ is None:
        e = entity_from_json(api.names, t, body)
        for col, v in keys.key_defaults(t, seg).items():
            e.attributes.setdefault(col, v)
        return e
    return entity_from_json(api.names, t, body, id_)


def _access_mask(value: Any) -> AccessRights:
    if isinstance(value, int):
        return AccessRights(value)
    mask = AccessRights.NONE
    for part in str(value).split(","):
        key = _snake(part.strip()).upper()
        if key:
            try:
                mask |= AccessRights[key]
            except KeyError:
                raise ApiError.bad_request(f"'{part.strip()}' is not an AccessRights value.") from None
    return mask


def _results(api: WebApi, response: OrganizationResponse) -> dict[str, Any]:
    return {_pascal(f.name): _out(api, getattr(response, f.name)) for f in attrs.fields(type(response))}


def _out(api: WebApi, value: Any) -> Any:
    if isinstance(value, EntityReference):
        t = api.names.metadata.get(value.logical_name)
        pk = t.primary_id_attribute if t else f"{value.logical_name}id"
        return {"@odata.type": f"#{CRM}{value.logical_name}", pk: str(value.id)}
    if isinstance(value, Entity):
        t = api.names.metadata.table(value.logical_name)
        return {"@odata.type": f"#{CRM}{value.logical_name}", **entity_to_json(api.names, t, value, Annotations())}
    if isinstance(value, EntityCollection):
        return [_out(api, e) for e in value.entities]
    if isinstance(value, (list, tuple)):
        return [_out(api, v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if attrs.has(type(value)):
        return {_pascal(f.name): _out(api, getattr(value, f.name)) for f in attrs.fields(type(value))}
    return json_value(value)


def references(api: WebApi, svc: OrganizationService, req: ApiRequest, t: EntityMetadata, id_: uuid.UUID, nav: Nav,
               segs: list[Segment]) -> ApiResponse:
    """`POST|PUT|DELETE /{set}({id})/{nav}[({id})]/$ref`: associate and disassociate records."""
    nav_seg = segs[1]
    target = api.names.metadata.table(nav.target)
    if req.method in ("POST", "PUT"):
        body = req.json()
        url = body.get("@odata.id") if isinstance(body, dict) else None
        if not isinstance(url, str):
            raise ApiError.bad_request('A $ref body is {"@odata.id": "<record URL>"}.')
        set_name, other = parse_record_url(url)
        if api.names.table_by_set(set_name).logical_name != nav.target:
            raise ApiError.bad_request(f"'{nav.name}' leads to '{nav.target}' records, not to '{set_name}'.")
    elif req.method == "DELETE":
        if isinstance(nav_seg.key, uuid.UUID):
            other = nav_seg.key
        elif "$id" in req.query:
            other = parse_record_url(req.query["$id"])[1]
        elif nav.kind == "single":
            other = uuid.UUID(int=0)
        else:
            raise ApiError.bad_request("DELETE of a collection $ref names the record: nav(id)/$ref or ?$id=.")
    else:
        raise ApiError(405, ErrorCodes.NOT_SUPPORTED, f"{req.method} is not allowed on $ref.")
    if nav.kind == "single":
        assert nav.lookup is not None
        e = Entity(t.logical_name, id_)
        e[nav.lookup] = EntityReference(nav.target, other) if req.method != "DELETE" else None
        svc.update(e)
        return ApiResponse(204)
    related = [EntityReference(target.logical_name, other)]
    if req.method == "DELETE":
        svc.execute(messages.DisassociateRequest(target=EntityReference(t.logical_name, id_),
                                                 relationship=Relationship(nav.relationship),
                                                 related_entities=related))
    else:
        svc.execute(messages.AssociateRequest(target=EntityReference(t.logical_name, id_),
                                              relationship=Relationship(nav.relationship), related_entities=related))
    return ApiResponse(204)
