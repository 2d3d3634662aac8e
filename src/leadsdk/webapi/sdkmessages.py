"""`sdkmessages` and `sdkmessagefilters`: which messages exist and which tables each applies to; read-only;
face layer, Web API.

Dataverse lists every message (`sdkmessage`) and, per message, the tables it applies to (`sdkmessagefilter`,
`primaryobjecttypecode`); clients read them to learn what a table supports, e.g.
`sdkmessagefilters?$filter=primaryobjecttypecode eq 'lead'&$expand=sdkmessageid($select=name)`. Nothing is
stored: the rows are derived from the request classes (their Dataverse name, the table their `target(...)`
names, the privileges they require) and the store's metadata, so custom tables appear as soon as they exist.
`$select`, `$filter` (comparisons, and/or/not, string functions, `In`, `sdkmessageid/name`), `$orderby`,
`$top`, `$count` and `$expand` are evaluated over those rows.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from leadsdk.entities.declare import boolean, integer, lookup, string, table
from leadsdk.entities.model import EntityMetadata, OwnershipType
from leadsdk.entities.registry import Metadata
from leadsdk.errors import ErrorCodes
from leadsdk.messages.privileges import declared_target
from leadsdk.query import ConditionExpression, ConditionOperator, FilterExpression, LogicalOperator
from leadsdk.types import Entity, EntityReference
from leadsdk.webapi.actions import REQUESTS
from leadsdk.webapi.columns import select_columns
from leadsdk.webapi.errors import ApiError
from leadsdk.webapi.http import ApiRequest, ApiResponse, Segment
from leadsdk.webapi.names import Names
from leadsdk.webapi.odata_filter import parse_filter
from leadsdk.webapi.options import _options, refuse_unsupported, split_top
from leadsdk.webapi.serialize import Annotations, records_to_json

if TYPE_CHECKING:
    from leadsdk.service import OrganizationService
    from leadsdk.webapi.api import WebApi

__all__ = ["METADATA", "NAMES", "SDKMESSAGE", "SDKMESSAGEFILTER", "TABLES", "route", "rows"]

_NS = uuid.UUID("5d1c3f0e-7a4b-4c61-9d35-0b8f6a2e9c17")
"""Namespace of the rows' ids: the same message and table always get the same id."""
NONE = "none"
"""`primaryobjecttypecode` of a message about no table (Dataverse's spelling)."""
MESSAGE_NAV = "sdkmessageid"
"""The single-valued navigation property of a filter to its message (the lookup's name)."""
FILTERS_NAV = "sdkmessageid_sdkmessagefilter"
"""The 1:N relationship (and collection navigation property) from a message to its filters."""


_S, _B, _I = string, boolean, integer
_DECLS = [
    table("sdkmessage", "Sdk Message", "Sdk Messages", [
        _S("name", 256), _B("isprivate", "Is Private"), _B("isreadonly", "Is Read Only"),
        _B("autotransact", "Auto Transact"), _B("isactive", "Is Active"),
        _B("isvalidforexecuteasync", "Is Valid for Execute Async"), _I("availability", "Availability")],
        ownership=OwnershipType.ORGANIZATION_OWNED, object_type_code=4606, system_columns=False, audit=False,
        description="A message the service runs: derived from leadsdk's request classes."),
    table("sdkmessagefilter", "Sdk Message Filter", "Sdk Message Filters", [
        _S("name", 256), lookup("sdkmessageid", "sdkmessage", "SDK Message ID", relationship=FILTERS_NAV),
        _S("primaryobjecttypecode", 100, "Primary Object Type Code"),
        _S("secondaryobjecttypecode", 100, "Secondary Object Type Code"),
        _B("iscustomprocessingstepallowed", "Custom Processing Step Allowed"), _B("isvisible", "Is Visible"),
        _I("availability", "Availability")],
        ownership=OwnershipType.ORGANIZATION_OWNED, object_type_code=4607, system_columns=False, audit=False,
        description="Which table a message applies to: derived from leadsdk's request classes."),
]
METADATA = Metadata(_DECLS)
"""The two read-only tables, declared once: the rows, `EntityDefinitions`, `$metadata` and the service document
all derive from these declarations (they are not in the store, which has no rows for them)."""
NAMES = Names(METADATA)
SDKMESSAGE = METADATA.table("sdkmessage")
SDKMESSAGEFILTER = METADATA.table("sdkmessagefilter")
TABLES = dict(NAMES.by_set)
"""The entity sets served here, by set name (`sdkmessages`, `sdkmessagefilters`)."""


