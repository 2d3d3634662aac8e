"""Tables, columns and relationships (the metadata) and the early-bound classes built from it.

`Lead`, `Account`, ... and the enums (`LeadState`, `LeadStatus`, `LeadSourceCode`, ...) are
generated from the table declarations in `leadsdk.entities.tables` by
`python tools/codegen.py`; this package re-exports everything the generated modules do.
They are built when one of them is first asked for (module `__getattr__`): building ~40 attrs
classes and ~75 enums would cost a third of `import leadsdk`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from leadsdk.entities._generated_names import EARLY_BOUND_NAMES, ENUM_NAMES
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

if TYPE_CHECKING:
    from leadsdk.entities import _generated, _generated_classes
    from leadsdk.entities._generated import *  # noqa: F403
    from leadsdk.entities._generated_classes import *  # noqa: F403

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
_LAZY: dict[str, str] = {
    **dict.fromkeys(ENUM_NAMES, "leadsdk.entities._generated"),
    **dict.fromkeys([*EARLY_BOUND_NAMES.values(), "EARLY_BOUND_CLASSES"], "leadsdk.entities._generated_classes"),
}
"""Each generated name, with the module that defines it."""
if TYPE_CHECKING:
    __all__ += _generated.__all__
    __all__ += _generated_classes.__all__
else:
    __all__ += sorted(_LAZY)

    def __getattr__(name: str) -> Any:
        """A generated enum or early-bound class (or `EARLY_BOUND_CLASSES`): its module loads on first use."""
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        """The generated names too, before they are built (for completion in a notebook or shell)."""
        return sorted({*globals(), *_LAZY})


def early_bound_class(logical_name: str) -> type[EarlyBoundEntity] | None:
    """The early-bound class of a built-in table (`"lead"` -> `Lead`), or None."""
    name = EARLY_BOUND_NAMES.get(logical_name)
    if name is None:
        return None
    cls: type[EarlyBoundEntity] = getattr(importlib.import_module("leadsdk.entities._generated_classes"), name)
    return cls
