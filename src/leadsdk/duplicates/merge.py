"""Merging two records (duplicates feature): which tables merge, their parent columns, the merged state,
and moving the subordinate's children and N:N links to the master. Used by the Merge handler."""

from __future__ import annotations

import uuid
from typing import Any

from leadsdk.duplicates.store import MC
from leadsdk.entities.model import EntityMetadata
from leadsdk.messages.base import (
    HandlerContext,
)
from leadsdk.messages.relationships import AssociateRequest, DisassociateRequest
from leadsdk.query.model import ConditionOperator, QueryExpression
from leadsdk.types import ColumnSet, EntityReference

__all__ = ["MERGEABLE", "MERGED_STATE", "PARENT_COLUMNS"]


MERGEABLE = ("lead", "account", "contact", "incident")


PARENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "account": ("parentaccountid",),
    "contact": ("parentcustomerid",),
    "lead": ("parentaccountid", "parentcontactid"),
    "incident": ("customerid", "parentcaseid"),
}
"""The columns whose difference makes a merge with parenting checks fault."""


MERGED_STATE: dict[str, tuple[int, int]] = {"lead": (2, 7), "account": (1, 2), "contact": (1, 2), "incident": (2, 2000)}
"""(statecode, statuscode) a merged subordinate takes: lead Disqualified/Canceled, case Cancelled/Merged."""


NOT_REPARENTED = frozenset({"duplicaterecord", MC})


# merge
def ref_id(v: Any) -> uuid.UUID | None:
    if isinstance(v, EntityReference):
        return v.id
    return v if isinstance(v, uuid.UUID) else None


def _linked(ctx: HandlerContext, intersect: EntityMetadata, mine: str, other: str, id_: uuid.UUID
            ) -> set[uuid.UUID]:
    q = QueryExpression(intersect.logical_name, column_set=ColumnSet(other))
    q.criteria.add_condition(mine, ConditionOperator.EQUAL, id_)
    return {r[other] for r in ctx.storage.select(q).rows if r.get(other) is not None}


def move_links(ctx: HandlerContext, name: str, sub_id: uuid.UUID, master_id: uuid.UUID,
                moved: dict[str, int]) -> None:
    """The subordinate's N:N links (an account's or contact's leads ...) move to the master, through
    Disassociate and Associate so audit and plugins see them; links the master has already are kept
    once. Counted in `moved` under the relationship's schema name."""

    for rel in ctx.metadata.many_to_many_of(name):
        intersect = ctx.metadata.get(rel.intersect_entity_name)
        if intersect is None or rel.entity1_logical_name == rel.entity2_logical_name:
            continue
        if rel.entity1_logical_name == name:
            mine, other, other_table = rel.entity1_intersect_attribute, rel.entity2_intersect_attribute, \
                rel.entity2_logical_name
        else:
            mine, other, other_table = rel.entity2_intersect_attribute, rel.entity1_intersect_attribute, \
                rel.entity1_logical_name
        linked = _linked(ctx, intersect, mine, other, sub_id)
        if not linked:
            continue
        refs = [EntityReference(other_table, i) for i in sorted(linked, key=str)]
        ctx.execute(DisassociateRequest(target=EntityReference(name, sub_id), relationship=rel.schema_name,
                                        related_entities=refs))
        new = linked - _linked(ctx, intersect, mine, other, master_id)
        if new:
            ctx.execute(AssociateRequest(target=EntityReference(name, master_id), relationship=rel.schema_name,
                                         related_entities=[r for r in refs if r.id in new]))
        moved[rel.schema_name] = len(linked)
