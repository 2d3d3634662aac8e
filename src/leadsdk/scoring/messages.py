"""Predictive lead and opportunity scoring: TrainScoringModel, PublishScoringModel, ScoreRecords and
ExplainScore, the rules that keep `scoringmodel` records consistent, and scoring on create.

A model is a `scoringmodel` record (see `leadsdk.entities.tables.scoring`). Training reads the closed
records created within its window (leads Qualified vs Disqualified, opportunities Won vs Lost) with
paged queries, needs at least 40 of each outcome, holds out a fifth of them (by record id) to measure
the AUC, and stores the trained model as JSON on the record. A published model scores the open records
created in the last 24 months that match its filter: the score, grade and trend land in one
`msdyn_predictivescore` row per record and on the record itself (`msdyn_leadscore`, ...). Bulk scoring
reads 5,000 records per query and writes each page with two batched statements per table, so 100,000
leads are never 100,000 requests. Records outside the window, and closed ones, keep their last score.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import os
import random
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any, TypeVar

import attrs

from leadsdk.entities.model import AttributeMetadata, AttributeType, EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import (
    HandlerContext,
    OrganizationRequest,
    OrganizationResponse,
    as_reference,
    handler,
    request_progress,
    require,
)
from leadsdk.messages.crud import UpdateRequest
from leadsdk.messages.privileges import target
from leadsdk.query.model import (
    ConditionOperator,
    FilterExpression,
    JoinOperator,
    LogicalOperator,
    QueryByAttribute,
    QueryExpression,
)
from leadsdk.query.paging import pages
from leadsdk.records.events import column_form, listens_for
from leadsdk.records.settings import not_found
from leadsdk.scoring.engine import ENGINES, TrainedModel
from leadsdk.scoring.features import (
    candidate_columns,
    describe_token,
    make_features,
    stable_fold,
    tokenize,
    usable,
)
from leadsdk.scoring.metrics import accuracy_band, auc, mutual_information
from leadsdk.storage.base import Row
from leadsdk.types import ColumnSet, Entity, EntityReference

__all__ = [
    "MAX_MODELS_PER_TABLE",
    "MIN_RECORDS_PER_OUTCOME",
    "ExplainScoreRequest",
    "ExplainScoreResponse",
    "PublishScoringModelRequest",
    "PublishScoringModelResponse",
    "ScoreRecordsRequest",
    "ScoreRecordsResponse",
    "TrainScoringModelRequest",
    "TrainScoringModelResponse",
    "grade_of",
    "grade_ranges",
    "score_all",
]

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

IMPROVING, STEADY, DECLINING, NOT_ENOUGH_INFO = 0, 1, 2, 3


# requests and responses --------------------------------------------------------------
@attrs.define
class TrainScoringModelRequest(OrganizationRequest["TrainScoringModelResponse"]):
    """Train a `scoringmodel` on the closed records of its table created within its window."""

    request_name = "TrainScoringModel"
    model_id: uuid.UUID | str | None = target("scoringmodel")


@attrs.define
class TrainScoringModelResponse(OrganizationResponse):
    auc: float = 0.0
    """Area under the ROC curve on the held-out fifth of the records."""
    qualified_count: int = 0
    """Positive outcomes in the window (qualified leads, won opportunities)."""
    disqualified_count: int = 0
    """Negative outcomes in the window (disqualified leads, lost opportunities)."""
    ready_to_publish: bool = False
    columns: list[str] = attrs.field(factory=list)
    """The columns the model uses (chosen by relevance unless the model record lists them)."""


@attrs.define
class PublishScoringModelRequest(OrganizationRequest["PublishScoringModelResponse"]):
    """Publish a trained model: it scores every open record it covers now, and new ones as they are created."""

    request_name = "PublishScoringModel"
    model_id: uuid.UUID | str | None = target("scoringmodel")


@attrs.define
class PublishScoringModelResponse(OrganizationResponse):
    scored_count: int = 0


@attrs.define
class ScoreRecordsRequest(OrganizationRequest["ScoreRecordsResponse"]):
    """Refresh the scores of a table's open records (meant to run daily).

    Without `query`, records changed since they were scored (or never scored, or scored before the model
    was last trained or published) are scored. With `query` (a QueryExpression or QueryByAttribute on the
    table), every open record it matches is scored again. `force=True` re-scores everything."""

    request_name = "ScoreRecords"
    entity_name: str = target(table_name=True, default="lead")
    query: Any = None
    force: bool = False


@attrs.define
class ScoreRecordsResponse(OrganizationResponse):
    scored_count: int = 0


@attrs.define
class ExplainScoreRequest(OrganizationRequest["ExplainScoreResponse"]):
    """Why a scored record has its score: each column's contribution (log-odds) under its model."""

    request_name = "ExplainScore"
    read_only = True
    target: EntityReference | None = target()


