"""Scoring models as records: defaults, the 10-model limit, overlapping filters, grade thresholds."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadsdk import Entity, OrganizationService, OrganizationServiceFault
from leadsdk.errors import ErrorCodes
from leadsdk.messages import PublishScoringModelRequest
from leadsdk.scoring.models import grade_of, grade_ranges


def model(svc: OrganizationService, name: str = "m", **cols: object) -> object:
    return svc.create(Entity("scoringmodel", name=name, entityname=cols.pop("entityname", "lead"), **cols))


def test_defaults(svc: OrganizationService) -> None:
    mid = model(svc)
    m = svc.retrieve("scoringmodel", mid)
    assert m["engine"] == "naivebayes"
    assert m["trainingwindowmonths"] == 24
    assert (m["gradeathreshold"], m["gradebthreshold"], m["gradecthreshold"]) == (76, 51, 26)
    assert m["statecode"].value == 0
    assert grade_ranges(m) == {"A": (76, 100), "B": (51, 75), "C": (26, 50), "D": (0, 25)}


@pytest.mark.parametrize("months", [3, 24])
def test_window_bounds_accepted(svc: OrganizationService, months: int) -> None:
    mid = model(svc, trainingwindowmonths=months)
    assert svc.retrieve("scoringmodel", mid)["trainingwindowmonths"] == months


@pytest.mark.parametrize("months", [2, 25])
def test_window_out_of_range(svc: OrganizationService, months: int) -> None:
    with pytest.raises(OrganizationServiceFault) as e:
        model(svc, trainingwindowmonths=months)
    assert e.value.error_code == ErrorCodes.NUMBER_OUT_OF_RANGE
    assert "trainingwindowmonths" in e.value.message


def test_bad_table_and_engine(svc: OrganizationService) -> None:
    with pytest.raises(OrganizationServiceFault, match="'lead' or 'opportunity'"):
        model(svc, entityname="account")
    with pytest.raises(OrganizationServiceFault, match="engine 'forest'"):
        model(svc, engine="forest")


def test_ten_models_per_table(svc: OrganizationService) -> None:
    for i in range(1, 11):
        model(svc, f"industry {i}", filtercolumn="industrycode", filtervalues=str(i))
    with pytest.raises(OrganizationServiceFault) as e:
        model(svc, "industry 11", filtercolumn="industrycode", filtervalues="11")
    assert "already has 10 scoring models" in e.value.message
    assert e.value.error_code == ErrorCodes.INVALID_OPERATION
    model(svc, "opportunities", entityname="opportunity")  # the limit is per table
    assert len(svc.retrieve_multiple(_all_models())) == 11


def _all_models() -> object:
    from leadsdk.query import QueryExpression

    return QueryExpression("scoringmodel")


def test_overlapping_filters_fault(svc: OrganizationService) -> None:
    model(svc, "finance", filtercolumn="industrycode", filtervalues="16, 20")
    with pytest.raises(OrganizationServiceFault) as e:
        model(svc, "insurance", filtercolumn="industrycode", filtervalues="20,21")
    assert e.value.error_code == ErrorCodes.DUPLICATE_RECORD
    assert "'insurance' and 'finance'" in e.value.message and "industrycode = 20" in e.value.message
    with pytest.raises(OrganizationServiceFault, match="has no filter"):
        model(svc, "everything")
    with pytest.raises(OrganizationServiceFault, match="can match both"):
        model(svc, "by source", filtercolumn="leadsourcecode", filtervalues="2")
    legal = model(svc, "legal", filtercolumn="industrycode", filtervalues="21")
    with pytest.raises(OrganizationServiceFault, match="overlap"):
        svc.update(Entity("scoringmodel", legal, filtervalues="21,16"))
    assert svc.retrieve("scoringmodel", legal)["filtervalues"] == "21"


def test_unfiltered_model_blocks_others(svc: OrganizationService) -> None:
    model(svc, "all leads")
    with pytest.raises(OrganizationServiceFault, match="'all leads' has no filter"):
        model(svc, "finance", filtercolumn="industrycode", filtervalues="16")


def test_bad_filter_and_columns(svc: OrganizationService) -> None:
    with pytest.raises(OrganizationServiceFault, match="not a valid value of column 'industrycode'"):
        model(svc, filtercolumn="industrycode", filtervalues="banking")
    with pytest.raises(OrganizationServiceFault, match="not a valid value"):
        model(svc, filtercolumn="industrycode", filtervalues="999")
    with pytest.raises(OrganizationServiceFault, match="no such column"):
        model(svc, filtercolumn="colour", filtervalues="red")
    with pytest.raises(OrganizationServiceFault, match="lists no filter values"):
        model(svc, filtercolumn="industrycode")
    with pytest.raises(OrganizationServiceFault, match="no filter column"):
        model(svc, filtervalues="3")
    with pytest.raises(OrganizationServiceFault, match="cannot use column 'createdon'"):
        model(svc, columns="leadsourcecode, createdon")
    with pytest.raises(OrganizationServiceFault, match="cannot use column 'msdyn_leadscore'"):
        model(svc, columns="msdyn_leadscore")


def test_grade_threshold_edits_move_the_next_grade(svc: OrganizationService) -> None:
    mid = model(svc)
    svc.update(Entity("scoringmodel", mid, gradeathreshold=51, gradebthreshold=40))
    ranges = grade_ranges(svc.retrieve("scoringmodel", mid))
    assert ranges["A"] == (51, 100)
    assert ranges["B"] == (40, 50)
    assert ranges["C"] == (26, 39)
    with pytest.raises(OrganizationServiceFault) as e:
        svc.update(Entity("scoringmodel", mid, gradebthreshold=60))
    assert "ordered 100 >= A > B > C >= 1" in e.value.message
    assert "A 51, B 60, C 26" in e.value.message
    assert svc.retrieve("scoringmodel", mid)["gradebthreshold"] == 40


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=st.integers(1, 100), b=st.integers(1, 100), c=st.integers(1, 100))
def test_thresholds_any_input(svc: OrganizationService, a: int, b: int, c: int) -> None:
    ordered = a > b > c
    try:
        mid = svc.create(Entity("scoringmodel", name="t", entityname="opportunity",
                                gradeathreshold=a, gradebthreshold=b, gradecthreshold=c))
    except OrganizationServiceFault as e:
        assert not ordered
        assert e.error_code == ErrorCodes.INVALID_ARGUMENT
        return
    assert ordered
    svc.delete("scoringmodel", mid)
    for score in (0, c - 1, c, b, a, 100):
        g = grade_of(score, a, b, c)
        assert g == (0 if score >= a else 1 if score >= b else 2 if score >= c else 3)


def test_untrained_model_cannot_be_published(svc: OrganizationService) -> None:
    mid = model(svc)
    with pytest.raises(OrganizationServiceFault, match="before it is trained"):
        svc.execute(PublishScoringModelRequest(model_id=mid))
    with pytest.raises(OrganizationServiceFault, match="before it is trained"):
        svc.update(Entity("scoringmodel", mid, statecode=1, statuscode=2))
    assert svc.retrieve("scoringmodel", mid)["statecode"].value == 0


_VALUES = st.one_of(st.none(), st.just(""), st.integers(-5, 5), st.booleans(), st.text(max_size=3),
                    st.floats(-1e6, 1e6, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(_VALUES, _VALUES, st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False),
                                                           st.integers(-1000, 1000))), min_size=1, max_size=30),
       labels=st.lists(st.booleans(), min_size=4, max_size=4))
def test_page_scorer_scores_as_row_scorer_and_tokens(rows: list[tuple[object, object, object]],
                                                     labels: list[bool]) -> None:
    """A page scored column by column gets the scores each row gets on its own, and those of its tokens."""
    from leadsdk.scoring.engine import train_naive_bayes
    from leadsdk.scoring.features import Feature

    feats = [Feature("cat", "category"), Feature("pres", "presence"), Feature("num", "number", [-10.0, 0.5, 99.0])]
    train = [["1", "1", "b0"], ["", "", "b1"], ["0", "1", "b3"], ["3", "", "b2"]]
    model = train_naive_bayes(feats, train, labels)
    dicts = [{"cat": c if isinstance(c, (int, type(None))) else None, "pres": p, "num": x} for c, p, x in rows]
    by_row = [model.row_scorer()(d) for d in dicts]
    assert model.page_scorer()(dicts) == by_row
    assert by_row == [model.score([f.token(d[f.column]) for f in feats]) for d in dicts]