def _tables_of(cls: type, md: Metadata) -> list[str]:
    """The tables a request class applies to: the one its target names; for a generic target every table
    (only user-owned ones when it assigns or shares); `none` when it names no record."""
    named, target = declared_target(cls)
    if not named:
        return [NONE]
    if target is not None:
        return [target]
    needs = {getattr(a, "action", None) for a in (getattr(cls, "requires", None) or ())}
    owned = bool(needs & {"Assign", "Share"})
    return sorted(t.logical_name for t in md if not t.is_intersect and (t.is_user_owned or not owned))


@functools.lru_cache(maxsize=4)
def _rows(md: Metadata, version: int) -> tuple[tuple[Entity, ...], tuple[Entity, ...]]:
    messages: list[Entity] = []
    filters: list[Entity] = []
    for cls in sorted(REQUESTS.values(), key=lambda c: c.request_name):
        name = cls.request_name
        mid = uuid.uuid5(_NS, f"sdkmessage:{name}")
        read_only = bool(getattr(cls, "read_only", False))
        messages.append(Entity("sdkmessage", mid, sdkmessageid=mid, name=name, isprivate=False, isreadonly=read_only,
                               autotransact=not read_only, isactive=True, isvalidforexecuteasync=False,
                               availability=0))
        for covered in _tables_of(cls, md):
            fid = uuid.uuid5(_NS, f"sdkmessagefilter:{name}:{covered}")
            filters.append(Entity("sdkmessagefilter", fid, sdkmessagefilterid=fid, name=f"{name} {covered}",
                                  sdkmessageid=EntityReference("sdkmessage", mid, name),
                                  primaryobjecttypecode=covered, secondaryobjecttypecode=NONE,
                                  iscustomprocessingstepallowed=True, isvisible=True, availability=0))
    return tuple(messages), tuple(filters)


def rows(md: Metadata) -> tuple[tuple[Entity, ...], tuple[Entity, ...]]:
    """(sdkmessage rows, sdkmessagefilter rows) of this metadata version."""
    return _rows(md, md.version)


# evaluating the query options ---------------------------------------------------------------------------
Op = ConditionOperator
Getter = Callable[[str | None, str], Any]


def _norm(v: Any) -> Any:
    """Values as compared: ids as lower-case text, text without case (Dataverse's collation)."""
    if isinstance(v, EntityReference):
        v = v.id
    if isinstance(v, uuid.UUID):
        return str(v)
    return v.casefold() if isinstance(v, str) else v


def _cond(c: ConditionExpression, get: Getter) -> bool:
    a = _norm(get(c.entity_name, c.attribute_name))
    vals = [_norm(v) for v in c.values]
    op = c.operator
    if op is Op.NULL or op is Op.NOT_NULL:
        return (a is None) == (op is Op.NULL)
    if a is None:
        return False
    if op is Op.IN or op is Op.NOT_IN:
        return (a in vals) == (op is Op.IN)
    v = vals[0] if vals else None
    text = {Op.BEGINS_WITH: str.startswith, Op.ENDS_WITH: str.endswith, Op.CONTAINS: str.__contains__}
    negated = {Op.DOES_NOT_BEGIN_WITH: Op.BEGINS_WITH, Op.DOES_NOT_END_WITH: Op.ENDS_WITH,
               Op.DOES_NOT_CONTAIN: Op.CONTAINS}
    if op in text or op in negated:
        hit = text[negated.get(op, op)](str(a), str(v))
        return hit != (op in negated)
    try:
        cmp = {Op.EQUAL: a == v, Op.NOT_EQUAL: a != v}.get(op)
        if cmp is None:
            cmp = {Op.GREATER_THAN: lambda: a > v, Op.GREATER_EQUAL: lambda: a >= v, Op.LESS_THAN: lambda: a < v,
                   Op.LESS_EQUAL: lambda: a <= v}[op]()
    except KeyError:
        raise ApiError.bad_request(f"The condition operator {op.name} is not supported on this entity set.") from None
    except TypeError:
        raise ApiError.bad_request(f"'{c.attribute_name}' cannot be compared with {c.values[0]!r}.") from None
    return bool(cmp)


def _matches(f: FilterExpression, get: Getter) -> bool:
    if f.any_all_filter_link_entity is not None:
        raise ApiError.bad_request("Lambda operators are not supported on this entity set.")
    results = (r for r in [*(_cond(c, get) for c in f.conditions), *(_matches(s, get) for s in f.filters)])
    return any(results) if f.filter_operator == LogicalOperator.OR else all(results)