@attrs.define
class ExplainScoreResponse(OrganizationResponse):
    score: int | None = None
    grade: str | None = None
    """"A", "B", "C" or "D"."""
    factors: list[tuple[str, str, float]] = attrs.field(factory=list)
    """(column, value, contribution) for every column of the model, strongest first; a positive
    contribution raises the score, a negative one lowers it."""
    raising: list[tuple[str, str, float]] = attrs.field(factory=list)
    """The (up to 5) factors raising the score most."""
    lowering: list[tuple[str, str, float]] = attrs.field(factory=list)
    """The (up to 5) factors lowering the score most."""

    def _repr_html_(self) -> str:
        from leadsdk._html import records_html

        rows = [[c, v, f"{x:+.2f}"] for c, v, x in self.factors]
        return records_html(f"Score {self.score} (grade {self.grade})", ["column", "value", "contribution"], rows)
    model_id: uuid.UUID | None = None


# helpers ------------------------------------------------------------------------------


def _add_months(d: dt.datetime, n: int) -> dt.datetime:
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
class _Model:
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


def _parse_values(t: EntityMetadata, a: AttributeMetadata, text: str) -> list[Any]:
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


def _parse_model(ctx: HandlerContext, row: Mapping[str, Any], *, load_parameters: bool = True) -> _Model:
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
        values = _parse_values(t, a, str(ftext))
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
    return _Model(
        id=row.get("scoringmodelid") or uuid.UUID(int=0), name=name, entity=str(entity), filter_column=fcol,
        filter_values=values, window=int(row.get("trainingwindowmonths") or 24),
        thresholds=(a_min, b_min, c_min), engine=engine, columns=columns, trained=trained,
        stamp=max(stamps) if stamps else None, state=int(row.get("statecode") or 0),
        last_run=row.get("lastscoredon"),
    )


def _load_model(ctx: HandlerContext, model_id: Any, request: str) -> _Model:
    ref = as_reference(require(model_id, "model_id", request), "model_id", request, "scoringmodel")
    row = ctx.storage.get(_model_table(ctx), ref.id)
    if row is None:
        raise not_found("scoringmodel", ref.id)
    return _parse_model(ctx, row)


_T = TypeVar("_T")

_PROGRESS: contextvars.ContextVar[Callable[[int], None] | None] = contextvars.ContextVar("_PROGRESS", default=None)
"""The running request's progress tick (from `parameters["progress"]`), called with each page's row count."""


def _with_progress(req: OrganizationRequest[Any], desc: str, fn: Callable[[], _T]) -> _T:
    tick, close = request_progress(req, None, desc)
    token = _PROGRESS.set(tick)
    try:
        return fn()
    finally:
        _PROGRESS.reset(token)
        close()


def _pages(ctx: HandlerContext, q: QueryExpression, limit: int | None = None) -> Iterator[list[Row]]:
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


