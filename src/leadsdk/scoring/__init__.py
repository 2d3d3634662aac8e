"""Predictive scoring engines: features, the built-in naive Bayes and the optional scikit-learn model,
quality metrics and a synthetic data generator. The messages that use them live in
`leadsdk.scoring.messages`."""

from __future__ import annotations

from leadsdk.scoring.engine import ENGINES, TrainedModel, train_naive_bayes, train_sklearn
from leadsdk.scoring.features import Feature, candidate_columns, tokenize
from leadsdk.scoring.metrics import auc, mutual_information

__all__ = [
    "ENGINES",
    "Feature",
    "TrainedModel",
    "auc",
    "candidate_columns",
    "mutual_information",
    "tokenize",
    "train_naive_bayes",
    "train_sklearn",
]
