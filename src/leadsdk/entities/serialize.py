"""Metadata as JSON-ready dicts and back: how a store keeps its customizations (custom tables,
columns and relationships) so they survive reopening it."""

from __future__ import annotations

import enum
from typing import Any

import attrs

from leadsdk.entities.keys import EntityKeyMetadata
from leadsdk.entities.model import (
    AttributeMetadata,
    AttributeType,
    CascadeConfiguration,
    CascadeType,
    EntityMetadata,
    ManyToManyRelationshipMetadata,
    OneToManyRelationshipMetadata,
    OptionMetadata,
    OptionSetMetadata,
    OwnershipType,
    RequiredLevel,
    StateModel,
)

__all__ = [
    "attribute_from_dict",
    "attribute_to_dict",
    "entity_from_dict",
    "entity_to_dict",
    "many_to_many_from_dict",
    "one_to_many_from_dict",
    "relationship_to_dict",
]


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, frozenset):
        return sorted(_plain(v) for v in value)
    if attrs.has(type(value)):
        return {f.name: _plain(getattr(value, f.name)) for f in attrs.fields(type(value))}
    return value


def _optionset(d: dict[str, Any] | None) -> OptionSetMetadata | None:
    if d is None:
        return None
    return OptionSetMetadata(d["name"], tuple(OptionMetadata(**o) for o in d["options"]), d.get("is_global", False))


def attribute_to_dict(a: AttributeMetadata) -> dict[str, Any]:
    d: dict[str, Any] = _plain(a)
    return d


def attribute_from_dict(d: dict[str, Any]) -> AttributeMetadata:
    d = dict(d)
    d["type"] = AttributeType(d["type"])
    d["required_level"] = RequiredLevel(d.get("required_level", "None"))
    d["targets"] = tuple(d.get("targets") or ())
    d["option_set"] = _optionset(d.get("option_set"))
    return AttributeMetadata(**d)


def entity_to_dict(t: EntityMetadata) -> dict[str, Any]:
    """A table without its columns (those are kept one by one)."""
    d = {f.name: _plain(getattr(t, f.name)) for f in attrs.fields(EntityMetadata) if f.name != "attributes"}
    return d


def entity_from_dict(d: dict[str, Any], attributes: dict[str, AttributeMetadata]) -> EntityMetadata:
    d = dict(d)
    d["ownership"] = OwnershipType(d.get("ownership", "UserOwned"))
    sm = d.get("state_model")
    if sm is not None:
        d["state_model"] = StateModel(
            tuple(OptionMetadata(**o) for o in sm["states"]),
            tuple(OptionMetadata(**o) for o in sm["statuses"]),
            {int(k): v for k, v in sm.get("message_only_states", {}).items()},
            frozenset(sm.get("active_states", [0])),
        )
    d["keys"] = [EntityKeyMetadata(**k) for k in d.get("keys") or ()]
    return EntityMetadata(attributes=attributes, **d)


def relationship_to_dict(r: OneToManyRelationshipMetadata | ManyToManyRelationshipMetadata) -> dict[str, Any]:
    d: dict[str, Any] = _plain(r)
    d["kind"] = "OneToMany" if isinstance(r, OneToManyRelationshipMetadata) else "ManyToMany"
    return d


def one_to_many_from_dict(d: dict[str, Any]) -> OneToManyRelationshipMetadata:
    d = {k: v for k, v in d.items() if k != "kind"}
    c = d.get("cascade") or {}
    d["cascade"] = CascadeConfiguration(**{k: CascadeType(v) for k, v in c.items()})
    return OneToManyRelationshipMetadata(**d)


def many_to_many_from_dict(d: dict[str, Any]) -> ManyToManyRelationshipMetadata:
    return ManyToManyRelationshipMetadata(**{k: v for k, v in d.items() if k != "kind"})