def _add_state_condition(q: QueryExpression, t: EntityMetadata, states: Sequence[int]) -> None:
    """`statecode IN states`, written as NOT IN the table's other states when it has a state option set:
    the same rows (statecode only holds option values), but no index to pull SQLite off the primary key,
    so each page walks the key from the paging cookie instead of re-reading and sorting every match."""
    a = t.attributes.get("statecode")
    others = [v for v in a.option_set.values if v not in states] if a is not None and a.option_set else []
    if others:
        q.criteria.add_condition("statecode", ConditionOperator.NOT_IN, *others)
    else:
        q.criteria.add_condition("statecode", ConditionOperator.IN, *states)


def _base_query(model: _Model, columns: Sequence[str]) -> QueryExpression:
    q = QueryExpression(model.entity)
    q.column_set = ColumnSet(*dict.fromkeys(columns))
    if model.filter_column is not None:
        q.criteria.add_condition(model.filter_column, ConditionOperator.IN, *model.filter_values)
    return q


# model record rules ---------------------------------------------------------------------
def _other_models(ctx: HandlerContext, entity: str, own: uuid.UUID) -> list[Row]:
    q = QueryExpression("scoringmodel", column_set=ColumnSet("name", "filtercolumn", "filtervalues"))
    q.criteria.add_condition("entityname", ConditionOperator.EQUAL, entity)
    q.criteria.add_condition("scoringmodelid", ConditionOperator.NOT_EQUAL, own)
    return ctx.storage.select(q).rows


def _check_overlap(ctx: HandlerContext, m: _Model) -> None:
    t = ctx.metadata.table(m.entity)
    for other in _other_models(ctx, m.entity, m.id):
        oname = other.get("name")
        ocol = other.get("filtercolumn") or None
        if m.filter_column is None or ocol is None:
            whole = m.name if m.filter_column is None else oname
            raise OrganizationServiceFault(
                ErrorCodes.DUPLICATE_RECORD,
                f"The scoring models '{m.name}' and '{oname}' of table '{m.entity}' overlap: "
                f"'{whole}' has no filter, so it covers every {m.entity}.",
            )
        if ocol != m.filter_column:
            raise OrganizationServiceFault(
                ErrorCodes.DUPLICATE_RECORD,
                f"The scoring models '{m.name}' (filter {m.filter_column}) and '{oname}' (filter {ocol}) of table "
                f"'{m.entity}' overlap: a {m.entity} can match both; models of one table must filter on the "
                "same column with different values.",
            )
        theirs = _parse_values(t, t.attributes[ocol], str(other.get("filtervalues") or ""))
        fold = {str(v).casefold() for v in theirs}
        shared = [v for v in m.filter_values if str(v).casefold() in fold]
        if shared:
            raise OrganizationServiceFault(
                ErrorCodes.DUPLICATE_RECORD,
                f"The scoring models '{m.name}' and '{oname}' of table '{m.entity}' overlap: both cover "
                f"{m.filter_column} = {', '.join(str(v) for v in shared)}.",
            )


_DEFINITION = ("entityname", "filtercolumn", "filtervalues", "columns", "engine", "trainingwindowmonths")


@listens_for(("before_create", "before_update"), tables=("scoringmodel",))
def _before_write(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any],
                  existing: Row | None) -> None:
    """Validate a scoringmodel as it is created or updated."""
    if t.logical_name != "scoringmodel":
        return
    creating = existing is None
    current: Row = {} if creating else (ctx.storage.get(t, id_) or {})
    merged = {**current, **row, "scoringmodelid": id_}
    m = _parse_model(ctx, merged, load_parameters=False)
    if creating:
        q = QueryExpression("scoringmodel")
        q.criteria.add_condition("entityname", ConditionOperator.EQUAL, m.entity)
        q.top_count = MAX_MODELS_PER_TABLE
        if len(ctx.storage.select(q).rows) >= MAX_MODELS_PER_TABLE:
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_OPERATION,
                f"The table '{m.entity}' already has {MAX_MODELS_PER_TABLE} scoring models, the most it may have; "
                "delete one before creating '" + m.name + "'.",
            )
    if creating or any(k in row for k in ("entityname", "filtercolumn", "filtervalues")):
        _check_overlap(ctx, m)
    if not creating and current.get("parameters") and "parameters" not in row and any(
        k in row and row[k] != current.get(k) for k in ("entityname", "columns", "engine")
    ):
        # the trained parameters no longer describe this model: back to an untrained draft
        row.update(parameters=None, auc=None, accuracystatus=None, statecode=0, statuscode=1)
    if row.get("statecode") == 1 and current.get("statecode") != 1:
        _check_publishable(m.name, {**current, **row})


