"""Customizations (custom tables, columns, relationships, label changes, alternate keys) kept in the store
as rows of `leadsdk_customization`, and replayed onto the metadata whenever the store is opened."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from leadsdk.entities import serialize as ser
from leadsdk.entities.declare import TableDecl
from leadsdk.entities.keys import EntityKeyMetadata
from leadsdk.entities.registry import Metadata
from leadsdk.query.model import OrderExpression, QueryExpression
from leadsdk.storage.base import Storage
from leadsdk.types import ColumnSet

__all__ = ["KEY_KINDS", "TABLE", "apply", "apply_key", "load"]

TABLE = "leadsdk_customization"

KEY_KINDS = ("entity_key", "entity_key_delete")
"""The customization kinds of alternate keys (CreateEntityKey / DeleteEntityKey, `leadsdk.keys`)."""


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
    elif kind in KEY_KINDS:
        apply_key(metadata, kind, payload)


def apply_key(metadata: Metadata, kind: str, payload: Mapping[str, Any]) -> None:
    """Apply a recorded alternate key ("entity_key") or its removal ("entity_key_delete") to `metadata`."""
    t = metadata.table(str(payload["entity"]))
    name = str(payload["name"]).lower()
    keys = [k for k in t.keys if k.logical_name != name]  # a new list: built-in tables share the declared one
    if kind == "entity_key":
        keys.append(EntityKeyMetadata(payload["schema_name"], payload["key_attributes"],
                                      payload.get("display_name"), t.logical_name))
    t.keys = keys
    metadata.version += 1


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
