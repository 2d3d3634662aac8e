"""Duplicate detection rules (duplicates feature): detection before creates and updates that ask for it,
match codes kept current after writes and deletes, a rule unpublished when its definition changes, and the
default rules every store starts with, and the match codes of older stores re-keyed when they are opened.
Record-event listeners, a store seeder and a store upgrader, run in FEATURES order."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from leadsdk.duplicates.messages import UnpublishDuplicateRuleRequest
from leadsdk.duplicates.store import (
    MC,
    RULE_DEFINITION,
    RULE_TABLES,
    delete_codes,
    detection_on,
    fault_if_duplicates,
    full_values,
    invalidate,
    published_rules,
    store_code,
    store_new_codes,
)
from leadsdk.duplicates.upgrade import rekey_all
from leadsdk.entities.model import EntityMetadata
from leadsdk.messages.base import (
    HandlerContext,
)
from leadsdk.records.events import column_form, listens_for, seeds_store, upgrades_store
from leadsdk.records.write import create_record
from leadsdk.storage.base import Row
from leadsdk.types import Entity, EntityReference

__all__ = ["rekey_match_codes", "seed_duplicate_rules"]


@listens_for("before_create")
def _before_create(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any],
                   existing: Row | None) -> None:
    if t.logical_name in RULE_TABLES:
        invalidate(ctx)
        return
    if detection_on(ctx, t):
        fault_if_duplicates(ctx, t, row, id_)


@column_form(_before_create)
def _before_create_columns(ctx: HandlerContext, t: EntityMetadata, columns: dict[str, Sequence[Any]], n: int) -> bool:
    return t.logical_name not in RULE_TABLES and not detection_on(ctx, t)


@listens_for("before_update")
def _before_update(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, changes: dict[str, Any],
                   existing: Row | None) -> None:
    if t.logical_name in RULE_TABLES or not detection_on(ctx, t):
        return
    rules = published_rules(ctx).by_base.get(t.logical_name, ())
    cols = {c for r in rules for c in r.columns("base")}
    if cols.isdisjoint(changes):
        return
    fault_if_duplicates(ctx, t, full_values(ctx, t, id_, changes, cols), id_)


@listens_for("after_create")
def _after_create(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any],
                  existing: Row | None) -> None:
    if t.logical_name in RULE_TABLES:
        invalidate(ctx)
        return
    for rule in published_rules(ctx).by_matching.get(t.logical_name, ()):
        store_code(ctx, rule, t, id_, row)


@column_form(_after_create)
def _after_create_columns(ctx: HandlerContext, t: EntityMetadata, columns: dict[str, Sequence[Any]], n: int) -> bool:
    """The new records' match codes, one insert per published rule."""
    if t.logical_name in RULE_TABLES:
        return False
    for rule in published_rules(ctx).by_matching.get(t.logical_name, ()):
        store_new_codes(ctx, rule, t, columns, n)
    return True


@listens_for("after_update")
def _after_update(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, changes: dict[str, Any],
                  existing: Row | None) -> None:
    name = t.logical_name
    if name in RULE_TABLES:
        invalidate(ctx)
        _definition_changed(ctx, t, id_, changes)
        return
    if name == "organization" and changes.get("isduplicatedetectionenabled") is False:
        for rules in list(published_rules(ctx).by_base.values()):
            for rule in rules:
                ctx.execute(UnpublishDuplicateRuleRequest(duplicate_rule_id=rule.id))
        return
    for rule in published_rules(ctx).by_matching.get(name, []):
        cols = set(rule.columns("matching"))
        if cols.isdisjoint(changes) and "statecode" not in changes:
            continue
        store_code(ctx, rule, t, id_, full_values(ctx, t, id_, changes, cols | {"statecode"}))


@listens_for("after_delete")
def _after_delete(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID) -> None:
    if t.logical_name == "duplicaterule":
        ctx.storage.delete_where(ctx.metadata.table(MC), "duplicateruleid", id_)
        invalidate(ctx)
    elif t.logical_name == "duplicaterulecondition":
        invalidate(ctx)
    else:
        delete_codes(ctx, t, id_)


@listens_for("before_delete")
def _before_delete(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID) -> None:
    if t.logical_name == "duplicaterulecondition":
        row = ctx.storage.get(t, id_, ["regardingobjectid"])
        if row is not None and row.get("regardingobjectid") is not None:
            _unpublish_if_published(ctx, row["regardingobjectid"])


def _definition_changed(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, changes: Mapping[str, Any]) -> None:
    """Editing a published rule or its conditions puts the rule back to Unpublished, as Dataverse does."""
    if t.logical_name == "duplicaterule":
        if not RULE_DEFINITION.isdisjoint(changes):
            _unpublish_if_published(ctx, id_)
    else:
        row = ctx.storage.get(t, id_, ["regardingobjectid"])
        if row is not None and row.get("regardingobjectid") is not None:
            _unpublish_if_published(ctx, row["regardingobjectid"])


def _unpublish_if_published(ctx: HandlerContext, rule_id: uuid.UUID) -> None:
    t = ctx.metadata.table("duplicaterule")
    row = ctx.storage.get(t, rule_id, ["statuscode"])
    if row is not None and row.get("statuscode") == 2:
        ctx.execute(UnpublishDuplicateRuleRequest(duplicate_rule_id=rule_id))


@listens_for("after_create", tables=("duplicaterulecondition",))
def _after_create_condition(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any],
                            existing: Row | None) -> None:
    if t.logical_name == "duplicaterulecondition" and row.get("regardingobjectid") is not None:
        _unpublish_if_published(ctx, row["regardingobjectid"])


# seeds: the default rules Dataverse ships (unpublished here)
@seeds_store
def seed_duplicate_rules(ctx: HandlerContext) -> None:
    """Default rules for leads, contacts and accounts with the same email address (unpublished)."""
    for table, label in (("lead", "Leads"), ("contact", "Contacts"), ("account", "Accounts")):
        rid = create_record(ctx, Entity("duplicaterule", attributes={
            "name": f"{label} with the same e-mail address",
            "description": f"Finds {label.lower()} whose primary email address is the same.",
            "baseentityname": table, "matchingentityname": table, "iscasesensitive": False,
            "excludeinactiverecords": False,
        }))
        create_record(ctx, Entity("duplicaterulecondition", attributes={
            "regardingobjectid": EntityReference("duplicaterule", rid), "baseattributename": "emailaddress1",
            "matchingattributename": "emailaddress1", "operatorcode": 0, "ignoreblankvalues": True,
        }))


# upgrades: stores an earlier version wrote
@upgrades_store
def rekey_match_codes(ctx: HandlerContext) -> None:
    """Match codes stored with the ids earlier versions made (uuid5 of the rule and record, before December
    2026) are written again with the ids `leadsdk.duplicates.codeids` makes (`leadsdk.duplicates.upgrade`):
    one indexed probe when there are none."""
    rekey_all(ctx)