def _check_publishable(name: str, row: Mapping[str, Any]) -> None:
    """A model is published only once trained, and trained well enough."""
    if not row.get("parameters"):
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_OPERATION,
            f"The scoring model '{name}' cannot be published before it is trained (TrainScoringModelRequest).",
        )
    if row.get("accuracystatus") == 2:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_OPERATION,
            f"The scoring model '{name}' is not ready to publish: its accuracy (AUC {row.get('auc')}) is too "
            "low; train it with more or better data.",
        )


@listens_for("after_update")
def _after_update(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, changes: dict[str, Any],
                  existing: Row | None) -> None:
    """New grade thresholds on a model re-grade the scores it gave (scores themselves stay)."""
    if t.logical_name != "scoringmodel":
        return
    if not any(k in changes for k in ("gradeathreshold", "gradebthreshold", "gradecthreshold")):
        return
    row = ctx.storage.get(t, id_)
    if row is None:
        return
    m = _parse_model(ctx, row, load_parameters=False)
    _regrade(ctx, m)


def _regrade(ctx: HandlerContext, m: _Model) -> int:
    info = SCORED_TABLES[m.entity]
    ps = ctx.metadata.table("msdyn_predictivescore")
    target = ctx.metadata.table(m.entity)
    q = QueryExpression("msdyn_predictivescore",
                        column_set=ColumnSet("msdyn_score", "msdyn_grade", "msdyn_entityid"))
    q.criteria.add_condition("msdyn_scoringmodelid", ConditionOperator.EQUAL, m.id)
    n = 0
    for page in _pages(ctx, q):
        ps_rows: list[dict[str, Any]] = []
        rec_rows: list[dict[str, Any]] = []
        for r in page:
            score = r.get("msdyn_score")
            if score is None:
                continue
            g = m.grade(int(score))
            if g == r.get("msdyn_grade"):
                continue
            ps_rows.append({"msdyn_predictivescoreid": r["msdyn_predictivescoreid"], "msdyn_grade": g})
            if r.get("msdyn_entityid") is not None:
                rec_rows.append({target.primary_id_attribute: r["msdyn_entityid"], info.grade: g})
        ctx.storage.update_many(ps, ps_rows)
        ctx.storage.update_many(target, rec_rows)
        n += len(ps_rows)
    return n


