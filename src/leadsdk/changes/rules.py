"""Change tracking's record events (changes feature): a delete of a change-tracked record leaves a
tombstone (`leadsdk_tombstone`, indexed by version) that RetrieveEntityChanges reports."""

from __future__ import annotations

import uuid
from typing import Any

from leadsdk.entities.model import EntityMetadata
from leadsdk.records.context import Context
from leadsdk.records.events import listens_for
from leadsdk.records.ids import new_id

__all__ = ["TOMBSTONE"]

TOMBSTONE = "leadsdk_tombstone"
"""The table of tombstones: (entityname, objectid, deletedversion)."""


@listens_for("after_delete")
def tombstone(ctx: Context, t: EntityMetadata, id_: uuid.UUID) -> None:
    """After a record of a change-tracked table is deleted: remember it for RetrieveEntityChanges."""
    if not t.change_tracking_enabled:
        return
    tomb = ctx.metadata.table(TOMBSTONE)
    row: dict[str, Any] = {"leadsdk_tombstoneid": new_id(), "entityname": t.logical_name, "objectid": id_,
                           "deletedversion": ctx.storage.next_version()}
    ctx.storage.insert(tomb, row)
