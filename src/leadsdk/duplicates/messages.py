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

from leadsdk import entities
from leadsdk._display import records_html
from leadsdk.audit import messages as audit
from leadsdk.duplicates.fuzzy import (
    FuzzyMatch,
    FuzzyOptions,
    LeadProfile,
    ProfileBuilder,
    find_similar_pairs,
    match_profiles,
)
from leadsdk.duplicates.matchcode import Rule
from leadsdk.duplicates.merge import MERGEABLE, MERGED_STATE, NOT_REPARENTED, PARENT_COLUMNS, move_links, ref_id
from leadsdk.duplicates.store import (
    LEAD_COLUMNS,
    MAX_DUPLICATES,
    MAX_PUBLISHED_RULES,
    MC,
    NAMED_MATCHES,
    base_code,
    check_enabled,
    check_rule,
    clear_codes,
    compute_all_codes,
    duplicate_rows,
    index_codes,
    invalidate,
    is_active,
    load_rule,
    lookup_codes,
    probe_of,
    published_rules,
    readable,
    scan,
    stored_values,
)
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
from leadsdk.progress import paused_gc
from leadsdk.query.model import ConditionOperator, FilterExpression, LogicalOperator, PagingInfo, QueryExpression
from leadsdk.query.paging import pages
from leadsdk.records.read import entity_builder, page_entities
from leadsdk.records.settings import not_found
from leadsdk.records.write import create_record
from leadsdk.storage.base import Row
from leadsdk.types import ColumnSet, Entity, EntityCollection, EntityReference

