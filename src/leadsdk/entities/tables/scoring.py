"""Predictive scoring tables: `scoringmodel` (one row per lead or opportunity scoring model) and
`msdyn_predictivescore` (one row per scored record). The scores are mirrored on lead and opportunity
(those columns are declared in `sales`).

Dataverse keeps scores in `msdyn_predictivescore` (shared by lead and opportunity scoring, since 2020
wave 2) and mirrors them on the lead as `msdyn_leadscore`, `msdyn_leadgrade`, `msdyn_leadscoretrend`,
with `msdyn_predictivescoreid` pointing at the score row. The model's configuration (filter column and
values, training window, grade thresholds) is what the Sales Insights settings page edits; here it is
a plain record, so it is created, read and updated with the ordinary messages.
"""

from __future__ import annotations

import attrs

from leadsdk.entities.declare import (
    REQUIRED,
    TableDecl,
    datetime,
    double,
    integer,
    lookup,
    memo,
    optionset,
    picklist,
    states,
    string,
    table,
)
from leadsdk.entities.model import CascadeType, OwnershipType
from leadsdk.entities.tables import optionsets as o

__all__ = ["MODEL_ACCURACY", "TABLES"]

MODEL_ACCURACY = optionset("ScoringModelAccuracy", {
    0: "Ready to publish", 1: "OK to publish", 2: "Not ready to publish",
})
"""The accuracy band of a trained model (from its held-out AUC), as the Sales Insights page shows it."""

SCORINGMODEL = table(
    "scoringmodel", "Scoring Model", "Scoring Models",
    [
        string("name", 200, "Name", required=REQUIRED),
        string("entityname", 64, "Table", required=REQUIRED,
               description="The table the model scores: lead or opportunity."),
        string("filtercolumn", 100, "Filter Column",
               description="Column that decides which records the model trains on and scores (e.g. industrycode)."),
        string("filtervalues", 1000, "Filter Values",
               description="Comma-separated values of the filter column this model covers."),
        integer("trainingwindowmonths", "Train With Records From The Past (Months)", min_value=3, max_value=24),
        integer("gradeathreshold", "Grade A Minimum Score", min_value=1, max_value=100),
        integer("gradebthreshold", "Grade B Minimum Score", min_value=1, max_value=100),
        integer("gradecthreshold", "Grade C Minimum Score", min_value=1, max_value=100),
        string("engine", 20, "Engine", description="naivebayes (built in) or sklearn (pip install leadsdk[ml])."),
        memo("columns", 4000, "Columns",
             description="Comma-separated columns the model uses; empty: chosen automatically by relevance."),
        memo("parameters", 1048576, "Model Parameters",
             description="The trained model as JSON (engine, features, weights); written by training."),
        double("auc", "Accuracy (AUC)", precision=4, min_value=0, max_value=1),
        picklist("accuracystatus", MODEL_ACCURACY, "Accuracy"),
        integer("qualifiedcount", "Qualified (Won) Records", min_value=0),
        integer("disqualifiedcount", "Disqualified (Lost) Records", min_value=0),
        datetime("lasttrainedon", "Last Trained On"),
        datetime("publishedon", "Published On"),
        datetime("lastscoredon", "Last Scored On",
                 description="When the model last scored all its records (publish or a daily refresh)."),
    ],
    primary_name="name",
    ownership=OwnershipType.ORGANIZATION_OWNED,
    state_model=states((0, "Draft", {1: "Draft"}), (1, "Published", {2: "Published"})),
    description="A predictive scoring model for leads or opportunities: its filter, training window, "
    "grade thresholds and, once trained, its parameters.",
)

# defaults of the model record (the declarations' own default_value)
_DEFAULTS = {"trainingwindowmonths": 24, "gradeathreshold": 76, "gradebthreshold": 51, "gradecthreshold": 26,
             "engine": "naivebayes"}
for _name, _value in _DEFAULTS.items():
    SCORINGMODEL.metadata.attributes[_name] = attrs.evolve(SCORINGMODEL.metadata.attributes[_name],
                                                           default_value=_value)

PREDICTIVESCORE = table(
    "msdyn_predictivescore", "Predictive Score", "Predictive Scores",
    [
        string("msdyn_name", 200, "Name"),
        integer("msdyn_score", "Score", min_value=0, max_value=100),
        integer("msdyn_previousscore", "Previous Score", min_value=0, max_value=100),
        picklist("msdyn_scoretrend", o.SCORE_TREND, "Score Trend"),
        picklist("msdyn_grade", o.LEAD_GRADE, "Grade"),
        lookup("msdyn_entityid", ("lead", "opportunity"), "Scored Record",
               relationship={"lead": "msdyn_lead_msdyn_predictivescore",
                             "opportunity": "msdyn_opportunity_msdyn_predictivescore"},
               delete=CascadeType.CASCADE),
        string("msdyn_entitytype", 64, "Scored Table", description="'lead' or 'opportunity'."),
        lookup("msdyn_scoringmodelid", "scoringmodel", "Scoring Model",
               relationship="scoringmodel_msdyn_predictivescore", delete=CascadeType.CASCADE),
        datetime("msdyn_scoredon", "Scored On"),
    ],
    primary_name="msdyn_name",
    ownership=OwnershipType.ORGANIZATION_OWNED,
    description="The predictive score of one lead or opportunity: score, grade, trend and the model that gave it.",
)


TABLES: list[TableDecl] = [SCORINGMODEL, PREDICTIVESCORE]
