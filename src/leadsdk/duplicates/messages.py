"""Duplicate detection and merge: PublishDuplicateRule, UnpublishDuplicateRule, RetrieveDuplicates,
BulkDetectDuplicates, Merge, and fuzzy lead matching (FindSimilarLeads, BulkDetectSimilarLeads).

Detection on Create/Update runs from record-event listeners: the Create and Update handlers push their
`suppress_duplicate_detection` flag on the request context (`ctx.detect_duplicates`) (default True,
as for Dataverse SDK calls) and the hooks here read the innermost one. Match codes (see
`leadsdk.duplicates.matchcode`) live in the `duplicatematchcode` table, indexed on the code, one row
per published rule and matching record; they follow creates, updates and deletes in the same
transaction. Publishing is synchronous here (Dataverse runs it as a system job).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from leadsdk._display import records_html
from leadsdk.audit import messages as audit
from leadsdk.duplicates.fuzzy import (
    FuzzyMatch,
    FuzzyOptions,
    LeadProfile,
    ProfileBuilder,
    find_similar_pairs,
    match_profiles,
    paused_gc,
)
from leadsdk.duplicates.matchcode import DuplicateRuleOperator, Rule, RuleCondition, match_code
from leadsdk.entities.model import AttributeType, EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import (
    HandlerContext,
    OrganizationRequest,
    OrganizationResponse,
    as_reference,
    handler,
    request_progress,
)
from leadsdk.messages.crud import UpdateRequest, as_entity, query_context, to_query_expression
from leadsdk.messages.privileges import Access, target
from leadsdk.query.model import ConditionOperator, FilterExpression, LogicalOperator, PagingInfo, QueryExpression
from leadsdk.query.paging import pages
from leadsdk.records.coherence import changed
from leadsdk.records.events import column_form, listens_for, seeds_store
from leadsdk.records.read import retrieve_record
from leadsdk.records.settings import not_found, organization
from leadsdk.records.write import create_record
from leadsdk.storage.base import Row
from leadsdk.types import ColumnSet, Entity, EntityCollection, EntityReference

__all__ = [
    "MAX_PUBLISHED_RULES",
    "BulkDetectDuplicatesRequest",
    "BulkDetectDuplicatesResponse",
    "BulkDetectSimilarLeadsRequest",
    "BulkDetectSimilarLeadsResponse",
    "FindSimilarLeadsRequest",
    "FindSimilarLeadsResponse",
    "MergeRequest",
    "MergeResponse",
    "PublishDuplicateRuleRequest",
    "PublishDuplicateRuleResponse",
    "RetrieveDuplicatesRequest",
    "RetrieveDuplicatesResponse",
    "SimilarLead",
    "UnpublishDuplicateRuleRequest",
    "UnpublishDuplicateRuleResponse",
]

MAX_PUBLISHED_RULES = 5
"""Dataverse allows at most five published rules per base table."""

_NAMED_MATCHES = 1000
"""BulkDetectSimilarLeads names the leads of this many matches (the ones a notebook or shell shows)."""

MAX_DUPLICATES = 5000
"""Dataverse returns at most 5,000 duplicates."""

_STATE = "duplicates"
_MC = "duplicatematchcode"
_RULE_TABLES = frozenset({"duplicaterule", "duplicaterulecondition"})
_RULE_DEFINITION = frozenset({"baseentityname", "matchingentityname", "iscasesensitive", "excludeinactiverecords"})
_LEAD_COLUMNS = ("firstname", "lastname", "companyname", "emailaddress1", "telephone1", "mobilephone")

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
_NOT_REPARENTED = frozenset({"duplicaterecord", _MC})


# ------------------------------------------------------------------------------------------------
# requests and responses
@attrs.define
class PublishDuplicateRuleRequest(OrganizationRequest["PublishDuplicateRuleResponse"]):
    """Publish a rule: compute match codes for every existing matching record (synchronously here)."""

    request_name = "PublishDuplicateRule"
    duplicate_rule_id: uuid.UUID | str | None = target("duplicaterule")


@attrs.define
class PublishDuplicateRuleResponse(OrganizationResponse):
    job_id: uuid.UUID | None = None
    """Dataverse returns the publishing system job; here the job ran already (a fresh id)."""


@attrs.define
class UnpublishDuplicateRuleRequest(OrganizationRequest["UnpublishDuplicateRuleResponse"]):
    request_name = "UnpublishDuplicateRule"
    duplicate_rule_id: uuid.UUID | str | None = target("duplicaterule")


@attrs.define
class UnpublishDuplicateRuleResponse(OrganizationResponse):
    pass


@attrs.define
class RetrieveDuplicatesRequest(OrganizationRequest["RetrieveDuplicatesResponse"]):
    """The records of `matching_entity_name` that published rules call duplicates of `business_entity`
    (which may be unsaved)."""

    request_name = "RetrieveDuplicates"
    read_only = True
    business_entity: Any = target()
    matching_entity_name: str | None = None
    paging_info: PagingInfo | None = None


@attrs.define
class RetrieveDuplicatesResponse(OrganizationResponse):
    duplicate_collection: EntityCollection = attrs.field(factory=EntityCollection)


@attrs.define
class BulkDetectDuplicatesRequest(OrganizationRequest["BulkDetectDuplicatesResponse"]):
    """Find duplicates of every record the query returns and store them as `duplicaterecord` rows.

    Dataverse runs this as a system job; leadsdk runs it at once and returns the job id that the
    rows carry in `asyncoperationid`. Notification and recurrence fields are accepted and ignored.
    """

    request_name = "BulkDetectDuplicates"
    query: Any = target()
    job_name: str | None = None
    send_email_notification: bool = False
    template_id: uuid.UUID | None = None
    to_recipients: list[uuid.UUID] = attrs.field(factory=list)
    cc_recipients: list[uuid.UUID] = attrs.field(factory=list)
    recurrence_pattern: str | None = None
    recurrence_start_time: Any = None


@attrs.define
class BulkDetectDuplicatesResponse(OrganizationResponse):
    job_id: uuid.UUID | None = None
    duplicate_count: int = 0
    """leadsdk extra: how many duplicaterecord rows the job wrote."""


@attrs.define
class MergeRequest(OrganizationRequest["MergeResponse"]):
    """Merge `subordinate_id` into `target` (lead, account, contact or incident)."""

    request_name = "Merge"
    requires = (Access("Write"), Access("Write", "subordinate_id", table_of="target"))
    target: EntityReference | None = target()
    subordinate_id: uuid.UUID | str | None = None
    update_content: Any = None
    perform_parenting_checks: bool = False


@attrs.define
class MergeResponse(OrganizationResponse):
    reparented: dict[str, int] = attrs.field(factory=dict)
    """leadsdk extra: how many child records moved to the target, by table (N:N links by relationship)."""


@attrs.define(frozen=True)
class SimilarLead:
    """One similar lead: its reference, the overall score (0-100), field similarities and reasons."""

    lead: EntityReference
    score: float
    fields: Mapping[str, float]
    reasons: tuple[str, ...]


@attrs.define
class FindSimilarLeadsRequest(OrganizationRequest["FindSimilarLeadsResponse"]):
    """Leads similar to `target` (a lead Entity, saved or not, or an EntityReference), best first."""

    request_name = "FindSimilarLeads"
    read_only = True
    target: Any = target("lead")
    top: int = 10
    include_inactive: bool = False
    options: FuzzyOptions = attrs.field(factory=FuzzyOptions)


@attrs.define
class FindSimilarLeadsResponse(OrganizationResponse):
    matches: list[SimilarLead] = attrs.field(factory=list)

    def _repr_html_(self) -> str:
        rows = [[m.lead.name or m.lead.id, f"{m.score:.0f}",
                 ", ".join(f"{k} {v:.0f}" for k, v in m.fields.items()), "; ".join(m.reasons)] for m in self.matches]
        return records_html(f"{len(self.matches)} similar lead(s)", ["lead", "score", "fields", "why"], rows)


@attrs.define
class BulkDetectSimilarLeadsRequest(OrganizationRequest["BulkDetectSimilarLeadsResponse"]):
    """Fuzzy duplicate detection over many leads (all open leads, or the query's); stores each similar
    pair as a `duplicaterecord` row (score and matched fields included) unless `persist` is False."""

    request_name = "BulkDetectSimilarLeads"
    primary_table = "lead"
    query: Any = None
    job_name: str | None = None
    persist: bool = True
    options: FuzzyOptions = attrs.field(factory=FuzzyOptions)


@attrs.define
class BulkDetectSimilarLeadsResponse(OrganizationResponse):
    job_id: uuid.UUID | None = None
    matches: list[FuzzyMatch] = attrs.field(factory=list)
    names: dict[uuid.UUID, str] = attrs.field(factory=dict)
    """leadsdk extra: the full names of the leads of the first 1,000 matches, for display."""

    def name(self, lead_id: uuid.UUID) -> str:
        """The lead's full name when known, else its id."""
        return self.names.get(lead_id) or str(lead_id)

    def _repr_html_(self) -> str:
        rows = [[self.name(m.base_id), self.name(m.matching_id), f"{m.score:.0f}", "; ".join(m.reasons)]
                for m in self.matches]
        return records_html(f"{len(self.matches)} pair(s) of similar leads", ["lead", "similar lead", "score", "why"],
                            rows)




# ------------------------------------------------------------------------------------------------
# the engine state kept per store: published rules by table
@attrs.define
class _Rules:
    by_base: dict[str, list[Rule]]
    by_matching: dict[str, list[Rule]]


def _rules(ctx: HandlerContext) -> _Rules:
    return ctx.cache.get((_STATE,), lambda: _load_rules(ctx))


def _invalidate(ctx: HandlerContext) -> None:
    """Rules or conditions changed: every service on the store reloads them."""
    changed(ctx, _STATE)


def _rule_from_row(row: Row, conds: Sequence[Row]) -> Rule:
    return Rule(
        id=row["duplicateruleid"], name=str(row.get("name") or ""),
        base_entity=str(row.get("baseentityname") or ""), matching_entity=str(row.get("matchingentityname") or ""),
        conditions=tuple(
            RuleCondition(str(c.get("baseattributename") or ""), str(c.get("matchingattributename") or ""),
                          DuplicateRuleOperator(int(c.get("operatorcode") or 0)), c.get("operatorparam"),
                          bool(c.get("ignoreblankvalues")))
            for c in conds
        ),
        case_sensitive=bool(row.get("iscasesensitive")), exclude_inactive=bool(row.get("excludeinactiverecords")),
    )


def _conditions(ctx: HandlerContext, rule_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Row]]:
    out: dict[uuid.UUID, list[Row]] = {r: [] for r in rule_ids}
    if not rule_ids:
        return out
    q = QueryExpression("duplicaterulecondition", column_set=ColumnSet(
        "regardingobjectid", "baseattributename", "matchingattributename", "operatorcode", "operatorparam",
        "ignoreblankvalues", "createdon"))
    q.criteria.add_condition("regardingobjectid", ConditionOperator.IN, *rule_ids)
    q.add_order("createdon")
    for r in ctx.storage.select(q).rows:
        out.setdefault(r["regardingobjectid"], []).append(r)
    return out