__all__ = [
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


# requests and responses
@attrs.define(eq=False, repr=False, slots=False)
class PublishDuplicateRuleRequest(OrganizationRequest["PublishDuplicateRuleResponse"]):
    """Publish a rule: compute match codes for every existing matching record (synchronously here)."""

    request_name = "PublishDuplicateRule"
    duplicate_rule_id: uuid.UUID | str | None = target("duplicaterule")


@attrs.define(eq=False, repr=False, slots=False)
class PublishDuplicateRuleResponse(OrganizationResponse):
    job_id: uuid.UUID | None = None
    """Dataverse returns the publishing system job; here the job ran already (a fresh id)."""


@attrs.define(eq=False, repr=False, slots=False)
class UnpublishDuplicateRuleRequest(OrganizationRequest["UnpublishDuplicateRuleResponse"]):
    request_name = "UnpublishDuplicateRule"
    duplicate_rule_id: uuid.UUID | str | None = target("duplicaterule")


@attrs.define(eq=False, repr=False, slots=False)
class UnpublishDuplicateRuleResponse(OrganizationResponse):
    pass


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveDuplicatesRequest(OrganizationRequest["RetrieveDuplicatesResponse"]):
    """The records of `matching_entity_name` that published rules call duplicates of `business_entity`
    (which may be unsaved)."""

    request_name = "RetrieveDuplicates"
    read_only = True
    business_entity: Any = target()
    matching_entity_name: str | None = None
    paging_info: PagingInfo | None = None


@attrs.define(eq=False, repr=False, slots=False)
class RetrieveDuplicatesResponse(OrganizationResponse):
    duplicate_collection: EntityCollection = attrs.field(factory=EntityCollection)


@attrs.define(eq=False, repr=False, slots=False)
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


@attrs.define(eq=False, repr=False, slots=False)
class BulkDetectDuplicatesResponse(OrganizationResponse):
    job_id: uuid.UUID | None = None
    duplicate_count: int = 0
    """leadsdk extra: how many duplicaterecord rows the job wrote."""


@attrs.define(eq=False, repr=False, slots=False)
class MergeRequest(OrganizationRequest["MergeResponse"]):
    """Merge `subordinate_id` into `target` (lead, account, contact or incident)."""

    request_name = "Merge"
    requires = (Access("Write"), Access("Write", "subordinate_id", table_of="target"))
    target: EntityReference | None = target()
    subordinate_id: uuid.UUID | str | None = None
    update_content: Any = None
    perform_parenting_checks: bool = False


@attrs.define(eq=False, repr=False, slots=False)
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


@attrs.define(eq=False, repr=False, slots=False)
class FindSimilarLeadsRequest(OrganizationRequest["FindSimilarLeadsResponse"]):
    """Leads similar to `target` (a lead Entity, saved or not, or an EntityReference), best first."""

    request_name = "FindSimilarLeads"
    read_only = True
    target: Any = target("lead")
    top: int = 10
    include_inactive: bool = False
    options: FuzzyOptions = attrs.field(factory=FuzzyOptions)


@attrs.define(eq=False, repr=False, slots=False)
class FindSimilarLeadsResponse(OrganizationResponse):
    matches: list[SimilarLead] = attrs.field(factory=list)

    def _repr_html_(self) -> str:
        rows = [[m.lead.name or m.lead.id, f"{m.score:.0f}",
                 ", ".join(f"{k} {v:.0f}" for k, v in m.fields.items()), "; ".join(m.reasons)] for m in self.matches]
        return records_html(f"{len(self.matches)} similar lead(s)", ["lead", "score", "fields", "why"], rows)


@attrs.define(eq=False, repr=False, slots=False)
class BulkDetectSimilarLeadsRequest(OrganizationRequest["BulkDetectSimilarLeadsResponse"]):
    """Fuzzy duplicate detection over many leads (all open leads, or the query's); stores each similar
    pair as a `duplicaterecord` row (score and matched fields included) unless `persist` is False."""

    request_name = "BulkDetectSimilarLeads"
    primary_table = "lead"
    query: Any = None
    job_name: str | None = None
    persist: bool = True
    options: FuzzyOptions = attrs.field(factory=FuzzyOptions)


@attrs.define(eq=False, repr=False, slots=False)
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


@handler(PublishDuplicateRuleRequest)
def _publish(ctx: HandlerContext, req: PublishDuplicateRuleRequest) -> PublishDuplicateRuleResponse:
    rid = as_reference(req.duplicate_rule_id, "duplicate_rule_id", "PublishDuplicateRuleRequest",
                       "duplicaterule").id
    row, rule = load_rule(ctx, rid)
    check_rule(ctx, row, rule)
    published = [r for r in published_rules(ctx).by_base.get(rule.base_entity, ()) if r.id != rid]
    if len(published) >= MAX_PUBLISHED_RULES:
        raise OrganizationServiceFault(
            ErrorCodes.CANNOT_PUBLISH_MORE_RULES,
            f"The table '{rule.base_entity}' already has the maximum of {MAX_PUBLISHED_RULES} published duplicate "
            f"detection rules; unpublish one before publishing '{rule.name}'.")
    clear_codes(ctx, rid)
    ctx.allowing("PublishDuplicateRule").execute(
        UpdateRequest(target=Entity("duplicaterule", rid, statecode=1, statuscode=2)))
    invalidate(ctx)
    compute_all_codes(ctx, rule)
    # after the codes, in the same transaction: when no other rule has codes the index is built from the
    # sorted codes at once instead of taking a million random insertions
    index_codes(ctx)
    return PublishDuplicateRuleResponse(uuid.uuid4())


@handler(UnpublishDuplicateRuleRequest)
def _unpublish(ctx: HandlerContext, req: UnpublishDuplicateRuleRequest) -> UnpublishDuplicateRuleResponse:
    rid = as_reference(req.duplicate_rule_id, "duplicate_rule_id", "UnpublishDuplicateRuleRequest",
                       "duplicaterule").id
    t = ctx.metadata.table("duplicaterule")
    row = ctx.storage.get(t, rid, ["statuscode"])
    if row is None:
        raise not_found("duplicaterule", rid)
    ctx.storage.delete_where(ctx.metadata.table(MC), "duplicateruleid", rid)
    if row.get("statuscode") != 0:
        ctx.execute(UpdateRequest(target=Entity("duplicaterule", rid, statecode=0, statuscode=0)))
    invalidate(ctx)
    return UnpublishDuplicateRuleResponse()


@handler(RetrieveDuplicatesRequest)
def _retrieve_duplicates(ctx: HandlerContext, req: RetrieveDuplicatesRequest) -> RetrieveDuplicatesResponse:
    e = as_entity(req.business_entity, "RetrieveDuplicatesRequest", "business_entity")
    t = ctx.metadata.table(e.logical_name)
    matching = req.matching_entity_name or e.logical_name
    mt = ctx.metadata.table(matching)
    check_enabled(ctx, t)
    probe = probe_of(ctx, t, matching)
    values = stored_values(ctx, t, e, probe[0])
    res = duplicate_rows(ctx, t, values, e.id, mt, probe)  # one statement: codes and records together
    found = 0 if res is None else len(res.page.raw) if res.page is not None else len(res.rows)
    pi = req.paging_info
    count = pi.count if pi is not None and pi.count > 0 else MAX_DUPLICATES
    page = pi.page_number if pi is not None and pi.page_number > 0 else 1
    ents: list[Entity] = []
    if res is not None and found > (page - 1) * count:  # the page's Entities from the stored tuples
        build = entity_builder(ctx, mt.logical_name, res.columns, shape=("duplicates", mt.logical_name))
        ents = page_entities(build, res, slice((page - 1) * count, page * count))
    coll = EntityCollection(ents, mt.logical_name, more_records=page * count < found, total_record_count=found)
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
    check_enabled(ctx, t)
    rules = published_rules(ctx).by_base.get(t.logical_name, [])
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
                code = base_code(ctx, rule, t, r)
                if code is not None:
                    codes[code] = rule
                    owners.setdefault(code, []).append(r[pk])
        for code, hits in lookup_codes(ctx, codes).items():
            visible = {r.id for r in readable(ctx, [EntityReference(name, rid) for rid, name in hits])}
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
        if not is_active(t, row):
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
            tp = ref_id(content.attributes[c]) if c in content.attributes else rows[target.id].get(c)
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
        if child is None or child.logical_name in NOT_REPARENTED:
            continue
        a = child.attributes.get(rel.referencing_attribute)
        if a is None or a.is_system or a.is_primary_id:
            continue
        for cid in ctx.storage.ids_where(child, a.logical_name, sub_id):
            if cid in (target.id, sub_id):
                continue
            ctx.execute(UpdateRequest(target=Entity(child.logical_name, cid, {a.logical_name: new_parent})))
            moved[child.logical_name] = moved.get(child.logical_name, 0) + 1
    move_links(ctx, name, sub_id, target.id, moved)
    state, status = MERGED_STATE[name]
    ctx.execute(UpdateRequest(target=Entity(name, sub_id, {
        "merged": True, "masterid": new_parent, "statecode": state, "statuscode": status,
    })))
    # a Merge entry in both records' history, after their own changes
    for rid in (target.id, sub_id):
        audit.record(ctx, name, rid, entities.AuditAction.MERGE, entities.AuditOperation.UPDATE)
    return MergeResponse(moved)


# fuzzy lead matching
def _lead_values(ctx: HandlerContext, target: Any) -> tuple[uuid.UUID | None, dict[str, Any]]:
    if isinstance(target, EntityReference):
        if target.logical_name != "lead":
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"FindSimilarLeadsRequest.target must be a lead, not a {target.logical_name}.")
        row = ctx.storage.get(ctx.metadata.table("lead"), target.id, list(LEAD_COLUMNS))
        if row is None:
            raise not_found("lead", target.id)
        return target.id, row
    e = as_entity(target, "FindSimilarLeadsRequest")
    if e.logical_name != "lead":
        raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT,
                                       f"FindSimilarLeadsRequest.target must be a lead, not a {e.logical_name}.")
    return e.id, stored_values(ctx, ctx.metadata.table("lead"), e, set(LEAD_COLUMNS))


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
    q = QueryExpression("lead", column_set=ColumnSet(*LEAD_COLUMNS))
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
        rows: Iterator[Row] = scan(ctx, "lead", ["leadid", *LEAD_COLUMNS], criteria, scoped=True)
    else:
        # open leads, filtered here: a statecode condition would make the store walk the statecode index
        # and sort every row by id for each page
        rows = (r for r in scan(ctx, "lead", ["leadid", "statecode", *LEAD_COLUMNS], scoped=True)
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
    ids = list({i for m in matches[:NAMED_MATCHES] for i in (m.base_id, m.matching_id)})
    named = ctx.storage.get_many(ctx.metadata.table("lead"), ids, ["leadid", "fullname"]) if ids else []
    return BulkDetectSimilarLeadsResponse(job, matches, {r["leadid"]: str(r["fullname"]) for r in named
                                                         if r and r.get("fullname")})
