"""Scoring rules (scoring feature): a model's definition checked on every write (overlaps, limits,
publishable), grades recomputed when thresholds change, and new leads and opportunities scored as they
are created (record-event listeners, with batch forms for bulk creates)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.messages.base import (
    HandlerContext,
)
from leadsdk.query.model import (
    ConditionOperator,
    QueryExpression,
)
from leadsdk.records.coherence import changed
from leadsdk.records.events import column_form, listens_for
from leadsdk.scoring.features import (
    tokenize,
)
from leadsdk.scoring.models import (
    MAX_MODELS_PER_TABLE,
    NOT_ENOUGH_INFO,
    PUBLISHED_NAMESPACE,
    SCORED_TABLES,
    SCORING_WINDOW_MONTHS,
    ScoringModel,
    add_months,
    model_pages,
    new_score_row,
    parse_model,
    parse_values,
    published_models,
)
from leadsdk.storage.base import Row
from leadsdk.types import ColumnSet

__all__ = []


# model record rules ---------------------------------------------------------------------
def _other_models(ctx: HandlerContext, entity: str, own: uuid.UUID) -> list[Row]:
    q = QueryExpression("scoringmodel", column_set=ColumnSet("name", "filtercolumn", "filtervalues"))
    q.criteria.add_condition("entityname", ConditionOperator.EQUAL, entity)
    q.criteria.add_condition("scoringmodelid", ConditionOperator.NOT_EQUAL, own)
    return ctx.storage.select(q).rows


def _check_overlap(ctx: HandlerContext, m: ScoringModel) -> None:
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
        theirs = parse_values(t, t.attributes[ocol], str(other.get("filtervalues") or ""))
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
    m = parse_model(ctx, merged, load_parameters=False)
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


@listens_for("after_update", tables=("scoringmodel",),
             changing=("gradeathreshold", "gradebthreshold", "gradecthreshold"))
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
    m = parse_model(ctx, row, load_parameters=False)
    _regrade(ctx, m)


def _regrade(ctx: HandlerContext, m: ScoringModel) -> int:
    info = SCORED_TABLES[m.entity]
    ps = ctx.metadata.table("msdyn_predictivescore")
    target = ctx.metadata.table(m.entity)
    q = QueryExpression("msdyn_predictivescore",
                        column_set=ColumnSet("msdyn_score", "msdyn_grade", "msdyn_entityid"))
    q.criteria.add_condition("msdyn_scoringmodelid", ConditionOperator.EQUAL, m.id)
    n = 0
    for page in model_pages(ctx, q):
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
    if isinstance(created, dt.datetime) and created < add_months(ctx.now, -SCORING_WINDOW_MONTHS):
        return
    for m in models:
        if m.trained is not None and m.matches(row):
            score = m.trained.score(tokenize(m.trained.features, row))
            grade = m.grade(score)
            ps_id = uuid.uuid4()
            row.update({info.score: score, info.grade: grade, info.trend: NOT_ENOUGH_INFO,
                        "msdyn_predictivescoreid": ps_id})
            ctx.scratch.setdefault("scoring.pending", {})[id_] = {
                "msdyn_predictivescoreid": ps_id, **new_score_row(ctx, t.logical_name, id_),
                "msdyn_score": score, "msdyn_grade": grade, "msdyn_scoretrend": NOT_ENOUGH_INFO,
                "msdyn_scoringmodelid": m.id, "msdyn_scoredon": ctx.now,
            }
            return


@column_form(_score_on_create)
def _score_on_create_columns(ctx: HandlerContext, t: EntityMetadata, columns: dict[str, Sequence[Any]], n: int
                             ) -> bool:
    """Nothing to do when no published model covers the table."""
    return t.logical_name not in SCORED_TABLES or not _published_in_request(ctx, t.logical_name)


def _published_in_request(ctx: HandlerContext, table: str) -> list[ScoringModel]:
    """`published_models`, asked once per request."""
    key = "scoring.published." + table
    models: list[ScoringModel] | None = ctx.scratch.get(key)
    if models is None:
        models = ctx.scratch[key] = published_models(ctx, table)
    return models


@listens_for(("after_create", "after_delete", "after_update"), tables=("scoringmodel",))
def _model_changed(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, *rest: Any) -> None:
    """A model created, deleted or moved to another state: every service drops "is any model published"."""
    if t.logical_name != "scoringmodel":
        return
    if rest and isinstance(rest[0], Mapping) and rest[1] is not None and "statecode" not in rest[0]:
        return  # an update that leaves the state alone
    changed(ctx, PUBLISHED_NAMESPACE)


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