# training ---------------------------------------------------------------------------------
def _train(ctx: HandlerContext, m: _Model) -> TrainScoringModelResponse:
    info = SCORED_TABLES[m.entity]
    t = ctx.metadata.table(m.entity)
    pk = t.primary_id_attribute
    cutoff = _add_months(ctx.now, -m.window)

    def query(columns: Sequence[str]) -> QueryExpression:
        q = _base_query(m, [*columns, "statecode"])
        _add_state_condition(q, t, (info.positive, info.negative))
        q.criteria.add_condition("createdon", ConditionOperator.GREATER_EQUAL, cutoff)
        return q

    auto = not m.columns
    columns = m.columns or candidate_columns(t)
    rows: list[Row] = []
    complete = True
    for page in _pages(ctx, query(columns), RELEVANCE_SAMPLE if auto else None):
        rows.extend(page)
    if auto and len(rows) >= RELEVANCE_SAMPLE:
        complete = False
    if auto:
        columns = _choose_columns(t, columns, [r for r in rows if stable_fold(r[pk]) != 0], info.positive)
        if not complete:
            rows = [r for page in _pages(ctx, query(columns)) for r in page]
    pos = sum(1 for r in rows if r["statecode"] == info.positive)
    neg = len(rows) - pos
    if pos < MIN_RECORDS_PER_OUTCOME or neg < MIN_RECORDS_PER_OUTCOME:
        where = f" with {m.filter_column} in ({m.filter_values_text()})" if m.filter_column else ""
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_OPERATION,
            f"The scoring model '{m.name}' needs at least {MIN_RECORDS_PER_OUTCOME} {info.outcome[0]} and "
            f"{MIN_RECORDS_PER_OUTCOME} {info.outcome[1]} {t.logical_name}s created in the last {m.window} months"
            f"{where}; there are {pos} {info.outcome[0]} and {neg} {info.outcome[1]}.",
        )
    train = [r for r in rows if stable_fold(r[pk]) != 0]
    held = [r for r in rows if stable_fold(r[pk]) == 0]
    features = make_features(t, columns, train)
    trainer = ENGINES[m.engine]
    x_train = [tokenize(features, r) for r in train]
    y_train = [r["statecode"] == info.positive for r in train]
    evaluated = trainer(features, x_train, y_train)
    x_held = [tokenize(features, r) for r in held]
    y_held = [r["statecode"] == info.positive for r in held]
    value = auc([evaluated.logit(x) for x in x_held], y_held)
    final = trainer(features, x_train + x_held, y_train + y_held)
    band = accuracy_band(value)
    ctx.execute(UpdateRequest(target=Entity("scoringmodel", m.id, {
        "parameters": json.dumps(final.to_json(), separators=(",", ":")),
        "auc": round(value, 4), "accuracystatus": band, "qualifiedcount": pos, "disqualifiedcount": neg,
        "lasttrainedon": ctx.now,
    })))
    return TrainScoringModelResponse(auc=value, qualified_count=pos, disqualified_count=neg,
                                     ready_to_publish=band != 2, columns=list(columns))


def _choose_columns(t: EntityMetadata, columns: Sequence[str], rows: Sequence[Row], positive: int) -> list[str]:
    """The most relevant columns by (bias-corrected) mutual information with the outcome."""
    feats = make_features(t, columns, rows)
    labels = [r["statecode"] == positive for r in rows]
    ranked: list[tuple[float, str]] = []
    for f in feats:
        values = [r.get(f.column) for r in rows]
        if f.kind == "presence":
            tokens: list[Any] = [v is not None and v != "" for v in values]
        elif f.kind == "category":
            tokens = values  # the stored value is as good a token as its text
        else:
            tokens = [f.token(v) for v in values]
        if len(set(tokens)) < 2:
            continue
        ranked.append((mutual_information(tokens, labels), f.column))
    ranked.sort(reverse=True)
    chosen = [c for mi, c in ranked[:MAX_AUTO_COLUMNS] if mi >= MIN_RELEVANCE_BITS]
    if not chosen:
        chosen = [c for _, c in ranked[:3]]
    order = {c: i for i, c in enumerate(columns)}
    return sorted(chosen, key=order.__getitem__)


# scoring ------------------------------------------------------------------------------------
def _published(ctx: HandlerContext, entity: str) -> list[_Model]:
    """The published models of a table, parsed once per model version (cached core-wide)."""
    if not ctx.storage.ids_where(_model_table(ctx), "statecode", 1, limit=1):
        return []  # nothing published anywhere: one indexed probe instead of compiling the query below
    q = QueryExpression("scoringmodel", column_set=ColumnSet("versionnumber"))
    q.criteria.add_condition("entityname", ConditionOperator.EQUAL, entity)
    q.criteria.add_condition("statecode", ConditionOperator.EQUAL, 1)
    out: list[_Model] = []
    for r in ctx.storage.select(q).rows:
        mid: uuid.UUID = r["scoringmodelid"]
        m = ctx.cache.get(("scoring.models", mid, r.get("versionnumber")), partial(_load_published, ctx, mid))
        if m is None:
            continue
        if m.trained is not None:
            out.append(m)
    return out


