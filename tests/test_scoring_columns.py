"""Scoring a page column by column (models._score_columns: a first publish, a publish again) and
`Storage.update_columns`: the stored state is what the row-by-row loop writes, on both backends."""

from __future__ import annotations

import json
import uuid

from _scoring_util import add_leads
from leadsdk import Entity, EntityReference, OrganizationService
from leadsdk.messages import PublishScoringModelRequest, TrainScoringModelRequest
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.scoring.engine import TrainedModel
from leadsdk.scoring.models import grade_of
from leadsdk.scoring.synthetic import load_leads

STEADY, NOT_ENOUGH_INFO = 1, 3


def _trained(svc: OrganizationService) -> tuple[uuid.UUID, TrainedModel, tuple[int, int, int]]:
    load_leads(svc, closed=400, seed=5)
    mid = svc.create(Entity("scoringmodel", name="Leads", entityname="lead"))
    svc.execute(TrainScoringModelRequest(model_id=mid))
    m = svc.retrieve("scoringmodel", mid)
    th = (m["gradeathreshold"], m["gradebthreshold"], m["gradecthreshold"])
    return mid, TrainedModel.from_json(json.loads(m["parameters"])), th


def _expected(svc: OrganizationService, model: TrainedModel, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Each lead's score as the row scorer gives it from its stored values."""
    q = QueryExpression("lead")
    q.column_set.add_columns(*model.columns)
    q.criteria.add_condition("leadid", ConditionOperator.IN, *ids)
    score = model.row_scorer()
    return {r["leadid"]: score(r) for r in svc.storage.select(q).rows}


def _score_rows(svc: OrganizationService) -> dict[uuid.UUID, Entity]:
    q = QueryExpression("msdyn_predictivescore")
    q.column_set.all_columns = True
    return {e["msdyn_entityid"].id: e for e in svc.retrieve_multiple(q).entities}


def test_first_publish_writes_score_rows_and_leads_as_row_by_row(svc: OrganizationService) -> None:
    mid, model, th = _trained(svc)
    ids = [r["leadid"] for r in add_leads(svc, 40)]
    before = max(svc.retrieve("lead", i)["versionnumber"] for i in ids)
    assert svc.execute(PublishScoringModelRequest(model_id=mid)).scored_count == 40
    want = _expected(svc, model, ids)
    rows = _score_rows(svc)
    assert set(rows) == set(ids)
    versions = set()
    for i in ids:
        e = svc.retrieve("lead", i)
        ps = rows[i]
        assert e["msdyn_leadscore"] == want[i] == ps["msdyn_score"]
        assert e["msdyn_leadgrade"].value == grade_of(want[i], *th) == ps["msdyn_grade"].value
        assert e["msdyn_leadscoretrend"].value == NOT_ENOUGH_INFO == ps["msdyn_scoretrend"].value
        assert e["msdyn_predictivescoreid"] == EntityReference("msdyn_predictivescore", ps.id)
        assert ps["msdyn_name"] == f"Predictive score of lead {i}"
        assert ps["msdyn_entityid"] == EntityReference("lead", i)
        assert ps["msdyn_entitytype"] == "lead"
        assert ps["msdyn_scoringmodelid"].id == mid
        assert ps.get("msdyn_previousscore") is None
        assert e["versionnumber"] > before
        versions.add(e["versionnumber"])
    assert len(versions) == 40  # a version of its own per lead


def test_page_mixing_scored_and_new_leads_goes_row_by_row(svc: OrganizationService) -> None:
    mid, model, _ = _trained(svc)
    old = [r["leadid"] for r in add_leads(svc, 10)]
    svc.execute(PublishScoringModelRequest(model_id=mid))
    first = _score_rows(svc)
    new = [r["leadid"] for r in add_leads(svc, 5)]
    assert svc.execute(PublishScoringModelRequest(model_id=mid)).scored_count == 15
    want = _expected(svc, model, old + new)
    rows = _score_rows(svc)
    assert set(rows) == set(old + new)
    for i in old:  # the same row re-scored: its trend and previous score
        assert rows[i].id == first[i].id
        assert rows[i]["msdyn_previousscore"] == want[i] == rows[i]["msdyn_score"]
        assert svc.retrieve("lead", i)["msdyn_leadscoretrend"].value == STEADY
    for i in new:
        assert rows[i]["msdyn_score"] == want[i] == svc.retrieve("lead", i)["msdyn_leadscore"]
        assert svc.retrieve("lead", i)["msdyn_leadscoretrend"].value == NOT_ENOUGH_INFO


def test_update_columns_sets_each_row_its_values(svc: OrganizationService) -> None:
    ids = [svc.create(Entity("lead", lastname=f"L{k}")) for k in range(4)]
    other = svc.create(Entity("lead", lastname="untouched", jobtitle="Keep"))
    t = svc.metadata.table("lead")
    n = svc.storage.update_columns(t, ids[:3], {"jobtitle": ["a", "b", None], "msdyn_leadscore": [1, 2, 3]})
    assert n == 3
    got = [svc.retrieve("lead", i) for i in ids]
    assert [e.get("jobtitle") for e in got] == ["a", "b", None, None]
    assert [e.get("msdyn_leadscore") for e in got] == [1, 2, 3, None]
    assert svc.retrieve("lead", other)["jobtitle"] == "Keep"
    assert svc.storage.update_columns(t, [], {"jobtitle": []}) == 0
    if svc.storage.text_ids:  # ids given as their stored texts, as scoring writes them back
        svc.storage.update_columns(t, [str(ids[3])], {"jobtitle": ["text id"]})
        assert svc.retrieve("lead", ids[3])["jobtitle"] == "text id"


def test_publish_again_rescores_every_score_row_in_place(svc: OrganizationService) -> None:
    """A page whose every lead has a score row, scored again by a publish (models._score_columns)."""
    mid, model, th = _trained(svc)
    ids = [r["leadid"] for r in add_leads(svc, 30)]
    svc.execute(PublishScoringModelRequest(model_id=mid))
    first = _score_rows(svc)
    was = {i: svc.retrieve("lead", i)["versionnumber"] for i in ids}
    # move some leads' scores: a column the model reads, set straight in the store (no re-score on update)
    col = model.columns[0]
    t = svc.metadata.table("lead")
    q = QueryExpression("lead")
    q.column_set.add_columns(col)
    values = sorted({r[col] for r in svc.storage.select(q).rows if r[col] is not None}, key=repr)
    for k, i in enumerate(ids[:10]):
        svc.storage.update(t, i, {col: values[k % len(values)]})
    assert svc.execute(PublishScoringModelRequest(model_id=mid)).scored_count == 30
    want = _expected(svc, model, ids)
    rows = _score_rows(svc)
    assert set(rows) == set(ids)
    assert any(want[i] != first[i]["msdyn_score"] for i in ids)  # some trends move
    for i in ids:
        e, ps, old = svc.retrieve("lead", i), rows[i], first[i]["msdyn_score"]
        assert ps.id == first[i].id
        assert e["msdyn_leadscore"] == want[i] == ps["msdyn_score"]
        assert e["msdyn_leadgrade"].value == grade_of(want[i], *th) == ps["msdyn_grade"].value
        assert ps["msdyn_previousscore"] == old
        trend = 0 if want[i] > old else 2 if want[i] < old else STEADY
        assert e["msdyn_leadscoretrend"].value == trend == ps["msdyn_scoretrend"].value
        assert e["msdyn_predictivescoreid"] == EntityReference("msdyn_predictivescore", ps.id)
        assert ps["msdyn_scoringmodelid"].id == mid
        assert ps["versionnumber"] > first[i]["versionnumber"]
        assert ps["modifiedon"] >= first[i]["modifiedon"] and ps["msdyn_scoredon"] == ps["modifiedon"]
        assert e["versionnumber"] > was[i]
