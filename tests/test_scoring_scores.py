"""Scoring: who gets scored, scores on create, re-scoring and trend, grade edits, explanations."""

from __future__ import annotations

import uuid

import pytest

from _scoring_util import add_leads, months_ago
from leadsdk import Entity, EntityReference, OrganizationService, OrganizationServiceFault
from leadsdk.messages import (
    ExplainScoreRequest,
    PublishScoringModelRequest,
    ScoreRecordsRequest,
    TrainScoringModelRequest,
)
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.scoring.messages import score_all
from leadsdk.scoring.synthetic import load_leads

IMPROVING, STEADY, DECLINING, NOT_ENOUGH_INFO = 0, 1, 2, 3


def published(svc: OrganizationService, closed: int = 1500, **cols: object) -> uuid.UUID:
    load_leads(svc, closed=closed, seed=21)
    mid = svc.create(Entity("scoringmodel", name="Leads", entityname="lead", **cols))
    svc.execute(TrainScoringModelRequest(model_id=mid))
    return mid


def lead(svc: OrganizationService, lid: uuid.UUID) -> Entity:
    return svc.retrieve("lead", lid)


def score_row(svc: OrganizationService, lid: uuid.UUID) -> Entity:
    q = QueryExpression("msdyn_predictivescore")
    q.column_set.all_columns = True
    q.criteria.add_condition("msdyn_entityid", ConditionOperator.EQUAL, lid)
    rows = svc.retrieve_multiple(q).entities
    assert len(rows) == 1
    return rows[0]


def test_publish_scores_open_leads_in_window_only(svc: OrganizationService) -> None:
    mid = published(svc)
    fresh = add_leads(svc, 30)
    old = add_leads(svc, 5, created=months_ago(24, days=-2), msdyn_leadscore=13)
    closed = add_leads(svc, 5, state=2, msdyn_leadscore=17, msdyn_leadgrade=3)
    r = svc.execute(PublishScoringModelRequest(model_id=mid))
    assert r.scored_count == 30
    assert svc.retrieve("scoringmodel", mid)["statecode"].value == 1
    for row in fresh:
        e = lead(svc, row["leadid"])
        assert 0 <= e["msdyn_leadscore"] <= 100
        assert e["msdyn_leadscoretrend"].value == NOT_ENOUGH_INFO
        ps = score_row(svc, row["leadid"])
        assert ps["msdyn_score"] == e["msdyn_leadscore"]
        assert ps["msdyn_grade"] == e["msdyn_leadgrade"]
        assert ps["msdyn_entitytype"] == "lead"
        assert ps["msdyn_entityid"] == EntityReference("lead", row["leadid"])
        assert ps["msdyn_scoringmodelid"].id == mid
        assert e["msdyn_predictivescoreid"].id == ps.id
    for row in old:
        assert lead(svc, row["leadid"])["msdyn_leadscore"] == 13
    for row in closed:
        e = lead(svc, row["leadid"])
        assert (e["msdyn_leadscore"], e["msdyn_leadgrade"].value) == (17, 3)
        assert e.get("msdyn_predictivescoreid") is None


def test_window_edge_of_scoring(svc: OrganizationService) -> None:
    mid = published(svc)
    inside = add_leads(svc, 1, created=months_ago(24, days=1))[0]["leadid"]
    outside = add_leads(svc, 1, created=months_ago(24, days=-1))[0]["leadid"]
    svc.execute(PublishScoringModelRequest(model_id=mid))
    assert lead(svc, inside).get("msdyn_leadscore") is not None
    assert lead(svc, outside).get("msdyn_leadscore") is None


def test_new_leads_scored_on_create(svc: OrganizationService) -> None:
    mid = published(svc)
    before = svc.create(Entity("lead", lastname="Early", subject="s"))
    assert lead(svc, before).get("msdyn_leadscore") is None  # no published model yet
    svc.execute(PublishScoringModelRequest(model_id=mid))
    hot = svc.create(Entity("lead", lastname="Hot", subject="s", leadsourcecode=2, budgetstatus=3,
                            purchasetimeframe=0, emailaddress1="hot@example.com", decisionmaker=True))
    cold = svc.create(Entity("lead", lastname="Cold", subject="s", leadsourcecode=1, budgetstatus=0,
                             purchasetimeframe=4))
    h, c = lead(svc, hot), lead(svc, cold)
    assert h["msdyn_leadscore"] > 80 > 20 > c["msdyn_leadscore"]
    assert h["msdyn_leadgrade"].value == 0 and c["msdyn_leadgrade"].value == 3
    assert h["msdyn_leadscoretrend"].value == NOT_ENOUGH_INFO
    assert score_row(svc, hot)["msdyn_score"] == h["msdyn_leadscore"]


