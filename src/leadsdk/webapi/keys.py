"""Alternate keys over the Web API: records addressed by key in URLs and `@odata.bind`, and the keys
of a table under `EntityDefinitions(...)/Keys`; face layer, Web API.

`leads(emailaddress1='a@b.example')` and `accounts(name='x',accountnumber='1')` name a record by one
of its table's declared keys (`CreateEntityKeyRequest`, `leadsdk.keys`), as in Dataverse: values
are read by the key columns' types, and columns that are not a declared key answer Dataverse's
"not a defined key" fault. Resolving goes through RetrieveRequest, so the caller must be able to
read the record, exactly as when it is addressed by id.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from leadsdk.customization.definitions import EntityMetadataInfo
from leadsdk.entities.keys import EntityKeyMetadata
from leadsdk.entities.model import AttributeType, EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages import CreateEntityKeyRequest, DeleteEntityKeyRequest, RetrieveRequest
from leadsdk.types import ColumnSet, EntityReference
from leadsdk.webapi.errors import ApiError
from leadsdk.webapi.http import ApiRequest, ApiResponse, Segment, split_path
from leadsdk.webapi.names import Names

if TYPE_CHECKING:
    from leadsdk.service import OrganizationService

__all__ = ["bound_reference", "csdl_keys", "key_defaults", "key_json", "key_values", "keys_route", "not_found",
           "resolve"]

_INTS = (AttributeType.INTEGER, AttributeType.BIGINT, AttributeType.PICKLIST, AttributeType.STATE,
         AttributeType.STATUS)
_BIND = re.compile(r"^(?:.*/)?([A-Za-z_][A-Za-z0-9_]*)\((.+)\)/?$")


def _typed(t: EntityMetadata, col: str, text: str) -> Any:
    """A key value from the URL, read as its column's type."""
    ty = t.attributes[col].type
    try:
        if ty in _INTS:
            return int(text)
        if ty in (AttributeType.DECIMAL, AttributeType.MONEY, AttributeType.DOUBLE):
            return Decimal(text)
        if ty.is_lookup or ty is AttributeType.UNIQUEIDENTIFIER:
            return uuid.UUID(text.strip("{}"))
        if ty in (AttributeType.DATETIME, AttributeType.DATE):
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, InvalidOperation):
        raise ApiError.bad_request(
            f"'{text}' is not a valid value for the key column '{col}' ({ty.value}).") from None
    return text


def key_values(t: EntityMetadata, key: dict[str, str]) -> dict[str, Any]:
    """`{col: 'text'}` from a URL segment as typed key attributes (`_x_value` names lookup x)."""
    out: dict[str, Any] = {}
    for name, text in key.items():
        col = name[1:-6] if name.startswith("_") and name.endswith("_value") else name
        if col not in t.attributes:
            raise ApiError.bad_request(
                f"The key attribute '{name}' is not a property of 'Microsoft.Dynamics.CRM.{t.logical_name}'.")
        out[col] = _typed(t, col, text)
    return out


def resolve(svc: OrganizationService, t: EntityMetadata, seg: Segment) -> uuid.UUID | None:
    """The id a URL segment names: `set(id)`, or `set(col='v',...)` by a declared key (None: no record
    has those values). A key that is not declared faults (ENTITY_KEY_NOT_DEFINED)."""
    if isinstance(seg.key, uuid.UUID):
        return seg.key
    assert isinstance(seg.key, dict)
    ref = EntityReference(t.logical_name, key_attributes=key_values(t, seg.key))
    try:
        found = svc.execute(RetrieveRequest(target=ref, column_set=ColumnSet(t.primary_id_attribute))).entity
    except OrganizationServiceFault as f:
        if f.error_code == ErrorCodes.RECORD_NOT_FOUND_BY_ENTITY_KEY:
            return None
        raise
    return None if found is None else found.id


def not_found(t: EntityMetadata) -> ApiError:
    return ApiError(404, ErrorCodes.RECORD_NOT_FOUND_BY_ENTITY_KEY,
                    f"A record with the specified key values does not exist in {t.logical_name} entity")


def bound_reference(names: Names, value: str) -> EntityReference:
    """An `@odata.bind` value: `/accounts(<id>)`, `accounts(accountnumber='A-1')` or a full URL. A key
    stays in the reference's `key_attributes`; the pipeline finds the record (leadsdk.keys.rules)."""
    m = _BIND.match(value.strip())
    if m is None:
        raise ApiError.bad_request(f"'{value}' is not a record URL such as /accounts(<id>).")
    seg = split_path(f"{m.group(1)}({m.group(2)})")[-1]
    target = names.table_by_set(seg.name)
    if isinstance(seg.key, uuid.UUID):
        return EntityReference(target.logical_name, seg.key)
    if not isinstance(seg.key, dict):
        raise ApiError.bad_request(f"'{value}' is not a record URL such as /accounts(<id>).")
    return EntityReference(target.logical_name, key_attributes=key_values(target, seg.key))


