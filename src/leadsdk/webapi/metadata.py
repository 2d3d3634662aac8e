"""Metadata over the Web API: the service document, `EntityDefinitions`, and `$metadata` (CSDL).

Everything is generated from RetrieveEntityRequest / RetrieveAllEntitiesRequest results, so custom
tables and columns appear as soon as they exist; the read-only `sdkmessage` and `sdkmessagefilter` tables the
Web API serves without storing (webapi/sdkmessages.py) join them from their own declarations.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import quoteattr

from leadsdk.customization.definitions import info_of
from leadsdk.entities.model import AttributeMetadata, AttributeType, EntityMetadata
from leadsdk.messages import EntityMetadataInfo, RetrieveAllEntitiesRequest, RetrieveEntityRequest
from leadsdk.webapi.errors import ApiError
from leadsdk.webapi.http import ApiRequest, ApiResponse, Segment
from leadsdk.webapi.keys import csdl_keys, key_json, keys_route
from leadsdk.webapi.names import Names
from leadsdk.webapi.odata_filter import tokens
from leadsdk.webapi.sdkmessages import METADATA as SERVED_ONLY
from leadsdk.webapi.sdkmessages import NAMES as SERVED_ONLY_NAMES

if TYPE_CHECKING:
    from leadsdk.service import OrganizationService
    from leadsdk.webapi.api import WebApi

__all__ = ["csdl", "route", "service_document"]

_EDM: dict[AttributeType, str] = {
    AttributeType.STRING: "Edm.String", AttributeType.MEMO: "Edm.String", AttributeType.INTEGER: "Edm.Int32",
    AttributeType.BIGINT: "Edm.Int64", AttributeType.DECIMAL: "Edm.Decimal", AttributeType.MONEY: "Edm.Decimal",
    AttributeType.DOUBLE: "Edm.Double", AttributeType.BOOLEAN: "Edm.Boolean",
    AttributeType.DATETIME: "Edm.DateTimeOffset", AttributeType.DATE: "Edm.Date",
    AttributeType.LOOKUP: "Edm.Guid", AttributeType.CUSTOMER: "Edm.Guid", AttributeType.OWNER: "Edm.Guid",
    AttributeType.PICKLIST: "Edm.Int32", AttributeType.STATE: "Edm.Int32", AttributeType.STATUS: "Edm.Int32",
    AttributeType.UNIQUEIDENTIFIER: "Edm.Guid", AttributeType.FILE: "Edm.Guid", AttributeType.IMAGE: "Edm.Binary",
}
_CAST = {AttributeType.PICKLIST: "PicklistAttributeMetadata", AttributeType.STATE: "StateAttributeMetadata",
         AttributeType.STATUS: "StatusAttributeMetadata", AttributeType.LOOKUP: "LookupAttributeMetadata",
         AttributeType.CUSTOMER: "LookupAttributeMetadata", AttributeType.OWNER: "LookupAttributeMetadata",
         AttributeType.STRING: "StringAttributeMetadata", AttributeType.MEMO: "MemoAttributeMetadata",
         AttributeType.INTEGER: "IntegerAttributeMetadata", AttributeType.BIGINT: "BigIntAttributeMetadata",
         AttributeType.DECIMAL: "DecimalAttributeMetadata", AttributeType.MONEY: "MoneyAttributeMetadata",
         AttributeType.DOUBLE: "DoubleAttributeMetadata", AttributeType.BOOLEAN: "BooleanAttributeMetadata",
         AttributeType.DATETIME: "DateTimeAttributeMetadata", AttributeType.DATE: "DateTimeAttributeMetadata",
         AttributeType.UNIQUEIDENTIFIER: "UniqueIdentifierAttributeMetadata",
         AttributeType.FILE: "FileAttributeMetadata", AttributeType.IMAGE: "ImageAttributeMetadata"}


def _served_only(api: WebApi) -> list[EntityMetadata]:
    """The tables served without being stored (`sdkmessage`, `sdkmessagefilter`), unless the store has its own."""
    return [t for t in SERVED_ONLY if t.logical_name not in api.names.metadata]


def _tables(api: WebApi) -> list[tuple[EntityMetadata, Names]]:
    """Every table the Web API serves, with the names (entity sets, navigation properties) it is served by."""
    return [*((t, api.names) for t in api.names.metadata), *((t, SERVED_ONLY_NAMES) for t in _served_only(api))]


def _all_infos(api: WebApi, svc: OrganizationService) -> list[EntityMetadataInfo]:
    """Every table's definition: the store's (RetrieveAllEntities) and then the served-only ones."""
    return [*svc.execute(RetrieveAllEntitiesRequest()).entity_metadata,
            *(info_of(SERVED_ONLY, t) for t in _served_only(api))]


def _served_info(api: WebApi, logical_name: str) -> EntityMetadataInfo | None:
    t = SERVED_ONLY.get(logical_name)
    return info_of(SERVED_ONLY, t) if t is not None and logical_name not in api.names.metadata else None


def service_document(api: WebApi, req: ApiRequest) -> ApiResponse:
    sets = sorted({*(t.entity_set_name or t.logical_name for t, _ in _tables(api)), "EntityDefinitions"})
    value = [{"name": s, "kind": "EntitySet", "url": s} for s in sets]
    return ApiResponse(200, {"@odata.context": req.url("$metadata"), "value": value})


def _label(text: str) -> dict[str, Any]:
    loc = [{"Label": text, "LanguageCode": 1033}] if text else []
    return {"LocalizedLabels": loc, "UserLocalizedLabel": loc[0] if loc else None}


def _attribute(info: EntityMetadataInfo, a: AttributeMetadata) -> dict[str, Any]:
    out: dict[str, Any] = {
        "@odata.type": f"#Microsoft.Dynamics.CRM.{_CAST.get(a.type, 'AttributeMetadata')}",
        "LogicalName": a.logical_name, "SchemaName": a.schema_name, "EntityLogicalName": info.logical_name,
        "AttributeType": a.type.value, "AttributeTypeName": {"Value": f"{a.type.value}Type"},
        "DisplayName": _label(a.display_name), "Description": _label(a.description),
        "IsPrimaryId": a.is_primary_id, "IsPrimaryName": a.is_primary_name, "IsCustomAttribute": a.is_custom,
        "IsValidForCreate": a.valid_for_create, "IsValidForUpdate": a.valid_for_update, "IsValidForRead": True,
        "RequiredLevel": {"Value": a.required_level.value},
        "IsAuditEnabled": {"Value": a.is_audit_enabled, "CanBeChanged": True,
                           "ManagedPropertyLogicalName": "canmodifyauditsettings"},
        "MetadataId": str(uuid.uuid5(info.metadata_id, a.logical_name)),
    }
    if a.max_length is not None:
        out["MaxLength"] = a.max_length
    if a.targets:
        out["Targets"] = list(a.targets)
    if a.option_set is not None:
        out["OptionSet"] = {"Name": a.option_set.name, "IsGlobal": a.option_set.is_global, "Options": [
            {"Value": o.value, "Label": _label(o.label), **({"State": o.state} if o.state is not None else {})}
            for o in a.option_set.options]}
    return out


def entity_definition(info: EntityMetadataInfo, expand: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "MetadataId": str(info.metadata_id), "LogicalName": info.logical_name, "SchemaName": info.schema_name,
        "EntitySetName": info.entity_set_name, "LogicalCollectionName": info.entity_set_name,
        "DisplayName": _label(info.display_name), "DisplayCollectionName": _label(info.display_collection_name),
        "Description": _label(info.description), "PrimaryIdAttribute": info.primary_id_attribute,
        "PrimaryNameAttribute": info.primary_name_attribute, "OwnershipType": info.ownership_type.value,
        "ObjectTypeCode": info.object_type_code, "IsCustomEntity": info.is_custom_entity,
        "IsActivity": info.is_activity, "IsIntersect": info.is_intersect,
        "ChangeTrackingEnabled": info.change_tracking_enabled,
    }
    if "attributes" in expand:
        out["Attributes"] = [_attribute(info, a) for a in info.attributes]
    if "keys" in expand:
        out["Keys"] = [key_json(k) for k in info.keys]
    rel = {"onetomanyrelationships": ("OneToManyRelationships", info.one_to_many_relationships),
           "manytoonerelationships": ("ManyToOneRelationships", info.many_to_one_relationships)}
    for key, (prop, rels) in rel.items():
        if key in expand:
            out[prop] = [{"SchemaName": r.schema_name, "ReferencedEntity": r.referenced_entity,
                          "ReferencedAttribute": r.referenced_attribute, "ReferencingEntity": r.referencing_entity,
                          "ReferencingAttribute": r.referencing_attribute,
                          "ReferencingEntityNavigationPropertyName": r.referencing_attribute,
                          "ReferencedEntityNavigationPropertyName": r.schema_name,
                          "IsCustomRelationship": r.is_custom} for r in rels]
    if "manytomanyrelationships" in expand:
        out["ManyToManyRelationships"] = [
            {"SchemaName": m.schema_name, "Entity1LogicalName": m.entity1_logical_name,
             "Entity2LogicalName": m.entity2_logical_name, "IntersectEntityName": m.intersect_entity_name,
             "Entity1IntersectAttribute": m.entity1_intersect_attribute,
             "Entity2IntersectAttribute": m.entity2_intersect_attribute,
             "Entity1NavigationPropertyName": m.schema_name, "Entity2NavigationPropertyName": m.schema_name,
             "IsCustomRelationship": m.is_custom} for m in info.many_to_many_relationships]
    return out


def _one(api: WebApi, svc: OrganizationService, logical_name: str) -> EntityMetadataInfo:
    info: EntityMetadataInfo | None = _served_info(api, logical_name)
    if info is not None:
        return info
    info = svc.execute(RetrieveEntityRequest(logical_name=logical_name)).entity_metadata
    assert info is not None
    return info


def _filter_logical_name(text: str) -> str:
    """The only `$filter` EntityDefinitions takes here: `LogicalName eq 'x'`."""
    toks = tokens(text)
    if len(toks) == 3 and toks[0].text in ("LogicalName", "EntitySetName") and toks[1].text == "eq" \
            and toks[2].kind == "str":
        return f"{toks[0].text}:{toks[2].text[1:-1]}"
    raise ApiError.bad_request("EntityDefinitions takes $filter=LogicalName eq 'name' (or EntitySetName eq 'set').")


def _option_set(o: Any) -> dict[str, Any]:
    return {"@odata.type": "#Microsoft.Dynamics.CRM.OptionSetMetadata", "Name": o.name, "IsGlobal": o.is_global,
            "OptionSetType": "Picklist", "Options": [{"Value": x.value, "Label": _label(x.label)} for x in o.options]}


def global_option_sets(api: WebApi, req: ApiRequest, segs: list[Segment]) -> ApiResponse:
    """`GlobalOptionSetDefinitions` and `GlobalOptionSetDefinitions(Name='x')`: the shared choices."""
    found: dict[str, Any] = {}
    for t in api.names.metadata:
        for a in t.attributes.values():
            if a.option_set is not None and a.option_set.is_global:
                found.setdefault(a.option_set.name, a.option_set)
    key = segs[0].key
    if isinstance(key, dict) and "Name" in key:
        if key["Name"] not in found:
            raise ApiError.not_found(f"There is no global option set named '{key['Name']}'.")
        return ApiResponse(200, {"@odata.context": req.url("$metadata#GlobalOptionSetDefinitions/$entity"),
                                 **_option_set(found[key["Name"]])})
    return ApiResponse(200, {"@odata.context": req.url("$metadata#GlobalOptionSetDefinitions"),
                             "value": [_option_set(o) for _, o in sorted(found.items())]})


def route(api: WebApi, svc: OrganizationService, req: ApiRequest, segs: list[Segment]) -> ApiResponse:
    if segs[0].name == "GlobalOptionSetDefinitions":
        return global_option_sets(api, req, segs)
    if segs[0].name != "EntityDefinitions":
        raise ApiError.not_found(f"Resource not found for the segment '{segs[0].name}'.")
    expand = {e.strip().split("(")[0].lower() for e in req.query.get("$expand", "").split(",") if e.strip()}
    key = segs[0].key
    if key is None:
        flt = req.query.get("$filter")
        infos: list[EntityMetadataInfo]
        if flt:
            kind, _, value = _filter_logical_name(flt).partition(":")
            by_set = {t.entity_set_name or t.logical_name: t.logical_name for t, _ in _tables(api)}
            if kind == "EntitySetName":
                value = by_set.get(value, "")
            infos = [_one(api, svc, value)] if value in by_set.values() else []
        else:
            infos = _all_infos(api, svc)
        return ApiResponse(200, {"@odata.context": req.url("$metadata#EntityDefinitions"),
                                 "value": [entity_definition(i, expand) for i in infos]})
    if isinstance(key, dict):
        name = key.get("LogicalName")
        if name is None:
            raise ApiError.bad_request("EntityDefinitions are addressed by MetadataId or LogicalName='name'.")
        if name not in api.names.metadata and name not in SERVED_ONLY:
            raise ApiError.not_found(f"Could not find an entity with the logical name '{name}'.")
        info = _one(api, svc, name)
    else:
        found = [i for i in _all_infos(api, svc) if i.metadata_id == key]
        if not found:
            raise ApiError.not_found(f"No table has the MetadataId {key}.")
        info = found[0]
    if len(segs) == 1:
        return ApiResponse(200, {"@odata.context": req.url("$metadata#EntityDefinitions/$entity"),
                                 **entity_definition(info, expand)})
    prop = segs[1].name
    if prop == "Keys":
        return keys_route(svc, req, info, segs[1])
    if prop == "Attributes":
        attrs_ = [_attribute(info, a) for a in info.attributes]
        if len(segs) > 2 and segs[2].name.startswith("Microsoft.Dynamics.CRM."):
            cast = segs[2].name.removeprefix("Microsoft.Dynamics.CRM.")
            attrs_ = [a for a in attrs_ if a["@odata.type"].endswith("." + cast)]
        if isinstance(segs[1].key, dict) and "LogicalName" in segs[1].key:
            hit = [a for a in attrs_ if a["LogicalName"] == segs[1].key["LogicalName"]]
            if not hit:
                raise ApiError.not_found(f"'{info.logical_name}' has no column '{segs[1].key['LogicalName']}'.")
            return ApiResponse(200, {"@odata.context": req.url("$metadata#EntityDefinitions/Attributes/$entity"),
                                     **hit[0]})
        return ApiResponse(200, {"@odata.context": req.url("$metadata#EntityDefinitions/Attributes"),
                                 "value": attrs_})
    full = entity_definition(info, {prop.lower()})
    if prop not in full:
        raise ApiError.not_found(f"Resource not found for the segment '{prop}'.")
    return ApiResponse(200, {"@odata.context": req.url(f"$metadata#EntityDefinitions/{prop}"), "value": full[prop]})


def csdl(api: WebApi, req: ApiRequest) -> ApiResponse:
    """A CSDL document with one EntityType and EntitySet per table, generated from metadata."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
             "<edmx:DataServices>",
             '<Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">',
             '<EntityType Name="crmbaseentity" Abstract="true"/>']
    tables = _tables(api)
    for t, names in tables:
        lines.append(f'<EntityType Name={quoteattr(t.logical_name)} BaseType="mscrm.crmbaseentity">')
        lines.append(f'<Key><PropertyRef Name={quoteattr(t.primary_id_attribute)}/></Key>')
        for a in t.attributes.values():
            name = f"_{a.logical_name}_value" if a.type.is_lookup else a.logical_name
            lines.append(f'<Property Name={quoteattr(name)} Type="{_EDM.get(a.type, "Edm.String")}"/>')
        for nav in names.navs.get(t.logical_name, {}).values():
            typ = f"mscrm.{nav.target}" if nav.kind == "single" else f"Collection(mscrm.{nav.target})"
            lines.append(f'<NavigationProperty Name={quoteattr(nav.name)} Type="{typ}"/>')
        lines += csdl_keys(t)
        lines.append("</EntityType>")
    lines.append('<EntityContainer Name="System">')
    for set_name, t in sorted(((t.entity_set_name or t.logical_name, t) for t, _ in tables), key=lambda p: p[0]):
        lines.append(f'<EntitySet Name={quoteattr(set_name)} EntityType="mscrm.{t.logical_name}"/>')
    lines += ["</EntityContainer>", "</Schema>", "</edmx:DataServices>", "</edmx:Edmx>"]
    return ApiResponse(200, "\n".join(lines), media_type="application/xml")
