"""Duplicate rules and match codes in the store (duplicates feature): published rules by table (cached,
transaction-aware), a rule's match codes kept per record, looking duplicates up by code within the caller's
read scope, and checking a rule before it is published. Used by the duplicate rules and handlers."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import compress
from typing import Any

import attrs

from leadsdk.duplicates.codeids import code_id, code_ids
from leadsdk.duplicates.matchcode import (
    DuplicateRuleOperator,
    Rule,
    RuleCondition,
    match_coder,
    match_column_coder,
)
from leadsdk.entities.model import AttributeType, EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import (
    HandlerContext,
)
from leadsdk.messages.crud import query_context
from leadsdk.query.model import ConditionOperator, FilterExpression, LogicalOperator, QueryExpression
from leadsdk.query.paging import pages
from leadsdk.records.coherence import changed
from leadsdk.records.settings import not_found, organization
from leadsdk.storage.base import QueryResult, RawPage, Row, Same
from leadsdk.types import ColumnSet, Entity, EntityReference

__all__ = ["MAX_DUPLICATES", "MAX_PUBLISHED_RULES"]


MAX_PUBLISHED_RULES = 5
"""Dataverse allows at most five published rules per base table."""


NAMED_MATCHES = 1000
"""BulkDetectSimilarLeads names the leads of this many matches (the ones a notebook or shell shows)."""


MAX_DUPLICATES = 5000
"""Dataverse returns at most 5,000 duplicates."""


_STATE = "duplicates"


MC = "duplicatematchcode"


RULE_TABLES = frozenset({"duplicaterule", "duplicaterulecondition"})


RULE_DEFINITION = frozenset({"baseentityname", "matchingentityname", "iscasesensitive", "excludeinactiverecords"})


LEAD_COLUMNS = ("firstname", "lastname", "companyname", "emailaddress1", "telephone1", "mobilephone")


Coder = Callable[[Mapping[str, Any]], str | None]
Probe = tuple[frozenset[str], tuple[tuple[Rule, Coder], ...], dict[Any, tuple[tuple[Any, ...], list[Any]]]]
"""Rules as probes use them: base columns read, coders, `duplicate_rows`' (shape, slots) by (inactive flags, id?)."""


# the engine state kept per store: published rules by table
@attrs.define
class _Rules:
    by_base: dict[str, list[Rule]]
    by_matching: dict[str, list[Rule]]
    coders: dict[tuple[uuid.UUID, str, str, int], Coder] = attrs.field(factory=dict)
    """The `match_coder` of each (rule, side, table, metadata version), made when first used."""
    probes: dict[tuple[str, str, int], Probe] = attrs.field(factory=dict)
    """The `Probe` of each (base table, matching table, metadata version), made when first used."""


def _coder(ctx: HandlerContext, rules: _Rules, rule: Rule, side: str, t: EntityMetadata) -> Coder:
    key = (rule.id, side, t.logical_name, ctx.metadata.version)
    code = rules.coders.get(key)
    if code is None:
        code = rules.coders[key] = match_coder(rule, side, t.attributes)
    return code


def rule_code(ctx: HandlerContext, rule: Rule, side: str, t: EntityMetadata, values: Mapping[str, Any]
              ) -> str | None:
    """`match_code(rule, values, side, t.attributes)` by the rule's coder, made once per store and metadata
    version (every detection probe, RetrieveDuplicates and every write's code: no per-call formatting of
    the rule id or look at its conditions)."""
    return _coder(ctx, published_rules(ctx), rule, side, t)(values)


def probe_of(ctx: HandlerContext, t: EntityMetadata, matching: str) -> Probe:
    """The `Probe` of `t` and `matching`, made once per store and metadata version (dropped with the rules)."""
    rules = published_rules(ctx)
    key = (t.logical_name, matching, ctx.metadata.version)
    p = rules.probes.get(key)
    if p is None:
        mine = [r for r in rules.by_base.get(t.logical_name, ()) if r.matching_entity == matching]
        p = rules.probes[key] = (frozenset(c for r in mine for c in r.columns("base")),
                                 tuple((r, _coder(ctx, rules, r, "base", t)) for r in mine), {})
    return p


def base_code(ctx: HandlerContext, rule: Rule, t: EntityMetadata, values: Mapping[str, Any]) -> str | None:
    """The base-side code of a record of `t` (the probe side), `rule_code`."""
    return rule_code(ctx, rule, "base", t, values)


