"""Scoring models as data (scoring feature): parsing a `scoringmodel` row, the published models of a
table (parsed once per model version in the store cache), grades, and scoring the records of a model page
by page with two batched writes per page. Called by the scoring rules and handlers."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from functools import partial
from itertools import repeat
from operator import is_
from typing import Any, TypeVar

import attrs

from leadsdk.entities.model import AttributeMetadata, AttributeType, EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import (
    HandlerContext,
    OrganizationRequest,
    as_reference,
    request_progress,
    require,
)
from leadsdk.messages.crud import UpdateRequest
from leadsdk.query.model import (
    ConditionOperator,
    FilterExpression,
    JoinOperator,
    LogicalOperator,
    QueryExpression,
)
from leadsdk.query.paging import pages
from leadsdk.records.ids import new_id_texts, new_ids
from leadsdk.records.settings import not_found
from leadsdk.scoring.engine import ENGINES, TrainedModel
from leadsdk.scoring.features import (
    usable,
)
from leadsdk.storage.base import RawPage, Row, Same, uuid_texts
from leadsdk.types import ColumnSet, Entity

__all__ = [
    "DECLINING",
    "GRADE_LABELS",
    "IMPROVING",
    "MAX_AUTO_COLUMNS",
    "MAX_MODELS_PER_TABLE",
    "MIN_RECORDS_PER_OUTCOME",
    "MIN_RELEVANCE_BITS",
    "NOT_ENOUGH_INFO",
    "PAGE",
    "RELEVANCE_SAMPLE",
    "SCORED_TABLES",
    "SCORING_WINDOW_MONTHS",
    "STEADY",
    "UTC",
    "grade_of",
    "grade_ranges",
]


IMPROVING, STEADY, DECLINING, NOT_ENOUGH_INFO = 0, 1, 2, 3
MAX_MODELS_PER_TABLE = 10
"""Models (published or draft) one table may have."""


MIN_RECORDS_PER_OUTCOME = 40
"""Closed records of each outcome training needs."""


SCORING_WINDOW_MONTHS = 24
"""Open records created longer ago than this are not scored."""


RELEVANCE_SAMPLE = 10000
"""Closed records read with every candidate column to choose the relevant ones."""


MAX_AUTO_COLUMNS = 12


MIN_RELEVANCE_BITS = 0.002


PAGE = 5000


GRADE_LABELS = ("A", "B", "C", "D")


UTC = dt.timezone.utc


@attrs.frozen
class _Scored:
    """Where a scored table keeps its score, and which states count as positive and negative outcomes."""

    score: str
    grade: str
    trend: str
    positive: int
    negative: int
    outcome: tuple[str, str]


SCORED_TABLES: dict[str, _Scored] = {
    "lead": _Scored("msdyn_leadscore", "msdyn_leadgrade", "msdyn_leadscoretrend", 1, 2,
                    ("qualified", "disqualified")),
    "opportunity": _Scored("msdyn_opportunityscore", "msdyn_opportunitygrade", "msdyn_opportunityscoretrend",
                           1, 2, ("won", "lost")),
}


def add_months(d: dt.datetime, n: int) -> dt.datetime:
    import calendar

    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    day = min(d.day, calendar.monthrange(y, m)[1])
    return d.replace(year=y, month=m, day=day)


def grade_of(score: int, a: int, b: int, c: int) -> int:
    """The grade option value (0 A, 1 B, 2 C, 3 D) of a score under the minimums of A, B and C."""
    if score >= a:
        return 0
    if score >= b:
        return 1
    if score >= c:
        return 2
    return 3


def grade_ranges(model: Mapping[str, Any]) -> dict[str, tuple[int, int]]:
    """{"A": (min, max), ...} of a model record (an Entity or row): each grade's maximum is one below
    the minimum of the grade above it, so moving one grade's minimum moves the next grade's maximum."""
    a, b, c = (int(_opt(model.get(k))) for k in ("gradeathreshold", "gradebthreshold", "gradecthreshold"))
    return {"A": (a, 100), "B": (b, a - 1), "C": (c, b - 1), "D": (0, c - 1)}


def _opt(v: Any) -> Any:
    return getattr(v, "value", v)


@attrs.define
class ScoringModel:
    """A parsed `scoringmodel` row."""

    id: uuid.UUID
    name: str
    entity: str
    filter_column: str | None
    filter_values: list[Any]
    window: int
    thresholds: tuple[int, int, int]
    engine: str
    columns: list[str]
    trained: TrainedModel | None
    stamp: dt.datetime | None
    """When the model last changed how it scores (trained or published); scores older than this are stale."""
    state: int
    last_run: dt.datetime | None = None
    """When the model last scored every record it covers: records not modified since need no new score."""

    def matches(self, row: Mapping[str, Any]) -> bool:
        if self.filter_column is None:
            return True
        v = row.get(self.filter_column)
        if isinstance(v, str):
            return v.casefold() in {str(x).casefold() for x in self.filter_values}
        return v in self.filter_values

    def grade(self, score: int) -> int:
        return grade_of(score, *self.thresholds)

    def filter_values_text(self) -> str:
        return ", ".join(str(v) for v in self.filter_values)


def _model_table(ctx: HandlerContext) -> EntityMetadata:
    return ctx.metadata.table("scoringmodel")


def parse_values(t: EntityMetadata, a: AttributeMetadata, text: str) -> list[Any]:
    """The filter values of a model, typed as the filter column is."""
    out: list[Any] = []
    A = AttributeType
    for raw in (p.strip() for p in text.split(",")):
        if not raw:
            continue
        try:
            if a.type in (A.PICKLIST, A.STATE, A.STATUS, A.INTEGER, A.BIGINT):
                v: Any = int(raw)
                if a.option_set is not None and v not in a.option_set.values:
                    raise ValueError(raw)
            elif a.type is A.BOOLEAN:
                low = raw.lower()
                if low not in ("1", "0", "true", "false", "yes", "no"):
                    raise ValueError(raw)
                v = low in ("1", "true", "yes")
            elif a.type in (A.DECIMAL, A.MONEY):
                v = Decimal(raw)
            elif a.type is A.DOUBLE:
                v = float(raw)
            elif a.type.is_lookup or a.type is A.UNIQUEIDENTIFIER:
                v = uuid.UUID(raw)
            else:
                v = raw
        except (ValueError, InvalidOperation):
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"The scoring model filter value '{raw}' is not a valid value of column "
                f"'{a.logical_name}' of table '{t.logical_name}'.",
            ) from None
        out.append(v)
    return out


def _filter_column(t: EntityMetadata, name: str) -> AttributeMetadata:
    a = t.attributes.get(name)
    if a is None or a.type in (AttributeType.DATETIME, AttributeType.DATE, AttributeType.FILE,
                               AttributeType.IMAGE, AttributeType.MEMO):
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"'{name}' cannot be the filter column of a {t.logical_name} scoring model: "
            + ("the table has no such column." if a is None else "dates, notes and files cannot filter models."),
        )
    return a


def parse_model(ctx: HandlerContext, row: Mapping[str, Any], *, load_parameters: bool = True) -> ScoringModel:
    """Check a model row (a stored row merged with pending changes) and parse it."""
    name = str(row.get("name") or "")
    entity = row.get("entityname")
    if entity not in SCORED_TABLES:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"The scoring model '{name}' has entityname {entity!r}; it must be 'lead' or 'opportunity'.",
        )
    t = ctx.metadata.table(str(entity))
    fcol = row.get("filtercolumn") or None
    ftext = row.get("filtervalues") or ""
    values: list[Any] = []
    if fcol is not None:
        a = _filter_column(t, str(fcol))
        values = parse_values(t, a, str(ftext))
        if not values:
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"The scoring model '{name}' filters on '{fcol}' but lists no filter values.",
            )
    elif ftext.strip():
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"The scoring model '{name}' lists filter values but no filter column.",
        )
    th = tuple(int(row.get(k) or 0) for k in ("gradeathreshold", "gradebthreshold", "gradecthreshold"))
    a_min, b_min, c_min = th
    if not (100 >= a_min > b_min > c_min >= 1):
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"The grade thresholds of scoring model '{name}' must be ordered 100 >= A > B > C >= 1; "
            f"they are A {a_min}, B {b_min}, C {c_min}.",
        )
    engine = str(row.get("engine") or "naivebayes")
    if engine not in ENGINES:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"The scoring model '{name}' names engine '{engine}'; use one of {', '.join(sorted(ENGINES))}.",
        )
    columns = [c.strip() for c in str(row.get("columns") or "").split(",") if c.strip()]
    for c in columns:
        col = t.attributes.get(c)
        if col is None or not usable(col):
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"The scoring model '{name}' cannot use column '{c}' of table '{entity}': "
                + ("there is no such column." if col is None else
                   "dates, ids, system and score columns, and columns set when a record closes are not supported."),
            )
    trained = None
    params = row.get("parameters")
    if load_parameters and params:
        try:
            trained = TrainedModel.from_json(json.loads(params))
        except (ValueError, KeyError, TypeError) as e:
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"The parameters of scoring model '{name}' are not a trained model ({type(e).__name__}).",
            ) from None
    stamps = [d for d in (row.get("lasttrainedon"), row.get("publishedon")) if d is not None]
    return ScoringModel(
        id=row.get("scoringmodelid") or uuid.UUID(int=0), name=name, entity=str(entity), filter_column=fcol,
        filter_values=values, window=int(row.get("trainingwindowmonths") or 24),
        thresholds=(a_min, b_min, c_min), engine=engine, columns=columns, trained=trained,
        stamp=max(stamps) if stamps else None, state=int(row.get("statecode") or 0),
        last_run=row.get("lastscoredon"),
    )


def load_model(ctx: HandlerContext, model_id: Any, request: str) -> ScoringModel:
    ref = as_reference(require(model_id, "model_id", request), "model_id", request, "scoringmodel")
    row = ctx.storage.get(_model_table(ctx), ref.id)
    if row is None:
        raise not_found("scoringmodel", ref.id)
    return parse_model(ctx, row)


_T = TypeVar("_T")


_PROGRESS: contextvars.ContextVar[Callable[[int], None] | None] = contextvars.ContextVar("_PROGRESS", default=None)
"""The running request's progress tick (from `parameters["progress"]`), called with each page's row count."""


def with_progress(req: OrganizationRequest[Any], desc: str, fn: Callable[[], _T]) -> _T:
    tick, close = request_progress(req, None, desc)
    token = _PROGRESS.set(tick)
    try:
        return fn()
    finally:
        _PROGRESS.reset(token)
        close()


def model_pages(ctx: HandlerContext, q: QueryExpression, limit: int | None = None) -> Iterator[list[Row]]:
    """The query's rows, PAGE at a time (keyset paging on the primary id), up to `limit` rows."""
    seen = 0
    tick = _PROGRESS.get()
    for res in pages(ctx.storage.select, q, PAGE):
        rows = res.rows
        if limit is not None and seen + len(rows) > limit:
            rows = rows[: limit - seen]
        seen += len(rows)
        if tick is not None:
            tick(len(rows))
        yield rows
        if limit is not None and seen >= limit:
            return


