"""`$expand`: navigation properties added to serialized records, one query per property; face layer,
Web API."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from leadsdk.entities.model import EntityMetadata
from leadsdk.messages import RetrieveMultipleRequest
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.types import ColumnSet, Entity
from leadsdk.webapi.http import ApiRequest
from leadsdk.webapi.names import Nav
from leadsdk.webapi.options import _options, build_query, split_top
from leadsdk.webapi.serialize import Annotations, RecordWriter

if TYPE_CHECKING:
    from leadsdk.service import OrganizationService
    from leadsdk.webapi.api import WebApi

__all__ = ["expand_into", "expand_lookups"]


def link_many_to_many(api: WebApi, q: QueryExpression, nav: Nav, ids: Sequence[uuid.UUID]) -> str:
    """Join the intersect table of an N:N navigation; returns the alias of the source id column."""
    m = api.names.metadata.many_to_many[nav.relationship]
    if nav.source == m.entity1_logical_name and nav.target == m.entity2_logical_name:
        mine, theirs = m.entity1_intersect_attribute, m.entity2_intersect_attribute
    else:
        mine, theirs = m.entity2_intersect_attribute, m.entity1_intersect_attribute
    target = api.names.metadata.table(nav.target)
    link = q.add_link(m.intersect_entity_name, target.primary_id_attribute, theirs)
    link.entity_alias = "nn"
    link.columns = ColumnSet(mine)
    link.link_criteria.add_condition(mine, ConditionOperator.IN, *ids)
    return f"nn.{mine}"


def expand_lookups(api: WebApi, t: EntityMetadata, req: ApiRequest) -> list[str]:
    """Lookup columns a single-valued `$expand` needs read even when `$select` leaves them out."""
    out: list[str] = []
    for item in split_top(req.query.get("$expand", ""), ","):
        nav = api.names.nav(t.logical_name, item.strip().partition("(")[0])
        if nav is not None and nav.kind == "single" and nav.lookup is not None:
            out.append(nav.lookup)
    return out


def expand_into(api: WebApi, svc: OrganizationService, req: ApiRequest, t: EntityMetadata,
                entities: Sequence[Entity], bodies: list[dict[str, Any]]) -> None:
    """Add `$expand`ed navigation properties to already serialized rows (one query per property)."""
    raw = req.query.get("$expand")
    if not raw or not entities:
        return
    ann = Annotations.from_prefer(req.header("prefer"))
    for item in split_top(raw, ","):
        name, paren, rest = item.strip().partition("(")
        opts = _options(rest[:-1]) if paren else {}
        nav = api.names.require_nav(t.logical_name, name)
        target = api.names.metadata.table(nav.target)
        q, cols = build_query(api, target, opts, req)
        write = RecordWriter(api.names, target, ann, cols)
        if nav.kind == "single":
            assert nav.lookup is not None
            refs = [e.get(nav.lookup) for e in entities]
            ids = sorted({r.id for r in refs if r is not None and r.logical_name == nav.target})
            found: dict[uuid.UUID, dict[str, Any]] = {}
            if ids:
                q.criteria.add_condition(target.primary_id_attribute, ConditionOperator.IN, *ids)
                for row in svc.execute(RetrieveMultipleRequest(query=q)).entity_collection.entities:
                    if row.id is not None:
                        found[row.id] = write(row)
            for ref, body in zip(refs, bodies):
                body[nav.name] = found.get(ref.id) if ref is not None and ref.logical_name == nav.target else None
            continue
        parents = [e.id for e in entities if e.id is not None]
        if nav.kind == "many":
            assert nav.lookup is not None
            q.criteria.add_condition(nav.lookup, ConditionOperator.IN, *parents)
            if cols is not None and nav.lookup not in cols:
                q.column_set.add_column(nav.lookup)
            key = nav.lookup
        else:
            key = link_many_to_many(api, q, nav, parents)
        groups: dict[Any, list[dict[str, Any]]] = {p: [] for p in parents}
        for row in svc.execute(RetrieveMultipleRequest(query=q)).entity_collection.entities:
            v = row.get(key)
            pid = getattr(v, "value", v)
            pid = getattr(pid, "id", pid)
            groups.setdefault(pid, []).append(write(row))
        for e, body in zip(entities, bodies):
            body[nav.name] = groups.get(e.id, [])