def published_rules(ctx: HandlerContext) -> _Rules:
    return ctx.cache.get((_STATE,), lambda: _load_rules(ctx))


def invalidate(ctx: HandlerContext) -> None:
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


def load_rule(ctx: HandlerContext, rule_id: uuid.UUID) -> tuple[Row, Rule]:
    t = ctx.metadata.table("duplicaterule")
    row = ctx.storage.get(t, rule_id, list(_RULE_COLUMNS.columns))
    if row is None:
        raise not_found("duplicaterule", rule_id)
    return row, _rule_from_row(row, _conditions(ctx, [rule_id])[rule_id])


# match codes in the store
def is_active(t: EntityMetadata, values: Mapping[str, Any]) -> bool:
    sm = t.state_model
    if sm is None:
        return True
    s = values.get("statecode")
    if s is None:
        return True
    return int(getattr(s, "value", s)) in sm.active_states


def _insert_codes(ctx: HandlerContext, rule: Rule, t: EntityMetadata, ids: list[uuid.UUID], codes: list[str],
                  active: list[bool]) -> None:
    """Match code rows for records of `t`, given column by column: one insert."""
    if not ids:
        return
    n = len(ids)
    ctx.storage.insert_columns(ctx.metadata.table(MC), {
        "duplicatematchcodeid": code_ids(rule.id, ids), "duplicateruleid": Same.of(rule.id, n), "recordid": ids,
        "entityname": Same.of(t.logical_name, n), "matchcode": codes, "isactive": active})


_UNUSED_INDEXES = ("ix_duplicatematchcode_duplicateruleid", "ix_duplicatematchcode_recordid")
"""Indexes of the rule and record columns that stores made before codes were found by id: each made
every code insert write one more b-tree (about 1 s of a 1,000,000-lead publish each)."""


def drop_unused_indexes(ctx: HandlerContext) -> None:
    """Drop the indexes a store made before codes were found by id (nothing when they are gone)."""
    for name in _UNUSED_INDEXES:
        ctx.storage.drop_index(name)


_CODE_INDEX = "ix_duplicatematchcode_matchcode"


def clear_codes(ctx: HandlerContext, rule_id: uuid.UUID | None) -> int:
    """Before a publish writes a rule's codes: its old codes deleted (None: every rule's), the indexes of
    older stores dropped and, when no other rule has codes, the code index too, so that the publish builds
    it from the codes at once (`index_codes`) instead of inserting each code at a random place of it (an
    unpublished rule published again over 1,000,000 records: ~2.4 s more CPU with the index kept). The
    number of codes deleted."""
    mc = ctx.metadata.table(MC)
    drop_unused_indexes(ctx)
    deleted = ctx.storage.clear(mc) if rule_id is None else ctx.storage.delete_where(mc, "duplicateruleid", rule_id)
    q = QueryExpression(MC, column_set=ColumnSet(mc.primary_id_attribute), top_count=1)
    if rule_id is None or not ctx.storage.select(q).rows:
        ctx.storage.drop_index(_CODE_INDEX)
    return deleted


def index_codes(ctx: HandlerContext) -> None:
    """The code index (lookups by code), made after a publish's codes when it is missing: SQL builds it from
    the sorted codes."""
    ctx.storage.create_index(ctx.metadata.table(MC), ["matchcode"], name=_CODE_INDEX)


def delete_codes(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID) -> None:
    """Delete a deleted record's codes (one per rule published on its table, found by id)."""
    rules = published_rules(ctx).by_matching.get(t.logical_name, ())
    if rules:
        ctx.storage.delete_many(ctx.metadata.table(MC), [code_id(r.id, id_) for r in rules])


_INT_OR_NONE = frozenset({int, type(None)})


def _activity(t: EntityMetadata) -> Callable[[Sequence[Any] | None, int], list[bool]]:
    """`is_active` for a column of `n` state values (None: no state given, so all active), the table's
    state model looked at once."""
    sm = t.state_model
    if sm is None:
        return lambda states, n: [True] * n
    active = sm.active_states

    def of(states: Sequence[Any] | None, n: int) -> list[bool]:
        if states is None:
            return [True] * n
        if set(map(type, states)) <= _INT_OR_NONE:
            return [s is None or s in active for s in states]
        return [s is None or int(getattr(s, "value", s)) in active for s in states]
    return of


_Codes = tuple[list[uuid.UUID], list[str], list[bool]]
"""The ids, codes and activity of the records that have a code, column by column."""


