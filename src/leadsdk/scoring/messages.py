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

import json
import uuid
from collections.abc import Sequence
from typing import Any

import attrs

from leadsdk._display import records_html
from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import (
    HandlerContext,
    OrganizationRequest,
    OrganizationResponse,
    as_reference,
    handler,
)
from leadsdk.messages.crud import UpdateRequest
from leadsdk.messages.privileges import target
from leadsdk.progress import make_progress
from leadsdk.query.model import (
    ConditionOperator,
    FilterExpression,
    QueryByAttribute,
    QueryExpression,
)
from leadsdk.records.settings import not_found
from leadsdk.scoring.engine import ENGINES
from leadsdk.scoring.features import (
    candidate_columns,
    describe_token,
    make_features,
    stable_fold,
    tokenize,
)
from leadsdk.scoring.metrics import accuracy_band, auc, mutual_information
from leadsdk.scoring.models import (
    GRADE_LABELS,
    MAX_AUTO_COLUMNS,
    MIN_RECORDS_PER_OUTCOME,
    MIN_RELEVANCE_BITS,
    RELEVANCE_SAMPLE,
    SCORED_TABLES,
    ScoringModel,
    add_months,
    add_state_condition,
    base_query,
    load_model,
    model_pages,
    published_models,
    score_model,
    with_progress,
)
from leadsdk.storage.base import Row
from leadsdk.types import Entity, EntityReference

__all__ = [
    "ExplainScoreRequest",
    "ExplainScoreResponse",
    "PublishScoringModelRequest",
    "PublishScoringModelResponse",
    "ScoreRecordsRequest",
    "ScoreRecordsResponse",
    "TrainScoringModelRequest",
    "TrainScoringModelResponse",
    "score_all",
]




# requests and responses --------------------------------------------------------------
@attrs.define(eq=False, repr=False, slots=False)
class TrainScoringModelRequest(OrganizationRequest["TrainScoringModelResponse"]):
    """Train a `scoringmodel` on the closed records of its table created within its window."""

    request_name = "TrainScoringModel"
    model_id: uuid.UUID | str | None = target("scoringmodel")


@attrs.define(eq=False, repr=False, slots=False)
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


@attrs.define(eq=False, repr=False, slots=False)
class PublishScoringModelRequest(OrganizationRequest["PublishScoringModelResponse"]):
    """Publish a trained model: it scores every open record it covers now, and new ones as they are created."""

    request_name = "PublishScoringModel"
    model_id: uuid.UUID | str | None = target("scoringmodel")


@attrs.define(eq=False, repr=False, slots=False)
class PublishScoringModelResponse(OrganizationResponse):
    scored_count: int = 0


@attrs.define(eq=False, repr=False, slots=False)
class ScoreRecordsRequest(OrganizationRequest["ScoreRecordsResponse"]):
    """Refresh the scores of a table's open records (meant to run daily).

    Without `query`, records changed since they were scored (or never scored, or scored before the model
    was last trained or published) are scored. With `query` (a QueryExpression or QueryByAttribute on the
    table), every open record it matches is scored again. `force=True` re-scores everything."""

    request_name = "ScoreRecords"
    entity_name: str = target(table_name=True, default="lead")
    query: Any = None
    force: bool = False


@attrs.define(eq=False, repr=False, slots=False)
class ScoreRecordsResponse(OrganizationResponse):
    scored_count: int = 0


@attrs.define(eq=False, repr=False, slots=False)
class ExplainScoreRequest(OrganizationRequest["ExplainScoreResponse"]):
    """Why a scored record has its score: each column's contribution (log-odds) under its model."""

    request_name = "ExplainScore"
    read_only = True
    target: EntityReference | None = target()


@attrs.define(eq=False, repr=False, slots=False)
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
        rows = [[c, v, f"{x:+.2f}"] for c, v, x in self.factors]
        return records_html(f"Score {self.score} (grade {self.grade})", ["column", "value", "contribution"], rows)
    model_id: uuid.UUID | None = None


# training ---------------------------------------------------------------------------------
def _train(ctx: HandlerContext, m: ScoringModel) -> TrainScoringModelResponse:
    info = SCORED_TABLES[m.entity]
    t = ctx.metadata.table(m.entity)
    pk = t.primary_id_attribute
    cutoff = add_months(ctx.now, -m.window)

    def query(columns: Sequence[str]) -> QueryExpression:
        q = base_query(m, [*columns, "statecode"])
        add_state_condition(q, t, (info.positive, info.negative))
        q.criteria.add_condition("createdon", ConditionOperator.GREATER_EQUAL, cutoff)
        return q

    auto = not m.columns
    columns = m.columns or candidate_columns(t)
    rows: list[Row] = []
    complete = True
    for page in model_pages(ctx, query(columns), RELEVANCE_SAMPLE if auto else None):
        rows.extend(page)
    if auto and len(rows) >= RELEVANCE_SAMPLE:
        complete = False
    if auto:
        columns = _choose_columns(t, columns, [r for r in rows if stable_fold(r[pk]) != 0], info.positive)
        if not complete:
            rows = [r for page in model_pages(ctx, query(columns)) for r in page]
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


# handlers --------------------------------------------------------------------------------------
@handler(TrainScoringModelRequest)
def _train_model(ctx: HandlerContext, req: TrainScoringModelRequest) -> TrainScoringModelResponse:
    model = load_model(ctx, req.model_id, "TrainScoringModelRequest")
    return with_progress(req, "train", lambda: _train(ctx, model))


@handler(PublishScoringModelRequest)
def _publish_model(ctx: HandlerContext, req: PublishScoringModelRequest) -> PublishScoringModelResponse:
    m = load_model(ctx, req.model_id, "PublishScoringModelRequest")
    ctx.execute(UpdateRequest(target=Entity("scoringmodel", m.id, {
        "statecode": 1, "statuscode": 2, "publishedon": ctx.now,
    })))
    m = load_model(ctx, m.id, "PublishScoringModelRequest")
    return PublishScoringModelResponse(scored_count=score_model(ctx, m, force=True, criteria=None))


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
        for m in published_models(ctx, entity):
            n += score_model(ctx, m, force=req.force or query is not None, criteria=criteria)
        return n

    return ScoreRecordsResponse(scored_count=with_progress(req, "score", score))


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
    m = load_model(ctx, model_id, "ExplainScoreRequest")
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

    tick, close = make_progress(progress, len(entity_names), "score")
    out: dict[str, int] = {}
    for name in entity_names:
        out[name] = service.execute(ScoreRecordsRequest(entity_name=name, force=force)).scored_count
        tick(1)
    close()
    return out