_RULE_COLUMNS = ColumnSet("duplicateruleid", "name", "baseentityname", "matchingentityname", "iscasesensitive",
                          "excludeinactiverecords", "statecode", "statuscode", "createdon")


def _load_rules(ctx: HandlerContext) -> _Rules:
    q = QueryExpression("duplicaterule", column_set=_RULE_COLUMNS)
    q.criteria.add_condition("statuscode", ConditionOperator.EQUAL, 2)
    q.add_order("createdon")
    rows = ctx.storage.select(q).rows
    conds = _conditions(ctx, [r["duplicateruleid"] for r in rows])
    st = _Rules({}, {})
    for r in rows:
        rule = _rule_from_row(r, conds.get(r["duplicateruleid"], []))
        if not rule.conditions:
            continue
        st.by_base.setdefault(rule.base_entity, []).append(rule)
        st.by_matching.setdefault(rule.matching_entity, []).append(rule)
    return st


def _load_rule(ctx: HandlerContext, rule_id: uuid.UUID) -> tuple[Row, Rule]:
    t = ctx.metadata.table("duplicaterule")
    row = ctx.storage.get(t, rule_id, list(_RULE_COLUMNS.columns))
    if row is None:
        raise not_found("duplicaterule", rule_id)
    return row, _rule_from_row(row, _conditions(ctx, [rule_id])[rule_id])