def add_state_condition(q: QueryExpression, t: EntityMetadata, states: Sequence[int]) -> None:
    """`statecode IN states`, written as NOT IN the table's other states when it has a state option set:
    the same rows (statecode only holds option values), but no index to pull SQLite off the primary key,
    so each page walks the key from the paging cookie instead of re-reading and sorting every match."""
    a = t.attributes.get("statecode")
    others = [v for v in a.option_set.values if v not in states] if a is not None and a.option_set else []
    if others:
        q.criteria.add_condition("statecode", ConditionOperator.NOT_IN, *others)
    else:
        q.criteria.add_condition("statecode", ConditionOperator.IN, *states)


def base_query(model: ScoringModel, columns: Sequence[str]) -> QueryExpression:
    q = QueryExpression(model.entity)
    q.column_set = ColumnSet(*dict.fromkeys(columns))
    if model.filter_column is not None:
        q.criteria.add_condition(model.filter_column, ConditionOperator.IN, *model.filter_values)
    return q


# scoring ------------------------------------------------------------------------------------
def published_models(ctx: HandlerContext, entity: str) -> list[ScoringModel]:
    """The published models of a table, parsed once per model version (cached core-wide)."""
    if not ctx.cache.get((PUBLISHED_NAMESPACE,), partial(_any_published, ctx)):
        return []  # nothing published anywhere (cached; scoring.rules drops it when a model changes)
    q = QueryExpression("scoringmodel", column_set=ColumnSet("versionnumber"))
    q.criteria.add_condition("entityname", ConditionOperator.EQUAL, entity)
    q.criteria.add_condition("statecode", ConditionOperator.EQUAL, 1)
    out: list[ScoringModel] = []
    for r in ctx.storage.select(q).rows:
        mid: uuid.UUID = r["scoringmodelid"]
        m = ctx.cache.get(("scoring.models", mid, r.get("versionnumber")), partial(_load_published, ctx, mid))
        if m is None:
            continue
        if m.trained is not None:
            out.append(m)
    return out