def _column_codes(rule: Rule, t: EntityMetadata
                  ) -> Callable[[Sequence[uuid.UUID], Mapping[str, Sequence[Any]]], _Codes]:
    """(ids, columns) of records of `t` -> the rule's codes of those that have one, column by column: the
    rule's conditions and the table's state model looked at once (`match_column_coder`)."""
    code_of = match_column_coder(rule, "matching", t.attributes)
    active_of = _activity(t)

    def codes(ids: Sequence[uuid.UUID], columns: Mapping[str, Sequence[Any]]) -> _Codes:
        n = len(ids)
        keep, codes = code_of(columns, n)
        active = active_of(columns.get("statecode"), n)
        if keep is None:
            return list(ids), codes, active
        return list(compress(ids, keep)), codes, list(compress(active, keep))
    return codes


def store_code(ctx: HandlerContext, rule: Rule, t: EntityMetadata, id_: uuid.UUID,
                values: Mapping[str, Any]) -> None:
    mc = ctx.metadata.table(MC)
    code = rule_code(ctx, rule, "matching", t, values)
    pk = code_id(rule.id, id_)
    if code is None:
        ctx.storage.delete(mc, pk)
        return
    row = {"matchcode": code, "isactive": is_active(t, values)}
    if not ctx.storage.update(mc, pk, row):
        ctx.storage.insert(mc, {"duplicatematchcodeid": pk, "duplicateruleid": rule.id, "recordid": id_,
                                "entityname": t.logical_name, **row})


def store_new_codes(ctx: HandlerContext, rule: Rule, t: EntityMetadata, columns: Mapping[str, Sequence[Any]],
                    n: int) -> None:
    """`store_code` for `n` new records given column by column (a bulk create): one insert for all."""
    if not any(c in columns for c in rule.columns("matching")):
        return  # none of the rule's columns set: no record has a code
    _insert_codes(ctx, rule, t, *_column_codes(rule, t)(columns[t.primary_id_attribute], columns))


def lookup_codes(ctx: HandlerContext, codes: Mapping[str, Rule], exclude: uuid.UUID | None = None
            ) -> dict[str, list[tuple[uuid.UUID, str]]]:
    """code -> [(record id, table)] of the stored codes equal to each given code (inactive records
    left out where the code's rule excludes them)."""
    out: dict[str, list[tuple[uuid.UUID, str]]] = {}
    items = list(codes)
    for i in range(0, len(items), 500):
        chunk = items[i:i + 500]
        q = QueryExpression(MC, column_set=ColumnSet("recordid", "entityname", "isactive", "matchcode"))
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


def duplicates_of(ctx: HandlerContext, t: EntityMetadata, values: Mapping[str, Any], id_: uuid.UUID | None,
                   matching: str | None = None) -> list[EntityReference]:
    """References of the records that published rules (base table `t`) call duplicates of `values`."""
    codes: dict[str, Rule] = {}
    for rule in published_rules(ctx).by_base.get(t.logical_name, ()):
        if matching is not None and rule.matching_entity != matching:
            continue
        code = base_code(ctx, rule, t, values)
        if code is not None:
            codes[code] = rule
    if not codes:
        return []
    seen: dict[EntityReference, None] = {}
    for hits in lookup_codes(ctx, codes, id_).values():
        for rid, name in hits:
            seen.setdefault(EntityReference(name, rid), None)
    return readable(ctx, list(seen))