# ------------------------------------------------------------------------------------------------
# match codes in the store
def _is_active(t: EntityMetadata, values: Mapping[str, Any]) -> bool:
    sm = t.state_model
    if sm is None:
        return True
    s = values.get("statecode")
    if s is None:
        return True
    return int(getattr(s, "value", s)) in sm.active_states


def _code_id(rule_id: uuid.UUID, record_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(rule_id, str(record_id))


def _store_code(ctx: HandlerContext, rule: Rule, t: EntityMetadata, id_: uuid.UUID,
                values: Mapping[str, Any]) -> None:
    mc = ctx.metadata.table(_MC)
    code = match_code(rule, values, "matching", t.attributes)
    pk = _code_id(rule.id, id_)
    if code is None:
        ctx.storage.delete(mc, pk)
        return
    row = {"matchcode": code, "isactive": _is_active(t, values)}
    if not ctx.storage.update(mc, pk, row):
        ctx.storage.insert(mc, {"duplicatematchcodeid": pk, "duplicateruleid": rule.id, "recordid": id_,
                                "entityname": t.logical_name, **row})


def _lookup(ctx: HandlerContext, codes: Mapping[str, Rule], exclude: uuid.UUID | None = None
            ) -> dict[str, list[tuple[uuid.UUID, str]]]:
    """code -> [(record id, table)] of the stored codes equal to each given code (inactive records
    left out where the code's rule excludes them)."""
    out: dict[str, list[tuple[uuid.UUID, str]]] = {}
    items = list(codes)
    for i in range(0, len(items), 500):
        chunk = items[i:i + 500]
        q = QueryExpression(_MC, column_set=ColumnSet("recordid", "entityname", "isactive", "matchcode"))
        if len(chunk) == 1:
            q.criteria.add_condition("matchcode", ConditionOperator.EQUAL, chunk[0])
        else:
            q.criteria.add_condition("matchcode", ConditionOperator.IN, *chunk)
        for r in ctx.storage.select(q).rows:
            code = r["matchcode"]
            rule = codes.get(code)
            if rule is None or r["recordid"] == exclude:
                continue
            if rule.exclude_inactive and not r["isactive"]:
                continue
            out.setdefault(code, []).append((r["recordid"], r["entityname"]))
    return out


def _duplicates_of(ctx: HandlerContext, t: EntityMetadata, values: Mapping[str, Any], id_: uuid.UUID | None,
                   matching: str | None = None) -> list[EntityReference]:
    """References of the records that published rules (base table `t`) call duplicates of `values`."""
    codes: dict[str, Rule] = {}
    for rule in _rules(ctx).by_base.get(t.logical_name, ()):
        if matching is not None and rule.matching_entity != matching:
            continue
        code = match_code(rule, values, "base", t.attributes)
        if code is not None:
            codes[code] = rule
    if not codes:
        return []
    seen: dict[EntityReference, None] = {}
    for hits in _lookup(ctx, codes, id_).values():
        for rid, name in hits:
            seen.setdefault(EntityReference(name, rid), None)
    return _readable(ctx, list(seen))


def _readable(ctx: HandlerContext, refs: list[EntityReference]) -> list[EntityReference]:
    """Only the records the caller may read: as in Dataverse, detection runs in the caller's security
    context, so records they cannot read are neither returned, nor named, nor counted."""
    sec = ctx.security
    if sec is None or not refs:
        return refs
    out: list[EntityReference] = sec.readable(ctx, refs)
    return out


# ------------------------------------------------------------------------------------------------
# hooks: detection before writes, match codes after them
def _detection_on(ctx: HandlerContext, t: EntityMetadata) -> bool:
    if not ctx.detect_duplicates:
        return False
    if not t.is_duplicate_detection_enabled or t.logical_name not in _rules(ctx).by_base:
        return False
    return bool(organization(ctx).get("isduplicatedetectionenabled", True))


def _fault_if_duplicates(ctx: HandlerContext, t: EntityMetadata, values: Mapping[str, Any],
                         id_: uuid.UUID | None) -> None:
    refs = _duplicates_of(ctx, t, values, id_)
    if refs:
        raise OrganizationServiceFault(
            ErrorCodes.DUPLICATE_RECORDS_FOUND,
            f"A record was not created or updated because a duplicate of the current record already exists: "
            f"this {t.logical_name} matches {len(refs)} existing record(s) under published duplicate detection "
            f"rules (first: {refs[0].logical_name} {refs[0].id}).",
            error_details={"DuplicateRecords": refs, "DuplicateRecordCount": len(refs)},
        )


@listens_for("before_create")
def _before_create(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any],
                   existing: Row | None) -> None:
    if t.logical_name in _RULE_TABLES:
        _invalidate(ctx)
        return
    if _detection_on(ctx, t):
        _fault_if_duplicates(ctx, t, row, id_)