PUBLISHED_NAMESPACE = "scoring.published"
"""The StoreCache namespace of "is any scoring model published": dropped when a model is created, deleted
or changes state."""


def _any_published(ctx: HandlerContext) -> bool:
    return bool(ctx.storage.ids_where(_model_table(ctx), "statecode", 1, limit=1))


def _load_published(ctx: HandlerContext, model_id: uuid.UUID) -> ScoringModel | None:
    row = ctx.storage.get(_model_table(ctx), model_id)
    return None if row is None else parse_model(ctx, row)


def score_model(ctx: HandlerContext, m: ScoringModel, *, force: bool, criteria: FilterExpression | None) -> int:
    """Score the open records of `m`'s table created in the last 24 months that match its filter
    (and `criteria`): page by page, two batched writes per table per page."""
    assert m.trained is not None
    info = SCORED_TABLES[m.entity]
    t = ctx.metadata.table(m.entity)
    pk = t.primary_id_attribute
    ps = ctx.metadata.table("msdyn_predictivescore")
    model = m.trained
    now = ctx.now
    stamp = m.stamp
    # the record's score row id is read through the link (the record's own lookup column would add a
    # second join for the lookup's name)
    q = base_query(m, [*model.columns, *(() if force else ("modifiedon",))])
    stale_only = (criteria is None or criteria.is_empty()) and not force and m.last_run is not None
    if stale_only:
        # few rows expected: reading the open ones through the statecode index beats walking the key
        q.criteria.add_condition("statecode", ConditionOperator.EQUAL, 0)
    else:
        add_state_condition(q, t, (0,))
    q.criteria.add_condition("createdon", ConditionOperator.GREATER_EQUAL,
                             add_months(ctx.now, -SCORING_WINDOW_MONTHS))
    if criteria is not None and not criteria.is_empty():
        q.criteria.add_filter(criteria)
    elif stale_only:
        # only what may be stale, found in SQL: never scored, scored by another model or before the model
        # last changed, or modified since the model's last full run (the exact check follows per row)
        stale = FilterExpression(LogicalOperator.OR)
        stale.add_condition("ps", "msdyn_scoredon", ConditionOperator.NULL)
        stale.add_condition("ps", "msdyn_scoringmodelid", ConditionOperator.NOT_EQUAL, m.id)
        if stamp is not None:
            stale.add_condition("ps", "msdyn_scoredon", ConditionOperator.LESS_THAN, stamp)
        stale.add_condition("modifiedon", ConditionOperator.GREATER_EQUAL, m.last_run)
        q.criteria.add_filter(stale)
    link = q.add_link("msdyn_predictivescore", "msdyn_predictivescoreid", "msdyn_predictivescoreid",
                      JoinOperator.LEFT_OUTER)
    link.entity_alias = "ps"
    link.columns = ColumnSet("msdyn_predictivescoreid", "msdyn_score",
                             *(() if force else ("msdyn_scoredon", "msdyn_scoringmodelid")))
    scores_of = model.page_scorer()
    column_scores = model.column_scorer()
    grades = [m.grade(s) for s in range(101)]  # score -> grade, once per model
    next_version = ctx.storage.next_version
    model_id = m.id
    score_col, grade_col, trend_col = info.score, info.grade, info.trend
    n = 0
    tick = _PROGRESS.get()
    for res in pages(ctx.storage.select, q, PAGE):
        raw = res.page
        if tick is not None:
            tick(len(res.rows) if raw is None else len(raw.raw))
        if raw is not None and raw.raw:
            olds = raw.values("ps.msdyn_score")
            if all(map(is_, olds, repeat(None))):  # (a first publish: no score rows yet)
                n += _score_columns(ctx, m, raw, None, column_scores, grades)
                continue
            if force and not any(map(is_, olds, repeat(None))):  # (a publish again)
                n += _score_columns(ctx, m, raw, olds, column_scores, grades)
                continue
        page = res.rows
        new_ids_: list[uuid.UUID] = []
        new_for: list[uuid.UUID] = []
        new_scores: list[int] = []
        new_grades: list[int] = []
        upd_ps: list[dict[str, Any]] = []
        recs: list[dict[str, Any]] = []
        versions = iter(ctx.storage.next_versions(len(page)))  # one block per page, not a clock read per row
        fresh: Iterator[uuid.UUID] | None = None  # new score row ids: one block per page, made when first needed
        for r, score in zip(page, scores_of(page)):
            old_score = r.get("ps.msdyn_score")
            ps_id = r.get("ps.msdyn_predictivescoreid") if old_score is not None else None
            if ps_id is not None and not force:
                scored_on = r.get("ps.msdyn_scoredon")
                if scored_on is not None and r.get("ps.msdyn_scoringmodelid") == model_id and (
                    (r.get("modifiedon") is None or scored_on >= r["modifiedon"])
                    and (stamp is None or scored_on >= stamp)
                ):
                    continue
            grade = grades[score]
            if ps_id is not None and old_score is not None:
                old = int(old_score)
                trend = IMPROVING if score > old else DECLINING if score < old else STEADY
                upd_ps.append({"msdyn_predictivescoreid": ps_id, "msdyn_score": score, "msdyn_scoretrend": trend,
                               "msdyn_grade": grade, "msdyn_scoringmodelid": model_id, "msdyn_scoredon": now,
                               "msdyn_previousscore": old_score, "modifiedon": now,
                               "versionnumber": next_version()})
            else:
                trend = NOT_ENOUGH_INFO
                rid = r[pk]
                if fresh is None:  # time-ordered: appends to the key and lookup indexes
                    fresh = iter(new_ids(len(page)))
                ps_id = next(fresh)
                new_ids_.append(ps_id)
                new_for.append(rid)
                new_scores.append(score)
                new_grades.append(grade)
            recs.append({pk: r[pk], score_col: score, grade_col: grade, trend_col: trend,
                         "msdyn_predictivescoreid": ps_id, "versionnumber": next(versions)})
        if new_ids_:  # the new score rows column by column, one insert
            _insert_score_rows(ctx, m, new_ids_, new_for, new_scores, new_grades)
        ctx.storage.update_many(ps, upd_ps)
        ctx.storage.update_many(t, recs)
        n += len(recs)
    if criteria is None:
        ctx.execute(UpdateRequest(target=Entity("scoringmodel", m.id, {"lastscoredon": now})))
    return n


