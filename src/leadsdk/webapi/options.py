"""OData query options as a QueryExpression (`$select`, `$filter`, `$orderby`, `$top`, nested options of
`$expand`); face layer, Web API. Used by collections, `$expand` and related-record reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from leadsdk.entities.model import EntityMetadata
from leadsdk.query import FilterExpression, JoinOperator, LinkEntity, OrderType, QueryExpression
from leadsdk.types import ColumnSet
from leadsdk.webapi.columns import select_columns, with_version
from leadsdk.webapi.errors import ApiError
from leadsdk.webapi.http import ApiRequest
from leadsdk.webapi.odata_filter import Lambda, LinkMaker, parse_filter

if TYPE_CHECKING:
    from leadsdk.webapi.api import WebApi

__all__ = ["MAX_PAGE", "UNSUPPORTED", "build_query", "collections", "filter_of", "page_size", "refuse_unsupported"]

MAX_PAGE = 5000
"""The most records a page holds (Dataverse's default and largest `odata.maxpagesize`)."""


def page_size(req: ApiRequest) -> int:
    """The page size `Prefer: odata.maxpagesize` asks for, kept between 1 and MAX_PAGE."""
    size = req.prefer_value("odata.maxpagesize")
    try:
        count = int(size) if size else MAX_PAGE
    except ValueError:
        raise ApiError.bad_request(f"odata.maxpagesize must be a whole number, not '{size}'.") from None
    return max(1, min(count, MAX_PAGE))


def _options(text: str) -> dict[str, str]:
    """`$select=a,b;$filter=...` (the options inside `$expand=nav(...)`)."""
    out: dict[str, str] = {}
    for part in split_top(text, ";"):
        k, _, v = part.partition("=")
        if k.strip():
            out[k.strip()] = v
    return out


def split_top(text: str, sep: str) -> list[str]:
    parts, cur, depth, quoted = [], "", 0, False
    for ch in text:
        if ch == "'":
            quoted = not quoted
        if not quoted and ch == "(":
            depth += 1
        if not quoted and ch == ")":
            depth -= 1
        if ch == sep and depth == 0 and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def build_query(api: WebApi, t: EntityMetadata, opts: dict[str, str],
                req: ApiRequest) -> tuple[QueryExpression, list[str] | None]:
    """A QueryExpression from OData query options (paging is added by the caller), and the selected columns."""
    refuse_unsupported(opts)
    sub = ApiRequest("GET", "", opts, {})
    cols = select_columns(api, t, sub)
    q = QueryExpression(t.logical_name, column_set=ColumnSet(all_columns=True) if cols is None
                        else ColumnSet(*with_version(t, cols)))
    if opts.get("$filter"):
        q.criteria = filter_of(api, t, opts["$filter"], q)
    for item in (o.strip() for o in opts.get("$orderby", "").split(",") if o.strip()):
        name, _, direction = item.partition(" ")
        col = name[1:-6] if name.startswith("_") and name.endswith("_value") else name
        if col not in t.attributes:
            raise ApiError.bad_request(f"Could not find a property named '{name}' on type "
                                       f"'Microsoft.Dynamics.CRM.{t.logical_name}'.")
        q.add_order(col, OrderType.DESCENDING if direction.strip().lower() == "desc" else OrderType.ASCENDING)
    if opts.get("$top"):
        try:
            q.top_count = int(opts["$top"])
        except ValueError:
            raise ApiError.bad_request(f"$top must be a whole number, not '{opts['$top']}'.") from None
    return q, cols


UNSUPPORTED = ("$skip", "$search")
"""Query options Dataverse refuses: paging is by `@odata.nextLink`, and search is its own API."""


def refuse_unsupported(opts: dict[str, str]) -> None:
    """A 400 with Dataverse's message for `$skip` and `$search`, as Dataverse answers them."""
    for name in UNSUPPORTED:
        if name in opts:
            raise ApiError.bad_request(f"The query parameter {name} is not supported")


def filter_of(api: WebApi, t: EntityMetadata, text: str, q: QueryExpression | None = None) -> FilterExpression:
    """`$filter` on `t`: related columns `nav/column` (joined into `q`) and lambdas `nav/any(...)`."""
    return parse_filter(text, t, _joiner(api, t, q) if q is not None else None, collections(api, t))


def collections(api: WebApi, t: EntityMetadata) -> Lambda:
    """Resolves `any`/`all` navigation properties (1:N and N:N) to the filtering link they compile to."""

    def resolve(name: str) -> tuple[EntityMetadata, LinkMaker, str | None] | None:
        nav = api.names.nav(t.logical_name, name)
        if nav is None or nav.kind == "single":
            return None
        target = api.names.metadata.table(nav.target)
        if nav.kind == "many":
            assert nav.lookup is not None

            def one_to_many(join: JoinOperator, crit: FilterExpression) -> LinkEntity:
                return LinkEntity(t.logical_name, nav.target, t.primary_id_attribute, nav.lookup, join,
                                  link_criteria=crit)

            return target, one_to_many, None
        m = api.names.metadata.many_to_many[nav.relationship]
        mine, theirs = ((m.entity1_intersect_attribute, m.entity2_intersect_attribute)
                        if t.logical_name == m.entity1_logical_name
                        else (m.entity2_intersect_attribute, m.entity1_intersect_attribute))
        alias = f"{nav.name}_{nav.target}"

        def many_to_many(join: JoinOperator, crit: FilterExpression) -> LinkEntity:
            link = LinkEntity(t.logical_name, m.intersect_entity_name, t.primary_id_attribute, mine, join,
                              link_criteria=crit)
            inner = link.add_link(nav.target, theirs, target.primary_id_attribute)
            inner.entity_alias = alias
            return link

        return target, many_to_many, alias

    return resolve


def _joiner(api: WebApi, t: EntityMetadata, q: QueryExpression) -> Callable[[str], tuple[str, EntityMetadata] | None]:
    """Resolves `nav/column` in `$filter`: joins the lookup's table once (left outer), aliased as the nav."""
    joined: dict[str, tuple[str, EntityMetadata]] = {}

    def resolve(name: str) -> tuple[str, EntityMetadata] | None:
        nav = api.names.nav(t.logical_name, name)
        if nav is None or nav.kind != "single" or nav.lookup is None:
            return None
        if nav.name not in joined:
            target = api.names.metadata.table(nav.target)
            link = q.add_link(nav.target, nav.lookup, target.primary_id_attribute, JoinOperator.LEFT_OUTER)
            link.entity_alias = nav.name
            joined[nav.name] = (nav.name, target)
        return joined[nav.name]

    return resolve
