"""Training: the 40/40 rule, the training window, filters, relevance, AUC, engines, persistence."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from _scoring_util import add_leads, months_ago
from leadsdk import Entity, OrganizationService, OrganizationServiceFault
from leadsdk.errors import ErrorCodes
from leadsdk.messages import PublishScoringModelRequest, ScoreRecordsRequest, TrainScoringModelRequest
from leadsdk.scoring.synthetic import load_leads


def new_model(svc: OrganizationService, **cols: object) -> object:
    return svc.create(Entity("scoringmodel", name=str(cols.pop("name", "Leads")), entityname="lead", **cols))


@pytest.mark.parametrize(("qualified", "disqualified", "ok"), [
    (39, 40, False), (40, 39, False), (39, 39, False), (40, 40, True), (41, 41, True), (41, 40, True),
])
def test_forty_forty_rule(svc: OrganizationService, qualified: int, disqualified: int, ok: bool) -> None:
    add_leads(svc, qualified, state=1)
    add_leads(svc, disqualified, state=2)
    add_leads(svc, 50, state=0)  # open leads never count
    mid = new_model(svc)
    if ok:
        r = svc.execute(TrainScoringModelRequest(model_id=mid))
        assert (r.qualified_count, r.disqualified_count) == (qualified, disqualified)
        m = svc.retrieve("scoringmodel", mid)
        assert (m["qualifiedcount"], m["disqualifiedcount"]) == (qualified, disqualified)
        assert m["parameters"]
        return
    with pytest.raises(OrganizationServiceFault) as e:
        svc.execute(TrainScoringModelRequest(model_id=mid))
    assert e.value.error_code == ErrorCodes.INVALID_OPERATION
    assert "at least 40 qualified and 40 disqualified" in e.value.message
    assert f"there are {qualified} qualified and {disqualified} disqualified" in e.value.message
    assert svc.retrieve("scoringmodel", mid).get("parameters") is None


def test_training_window_edges(svc: OrganizationService) -> None:
    add_leads(svc, 40, state=1, created=months_ago(3, days=1))  # just inside 3 months
    add_leads(svc, 40, state=2, created=months_ago(3, days=2))
    add_leads(svc, 7, state=1, created=months_ago(3, days=-1))  # just outside
    add_leads(svc, 5, state=2, created=months_ago(4, days=1))  # inside 4 months
    add_leads(svc, 3, state=2, created=months_ago(4, days=-1))  # outside even 4 months
    mid = new_model(svc, trainingwindowmonths=3)
    r = svc.execute(TrainScoringModelRequest(model_id=mid))
    assert (r.qualified_count, r.disqualified_count) == (40, 40)
    svc.update(Entity("scoringmodel", mid, trainingwindowmonths=4, filtercolumn=None))
    r = svc.execute(TrainScoringModelRequest(model_id=mid))
    assert (r.qualified_count, r.disqualified_count) == (47, 45)


def test_filter_selects_training_records(svc: OrganizationService) -> None:
    add_leads(svc, 45, state=1, industrycode=16)
    add_leads(svc, 42, state=2, industrycode=16)
    add_leads(svc, 30, state=1, industrycode=20)
    add_leads(svc, 30, state=2, industrycode=7)
    finance = new_model(svc, name="finance", filtercolumn="industrycode", filtervalues="16")
    r = svc.execute(TrainScoringModelRequest(model_id=finance))
    assert (r.qualified_count, r.disqualified_count) == (45, 42)
    other = new_model(svc, name="others", filtercolumn="industrycode", filtervalues="20,7")
    with pytest.raises(OrganizationServiceFault, match="with industrycode in \\(20, 7\\); there are 30 qualified"):
        svc.execute(TrainScoringModelRequest(model_id=other))


def test_builtin_auc_on_generated_data(svc: OrganizationService) -> None:
    load_leads(svc, closed=4000, seed=11)
    mid = new_model(svc)
    r = svc.execute(TrainScoringModelRequest(model_id=mid))
    assert r.auc >= 0.80
    assert r.ready_to_publish
    # relevance picks the planted columns and leaves the noise out
    assert {"leadsourcecode", "budgetstatus", "purchasetimeframe", "emailaddress1"} <= set(r.columns)
    assert not {"industrycode", "prioritycode", "preferredcontactmethodcode"} & set(r.columns)
    m = svc.retrieve("scoringmodel", mid)
    assert m["auc"] == pytest.approx(r.auc, abs=1e-4)
    assert m["accuracystatus"].value == 0
    params = json.loads(m["parameters"])
    assert params["engine"] == "naivebayes"
    assert [f["column"] for f in params["features"]] == r.columns


def test_columns_adjustable(svc: OrganizationService) -> None:
    load_leads(svc, closed=300, seed=3)
    mid = new_model(svc, columns="industrycode, budgetstatus")
    r = svc.execute(TrainScoringModelRequest(model_id=mid))
    assert r.columns == ["industrycode", "budgetstatus"]


def test_changing_columns_unpublishes_and_clears(svc: OrganizationService) -> None:
    load_leads(svc, closed=400, seed=5)
    mid = new_model(svc)
    svc.execute(TrainScoringModelRequest(model_id=mid))
    svc.execute(PublishScoringModelRequest(model_id=mid))
    svc.update(Entity("scoringmodel", mid, columns="budgetstatus"))
    m = svc.retrieve("scoringmodel", mid)
    assert m["statecode"].value == 0 and m.get("parameters") is None


def test_sklearn_engine_auc(svc: OrganizationService) -> None:
    pytest.importorskip("sklearn")
    load_leads(svc, closed=4000, seed=11)
    mid = new_model(svc, engine="sklearn")
    r = svc.execute(TrainScoringModelRequest(model_id=mid))
    assert r.auc >= 0.85
    assert json.loads(svc.retrieve("scoringmodel", mid)["parameters"])["engine"] == "sklearn"


def test_sklearn_missing_names_the_extra(svc: OrganizationService, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)  # as if scikit-learn were not installed
    monkeypatch.setitem(sys.modules, "sklearn.linear_model", None)
    load_leads(svc, closed=200, seed=2)
    mid = new_model(svc, engine="sklearn")
    with pytest.raises(OrganizationServiceFault) as e:
        svc.execute(TrainScoringModelRequest(model_id=mid))
    assert "pip install leadsdk[ml]" in e.value.message


def test_model_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    with OrganizationService.open(path) as svc:
        load_leads(svc, closed=500, seed=8)
        mid = new_model(svc)
        svc.execute(TrainScoringModelRequest(model_id=mid))
        svc.execute(PublishScoringModelRequest(model_id=mid))
    with OrganizationService.open(path) as svc:
        add_leads(svc, 20, state=0)
        assert svc.execute(ScoreRecordsRequest(entity_name="lead")).scored_count == 20
        lid = svc.create(Entity("lead", lastname="Reopened", subject="s", leadsourcecode=2))
        assert svc.retrieve("lead", lid)["msdyn_leadscore"] is not None