def _load_published(ctx: HandlerContext, model_id: uuid.UUID) -> _Model | None:
    row = ctx.storage.get(_model_table(ctx), model_id)
    return None if row is None else _parse_model(ctx, row)


def _score_model(ctx: HandlerContext, m: _Model, *, force: bool, criteria: FilterExpression | None) -> int:
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
    q = _base_query(m, [*model.columns, *(() if force else ("modifiedon",))])
    stale_only = (criteria is None or criteria.is_empty()) and not force and m.last_run is not None
    if stale_only:
        # few rows expected: reading the open ones through the statecode index beats walking the key
        q.criteria.add_condition("statecode", ConditionOperator.EQUAL, 0)
    else:
        _add_state_condition(q, t, (0,))
    q.criteria.add_condition("createdon", ConditionOperator.GREATER_EQUAL,
                             _add_months(ctx.now, -SCORING_WINDOW_MONTHS))
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
    score_of = model.row_scorer()
    grades = [m.grade(s) for s in range(101)]  # score -> grade, once per model
    next_version = ctx.storage.next_version
    model_id = m.id
    entity = m.entity
    caller = ctx.caller_id
    score_col, grade_col, trend_col = info.score, info.grade, info.trend
    n = 0
    for page in _pages(ctx, q):
        new_ps: list[dict[str, Any]] = []
        upd_ps: list[dict[str, Any]] = []
        recs: list[dict[str, Any]] = []
        for r in page:
            old_score = r.get("ps.msdyn_score")
            ps_id = r.get("ps.msdyn_predictivescoreid") if old_score is not None else None
            if ps_id is not None and not force:
                scored_on = r.get("ps.msdyn_scoredon")
                if scored_on is not None and r.get("ps.msdyn_scoringmodelid") == model_id and (
                    (r.get("modifiedon") is None or scored_on >= r["modifiedon"])
                    and (stamp is None or scored_on >= stamp)
                ):
                    continue
            score = score_of(r)
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
                ps_id = _new_id()
                new_ps.append({"msdyn_predictivescoreid": ps_id,
                               "msdyn_name": f"Predictive score of {entity} {rid}", "msdyn_entityid": rid,
                               "msdyn_entityid__type": entity, "msdyn_entitytype": entity, "createdon": now,
                               "modifiedon": now, "createdby": caller, "modifiedby": caller,
                               "versionnumber": next_version(), "msdyn_score": score,
                               "msdyn_scoretrend": trend, "msdyn_grade": grade,
                               "msdyn_scoringmodelid": model_id, "msdyn_scoredon": now,
                               "msdyn_previousscore": None})
            recs.append({pk: r[pk], score_col: score, grade_col: grade, trend_col: trend,
                         "msdyn_predictivescoreid": ps_id, "versionnumber": next_version()})
        if new_ps:
            ctx.storage.insert_many(ps, new_ps)
        ctx.storage.update_many(ps, upd_ps)
        ctx.storage.update_many(t, recs)
        n += len(recs)
    if criteria is None:
        ctx.execute(UpdateRequest(target=Entity("scoringmodel", m.id, {"lastscoredon": now})))
    return n


_RANDOM = random.Random(int.from_bytes(os.urandom(16), "big"))


_UUID_NEW = uuid.UUID.__new__
_SET = object.__setattr__
_V4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_V4_SET = (0x8000 << 48) | (4 << 76)
_SAFE_UNKNOWN = uuid.SafeUUID.unknown


def _new_id() -> uuid.UUID:
    """A random (version 4) id, without a system call per id as uuid.uuid4() makes, and without
    uuid.UUID()'s argument checks (the same id as `uuid.UUID(int=..., version=4)`)."""
    u = _UUID_NEW(uuid.UUID)
    _SET(u, "int", (_RANDOM.getrandbits(128) & _V4_CLEAR) | _V4_SET)
    _SET(u, "is_safe", _SAFE_UNKNOWN)
    return u


