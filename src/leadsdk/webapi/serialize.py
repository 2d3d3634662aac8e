"""Records between leadsdk values and Web API JSON: `_x_value` lookups, annotations, `@odata.bind`."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import fnmatch
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from leadsdk.entities.model import AttributeType, EntityMetadata
from leadsdk.types import AliasedValue, Entity, EntityCollection, EntityReference, Money, OptionSetValue
from leadsdk.webapi.errors import ApiError
from leadsdk.webapi.keys import bound_reference
from leadsdk.webapi.names import Names, Nav

__all__ = ["FORMATTED", "LOOKUP_NAME", "NAV_PROP", "Annotations", "RecordWriter", "entity_from_json", "entity_to_json",
           "etag", "json_value", "parse_etag", "records_to_json"]

FORMATTED = "OData.Community.Display.V1.FormattedValue"
LOOKUP_NAME = "Microsoft.Dynamics.CRM.lookuplogicalname"
NAV_PROP = "Microsoft.Dynamics.CRM.associatednavigationproperty"


class Annotations:
    """Which instance annotations the client asked for with `Prefer: odata.include-annotations`."""

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self.patterns = [p.strip() for p in patterns if p.strip()]
        self._wanted: dict[str, bool] = {}

    @classmethod
    def from_prefer(cls, prefer: str) -> Annotations:
        for part in _split_prefer(prefer):
            if part.lower().startswith("odata.include-annotations"):
                _, _, v = part.partition("=")
                return cls(v.strip().strip('"').split(","))
        return cls()

    def want(self, name: str) -> bool:
        hit = self._wanted.get(name)  # asked once per column and row: match the patterns once per name
        if hit is None:
            hit = self._wanted[name] = any(not p.startswith("-") and fnmatch.fnmatchcase(name, p)
                                           for p in self.patterns)
        return hit


def _split_prefer(prefer: str) -> list[str]:
    out: list[str] = []
    cur, quoted = "", False
    for ch in prefer:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def etag(row_version: str | int | None) -> str | None:
    return None if row_version is None else f'W/"{row_version}"'


def parse_etag(value: str) -> str:
    v = value.strip()
    if v.startswith("W/"):
        v = v[2:]
    return v.strip('"')


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _decimal(value: Decimal) -> int | float:
    """Whole amounts as integers (within a double's exact range), others as numbers with a fraction."""
    if value.is_finite():
        whole = int(value)
        if whole == value and abs(whole) < 2**53:
            return whole
    return float(value)


def _datetime(value: dt.datetime) -> str:
    tz = value.tzinfo
    v = value if tz is None or tz is dt.timezone.utc else value.astimezone(dt.timezone.utc)
    return v.isoformat(timespec="seconds")[:19] + "Z"  # years have 4 digits: the first 19 are the UTC time


_BY_TYPE: dict[type, Any] = {
    Decimal: _decimal, Money: lambda v: _decimal(v.value), OptionSetValue: lambda v: v.value,
    dt.datetime: _datetime, dt.date: dt.date.isoformat, uuid.UUID: str, EntityReference: lambda v: str(v.id),
}
"""The converters of the usual value types, by exact type (subclasses take the general path below)."""


def json_value(value: Any) -> Any:
    """A leadsdk value as JSON: numbers, text, ISO dates (UTC, 'Z'), ids as text, files as base64."""
    if type(value) in _PLAIN:  # most values of most rows: nothing to convert
        return value
    convert = _BY_TYPE.get(type(value))
    if convert is not None:
        return convert(value)
    if isinstance(value, AliasedValue):
        return json_value(value.value)
    if isinstance(value, OptionSetValue):
        return value.value
    if isinstance(value, Money):
        return json_value(value.value)
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, dt.datetime):
        return _datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, EntityReference):
        return str(value.id)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (list, tuple)):
        return ",".join(str(json_value(v)) for v in value)
    if hasattr(value, "value") and isinstance(value.value, int):  # IntEnum members
        return int(value.value)
    return value


def entity_to_json(names: Names, t: EntityMetadata, e: Entity, ann: Annotations,
                   select: list[str] | None = None) -> dict[str, Any]:
    """One record as Dataverse's Web API returns it (without `@odata.context`)."""
    return RecordWriter(names, t, ann, select)(e)


def records_to_json(names: Names, t: EntityMetadata, entities: Iterable[Entity], ann: Annotations,
                    select: list[str] | None = None) -> list[dict[str, Any]]:
    """Records of one table as `entity_to_json` writes each, with what is the same for every row worked out
    once (which columns are lookups, which annotations were asked for)."""
    write = RecordWriter(names, t, ann, select)
    return [write(e) for e in entities]