@column_form(_before_create)
def _before_create_columns(ctx: HandlerContext, t: EntityMetadata, columns: dict[str, Sequence[Any]], n: int) -> bool:
    return t.logical_name not in _RULE_TABLES and not _detection_on(ctx, t)


def _full_values(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, changes: Mapping[str, Any],
                 columns: set[str]) -> dict[str, Any]:
    need = [c for c in columns if c not in changes and c in t.attributes]
    current = ctx.storage.get(t, id_, need) if need else {}
    return {**(current or {}), **changes}


@listens_for("before_update")
def _before_update(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, changes: dict[str, Any],
                   existing: Row | None) -> None:
    if t.logical_name in _RULE_TABLES or not _detection_on(ctx, t):
        return
    rules = _rules(ctx).by_base.get(t.logical_name, ())
    cols = {c for r in rules for c in r.columns("base")}
    if cols.isdisjoint(changes):
        return
    _fault_if_duplicates(ctx, t, _full_values(ctx, t, id_, changes, cols), id_)


@listens_for("after_create")
def _after_create(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any],
                  existing: Row | None) -> None:
    if t.logical_name in _RULE_TABLES:
        _invalidate(ctx)
        return
    for rule in _rules(ctx).by_matching.get(t.logical_name, ()):
        _store_code(ctx, rule, t, id_, row)


@column_form(_after_create)
def _after_create_columns(ctx: HandlerContext, t: EntityMetadata, columns: dict[str, Sequence[Any]], n: int) -> bool:
    return t.logical_name not in _RULE_TABLES and not _rules(ctx).by_matching.get(t.logical_name)


@listens_for("after_update")
def _after_update(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, changes: dict[str, Any],
                  existing: Row | None) -> None:
    name = t.logical_name
    if name in _RULE_TABLES:
        _invalidate(ctx)
        _definition_changed(ctx, t, id_, changes)
        return
    if name == "organization" and changes.get("isduplicatedetectionenabled") is False:
        for rules in list(_rules(ctx).by_base.values()):
            for rule in rules:
                ctx.execute(UnpublishDuplicateRuleRequest(duplicate_rule_id=rule.id))
        return
    for rule in _rules(ctx).by_matching.get(name, []):
        cols = set(rule.columns("matching"))
        if cols.isdisjoint(changes) and "statecode" not in changes:
            continue
        _store_code(ctx, rule, t, id_, _full_values(ctx, t, id_, changes, cols | {"statecode"}))


@listens_for("after_delete")
def _after_delete(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID) -> None:
    if t.logical_name == "duplicaterule":
        ctx.storage.delete_where(ctx.metadata.table(_MC), "duplicateruleid", id_)
        _invalidate(ctx)
    elif t.logical_name == "duplicaterulecondition":
        _invalidate(ctx)
    elif t.logical_name in _rules(ctx).by_matching:
        ctx.storage.delete_where(ctx.metadata.table(_MC), "recordid", id_)


@listens_for("before_delete")
def _before_delete(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID) -> None:
    if t.logical_name == "duplicaterulecondition":
        row = ctx.storage.get(t, id_, ["regardingobjectid"])
        if row is not None and row.get("regardingobjectid") is not None:
            _unpublish_if_published(ctx, row["regardingobjectid"])


def _definition_changed(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, changes: Mapping[str, Any]) -> None:
    """Editing a published rule or its conditions puts the rule back to Unpublished, as Dataverse does."""
    if t.logical_name == "duplicaterule":
        if not _RULE_DEFINITION.isdisjoint(changes):
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


# ------------------------------------------------------------------------------------------------
# publish / unpublish
_UNSUPPORTED_TYPES = frozenset({AttributeType.MEMO, AttributeType.FILE, AttributeType.IMAGE})
_TEXT_OPS = (DuplicateRuleOperator.SAME_FIRST_CHARACTERS, DuplicateRuleOperator.SAME_LAST_CHARACTERS)
_DATE_OPS = (DuplicateRuleOperator.SAME_DATE, DuplicateRuleOperator.SAME_DATE_AND_TIME)
_CHOICE_OPS = (DuplicateRuleOperator.EXACT_MATCH_PICK_LIST_LABEL, DuplicateRuleOperator.EXACT_MATCH_PICK_LIST_VALUE)
_CHOICE_TYPES = frozenset({AttributeType.PICKLIST, AttributeType.STATE, AttributeType.STATUS, AttributeType.BOOLEAN})