def test_filtered_model_scores_only_its_leads(svc: OrganizationService) -> None:
    mid = published(svc, filtercolumn="leadsourcecode", filtervalues="2, 4, 8")
    svc.execute(PublishScoringModelRequest(model_id=mid))
    inside = svc.create(Entity("lead", lastname="A", subject="s", leadsourcecode=8))
    outside = svc.create(Entity("lead", lastname="B", subject="s", leadsourcecode=6))
    assert lead(svc, inside).get("msdyn_leadscore") is not None
    assert lead(svc, outside).get("msdyn_leadscore") is None


def test_rescoring_and_trend(svc: OrganizationService) -> None:
    mid = published(svc)
    svc.execute(PublishScoringModelRequest(model_id=mid))
    lid = svc.create(Entity("lead", lastname="T", subject="s", leadsourcecode=10, budgetstatus=1))
    first = lead(svc, lid)["msdyn_leadscore"]
    other = svc.create(Entity("lead", lastname="U", subject="s"))
    assert svc.execute(ScoreRecordsRequest(entity_name="lead")).scored_count == 0  # nothing changed

    svc.update(Entity("lead", lid, leadsourcecode=2, budgetstatus=3))
    assert svc.execute(ScoreRecordsRequest(entity_name="lead")).scored_count == 1
    e = lead(svc, lid)
    assert e["msdyn_leadscore"] > first
    assert e["msdyn_leadscoretrend"].value == IMPROVING
    ps = score_row(svc, lid)
    assert ps["msdyn_previousscore"] == first and ps["msdyn_scoretrend"].value == IMPROVING
    second = e["msdyn_leadscore"]

    svc.update(Entity("lead", lid, leadsourcecode=1))
    assert score_all(svc, ["lead"]) == {"lead": 1}
    e = lead(svc, lid)
    assert e["msdyn_leadscore"] < second and e["msdyn_leadscoretrend"].value == DECLINING

    assert svc.execute(ScoreRecordsRequest(entity_name="lead", force=True)).scored_count == 2
    assert lead(svc, lid)["msdyn_leadscoretrend"].value == STEADY
    assert lead(svc, other)["msdyn_leadscoretrend"].value == STEADY


def test_closed_lead_keeps_last_score(svc: OrganizationService) -> None:
    mid = published(svc)
    svc.execute(PublishScoringModelRequest(model_id=mid))
    lid = svc.create(Entity("lead", lastname="T", subject="s", leadsourcecode=2))
    before = lead(svc, lid)
    svc.update(Entity("lead", lid, statecode=2, statuscode=4, leadsourcecode=1))
    assert svc.execute(ScoreRecordsRequest(entity_name="lead", force=True)).scored_count == 0
    after = lead(svc, lid)
    assert after["msdyn_leadscore"] == before["msdyn_leadscore"]
    assert after["msdyn_leadgrade"] == before["msdyn_leadgrade"]


def test_score_records_with_query(svc: OrganizationService) -> None:
    mid = published(svc)
    svc.execute(PublishScoringModelRequest(model_id=mid))
    ids = [svc.create(Entity("lead", lastname=n, subject="s")) for n in ("Ann", "Bob", "Cy")]
    q = QueryExpression("lead")
    q.criteria.add_condition("lastname", ConditionOperator.EQUAL, "Bob")
    assert svc.execute(ScoreRecordsRequest(entity_name="lead", query=q)).scored_count == 1
    assert lead(svc, ids[1])["msdyn_leadscoretrend"].value == STEADY
    assert lead(svc, ids[0])["msdyn_leadscoretrend"].value == NOT_ENOUGH_INFO
    with pytest.raises(OrganizationServiceFault, match="is on 'contact'"):
        svc.execute(ScoreRecordsRequest(entity_name="lead", query=QueryExpression("contact")))
    with pytest.raises(OrganizationServiceFault, match="leads or opportunities"):
        svc.execute(ScoreRecordsRequest(entity_name="account"))


def test_grade_edit_regrades_existing_scores(svc: OrganizationService) -> None:
    mid = published(svc)
    svc.execute(PublishScoringModelRequest(model_id=mid))
    lid = svc.create(Entity("lead", lastname="G", subject="s", leadsourcecode=3))
    score = lead(svc, lid)["msdyn_leadscore"]
    assert 3 <= score <= 99
    # the lead's score becomes exactly the minimum of grade A, then one below it (grade B)
    svc.update(Entity("scoringmodel", mid, gradeathreshold=score, gradebthreshold=score - 1, gradecthreshold=1))
    assert lead(svc, lid)["msdyn_leadgrade"].value == 0
    assert score_row(svc, lid)["msdyn_grade"].value == 0
    svc.update(Entity("scoringmodel", mid, gradeathreshold=score + 1))
    assert lead(svc, lid)["msdyn_leadgrade"].value == 1
    assert score_row(svc, lid)["msdyn_grade"].value == 1
    assert lead(svc, lid)["msdyn_leadscore"] == score