def _score_columns(ctx: HandlerContext, m: ScoringModel, page: RawPage, olds: list[Any] | None,
                   scores_of: Callable[[Callable[[str], Sequence[Any]], int], list[int]], grades: list[int]) -> int:
    """`score_model`'s page column by column (no dict per row) when none of its records has a score row
    yet (`olds` None: a new score row each) or, scoring every record (`force`), each has one with a score
    (`olds`: re-scored in place, the trend against the old score, which becomes the previous one). The
    values of the row-by-row loop, versions taken in its order (the score rows' as one block, as the
    records' are). On a store keeping ids as text the ids stay the texts read, and new score rows' ids
    are made as texts: they are only written back."""
    t = ctx.metadata.table(m.entity)
    storage = ctx.storage
    ids = _written_ids(ctx, page, t.primary_id_attribute)
    k = len(ids)
    scores = scores_of(page.values, k)
    grade = list(map(grades.__getitem__, scores))
    versions = storage.next_versions(k)
    trends: Sequence[int]
    ps_ids: Sequence[Any]
    if olds is None:
        trends = Same.of(NOT_ENOUGH_INFO, k)
        ps_ids = new_id_texts(k) if type(ids[0]) is str else new_ids(k)
        _insert_score_rows(ctx, m, ps_ids, ids, scores, grade)
    else:
        trends = [IMPROVING if s > o else DECLINING if s < o else STEADY for s, o in zip(scores, map(int, olds))]
        ps_ids = _written_ids(ctx, page, "ps.msdyn_predictivescoreid")
        now = ctx.now
        storage.update_columns(ctx.metadata.table("msdyn_predictivescore"), ps_ids, {
            "msdyn_score": scores, "msdyn_scoretrend": trends, "msdyn_grade": grade,
            "msdyn_scoringmodelid": Same.of(m.id, k), "msdyn_scoredon": Same.of(now, k),
            "msdyn_previousscore": olds, "modifiedon": Same.of(now, k), "versionnumber": storage.next_versions(k)})
    info = SCORED_TABLES[m.entity]
    return storage.update_columns(t, ids, {info.score: scores, info.grade: grade, info.trend: trends,
                                           "msdyn_predictivescoreid": ps_ids, "versionnumber": versions})