def _new_score_row(ctx: HandlerContext, entity: str, record_id: uuid.UUID) -> dict[str, Any]:
    """The columns of a new msdyn_predictivescore row other than the score itself."""
    return {"msdyn_name": f"Predictive score of {entity} {record_id}", "msdyn_entityid": record_id,
            "msdyn_entityid__type": entity, "msdyn_entitytype": entity, "createdon": ctx.now,
            "modifiedon": ctx.now, "createdby": ctx.caller_id, "modifiedby": ctx.caller_id,
            "versionnumber": ctx.storage.next_version()}


@listens_for("before_create", tables=SCORED_TABLES)
def _score_on_create(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any],
                     _existing: Row | None) -> None:
    """Before a lead or opportunity is inserted: score it when a published model covers it."""
    info = SCORED_TABLES.get(t.logical_name)
    if info is None or row.get("statecode", 0) != 0:
        return
    models = _published_in_request(ctx, t.logical_name)
    if not models:
        return
    created = row.get("createdon")
    if isinstance(created, dt.datetime) and created < _add_months(ctx.now, -SCORING_WINDOW_MONTHS):
        return
    for m in models:
        if m.trained is not None and m.matches(row):
            score = m.trained.score(tokenize(m.trained.features, row))
            grade = m.grade(score)
            ps_id = uuid.uuid4()
            row.update({info.score: score, info.grade: grade, info.trend: NOT_ENOUGH_INFO,
                        "msdyn_predictivescoreid": ps_id})
            ctx.scratch.setdefault("scoring.pending", {})[id_] = {
                "msdyn_predictivescoreid": ps_id, **_new_score_row(ctx, t.logical_name, id_),
                "msdyn_score": score, "msdyn_grade": grade, "msdyn_scoretrend": NOT_ENOUGH_INFO,
                "msdyn_scoringmodelid": m.id, "msdyn_scoredon": ctx.now,
            }
            return


@column_form(_score_on_create)
def _score_on_create_columns(ctx: HandlerContext, t: EntityMetadata, columns: dict[str, Sequence[Any]], n: int
                             ) -> bool:
    """Nothing to do when no published model covers the table."""
    return t.logical_name not in SCORED_TABLES or not _published_in_request(ctx, t.logical_name)


def _published_in_request(ctx: HandlerContext, table: str) -> list[_Model]:
    """`_published`, asked once per request."""
    key = "scoring.published." + table
    models: list[_Model] | None = ctx.scratch.get(key)
    if models is None:
        models = ctx.scratch[key] = _published(ctx, table)
    return models


@listens_for("after_create", tables=SCORED_TABLES)
def _store_score_on_create(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, row: dict[str, Any],
                           _existing: Row | None) -> None:
    """After the record is inserted: insert its score row (same transaction)."""
    if t.logical_name not in SCORED_TABLES:
        return
    pending = ctx.scratch.get("scoring.pending")
    if not pending or id_ not in pending:
        return
    ctx.storage.insert(ctx.metadata.table("msdyn_predictivescore"), pending.pop(id_))


@column_form(_store_score_on_create)
def _store_score_on_create_columns(ctx: HandlerContext, t: EntityMetadata, columns: dict[str, Sequence[Any]],
                                   n: int) -> bool:
    return t.logical_name not in SCORED_TABLES or not ctx.scratch.get("scoring.pending")


# handlers --------------------------------------------------------------------------------------
@handler(TrainScoringModelRequest)
def _train_model(ctx: HandlerContext, req: TrainScoringModelRequest) -> TrainScoringModelResponse:
    model = _load_model(ctx, req.model_id, "TrainScoringModelRequest")
    return _with_progress(req, "train", lambda: _train(ctx, model))


@handler(PublishScoringModelRequest)
def _publish_model(ctx: HandlerContext, req: PublishScoringModelRequest) -> PublishScoringModelResponse:
    m = _load_model(ctx, req.model_id, "PublishScoringModelRequest")
    ctx.execute(UpdateRequest(target=Entity("scoringmodel", m.id, {
        "statecode": 1, "statuscode": 2, "publishedon": ctx.now,
    })))
    m = _load_model(ctx, m.id, "PublishScoringModelRequest")
    return PublishScoringModelResponse(scored_count=_score_model(ctx, m, force=True, criteria=None))