class _Unscoped(Mapping[str, Any]):
    """The caller's read scopes, except for the match-code table (internal, read on the caller's behalf)."""

    def __init__(self, scopes: Mapping[str, Any]) -> None:
        self.scopes = scopes

    def get(self, key: str, default: Any = None) -> Any:
        return None if key == MC else self.scopes.get(key, default)

    def __getitem__(self, key: str) -> Any:
        if key == MC:
            raise KeyError(key)
        return self.scopes[key]

    def __iter__(self) -> Iterator[str]:
        return (k for k in self.scopes if k != MC)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def duplicate_rows(ctx: HandlerContext, t: EntityMetadata, values: Mapping[str, Any], id_: uuid.UUID | None,
                   matching: EntityMetadata, probe: Probe) -> QueryResult | None:
    """The stored rows (all columns, lookup names, row versions; by id, at most MAX_DUPLICATES) of the `matching`
    records that published rules (`probe`: `probe_of(ctx, t, matching)`) call duplicates of `values`, within the
    caller's read scope: one statement joining the records to their match codes, compiled once per shape (None:
    no rule applies, or the caller cannot read the table). A page the backend hands holds the tuples in id order."""
    codes: dict[str, Rule] = {}
    for rule, coder in probe[1]:
        code = coder(values)
        if code is not None:
            codes[code] = rule
    if not codes:
        return None
    inactive = tuple(r.exclude_inactive for r in codes.values())
    pk = matching.primary_id_attribute

    def make(slot: Sequence[Any]) -> QueryExpression:
        q = QueryExpression(matching.logical_name, column_set=ColumnSet(all_columns=True),
                            top_count=MAX_DUPLICATES)
        q.distinct = len(inactive) > 1  # a record two rules match comes back once
        link = q.add_link(MC, pk, "recordid")
        link.entity_alias = "mc"
        link.link_criteria.add_condition("entityname", ConditionOperator.EQUAL, matching.logical_name)
        any_code = link.link_criteria.add_filter(LogicalOperator.OR)
        for i, exclude_inactive in enumerate(inactive):
            one = any_code.add_filter(LogicalOperator.AND)
            one.add_condition("matchcode", ConditionOperator.EQUAL, slot[i])
            if exclude_inactive:
                one.add_condition("isactive", ConditionOperator.EQUAL, True)
        if len(slot) > len(inactive):
            q.criteria.add_condition(pk, ConditionOperator.NOT_EQUAL, slot[-1])
        q.add_order(pk)
        return q

    kept = probe[2].get((inactive, id_ is not None))  # (stored at once: another thread making it too is harmless)
    if kept is None:
        kept = probe[2][(inactive, id_ is not None)] = (("duplicates", t.logical_name, matching.logical_name, inactive,
            id_ is not None), [f"\x00code{i}" for i in range(len(codes))] + ([_SLOT_ID] if id_ is not None else []))
    qc = query_context(ctx)
    qc.row_version = True
    scope: Any = None
    try:
        if qc.scope_for is not None:
            qc.scope_for = _Unscoped(qc.scope_for)
            s = qc.scope_for.get(matching.logical_name)
            scope = None if s is None else (s.owner_ids, s.business_unit_ids, s.principal_ids, s.unrestricted_tables)
        args: list[Any] = [*codes] if id_ is None else [*codes, id_]
        shape, slots = (*kept[0], scope), kept[1]
        # unordered first: the store then need not sort whole rows (a temporary B-tree of ~130 columns
        # on SQLite, a sixth of the statement), and the few duplicates a probe finds are sorted by id
        # here (UUID order is the stored ids' order on both backends); only a probe that hits the cap
        # runs the ordered statement, which picks the first MAX_DUPLICATES by id
        res = ctx.storage.select_shaped(shape, make, slots, args, qc, unordered=True)
        page = res.page
        if (len(page.raw) if page is not None else len(res.rows)) >= MAX_DUPLICATES:
            res = ctx.storage.select_shaped(shape, make, slots, args, qc)
        elif page is not None:
            if len(page.raw) > 1:
                res.page = attrs.evolve(page, raw=sorted(page.raw, key=_id_order(page, pk)))
        else:
            res.rows.sort(key=lambda r: r[pk].int)
    except OrganizationServiceFault as f:
        if f.error_code == ErrorCodes.PRIVILEGE_DENIED:
            return None  # a table the caller cannot read: its records are neither returned nor counted
        raise
    return res


def _id_order(page: RawPage, pk: str) -> Callable[[Sequence[Any]], int]:
    """Sort key of a page's stored tuples by their primary id (the order of the UUIDs)."""
    i = page.keys.index(pk)
    decode = page.decoders[i]
    if decode is None:
        return lambda r: int(r[i].int)
    return lambda r: int(decode(r[i]).int)


_SLOT_ID = uuid.UUID(int=(1 << 127) | 0x5107)
"""Stands for the probed record's id in the statement compiled once per shape."""


def readable(ctx: HandlerContext, refs: list[EntityReference]) -> list[EntityReference]:
    """Only the records the caller may read: as in Dataverse, detection runs in the caller's security
    context, so records they cannot read are neither returned, nor named, nor counted."""
    sec = ctx.security
    if sec is None or not refs:
        return refs
    out: list[EntityReference] = sec.readable(ctx, refs)
    return out


# hooks: detection before writes, match codes after them
def detection_on(ctx: HandlerContext, t: EntityMetadata) -> bool:
    if not ctx.detect_duplicates:
        return False
    if not t.is_duplicate_detection_enabled or t.logical_name not in published_rules(ctx).by_base:
        return False
    return bool(organization(ctx).get("isduplicatedetectionenabled", True))