def test_explanation_names_the_planted_signal(svc: OrganizationService) -> None:
    mid = published(svc)
    svc.execute(PublishScoringModelRequest(model_id=mid))
    hot = svc.create(Entity("lead", lastname="Hot", subject="s", leadsourcecode=2, purchasetimeframe=2))
    r = svc.execute(ExplainScoreRequest(target=EntityReference("lead", hot)))
    assert r.score == lead(svc, hot)["msdyn_leadscore"]
    assert r.grade in ("A", "B", "C", "D")
    assert r.model_id == mid
    assert r.raising[0][:2] == ("leadsourcecode", "Employee Referral")
    assert r.factors[0][0] == "leadsourcecode"
    assert any(col == "emailaddress1" and value == "(empty)" for col, value, _ in r.lowering)
    cold = svc.create(Entity("lead", lastname="Cold", subject="s", leadsourcecode=1))
    r = svc.execute(ExplainScoreRequest(target=EntityReference("lead", cold)))
    assert ("leadsourcecode", "Advertisement") in [f[:2] for f in r.lowering]
    assert all(c < 0 for _, _, c in r.lowering) and all(c > 0 for _, _, c in r.raising)


def test_explain_unscored_faults(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="Nobody", subject="s"))
    with pytest.raises(OrganizationServiceFault, match="has no predictive score yet"):
        svc.execute(ExplainScoreRequest(target=EntityReference("lead", lid)))
    with pytest.raises(OrganizationServiceFault, match="Does Not Exist"):
        svc.execute(ExplainScoreRequest(target=EntityReference("lead", uuid.uuid4())))


def test_deleting_a_lead_deletes_its_score(svc: OrganizationService) -> None:
    mid = published(svc)
    svc.execute(PublishScoringModelRequest(model_id=mid))
    lid = svc.create(Entity("lead", lastname="Gone", subject="s"))
    score_row(svc, lid)
    svc.delete("lead", lid)
    q = QueryExpression("msdyn_predictivescore")
    q.criteria.add_condition("msdyn_entityid", ConditionOperator.EQUAL, lid)
    assert len(svc.retrieve_multiple(q)) == 0


def test_opportunity_scoring(svc: OrganizationService) -> None:
    import datetime as dt
    import random

    rnd = random.Random(5)
    now = dt.datetime.now(dt.timezone.utc)
    rows = []
    for i in range(300):
        budget = rnd.choice([0, 1, 2, 3])
        won = rnd.random() < (0.85 if budget >= 2 else 0.15)
        rows.append({"opportunityid": uuid.UUID(int=rnd.getrandbits(128)), "name": f"Deal {i}", "budgetstatus": budget,
                     "need": rnd.choice([0, 1, 2, 3]), "statecode": 1 if won else 2, "statuscode": 3 if won else 4,
                     "createdon": now - dt.timedelta(days=rnd.randint(1, 300))})
    with svc.storage.transaction():
        svc.storage.insert_many(svc.metadata.table("opportunity"), rows)
    mid = svc.create(Entity("scoringmodel", name="Deals", entityname="opportunity", columns="budgetstatus, need"))
    r = svc.execute(TrainScoringModelRequest(model_id=mid))
    assert r.qualified_count + r.disqualified_count == 300 and r.auc > 0.7  # the best possible is about 0.85
    svc.execute(PublishScoringModelRequest(model_id=mid))
    good = svc.create(Entity("opportunity", name="Good", budgetstatus=3))
    bad = svc.create(Entity("opportunity", name="Bad", budgetstatus=0))
    g, b = svc.retrieve("opportunity", good), svc.retrieve("opportunity", bad)
    assert g["msdyn_opportunityscore"] > 60 > b["msdyn_opportunityscore"]
    assert g["msdyn_opportunityscoretrend"].value == NOT_ENOUGH_INFO
    ps = score_row(svc, good)
    assert ps["msdyn_entitytype"] == "opportunity" and ps["msdyn_score"] == g["msdyn_opportunityscore"]
    r2 = svc.execute(ExplainScoreRequest(target=EntityReference("opportunity", good)))
    assert r2.raising[0][:2] == ("budgetstatus", "Will Buy")
