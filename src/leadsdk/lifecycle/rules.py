"""Lifecycle rules (lifecycle feature): state transitions of leads, opportunities, cases and activities
(also for update() with statecode/statuscode), the sales process stage of new records, one opportunity per
lead unless the organization allows more, the protected system mappings, and the seed rows of the mappings
and process stages. Record-event listeners and a store seeder, run in FEATURES order."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.lifecycle.process import (
    DEFAULT_MAPPINGS,
    LEAD_TO_OPPORTUNITY_PROCESS_ID,
    STAGES,
    STEP_NAMES,
    traversed_path,
)
from leadsdk.lifecycle.state import open_activity_count
from leadsdk.messages.base import HandlerContext
from leadsdk.messages.crud import UpdateRequest
from leadsdk.records.coherence import changed
from leadsdk.records.events import column_form, listens_for, seeds_store
from leadsdk.records.settings import organization
from leadsdk.records.write import create_record
from leadsdk.storage.base import Row, Same
from leadsdk.types import Entity, EntityReference, OptionSetValue

__all__ = []


@seeds_store
def _seed_lifecycle(ctx: HandlerContext) -> None:
    """Seed the default lead mappings and the sales process stages."""

    for table, pairs in DEFAULT_MAPPINGS.items():
        em = create_record(ctx, Entity("entitymap", sourceentityname="lead", targetentityname=table))
        for src, tgt in pairs:
            create_record(ctx, Entity("attributemap", entitymapid=EntityReference("entitymap", em),
                                      sourceattributename=src, targetattributename=tgt, issystem=True))
    for order, (name, (sid, category, table)) in enumerate(STAGES.items()):
        create_record(ctx, Entity("processstage", sid, stagename=name, stagecategory=OptionSetValue(category),
                                  primaryentitytypecode=table, processid=LEAD_TO_OPPORTUNITY_PROCESS_ID,
                                  stageorder=order))


_MAP_CACHE = "lifecycle.mappings"
T = TypeVar("T")


def lead_mappings(ctx: HandlerContext, source: str, target: str) -> list[tuple[str, str]]:
    """The (source column, target column) pairs of one entity map, cached until a mapping changes."""
    return ctx.cache.get((_MAP_CACHE, source, target), lambda: _load_mappings(ctx, source, target))


def with_mappings(ctx: HandlerContext, key: tuple[Hashable, ...], load: Callable[[], T]) -> T:
    """A value worked out from the entity maps, cached with them (dropped when a mapping changes)."""
    return ctx.cache.get((_MAP_CACHE, *key), load)


def _load_mappings(ctx: HandlerContext, source: str, target: str) -> list[tuple[str, str]]:
    em_t = ctx.metadata.table("entitymap")
    am_t = ctx.metadata.table("attributemap")
    pairs = []
    for em_id in ctx.storage.ids_where(em_t, "sourceentityname", source):
        em = ctx.storage.get(em_t, em_id, ["targetentityname"])
        if em is None or em.get("targetentityname") != target:
            continue
        for am_id in ctx.storage.ids_where(am_t, "entitymapid", em_id):
            am = ctx.storage.get(am_t, am_id, ["sourceattributename", "targetattributename"])
            if am is not None:
                pairs.append((str(am["sourceattributename"]), str(am["targetattributename"])))
    pairs.sort()
    return pairs


@listens_for("state_change", tables=("lead",))
def _lead_rule(ctx: HandlerContext, t: EntityMetadata, existing: Row | None, state: int, status: int) -> None:
    if existing is None:
        return
    cur, cur_status = existing.get("statecode"), existing.get("statuscode")
    if (cur, cur_status) == (state, status):
        return
    if cur != 0 and state != 0:
        raise OrganizationServiceFault(
            ErrorCodes.LEAD_ALREADY_IN_CLOSED_STATE,
            f"The lead is already closed (lead {existing.get('leadid', '')} is "
            f"{t.state_model.state_label(cur) if t.state_model and cur is not None else cur}); reactivate it first.",
        )


@listens_for("state_change", tables=("opportunity",))
def _opportunity_rule(ctx: HandlerContext, t: EntityMetadata, existing: Row | None, state: int,
                      status: int) -> None:
    if existing is None:
        return
    cur, cur_status = existing.get("statecode"), existing.get("statuscode")
    if (cur, cur_status) == (state, status):
        return
    if cur != 0 and state != 0:
        raise OrganizationServiceFault(
            ErrorCodes.OPPORTUNITY_IS_ALREADY_CLOSED,
            f"The opportunity is already closed (opportunity {existing.get('opportunityid', '')}).",
        )


@listens_for("state_change", tables=("incident",))
def _incident_rule(ctx: HandlerContext, t: EntityMetadata, existing: Row | None, state: int,
                   status: int) -> None:
    if existing is None:
        return
    cur, cur_status = existing.get("statecode"), existing.get("statuscode")
    if (cur, cur_status) == (state, status) or state == 0:
        return
    iid = existing.get("incidentid")
    if cur == 1 and state == 1:
        raise OrganizationServiceFault(
            ErrorCodes.CASE_ALREADY_RESOLVED, f"The case {iid or ''} has already been resolved.")
    if cur != 0:
        raise OrganizationServiceFault(
            ErrorCodes.INCIDENT_IS_ALREADY_CLOSED_OR_CANCELLED,
            f"The case {iid or ''} is already closed or canceled.")
    if isinstance(iid, uuid.UUID) and open_activity_count(ctx, EntityReference("incident", iid), 1):
        if state == 1:
            raise OrganizationServiceFault(
                ErrorCodes.UN_MANAGED_IDS_INCIDENT_CANNOT_CLOSE,
                f"The case {iid} can not be closed because there are open activities for it.")
        raise OrganizationServiceFault(
            ErrorCodes.INCIDENT_CANNOT_CANCEL,
            f"The case {iid} can not be canceled because there are open activities for it.")


@listens_for("state_change", tables=("task", "phonecall", "email", "appointment", "opportunityclose",
                                        "incidentresolution"))
def _activity_rule(ctx: HandlerContext, t: EntityMetadata, existing: Row | None, state: int,
                   status: int) -> None:
    """A closed activity goes back to an open state before it can take another closed state."""
    sm = t.state_model
    if existing is None or sm is None:
        return
    cur, cur_status = existing.get("statecode"), existing.get("statuscode")
    if (cur, cur_status) == (state, status):
        return
    if cur not in sm.active_states and state not in sm.active_states:
        raise OrganizationServiceFault(
            ErrorCodes.UN_MANAGED_IDS_ACTIVITY_INVALID_STATE,
            f"Invalid activity state: the {t.logical_name} is {sm.state_label(cur) if cur is not None else cur}; "
            f"reopen it before setting it to {sm.state_label(state)}.",
        )


@listens_for("before_create", tables=("lead", "opportunity", "attributemap"))
def _before_create(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any],
                   existing: Row | None) -> None:
    name = t.logical_name
    if name in ("lead", "opportunity"):
        if row.get("processid") is None:
            process, sid, path = _process_start()
            row["processid"] = process
            if row.get("stageid") is None:
                row["stageid"] = sid
            if row.get("traversedpath") is None:
                row["traversedpath"] = path
            if name == "opportunity" and row.get("stepname") is None:
                row["stepname"] = STEP_NAMES[STAGES["Qualify"][1]]
        if name == "opportunity":
            _check_multiple_opportunities(ctx, row.get("originatingleadid"))
    elif name == "attributemap":
        if ctx.message_name != "Seed":
            row["issystem"] = False
        _check_attribute_map(ctx, row)


@column_form(_before_create)
def _before_create_columns(ctx: HandlerContext, t: EntityMetadata, columns: dict[str, Sequence[Any]], n: int) -> bool:
    """New leads that say nothing of their process start at its Qualify stage, as the row hook does."""
    if t.logical_name != "lead" or any(c in columns for c in ("processid", "stageid", "traversedpath")):
        return False
    process, sid, path = _process_start()
    columns["processid"] = Same.of(process, n)
    columns["stageid"] = Same.of(sid, n)
    columns["traversedpath"] = Same.of(path, n)
    return True


def _process_start() -> tuple[uuid.UUID, uuid.UUID, str]:
    """Where a new lead or opportunity starts: the lead-to-opportunity process at its Qualify stage."""
    return LEAD_TO_OPPORTUNITY_PROCESS_ID, STAGES["Qualify"][0], traversed_path("Qualify")


QUALIFYING = "QualifyLead creates its opportunity"
"""Guard of the opportunity a QualifyLead creates (exempt from the one-opportunity-per-lead rule)."""


def _check_multiple_opportunities(ctx: HandlerContext, lead_id: Any) -> None:
    """One opportunity per lead unless the organization allows several.

    The setting governs extra opportunities of one qualification, not a re-qualification: a lead that
    was qualified, reactivated and qualified again gets a new opportunity (the documented way to
    re-qualify), so QualifyLead's own opportunity is never refused here.
    """
    if not isinstance(lead_id, uuid.UUID) or QUALIFYING in ctx.guards:
        return
    if organization(ctx).get("allowmultipleopportunitiesperlead"):
        return
    t = ctx.metadata.table("opportunity")
    if ctx.storage.ids_where(t, "originatingleadid", lead_id, limit=1):
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_OPERATION,
            f"The lead {lead_id} already has an opportunity, and the organization does not allow several "
            "opportunities per lead (allowmultipleopportunitiesperlead).",
        )


def _check_attribute_map(ctx: HandlerContext, row: dict[str, Any]) -> None:
    em_id = row.get("entitymapid")
    em = ctx.storage.get(ctx.metadata.table("entitymap"), em_id, ["sourceentityname", "targetentityname"]) \
        if isinstance(em_id, uuid.UUID) else None
    if em is None:
        raise OrganizationServiceFault(ErrorCodes.REQUIRED_FIELD_MISSING,
                                       "An attributemap needs the entitymapid of an existing entity map.")
    src_t = ctx.metadata.get(str(em.get("sourceentityname")))
    tgt_t = ctx.metadata.get(str(em.get("targetentityname")))
    src, tgt = row.get("sourceattributename"), row.get("targetattributename")
    sa = src_t.attributes.get(str(src)) if src_t is not None else None
    ta = tgt_t.attributes.get(str(tgt)) if tgt_t is not None else None
    if sa is None or ta is None or ta.is_system or ta.is_computed or ta.is_primary_id:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ATTRIBUTE_MAPPING,
            f"The mapping {em.get('sourceentityname')}.{src} -> {em.get('targetentityname')}.{tgt} is invalid: "
            "both columns must exist and the target must be writable.",
        )
    same = sa.type is ta.type or (sa.type.is_text and ta.type.is_text) or (
        sa.type.is_lookup and ta.type.is_lookup and set(sa.targets) <= set(ta.targets))
    if not same or (sa.type.is_text and ta.max_length is not None and sa.max_length is not None
                    and sa.max_length > ta.max_length):
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ATTRIBUTE_MAPPING,
            f"The mapping lead.{src} -> {em.get('targetentityname')}.{tgt} is invalid: a {sa.type.value} column "
            f"cannot fill a {ta.type.value} column" + (" that is shorter" if same else "") + ".",
        )


def _system_map_guard(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID) -> None:
    if t.logical_name == "attributemap":
        row = ctx.storage.get(t, id_, ["issystem", "sourceattributename", "targetattributename"])
        if row is not None and row.get("issystem"):
            raise OrganizationServiceFault(
                ErrorCodes.SYSTEM_ATTRIBUTE_MAP,
                f"The attribute map {row.get('sourceattributename')} -> {row.get('targetattributename')} is a "
                "system (default) mapping and cannot be deleted or changed.",
            )
    elif t.logical_name == "entitymap":
        row = ctx.storage.get(t, id_, ["sourceentityname", "targetentityname"])
        if row is not None and row.get("sourceentityname") == "lead" and \
                row.get("targetentityname") in DEFAULT_MAPPINGS:
            raise OrganizationServiceFault(
                ErrorCodes.SYSTEM_ENTITY_MAP,
                f"The entity map lead -> {row.get('targetentityname')} is a system map and cannot be deleted.",
            )


@listens_for("before_update", tables=("attributemap", "entitymap"))
def _before_update(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, changes: dict[str, Any],
                   existing: Row | None) -> None:
    if t.logical_name == "attributemap" and ctx.message_name != "Seed":
        _system_map_guard(ctx, t, id_)
        changes.pop("issystem", None)
    elif t.logical_name == "entitymap":
        _system_map_guard(ctx, t, id_)


@listens_for("before_delete")
def _before_delete(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID) -> None:
    if t.logical_name in ("attributemap", "entitymap"):
        _system_map_guard(ctx, t, id_)


@listens_for(("after_create", "after_update", "after_delete"), tables=("attributemap", "entitymap"))
def _mapping_changed(ctx: HandlerContext, t: EntityMetadata, *_: Any) -> None:
    if t.logical_name in ("attributemap", "entitymap"):
        changed(ctx, _MAP_CACHE)


@listens_for("after_update", tables=("lead", "opportunity"), changing=("statecode",))
def _after_update(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, changes: dict[str, Any],
                  existing: Row | None) -> None:
    if t.logical_name in ("lead", "opportunity") and "statecode" in changes and existing is not None \
            and existing.get("statecode") != changes["statecode"]:
        _sync_instance_state(ctx, t.logical_name, id_, int(changes["statecode"]))


def _sync_instance_state(ctx: HandlerContext, table: str, id_: uuid.UUID, state: int) -> None:
    """Keep the process instance's state with its record: a disqualified lead aborts it, a won or lost
    opportunity finishes it, reopening the record makes it active again."""
    if table == "lead" and state not in (0, 2):
        return  # a qualified lead leaves its instance as it is (QualifyLead moves it on itself)
    it = ctx.metadata.table("leadtoopportunitysalesprocess")
    column = "leadid" if table == "lead" else "opportunityid"
    for iid in ctx.storage.ids_where(it, column, id_):
        if state == 0:
            values: dict[str, Any] = {"statecode": OptionSetValue(0), "statuscode": OptionSetValue(1),
                                      "completedon": None}
        elif table == "lead" and state == 2:
            values = {"statecode": OptionSetValue(1), "statuscode": OptionSetValue(3)}
        elif table == "opportunity":
            values = {"statecode": OptionSetValue(1), "statuscode": OptionSetValue(2), "completedon": ctx.now}
        else:
            continue
        row = ctx.storage.get(it, iid, ["statecode", "opportunityid"])
        if row is None:
            continue
        if table == "lead" and row.get("opportunityid") is not None and state != 0:
            continue  # once an opportunity carries the process, the lead no longer drives it
        if row.get("statecode") == values["statecode"].value and state != 0:
            continue
        ctx.execute(UpdateRequest(target=Entity("leadtoopportunitysalesprocess", iid, values)))