def _check_rule(ctx: HandlerContext, row: Row, rule: Rule) -> None:
    if not organization(ctx).get("isduplicatedetectionenabled", True):
        raise OrganizationServiceFault(
            ErrorCodes.DUPLICATE_CHECK_NOT_ENABLED,
            f"Duplicate detection is not enabled for this organization, so the rule '{rule.name}' cannot be "
            "published; set organization.isduplicatedetectionenabled first.")
    if row.get("statuscode") == 1:
        raise OrganizationServiceFault(
            ErrorCodes.CANNOT_PUBLISH_INACTIVE_RULE,
            f"The duplicate detection rule '{rule.name}' is marked as Inactive (status Publishing); "
            "unpublish it before publishing it again.")
    tables: list[EntityMetadata] = []
    for name in (rule.base_entity, rule.matching_entity):
        t = ctx.metadata.get(name)
        if t is None or not t.is_duplicate_detection_enabled:
            raise OrganizationServiceFault(
                ErrorCodes.DUPLICATE_CHECK_NOT_SUPPORTED_ON_ENTITY,
                f"Duplicate detection is not supported on the table '{name}' (rule '{rule.name}').")
        tables.append(t)
    if not rule.conditions:
        raise OrganizationServiceFault(
            ErrorCodes.CANNOT_PUBLISH_EMPTY_RULE,
            f"The duplicate detection rule '{rule.name}' has no conditions; add one, then publish it.")
    for c in rule.conditions:
        for t, col in ((tables[0], c.base_attribute), (tables[1], c.matching_attribute)):
            a = ctx.metadata.attribute(t, col)
            bad = a.type in _UNSUPPORTED_TYPES or (c.operator in _TEXT_OPS and not a.type.is_text) or (
                c.operator in _DATE_OPS and a.type not in (AttributeType.DATETIME, AttributeType.DATE)) or (
                c.operator in _CHOICE_OPS and a.type not in _CHOICE_TYPES)
            if bad:
                raise OrganizationServiceFault(
                    ErrorCodes.DUPLICATE_DETECTION_NOT_SUPPORTED_ON_ATTRIBUTE_TYPE,
                    f"The rule '{rule.name}' compares {t.logical_name}.{col} ({a.type.value}) with the operator "
                    f"{c.operator.name.replace('_', ' ').title()}, which that column type does not support.")
        if c.operator in _TEXT_OPS and (c.param is None or c.param < 1):
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_OPERATOR_CODE,
                f"The rule '{rule.name}' uses {c.operator.name.replace('_', ' ').title()} on "
                f"{c.base_attribute} without a character count (operatorparam must be 1 or more).")


@handler(PublishDuplicateRuleRequest)
def _publish(ctx: HandlerContext, req: PublishDuplicateRuleRequest) -> PublishDuplicateRuleResponse:
    rid = as_reference(req.duplicate_rule_id, "duplicate_rule_id", "PublishDuplicateRuleRequest",
                       "duplicaterule").id
    row, rule = _load_rule(ctx, rid)
    _check_rule(ctx, row, rule)
    published = [r for r in _rules(ctx).by_base.get(rule.base_entity, ()) if r.id != rid]
    if len(published) >= MAX_PUBLISHED_RULES:
        raise OrganizationServiceFault(
            ErrorCodes.CANNOT_PUBLISH_MORE_RULES,
            f"The table '{rule.base_entity}' already has the maximum of {MAX_PUBLISHED_RULES} published duplicate "
            f"detection rules; unpublish one before publishing '{rule.name}'.")
    mc = ctx.metadata.table(_MC)
    ctx.storage.create_index(mc, ["matchcode"])
    ctx.storage.create_index(mc, ["recordid"])
    ctx.storage.create_index(mc, ["duplicateruleid"])
    ctx.storage.delete_where(mc, "duplicateruleid", rid)
    ctx.allowing("PublishDuplicateRule").execute(
        UpdateRequest(target=Entity("duplicaterule", rid, statecode=1, statuscode=2)))
    _invalidate(ctx)
    _compute_all_codes(ctx, rule)
    return PublishDuplicateRuleResponse(uuid.uuid4())


def _compute_all_codes(ctx: HandlerContext, rule: Rule) -> None:
    """Match codes for every existing record of the rule's matching table, written in batches."""
    t = ctx.metadata.table(rule.matching_entity)
    mc = ctx.metadata.table(_MC)
    cols = list(dict.fromkeys([t.primary_id_attribute, *rule.columns("matching"),
                               *(["statecode"] if t.state_model else [])]))
    pk = t.primary_id_attribute
    batch: list[dict[str, Any]] = []
    for r in _scan(ctx, t.logical_name, cols):
        code = match_code(rule, r, "matching", t.attributes)
        if code is None:
            continue
        rid = r[pk]
        batch.append({"duplicatematchcodeid": _code_id(rule.id, rid), "duplicateruleid": rule.id, "recordid": rid,
                      "entityname": t.logical_name, "matchcode": code, "isactive": _is_active(t, r)})
        if len(batch) >= 5000:
            ctx.storage.insert_many(mc, batch)
            batch = []
    if batch:
        ctx.storage.insert_many(mc, batch)


def _scan(ctx: HandlerContext, table: str, columns: Sequence[str], criteria: FilterExpression | None = None,
          page: int = 5000, scoped: bool = False) -> Iterator[Row]:
    """Every row of a table (the named columns), a page at a time, through the storage interface;
    `scoped`: only the rows the caller may read."""
    q = QueryExpression(table, column_set=ColumnSet(*columns))
    if criteria is not None:
        q.criteria = criteria
    qc = query_context(ctx) if scoped else None
    for res in pages(lambda q_: ctx.storage.select(q_, qc), q, page):
        yield from res.rows


@handler(UnpublishDuplicateRuleRequest)
def _unpublish(ctx: HandlerContext, req: UnpublishDuplicateRuleRequest) -> UnpublishDuplicateRuleResponse:
    rid = as_reference(req.duplicate_rule_id, "duplicate_rule_id", "UnpublishDuplicateRuleRequest",
                       "duplicaterule").id
    t = ctx.metadata.table("duplicaterule")
    row = ctx.storage.get(t, rid, ["statuscode"])
    if row is None:
        raise not_found("duplicaterule", rid)
    ctx.storage.delete_where(ctx.metadata.table(_MC), "duplicateruleid", rid)
    if row.get("statuscode") != 0:
        ctx.execute(UpdateRequest(target=Entity("duplicaterule", rid, statecode=0, statuscode=0)))
    _invalidate(ctx)
    return UnpublishDuplicateRuleResponse()


# ------------------------------------------------------------------------------------------------
# RetrieveDuplicates and BulkDetectDuplicates
def _check_enabled(ctx: HandlerContext, t: EntityMetadata) -> None:
    if not organization(ctx).get("isduplicatedetectionenabled", True):
        raise OrganizationServiceFault(
            ErrorCodes.DUPLICATE_CHECK_NOT_ENABLED,
            "Duplicate detection is not enabled for this organization (organization.isduplicatedetectionenabled).")
    if not t.is_duplicate_detection_enabled:
        raise OrganizationServiceFault(
            ErrorCodes.DUPLICATE_CHECK_NOT_SUPPORTED_ON_ENTITY,
            f"Duplicate detection is not supported on the table '{t.logical_name}'.")


