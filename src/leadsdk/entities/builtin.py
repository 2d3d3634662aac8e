"""The built-in metadata: every table and relationship declared in `leadsdk.entities.tables`."""

from __future__ import annotations

import attrs

from leadsdk.entities.declare import TableDecl
from leadsdk.entities.registry import Metadata
from leadsdk.entities.tables import MANY_TO_MANY, TABLES

__all__ = ["builtin_metadata"]


def _copy(decl: TableDecl) -> TableDecl:
    meta = attrs.evolve(decl.metadata, attributes=dict(decl.metadata.attributes))
    return TableDecl(meta, list(decl.one_to_many))


def builtin_metadata() -> Metadata:
    """A fresh Metadata holding the built-in tables and relationships.

    Each call returns new `EntityMetadata` objects, so a store that customises its metadata
    (adds tables or columns) never changes the declarations or another store's copy.
    Columns, option sets and relationships are immutable and shared.
    """
    return Metadata(
        (_copy(d) for d in TABLES),
        ((rel, _copy(d)) for rel, d in MANY_TO_MANY),
    )