@handler(ScoreRecordsRequest)
def _score_records(ctx: HandlerContext, req: ScoreRecordsRequest) -> ScoreRecordsResponse:
    entity = req.entity_name
    if entity not in SCORED_TABLES:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT,
            f"ScoreRecordsRequest scores leads or opportunities, not '{entity}'.",
        )
    criteria: FilterExpression | None = None
    query = req.query
    if isinstance(query, QueryByAttribute):
        query = query.to_query_expression()
    if query is not None:
        if not isinstance(query, QueryExpression):
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"ScoreRecordsRequest.query must be a QueryExpression or QueryByAttribute, not {type(query).__name__}.",
            )
        if query.entity_name != entity:
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"ScoreRecordsRequest.query is on '{query.entity_name}' but entity_name is '{entity}'.",
            )
        criteria = query.criteria
    def score() -> int:
        n = 0
        for m in _published(ctx, entity):
            n += _score_model(ctx, m, force=req.force or query is not None, criteria=criteria)
        return n

    return ScoreRecordsResponse(scored_count=_with_progress(req, "score", score))


@handler(ExplainScoreRequest)
def _explain(ctx: HandlerContext, req: ExplainScoreRequest) -> ExplainScoreResponse:
    ref = as_reference(req.target, "target", "ExplainScoreRequest")
    info = SCORED_TABLES.get(ref.logical_name)
    if info is None:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT, f"Only leads and opportunities have predictive scores, not {ref.logical_name}."
        )
    t = ctx.metadata.table(ref.logical_name)
    rec = ctx.storage.get(t, ref.id, ["msdyn_predictivescoreid"])
    if rec is None:
        raise not_found(ref.logical_name, ref.id)
    ps_id = rec.get("msdyn_predictivescoreid")
    ps = ctx.storage.get(ctx.metadata.table("msdyn_predictivescore"), ps_id) if ps_id else None
    model_id = ps.get("msdyn_scoringmodelid") if ps else None
    if ps is None or model_id is None:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_OPERATION,
            f"The {ref.logical_name} {ref.id} has no predictive score yet; publish a scoring model that covers it.",
        )
    m = _load_model(ctx, model_id, "ExplainScoreRequest")
    if m.trained is None:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_OPERATION, f"The scoring model '{m.name}' that scored this record is not trained."
        )
    model = m.trained
    row = ctx.storage.get(t, ref.id, model.columns) or {}
    tokens = tokenize(model.features, row)
    factors = [
        (f.column, describe_token(t, f, tok), round(c, 4))
        for f, tok, c in zip(model.features, tokens, model.contributions(tokens))
    ]
    factors.sort(key=lambda x: -abs(x[2]))
    raising = sorted((f for f in factors if f[2] > 0), key=lambda x: -x[2])[:5]
    lowering = sorted((f for f in factors if f[2] < 0), key=lambda x: x[2])[:5]
    score = ps.get("msdyn_score")
    grade = ps.get("msdyn_grade")
    return ExplainScoreResponse(
        score=score, grade=GRADE_LABELS[grade] if isinstance(grade, int) else None, factors=factors,
        raising=raising, lowering=lowering, model_id=m.id,
    )


def score_all(service: Any, entity_names: Sequence[str] = ("lead", "opportunity"), *, force: bool = False,
              progress: Any = None) -> dict[str, int]:
    """The daily refresh (for the CLI and schedulers): ScoreRecordsRequest for each table; records scored.
    `progress=True` shows a bar (tqdm) over the tables; a callable gets `(done, total)`."""
    from leadsdk.progress import make_progress

    tick, close = make_progress(progress, len(entity_names), "score")
    out: dict[str, int] = {}
    for name in entity_names:
        out[name] = service.execute(ScoreRecordsRequest(entity_name=name, force=force)).scored_count
        tick(1)
    close()
    return out