def _stored_values(ctx: HandlerContext, t: EntityMetadata, e: Entity, columns: set[str]) -> dict[str, Any]:
    """The entity's values, completed from its stored record for the rule columns it does not carry."""
    values = dict(e.attributes)
    if e.id is not None:
        need = [c for c in columns if c not in values and c in t.attributes]
        if need:
            row = ctx.storage.get(t, e.id, need)
            if row is not None:
                for c in need:
                    values[c] = row.get(c)
    return values


@handler(RetrieveDuplicatesRequest)
def _retrieve_duplicates(ctx: HandlerContext, req: RetrieveDuplicatesRequest) -> RetrieveDuplicatesResponse:
    e = as_entity(req.business_entity, "RetrieveDuplicatesRequest", "business_entity")
    t = ctx.metadata.table(e.logical_name)
    matching = req.matching_entity_name or e.logical_name
    mt = ctx.metadata.table(matching)
    _check_enabled(ctx, t)
    rules = [r for r in _rules(ctx).by_base.get(t.logical_name, ()) if r.matching_entity == matching]
    values = _stored_values(ctx, t, e, {c for r in rules for c in r.columns("base")})
    refs = _duplicates_of(ctx, t, values, e.id, matching)[:MAX_DUPLICATES]
    refs.sort(key=lambda r: str(r.id))
    pi = req.paging_info
    count = pi.count if pi is not None and pi.count > 0 else MAX_DUPLICATES
    page = pi.page_number if pi is not None and pi.page_number > 0 else 1
    chunk = refs[(page - 1) * count: page * count]
    ents = [retrieve_record(ctx, mt.logical_name, r.id, None) for r in chunk]
    coll = EntityCollection(ents, mt.logical_name, more_records=page * count < len(refs),
                            total_record_count=len(refs))
    return RetrieveDuplicatesResponse(coll)


def _write_pairs(ctx: HandlerContext, base: str, pairs: Sequence[tuple[uuid.UUID, EntityReference]],
                 job_id: uuid.UUID, rule_ids: Sequence[uuid.UUID | None] | None = None,
                 scores: Sequence[FuzzyMatch] | None = None) -> int:
    """Store duplicaterecord rows, the system job's output. The first goes through the records layer
    (validation, platform columns, hooks); the rest copy its platform columns and are written with one
    `insert_many` per 5,000, since a job can write tens of thousands and nothing observes each one
    (Dataverse's job writes them internally too, without Create plugins)."""
    t = ctx.metadata.table("duplicaterecord")
    template: Row | None = None
    batch: list[dict[str, Any]] = []
    for i, (bid, ref) in enumerate(pairs):
        attrs_: dict[str, Any] = {
            "baserecordid": EntityReference(base, bid), "duplicaterecordid": ref, "asyncoperationid": job_id,
        }
        rule_id = rule_ids[i] if rule_ids is not None else None
        if rule_id is not None:
            attrs_["duplicateruleid"] = EntityReference("duplicaterule", rule_id)
        if scores is not None:
            m = scores[i]
            attrs_["matchscore"] = round(m.score)
            attrs_["matchedfields"] = ", ".join(f"{k}={v:.0f}" for k, v in m.fields.items())[:500]
        if template is None:
            first = create_record(ctx, Entity("duplicaterecord", attributes=attrs_))
            got = ctx.storage.get(t, first)
            template = {k: v for k, v in (got or {}).items() if k in t.attributes or k.endswith("__type")}
            continue
        row = dict(template)
        row.update({"duplicateid": uuid.uuid4(), "baserecordid": bid, "baserecordid__type": base,
                    "duplicaterecordid": ref.id, "duplicaterecordid__type": ref.logical_name,
                    "duplicateruleid": rule_id, "matchscore": attrs_.get("matchscore"),
                    "matchedfields": attrs_.get("matchedfields"), "versionnumber": ctx.storage.next_version()})
        batch.append(row)
        if len(batch) >= 5000:
            ctx.storage.insert_many(t, batch)
            batch = []
    if batch:
        ctx.storage.insert_many(t, batch)
    return len(pairs)


@handler(BulkDetectDuplicatesRequest)
def _bulk_detect(ctx: HandlerContext, req: BulkDetectDuplicatesRequest) -> BulkDetectDuplicatesResponse:
    if req.query is None:
        raise OrganizationServiceFault(ErrorCodes.REQUIRED_FIELD_MISSING, "BulkDetectDuplicatesRequest needs 'query'.")
    qe = to_query_expression(req.query)
    t = ctx.metadata.table(qe.entity_name)
    _check_enabled(ctx, t)
    rules = _rules(ctx).by_base.get(t.logical_name, [])
    if not rules:
        raise OrganizationServiceFault(
            ErrorCodes.NO_PUBLISHED_DUPLICATE_DETECTION_RULES,
            f"There are no published duplicate detection rules for the table '{t.logical_name}'.")
    pk = t.primary_id_attribute
    cols = list(dict.fromkeys([pk, *(c for r in rules for c in r.columns("base"))]))
    job = uuid.uuid4()
    pairs: list[tuple[uuid.UUID, EntityReference]] = []
    rule_ids: list[uuid.UUID | None] = []
    q = attrs.evolve(qe, column_set=ColumnSet(*cols), top_count=None, orders=[])
    qc = query_context(ctx)
    tick, close = request_progress(req, None, "duplicate detection")
    for res in pages(lambda page: ctx.storage.select(page, qc), q):
        if len(pairs) >= MAX_DUPLICATES:
            break
        tick(len(res.rows))
        codes: dict[str, Rule] = {}
        owners: dict[str, list[uuid.UUID]] = {}
        for r in res.rows:
            for rule in rules:
                code = match_code(rule, r, "base", t.attributes)
                if code is not None:
                    codes[code] = rule
                    owners.setdefault(code, []).append(r[pk])
        for code, hits in _lookup(ctx, codes).items():
            visible = {r.id for r in _readable(ctx, [EntityReference(name, rid) for rid, name in hits])}
            for bid in owners[code]:
                for rid, name in hits:
                    if rid != bid and rid in visible:
                        pairs.append((bid, EntityReference(name, rid)))
                        rule_ids.append(codes[code].id)
    close()
    seen: set[tuple[uuid.UUID, EntityReference]] = set()
    keep: list[int] = []
    for i, p in enumerate(pairs[:MAX_DUPLICATES]):
        if p not in seen:
            seen.add(p)
            keep.append(i)
    n = _write_pairs(ctx, t.logical_name, [pairs[i] for i in keep], job, [rule_ids[i] for i in keep])
    return BulkDetectDuplicatesResponse(job, n)