def fault_if_duplicates(ctx: HandlerContext, t: EntityMetadata, values: Mapping[str, Any],
                         id_: uuid.UUID | None) -> None:
    refs = duplicates_of(ctx, t, values, id_)
    if refs:
        raise OrganizationServiceFault(
            ErrorCodes.DUPLICATE_RECORDS_FOUND,
            f"A record was not created or updated because a duplicate of the current record already exists: "
            f"this {t.logical_name} matches {len(refs)} existing record(s) under published duplicate detection "
            f"rules (first: {refs[0].logical_name} {refs[0].id}).",
            error_details={"DuplicateRecords": refs, "DuplicateRecordCount": len(refs)},
        )


def full_values(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, changes: Mapping[str, Any],
                 columns: set[str]) -> dict[str, Any]:
    need = [c for c in columns if c not in changes and c in t.attributes]
    current = ctx.storage.get(t, id_, need) if need else {}
    return {**(current or {}), **changes}


# publish / unpublish
_UNSUPPORTED_TYPES = frozenset({AttributeType.MEMO, AttributeType.FILE, AttributeType.IMAGE})


_TEXT_OPS = (DuplicateRuleOperator.SAME_FIRST_CHARACTERS, DuplicateRuleOperator.SAME_LAST_CHARACTERS)


_DATE_OPS = (DuplicateRuleOperator.SAME_DATE, DuplicateRuleOperator.SAME_DATE_AND_TIME)


_CHOICE_OPS = (DuplicateRuleOperator.EXACT_MATCH_PICK_LIST_LABEL, DuplicateRuleOperator.EXACT_MATCH_PICK_LIST_VALUE)


_CHOICE_TYPES = frozenset({AttributeType.PICKLIST, AttributeType.STATE, AttributeType.STATUS, AttributeType.BOOLEAN})


def check_rule(ctx: HandlerContext, row: Row, rule: Rule) -> None:
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


def compute_all_codes(ctx: HandlerContext, rule: Rule) -> None:
    """Match codes for every existing record of the rule's matching table, a page at a time (in id order,
    so the codes' ids, which sort with their records', append to the key index), column by column."""
    t = ctx.metadata.table(rule.matching_entity)
    pk = t.primary_id_attribute
    others = [c for c in dict.fromkeys([*rule.columns("matching"), *(["statecode"] if t.state_model else [])])
              if c != pk]
    codes_of = _column_codes(rule, t)
    q = QueryExpression(t.logical_name, column_set=ColumnSet(pk, *others))
    for res in pages(lambda q_: ctx.storage.select(q_), q, 5000):
        page = res.page
        if page is not None:  # the page column by column: its ids decoded at once
            ids, columns = page.values(pk), {c: page.values(c) for c in others}
        else:
            rows = res.rows
            ids, columns = [r[pk] for r in rows], {c: [r.get(c) for r in rows] for c in others}
        _insert_codes(ctx, rule, t, *codes_of(ids, columns))


def scan(ctx: HandlerContext, table: str, columns: Sequence[str], criteria: FilterExpression | None = None,
          page: int = 5000, scoped: bool = False) -> Iterator[Row]:
    """Every row of a table (the named columns), a page at a time, through the storage interface;
    `scoped`: only the rows the caller may read."""
    q = QueryExpression(table, column_set=ColumnSet(*columns))
    if criteria is not None:
        q.criteria = criteria
    qc = query_context(ctx) if scoped else None
    for res in pages(lambda q_: ctx.storage.select(q_, qc), q, page):
        yield from res.rows


# RetrieveDuplicates and BulkDetectDuplicates
def check_enabled(ctx: HandlerContext, t: EntityMetadata) -> None:
    if not organization(ctx).get("isduplicatedetectionenabled", True):
        raise OrganizationServiceFault(
            ErrorCodes.DUPLICATE_CHECK_NOT_ENABLED,
            "Duplicate detection is not enabled for this organization (organization.isduplicatedetectionenabled).")
    if not t.is_duplicate_detection_enabled:
        raise OrganizationServiceFault(
            ErrorCodes.DUPLICATE_CHECK_NOT_SUPPORTED_ON_ENTITY,
            f"Duplicate detection is not supported on the table '{t.logical_name}'.")


def stored_values(ctx: HandlerContext, t: EntityMetadata, e: Entity, columns: Iterable[str]) -> dict[str, Any]:
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
