"""`EntityKeyMetadata`: an alternate key of a table (Dataverse's entity key), backed by a unique index."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import attrs

__all__ = ["EntityKeyMetadata"]

_NS = uuid.UUID("6f1c2a8e-2b1d-4d5e-9a57-3c2d1e0f9b21")


def _columns(names: Iterable[str]) -> list[str]:
    """The key's columns as a list (a Python function rather than `list`: see `types._key_values`)."""
    return list(names)


@attrs.define(eq=False)
class EntityKeyMetadata:
    """An alternate key: `schema_name` and the columns (`key_attributes`) whose values together are unique.

    `CreateEntityKeyRequest(entity_name="lead", entity_key=EntityKeyMetadata("new_email_key",
    ["emailaddress1"]))` declares one. `entity_key_index_status` is "Active" once its unique index
    exists (leadsdk builds the index inside the request, so a key is never left "Pending").
    """

    schema_name: str
    key_attributes: list[str] = attrs.field(converter=_columns)
    display_name: str | None = None
    entity_logical_name: str | None = None
    entity_key_index_status: str = "Active"

    @property
    def logical_name(self) -> str:
        return self.schema_name.lower()

    @property
    def metadata_id(self) -> uuid.UUID:
        return uuid.uuid5(_NS, f"{self.entity_logical_name}.{self.logical_name}")

    @property
    def index_name(self) -> str:
        """The unique index behind the key."""
        return f"ak_{self.entity_logical_name}_{self.logical_name}"[:63]