# ------------------------------------------------------------------------------------------------
# merge
def _ref_id(v: Any) -> uuid.UUID | None:
    if isinstance(v, EntityReference):
        return v.id
    return v if isinstance(v, uuid.UUID) else None


@handler(MergeRequest)
def _merge(ctx: HandlerContext, req: MergeRequest) -> MergeResponse:
    target = as_reference(req.target, "target", "MergeRequest")
    name = target.logical_name
    t = ctx.metadata.table(name)
    if name not in MERGEABLE:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"Merge is supported for {', '.join(MERGEABLE)} records, not for the table '{name}'.")
    sub_id = as_reference(req.subordinate_id, "subordinate_id", "MergeRequest", name).id
    if sub_id == target.id:
        raise OrganizationServiceFault(
            ErrorCodes.MERGE_ENTITIES_IDENTICAL_ERROR,
            f"Merge cannot be performed on master and sub-entities that are identical ({name} {sub_id}).")
    parents = [c for c in PARENT_COLUMNS.get(name, ()) if c in t.attributes]
    cols = ["statecode", *parents]
    rows: dict[uuid.UUID, Row] = {}
    for rid in (target.id, sub_id):
        row = ctx.storage.get(t, rid, cols)
        if row is None:
            raise not_found(name, rid)
        if not _is_active(t, row):
            raise OrganizationServiceFault(
                ErrorCodes.MERGE_ENTITY_NOT_ACTIVE_ERROR,
                f"Merge cannot be performed on an entity that is inactive: the {name} {rid} is not active.")
        rows[rid] = row
    content = as_entity(req.update_content, "MergeRequest", "update_content") if req.update_content is not None \
        else Entity(name)
    if content.logical_name != name:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"MergeRequest.update_content must be a {name}, not a {content.logical_name}.")
    if req.perform_parenting_checks:
        for c in parents:
            tp = _ref_id(content.attributes[c]) if c in content.attributes else rows[target.id].get(c)
            sp = rows[sub_id].get(c)
            if tp is not None and sp is not None and tp != sp:
                raise OrganizationServiceFault(
                    ErrorCodes.MERGE_DIFFERENTLY_PARENTED_WARNING,
                    f"Merge warning: the {name} {sub_id} will be differently parented: its {c} is {sp}, the "
                    f"target's is {tp}. Merge without parenting checks to go ahead.")
    attrs_ = {k: v for k, v in content.attributes.items() if k != t.primary_id_attribute}
    if attrs_:
        ctx.execute(UpdateRequest(target=Entity(name, target.id, attrs_)))
    moved: dict[str, int] = {}
    new_parent = EntityReference(name, target.id)
    for rel in ctx.metadata.referencing(name):
        child = ctx.metadata.get(rel.referencing_entity)
        if child is None or child.logical_name in _NOT_REPARENTED:
            continue
        a = child.attributes.get(rel.referencing_attribute)
        if a is None or a.is_system or a.is_primary_id:
            continue
        for cid in ctx.storage.ids_where(child, a.logical_name, sub_id):
            if cid in (target.id, sub_id):
                continue
            ctx.execute(UpdateRequest(target=Entity(child.logical_name, cid, {a.logical_name: new_parent})))
            moved[child.logical_name] = moved.get(child.logical_name, 0) + 1
    _move_links(ctx, name, sub_id, target.id, moved)
    state, status = MERGED_STATE[name]
    ctx.execute(UpdateRequest(target=Entity(name, sub_id, {
        "merged": True, "masterid": new_parent, "statecode": state, "statuscode": status,
    })))
    # a Merge entry in both records' history, after their own changes
    for rid in (target.id, sub_id):
        audit.record(ctx, name, rid, audit.AuditAction.MERGE, audit.AuditOperation.UPDATE)
    return MergeResponse(moved)


def _linked(ctx: HandlerContext, intersect: EntityMetadata, mine: str, other: str, id_: uuid.UUID
            ) -> set[uuid.UUID]:
    q = QueryExpression(intersect.logical_name, column_set=ColumnSet(other))
    q.criteria.add_condition(mine, ConditionOperator.EQUAL, id_)
    return {r[other] for r in ctx.storage.select(q).rows if r.get(other) is not None}


def _move_links(ctx: HandlerContext, name: str, sub_id: uuid.UUID, master_id: uuid.UUID,
                moved: dict[str, int]) -> None:
    """The subordinate's N:N links (an account's or contact's leads ...) move to the master, through
    Disassociate and Associate so audit and plugins see them; links the master has already are kept
    once. Counted in `moved` under the relationship's schema name."""
    from leadsdk.messages.relationships import AssociateRequest, DisassociateRequest

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


