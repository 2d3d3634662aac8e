"""Tables, columns and relationships (the metadata) and the early-bound classes built from it.

`Lead`, `Account`, ... and the enums (`LeadState`, `LeadStatus`, `LeadSourceCode`, ...) are
generated from the table declarations in `leadsdk.entities.tables` by
`python -m leadsdk.entities.codegen`; this package re-exports everything the generated module does.
"""

from __future__ import annotations

from leadsdk.entities import _generated
from leadsdk.entities._generated import *  # noqa: F403
from leadsdk.entities._generated import EARLY_BOUND_CLASSES
from leadsdk.entities.builtin import builtin_metadata
from leadsdk.entities.earlybound import EarlyBoundEntity
from leadsdk.entities.keys import EntityKeyMetadata
from leadsdk.entities.model import (
    AttributeMetadata,
    AttributeType,
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
from leadsdk.entities.registry import Metadata

__all__ = [
    "AttributeMetadata",
    "AttributeType",
    "CascadeType",
    "EarlyBoundEntity",
    "EntityKeyMetadata",
    "EntityMetadata",
    "ManyToManyRelationshipMetadata",
    "Metadata",
    "OneToManyRelationshipMetadata",
    "OptionMetadata",
    "OptionSetMetadata",
    "OwnershipType",
    "RequiredLevel",
    "StateModel",
    "builtin_metadata",
    "early_bound_class",
]
__all__ += _generated.__all__


def early_bound_class(logical_name: str) -> type[EarlyBoundEntity] | None:
    """The early-bound class of a built-in table (`"lead"` -> `Lead`), or None."""
    return EARLY_BOUND_CLASSES.get(logical_name)