def _written_ids(ctx: HandlerContext, page: RawPage, key: str) -> Sequence[Any]:
    """A page's ids under `key` as they are written back: on a store keeping ids as text
    (`Storage.text_ids`) the canonical texts as read (no UUID made per row and formatted again), else the
    decoded UUIDs."""
    ids: Sequence[Any] = page.stored(key) if ctx.storage.text_ids else ()
    if not ids or not all(map(is_, map(type, ids), repeat(str))) or set(map(len, ids)) != _LEN36:
        return page.values(key)
    return ids


_LEN36 = frozenset({36})


def _insert_score_rows(ctx: HandlerContext, m: ScoringModel, ps_ids: Sequence[Any], record_ids: Sequence[Any],
                       scores: Sequence[int], grades: Sequence[int]) -> None:
    """New score rows of records of `m`'s table (ids as UUIDs, or as the stored texts on a store keeping
    ids as text), column by column in one insert."""
    k = len(ps_ids)
    now, entity, caller = ctx.now, m.entity, ctx.caller_id
    names = record_ids if all(map(is_, map(type, record_ids), repeat(str))) else \
        uuid_texts(record_ids) if all(type(i) is uuid.UUID for i in record_ids) else list(map(str, record_ids))
    ctx.storage.insert_columns(ctx.metadata.table("msdyn_predictivescore"), {
        "msdyn_predictivescoreid": ps_ids, "msdyn_name": [f"Predictive score of {entity} {i}" for i in names],
        "msdyn_entityid": record_ids, "msdyn_entityid__type": Same.of(entity, k),
        "msdyn_entitytype": Same.of(entity, k), "createdon": Same.of(now, k), "modifiedon": Same.of(now, k),
        "createdby": Same.of(caller, k), "modifiedby": Same.of(caller, k),
        "versionnumber": ctx.storage.next_versions(k), "msdyn_score": scores,
        "msdyn_scoretrend": Same.of(NOT_ENOUGH_INFO, k), "msdyn_grade": grades,
        "msdyn_scoringmodelid": Same.of(m.id, k), "msdyn_scoredon": Same.of(now, k),
        "msdyn_previousscore": Same.of(None, k)})


def new_score_row(ctx: HandlerContext, entity: str, record_id: uuid.UUID) -> dict[str, Any]:
    """The columns of a new msdyn_predictivescore row other than the score itself."""
    return {"msdyn_name": f"Predictive score of {entity} {record_id}", "msdyn_entityid": record_id,
            "msdyn_entityid__type": entity, "msdyn_entitytype": entity, "createdon": ctx.now,
            "modifiedon": ctx.now, "createdby": ctx.caller_id, "modifiedby": ctx.caller_id,
            "versionnumber": ctx.storage.next_version()}