# ------------------------------------------------------------------------------------------------
# fuzzy lead matching
def _lead_values(ctx: HandlerContext, target: Any) -> tuple[uuid.UUID | None, dict[str, Any]]:
    if isinstance(target, EntityReference):
        if target.logical_name != "lead":
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"FindSimilarLeadsRequest.target must be a lead, not a {target.logical_name}.")
        row = ctx.storage.get(ctx.metadata.table("lead"), target.id, list(_LEAD_COLUMNS))
        if row is None:
            raise not_found("lead", target.id)
        return target.id, row
    e = as_entity(target, "FindSimilarLeadsRequest")
    if e.logical_name != "lead":
        raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT,
                                       f"FindSimilarLeadsRequest.target must be a lead, not a {e.logical_name}.")
    return e.id, _stored_values(ctx, ctx.metadata.table("lead"), e, set(_LEAD_COLUMNS))


def _candidate_filter(p: LeadProfile, raw: Mapping[str, Any]) -> FilterExpression | None:
    """A pre-filter for one lead's candidates: same email, a phone ending alike, or a name start plus the
    company's first word or the email domain."""
    f = FilterExpression(LogicalOperator.OR)
    email = raw.get("emailaddress1")
    if isinstance(email, str) and email.strip():
        f.add_condition("emailaddress1", ConditionOperator.EQUAL, email.strip())
    for ph in p.phones:
        f.add_condition("telephone1", ConditionOperator.ENDS_WITH, ph[-4:])
        f.add_condition("mobilephone", ConditionOperator.ENDS_WITH, ph[-4:])
    starts = [s for s in (p.last[:2], p.first[:2]) if s]
    others: list[tuple[str, ConditionOperator, str]] = []
    if p.company:
        others.append(("companyname", ConditionOperator.LIKE, f"%{p.company.split()[0]}%"))
    if p.domain:
        others.append(("emailaddress1", ConditionOperator.ENDS_WITH, "@" + p.domain))
    for col, op, v in others:
        for s in starts:
            g = f.add_filter(LogicalOperator.AND)
            g.add_condition(col, op, v)
            g.add_filter(LogicalOperator.OR)
            g.filters[0].add_condition("lastname", ConditionOperator.BEGINS_WITH, s)
            g.filters[0].add_condition("firstname", ConditionOperator.BEGINS_WITH, s)
    return f if (f.conditions or f.filters) else None


@handler(FindSimilarLeadsRequest)
def _find_similar(ctx: HandlerContext, req: FindSimilarLeadsRequest) -> FindSimilarLeadsResponse:
    own_id, values = _lead_values(ctx, req.target)
    me = LeadProfile.from_values(own_id or uuid.UUID(int=0), values)
    f = _candidate_filter(me, values)
    if f is None:
        return FindSimilarLeadsResponse([])
    q = QueryExpression("lead", column_set=ColumnSet(*_LEAD_COLUMNS))
    q.criteria.add_filter(f)
    if not req.include_inactive:
        q.criteria.add_condition("statecode", ConditionOperator.EQUAL, 0)
    out: list[SimilarLead] = []
    for r in ctx.storage.select(q, query_context(ctx)).rows:
        if r["leadid"] == own_id:
            continue
        m = match_profiles(me, LeadProfile.from_values(r["leadid"], r), req.options)
        if m is not None:
            name = " ".join(str(r[k]) for k in ("firstname", "lastname") if r.get(k)) or None
            out.append(SimilarLead(EntityReference("lead", r["leadid"], name), m.score, m.fields, m.reasons))
    out.sort(key=lambda s: (-s.score, str(s.lead.id)))
    return FindSimilarLeadsResponse(out[: max(0, req.top)])


@handler(BulkDetectSimilarLeadsRequest)
def _bulk_similar(ctx: HandlerContext, req: BulkDetectSimilarLeadsRequest) -> BulkDetectSimilarLeadsResponse:
    if req.query is not None:
        qe = to_query_expression(req.query)
        if qe.entity_name != "lead":
            raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT,
                                           f"BulkDetectSimilarLeadsRequest takes a lead query, not {qe.entity_name}.")
        criteria = qe.criteria
        rows: Iterator[Row] = _scan(ctx, "lead", ["leadid", *_LEAD_COLUMNS], criteria, scoped=True)
    else:
        # open leads, filtered here: a statecode condition would make the store walk the statecode index
        # and sort every row by id for each page
        rows = (r for r in _scan(ctx, "lead", ["leadid", "statecode", *_LEAD_COLUMNS], scoped=True)
                if r["statecode"] == 0)
    tick, close = request_progress(req, None, "similar leads")
    build = ProfileBuilder()  # names and companies repeat: each is normalised once
    profiles = []
    with paused_gc():  # a million profiles and rows, no cycles: the collector would rescan them all often
        for r in rows:
            profiles.append(build(r["leadid"], r))
            if len(profiles) % 1000 == 0:
                tick(1000)
        tick(len(profiles) % 1000)
        close()
        matches = find_similar_pairs(profiles, req.options)
    job = uuid.uuid4()
    if req.persist and matches:
        _write_pairs(ctx, "lead", [(m.base_id, EntityReference("lead", m.matching_id)) for m in matches], job,
                     scores=matches)
    ids = list({i for m in matches[:_NAMED_MATCHES] for i in (m.base_id, m.matching_id)})
    named = ctx.storage.get_many(ctx.metadata.table("lead"), ids, ["leadid", "fullname"]) if ids else []
    return BulkDetectSimilarLeadsResponse(job, matches, {r["leadid"]: str(r["fullname"]) for r in named
                                                         if r and r.get("fullname")})


# ------------------------------------------------------------------------------------------------
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