def _label(text: str | None) -> dict[str, Any]:
    loc = [{"Label": text, "LanguageCode": 1033}] if text else []
    return {"LocalizedLabels": loc, "UserLocalizedLabel": loc[0] if loc else None}


def key_json(k: EntityKeyMetadata) -> dict[str, Any]:
    """One key as Dataverse's EntityKeyMetadata."""
    return {
        "MetadataId": str(k.metadata_id), "LogicalName": k.logical_name, "SchemaName": k.schema_name,
        "EntityLogicalName": k.entity_logical_name, "KeyAttributes": list(k.key_attributes),
        "DisplayName": _label(k.display_name), "EntityKeyIndexStatus": k.entity_key_index_status,
        "AsyncJob": None, "IsManaged": False, "IsSecondaryKey": False, "IsSynchronous": True,
        "IsExportKey": False, "IntroducedVersion": "1.0", "HasChanged": None,
        "IsCustomizable": {"Value": True, "CanBeChanged": True,
                           "ManagedPropertyLogicalName": "iscustomizableanddeletable"},
    }


def csdl_keys(t: EntityMetadata) -> list[str]:
    """The `OData.Community.Keys.V1.AlternateKeys` annotation of an EntityType in `$metadata`, as
    Dataverse writes it (nothing when the table has no keys)."""
    if not t.keys:
        return []
    out = ['<Annotation Term="OData.Community.Keys.V1.AlternateKeys"><Collection>']
    for k in t.keys:
        out.append('<Record Type="OData.Community.Keys.V1.AlternateKey"><PropertyValue Property="Key"><Collection>')
        for col in k.key_attributes:
            name = f"_{col}_value" if t.attributes[col].type.is_lookup else col
            out.append(f'<Record Type="OData.Community.Keys.V1.PropertyRef"><PropertyValue Property="Alias" '
                       f'String="{name}"/><PropertyValue Property="Name" PropertyPath="{name}"/></Record>')
        out.append("</Collection></PropertyValue></Record>")
    out.append("</Collection></Annotation>")
    return ["".join(out)]


def _find(info: EntityMetadataInfo, seg: Segment) -> EntityKeyMetadata:
    key = seg.key
    for k in info.keys:
        if (isinstance(key, uuid.UUID) and k.metadata_id == key) or \
                (isinstance(key, dict) and str(key.get("LogicalName", "")).lower() == k.logical_name):
            return k
    raise ApiError(404, ErrorCodes.QUERY_BUILDER_NO_ENTITY_KEY,
                   f"The specified entitykey was not found: {info.logical_name} has no key {seg.raw_key}.")


def keys_route(svc: OrganizationService, req: ApiRequest, info: EntityMetadataInfo,
               seg: Segment) -> ApiResponse:
    """`EntityDefinitions(...)/Keys`: GET lists (or one by `(LogicalName='x')` / MetadataId), POST
    declares a key (CreateEntityKey), DELETE of one removes it (DeleteEntityKey)."""
    if req.method == "GET":
        if seg.key is None:
            return ApiResponse(200, {"@odata.context": req.url("$metadata#EntityDefinitions/Keys"),
                                     "value": [key_json(k) for k in info.keys]})
        return ApiResponse(200, {"@odata.context": req.url("$metadata#EntityDefinitions/Keys/$entity"),
                                 **key_json(_find(info, seg))})
    if req.method == "POST" and seg.key is None:
        body = req.json()
        if not isinstance(body, dict) or not isinstance(body.get("KeyAttributes"), list):
            raise ApiError.bad_request("A key is posted as {\"SchemaName\": ..., \"KeyAttributes\": [...]}.")
        display = body.get("DisplayName")
        if isinstance(display, dict):
            labels = display.get("LocalizedLabels") or [{}]
            display = labels[0].get("Label")
        columns: Any = [str(a) for a in body["KeyAttributes"]]  # attrs types the list converter loosely
        key = EntityKeyMetadata(str(body.get("SchemaName") or ""), columns,
                                display if isinstance(display, str) else None)
        made = svc.execute(CreateEntityKeyRequest(entity_name=info.logical_name, entity_key=key))
        url = req.url(f"EntityDefinitions(LogicalName='{info.logical_name}')/Keys({made.entity_key_id})")
        return ApiResponse(204, headers={"OData-EntityId": url})
    if req.method == "DELETE" and seg.key is not None:
        svc.execute(DeleteEntityKeyRequest(entity_logical_name=info.logical_name, name=_find(info, seg).logical_name))
        return ApiResponse(204)
    raise ApiError(405, ErrorCodes.NOT_SUPPORTED, f"The HTTP method {req.method} is not allowed here.")


def key_defaults(t: EntityMetadata, seg: Segment) -> dict[str, Any]:
    """For PATCH by a key that finds no record: the key's values as columns (the record created holds
    them, as in Dataverse), lookups as references."""
    assert isinstance(seg.key, dict)
    out: dict[str, Any] = {}
    for col, v in key_values(t, seg.key).items():
        a = t.attributes[col]
        out[col] = EntityReference(a.targets[0], v) if a.type.is_lookup and a.targets else v
    return out
