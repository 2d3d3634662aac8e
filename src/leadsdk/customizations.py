"""Customizations (custom tables, columns, relationships, label changes) kept in the store as rows of
`leadsdk_customization`, and replayed onto the metadata whenever the store is opened."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from leadsdk.entities import serialize as ser
from leadsdk.entities.declare import TableDecl
from leadsdk.entities.registry import Metadata
from leadsdk.query.model import OrderExpression, QueryExpression
from leadsdk.storage.base import Storage
from leadsdk.types import ColumnSet

__all__ = ["TABLE", "apply", "load"]

TABLE = "leadsdk_customization"

APPLIERS: dict[str, Callable[[Metadata, str, dict[str, Any]], None]] = {}
"""Customization kinds other modules replay (kind -> fn(metadata, kind, payload)): alternate keys."""


def apply(metadata: Metadata, kind: str, payload: dict[str, Any]) -> None:
    """Apply one recorded customization to `metadata`."""
    if kind == "table":
        attrs_ = {a["logical_name"]: ser.attribute_from_dict(a) for a in payload["attributes"]}
        meta = ser.entity_from_dict(payload["entity"], attrs_)
        rels = [ser.one_to_many_from_dict(r) for r in payload.get("relationships", [])]
        metadata.add_table(TableDecl(meta, rels))
    elif kind == "attribute":
        rels = [ser.one_to_many_from_dict(r) for r in payload.get("relationships", [])]
        metadata.add_attribute(payload["entity"], ser.attribute_from_dict(payload["attribute"]), rels)
    elif kind == "attribute_update":
        metadata.replace_attribute(payload["entity"], ser.attribute_from_dict(payload["attribute"]))
    elif kind == "attribute_delete":
        metadata.remove_attribute(payload["entity"], payload["logical_name"])
    elif kind == "entity_update":
        t = metadata.table(payload["entity"])
        for k, v in payload["changes"].items():
            setattr(t, k, v)
        metadata.version += 1
    elif kind == "one_to_many":
        r = ser.one_to_many_from_dict(payload["relationship"])
        metadata.one_to_many[r.schema_name] = r
        metadata.version += 1
    elif kind == "many_to_many":
        rel = ser.many_to_many_from_dict(payload["relationship"])
        attrs_ = {a["logical_name"]: ser.attribute_from_dict(a) for a in payload["attributes"]}
        meta = ser.entity_from_dict(payload["entity"], attrs_)
        metadata.add_many_to_many(rel, TableDecl(meta, []))
    elif kind in APPLIERS:
        APPLIERS[kind](metadata, kind, payload)


def load(storage: Storage, metadata: Metadata) -> int:
    """Replay the store's customizations onto `metadata`; returns how many there were."""
    if TABLE not in metadata:
        return 0
    q = QueryExpression(TABLE, ColumnSet("kind", "payload", "sequence"))
    q.orders.append(OrderExpression("sequence"))
    rows = storage.select(q).rows
    for row in rows:
        apply(metadata, str(row["kind"]), json.loads(row["payload"]))
    return len(rows)