def _query(api: WebApi, t: EntityMetadata, found: list[Entity], opts: dict[str, str], req: ApiRequest,
           ann: Annotations) -> tuple[list[dict[str, Any]], int]:
    """`found` narrowed, ordered, cut and serialized by the query options; and how many matched."""
    refuse_unsupported(opts)
    messages = {m.id: m for m in rows(api.names.metadata)[0]}
    if opts.get("$filter"):
        def related(nav: str) -> tuple[str, EntityMetadata] | None:
            return (MESSAGE_NAV, SDKMESSAGE) if t is SDKMESSAGEFILTER and nav == MESSAGE_NAV else None

        flt = parse_filter(opts["$filter"], t, related)

        def getter(e: Entity) -> Getter:
            def get(alias: str | None, col: str) -> Any:
                if alias is None:
                    return e.get(col)
                m = messages.get(e["sdkmessageid"].id)
                return m.get(col) if m is not None else None
            return get

        found = [e for e in found if _matches(flt, getter(e))]
    for item in reversed([o.strip() for o in opts.get("$orderby", "").split(",") if o.strip()]):
        col, _, direction = item.partition(" ")
        if col.strip("_").removesuffix("_value") not in t.attributes:
            raise ApiError.bad_request(f"Could not find a property named '{col}' on type "
                                       f"'Microsoft.Dynamics.CRM.{t.logical_name}'.")
        key = col.strip("_").removesuffix("_value")
        found = sorted(found, key=lambda e: (e.get(key) is not None, _norm(e.get(key)) if e.get(key) is not None
                                             else ""), reverse=direction.strip().lower() == "desc")
    matched = len(found)
    if opts.get("$top"):
        if not opts["$top"].isdigit():
            raise ApiError.bad_request(f"$top must be a whole number, not '{opts['$top']}'.")
        found = found[:int(opts["$top"])]
    cols = select_columns(api, t, ApiRequest("GET", "", opts, {}))
    bodies = records_to_json(api.names, t, found, ann, cols)
    for item in split_top(opts.get("$expand", ""), ","):
        name, paren, rest = item.strip().partition("(")
        sub = _options(rest[:-1]) if paren else {}
        if t is SDKMESSAGEFILTER and name == MESSAGE_NAV:
            for e, body in zip(found, bodies):
                m = messages.get(e["sdkmessageid"].id)
                body[MESSAGE_NAV] = _query(api, SDKMESSAGE, [m], sub, req, ann)[0][0] if m is not None else None
        elif t is SDKMESSAGE and name == FILTERS_NAV:
            filters = rows(api.names.metadata)[1]
            for e, body in zip(found, bodies):
                mine = [f for f in filters if f["sdkmessageid"].id == e.id]
                body[FILTERS_NAV] = _query(api, SDKMESSAGEFILTER, mine, sub, req, ann)[0]
        else:
            raise ApiError.bad_request(f"Could not find a property named '{name}' on type "
                                       f"'Microsoft.Dynamics.CRM.{t.logical_name}'.")
    return bodies, matched


def route(api: WebApi, svc: OrganizationService, req: ApiRequest, segs: list[Segment]) -> ApiResponse:
    """GET `sdkmessages`, `sdkmessagefilters`, either by id, with the query options; other methods: 405."""
    set_name = segs[0].name
    t = TABLES[set_name]
    if req.method != "GET":
        raise ApiError(405, ErrorCodes.NOT_SUPPORTED, f"The entity set '{set_name}' is read-only.")
    messages, filters = rows(api.names.metadata)
    found = list(messages if t is SDKMESSAGE else filters)
    ann = Annotations.from_prefer(req.header("prefer"))
    key = segs[0].key
    if key is not None or len(segs) > 1:
        hit = [e for e in found if e.id == key]
        if not isinstance(key, uuid.UUID) or not hit or len(segs) > 1:
            raise ApiError.not_found(f"{t.logical_name} With Id = {key} Does Not Exist")
        body = _query(api, t, hit, req.query, req, ann)[0][0]
        return ApiResponse(200, {"@odata.context": req.url(f"$metadata#{set_name}/$entity"), **body})
    out: dict[str, Any] = {"@odata.context": req.url(f"$metadata#{set_name}")}
    value, matched = _query(api, t, found, req.query, req, ann)
    if req.query.get("$count", "").lower() == "true":
        out["@odata.count"] = matched
    out["value"] = value
    return ApiResponse(200, out)