class RecordWriter:
    """Writes records of one table with one `$select` and one set of annotations as Web API JSON."""

    def __init__(self, names: Names, t: EntityMetadata, ann: Annotations, select: list[str] | None) -> None:
        self.names, self.t, self.select = names, t, select
        self.formatted = ann.want(FORMATTED)
        self.nav_prop = ann.want(NAV_PROP)
        self.lookup_name = ann.want(LOOKUP_NAME)
        self._lookup: dict[str, bool] = {}
        """Whether a column is a lookup (written `_x_value`), by column, filled as columns are met."""

    def _is_lookup(self, col: str) -> bool:
        a = self.t.attributes.get(col)
        hit = self._lookup[col] = a is not None and a.type.is_lookup
        return hit

    def __call__(self, e: Entity) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if e.row_version is not None:
            out["@odata.etag"] = f'W/"{e.row_version}"'
        values = e.attributes
        # formatted values are worked out (lazily, per record) only when the client asked for them
        labels = e.formatted_values if self.formatted else None
        lookups, plain, by_type = self._lookup, _PLAIN, _BY_TYPE
        for col in (self.select if self.select is not None else values.keys()):
            value = values.get(col)
            is_lookup = lookups.get(col)
            if is_lookup is None:
                is_lookup = self._is_lookup(col)
            if is_lookup:
                self._lookup_into(out, col, value, labels is not None)
                continue
            kind = type(value)
            if kind in plain:
                out[col] = value
            elif (convert := by_type.get(kind)) is not None:
                out[col] = convert(value)
            elif isinstance(value, AliasedValue) and value.attribute_logical_name and "." in col:
                out[col.replace(".", "_x002e_")] = json_value(value)
                continue
            else:
                out[col] = json_value(value)
            if labels is not None and value is not None:
                label = labels.get(col)
                if label is not None:
                    out[f"{col}@{FORMATTED}"] = label
        if e.id is not None and self.t.primary_id_attribute not in out:
            out[self.t.primary_id_attribute] = str(e.id)
        return out

    def _lookup_into(self, out: dict[str, Any], col: str, value: Any, formatted: bool) -> None:
        """A lookup as `_x_value` with the annotations asked for."""
        key = f"_{col}_value"
        out[key] = None if value is None else json_value(value)
        if isinstance(value, EntityReference):
            if formatted and value.name is not None:
                out[f"{key}@{FORMATTED}"] = value.name
            if self.nav_prop:
                out[f"{key}@{NAV_PROP}"] = self.names.single_nav_of(self.t.logical_name, col, value.logical_name)
            if self.lookup_name:
                out[f"{key}@{LOOKUP_NAME}"] = value.logical_name


def entity_from_json(names: Names, t: EntityMetadata, body: Any, id_: uuid.UUID | None = None,
                     deep: bool = False) -> Entity:
    """A request body as an Entity: columns by logical name, lookups by `nav@odata.bind`.

    With `deep` (POST of a new record), a navigation property holding a record (single-valued) or an
    array of records (collection-valued) is a deep insert: the related records go, parsed the same way,
    into `related_entities` under the navigation property's name.
    """
    if not isinstance(body, dict):
        raise ApiError.bad_request("The request body must be a JSON object of column values.")
    e = Entity(t.logical_name, id_)
    for key, value in body.items():
        if key.startswith("@"):
            continue
        if isinstance(value, (dict, list)) and "@" not in key:
            nav = names.nav(t.logical_name, key)
            if nav is not None:
                _related(names, t, e, nav, value, deep)
                continue
        if key.endswith("@odata.bind"):
            nav_name = key[: -len("@odata.bind")]
            nav = names.nav(t.logical_name, nav_name)
            if nav is None or nav.kind != "single" or nav.lookup is None:
                raise ApiError.bad_request(
                    f"An undeclared property '{nav_name}' which only has property annotations in the payload "
                    f"but no property value was found in the payload. Entity 'Microsoft.Dynamics.CRM."
                    f"{t.logical_name}' has no single-valued navigation property '{nav_name}'."
                )
            if value is None:
                e[nav.lookup] = None
                continue
            if not isinstance(value, str):
                raise ApiError.bad_request(f"'{key}' must be a record URL such as /accounts(id).")
            e[nav.lookup] = bound_reference(names, value)  # by id or by alternate key
            continue
        if "@" in key:
            continue
        a = t.attributes.get(key)
        if a is None:
            raise ApiError.bad_request(
                f"Invalid property '{key}' was found in entity 'Microsoft.Dynamics.CRM.{t.logical_name}'."
            )
        if a.type.is_lookup:
            raise ApiError.bad_request(
                f"The lookup '{key}' of '{t.logical_name}' is set with '{key}@odata.bind': "
                f"\"/{{entityset}}(id)\", not with a plain value."
            )
        e[key] = _from_json(a.type, value, key)
    if id_ is not None:
        e[t.primary_id_attribute] = id_
    elif t.primary_id_attribute in e.attributes and e[t.primary_id_attribute] is not None:
        try:
            e.id = uuid.UUID(str(e[t.primary_id_attribute]))
        except ValueError:
            raise ApiError.bad_request(f"'{e[t.primary_id_attribute]}' is not a valid id.") from None
    return e


def _related(names: Names, t: EntityMetadata, e: Entity, nav: Nav, value: Any, deep: bool) -> None:
    """A deep-insert navigation property: its records into `e.related_entities[nav.name]`."""
    if not deep:
        raise ApiError.bad_request(f"'{nav.name}' holds related records: a deep insert is only possible when "
                                   f"creating a record (POST /{t.entity_set_name or t.logical_name}).")
    target = names.metadata.table(nav.target)
    single = nav.kind == "single"
    if single != isinstance(value, dict) or (not single and not all(isinstance(v, dict) for v in value)):
        shape = "a JSON object (one record)" if single else "a JSON array of records"
        raise ApiError.bad_request(f"The navigation property '{nav.name}' takes {shape}.")
    items = [value] if single else value
    e.related_entities[nav.name] = EntityCollection(
        [entity_from_json(names, target, item, deep=True) for item in items], entity_name=target.logical_name)


def _from_json(ty: AttributeType, value: Any, key: str) -> Any:
    if value is None:
        return None
    if ty in (AttributeType.MONEY, AttributeType.DECIMAL) and isinstance(value, (int, float)) \
            and not isinstance(value, bool):
        return Decimal(str(value))
    if ty in (AttributeType.FILE, AttributeType.IMAGE) and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError.bad_request(f"'{key}' must be base64 text.") from None
    if ty is AttributeType.UNIQUEIDENTIFIER and isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            raise ApiError.bad_request(f"'{value}' is not a valid id for '{key}'.") from None
    return value
