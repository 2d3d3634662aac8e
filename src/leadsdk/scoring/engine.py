"""The scoring engines behind one interface.

Both engines end in the same additive form - a bias plus one log-odds contribution per column value -
so one `TrainedModel` scores, explains and persists (as JSON on the model record) whichever engine
trained it:

- `naivebayes` (built in, no dependencies): counts of each column value among positive (qualified/won)
  and negative (disqualified/lost) records with Laplace smoothing, as Odoo's predictive lead scoring
  does; a value's contribution is log P(value | positive) - log P(value | negative).
- `sklearn` (`pip install leadsdk[ml]`): an L2-regularised logistic regression over the one-hot
  encoded tokens. scikit-learn is needed only to train; the coefficients are stored as JSON, so
  scoring never imports it.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from itertools import repeat
from operator import add, is_, mul
from typing import Any

import attrs

from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.scoring.features import EMPTY, Feature

__all__ = ["ENGINES", "TrainedModel", "train_naive_bayes", "train_sklearn"]

FORMAT = 1


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@attrs.define
class TrainedModel:
    """A trained model: `bias` + sum of per-column contributions = log-odds of a positive outcome."""

    engine: str
    features: list[Feature]
    bias: float
    weights: list[dict[str, float]]
    """Per feature: token -> contribution (log-odds)."""
    unseen: list[float]
    """Per feature: the contribution of a token not seen in training."""

    def contributions(self, tokens: Sequence[str]) -> list[float]:
        return [w.get(tok, u) for w, u, tok in zip(self.weights, self.unseen, tokens)]

    def logit(self, tokens: Sequence[str]) -> float:
        s = self.bias
        for w, u, tok in zip(self.weights, self.unseen, tokens):
            s += w.get(tok, u)
        return s

    def probability(self, tokens: Sequence[str]) -> float:
        return _sigmoid(self.logit(tokens))

    def score(self, tokens: Sequence[str]) -> int:
        """0-100: the probability of a positive outcome, in percent."""
        return max(0, min(100, round(100 * _sigmoid(self.logit(tokens)))))

    def _lookups(self) -> tuple[list[tuple[str, dict[Any, float], float]], list[tuple[str, float, float]],
                                list[tuple[str, list[float], list[float], float]]]:
        """Per column, a lookup from the stored value straight to its contribution: categories by value,
        presence as (filled, empty), numbers as (edges, bins, empty)."""
        cats: list[tuple[str, dict[Any, float], float]] = []
        presence: list[tuple[str, float, float]] = []
        numbers: list[tuple[str, list[float], list[float], float]] = []
        for f, w, u in zip(self.features, self.weights, self.unseen):
            if f.kind == "category":
                table: dict[Any, float] = {}
                for tok, c in w.items():
                    table[None if tok == EMPTY else int(tok)] = c  # True/False hash as 1/0
                cats.append((f.column, table, u))
            elif f.kind == "presence":
                presence.append((f.column, w.get("1", u), w.get(EMPTY, u)))
            else:
                bins = [w.get(f"b{i}", u) for i in range(len(f.edges) + 1)]
                numbers.append((f.column, f.edges, bins, w.get(EMPTY, u)))
        return cats, presence, numbers

    def row_scorer(self) -> Callable[[Mapping[str, Any]], int]:
        """A fast `row -> score` for bulk scoring: per column, a lookup from the stored value straight to
        its contribution (numbers through their bins), so no tokens are built."""
        cats, presence, numbers = self._lookups()
        bias = self.bias

        def score(row: Mapping[str, Any]) -> int:
            s = bias
            for col, table, u in cats:
                s += table.get(row.get(col), u)
            for col, filled, empty in presence:
                v = row.get(col)
                s += empty if v is None or v == "" else filled
            for col, edges, bins, empty in numbers:
                v = row.get(col)
                s += empty if v is None else bins[bisect_right(edges, float(v))]
            return max(0, min(100, round(100 * _sigmoid(s))))

        return score

    def page_scorer(self) -> Callable[[Sequence[dict[str, Any]]], list[int]]:
        """`row_scorer` over a page of rows at once (`column_scorer` over the rows' columns)."""
        scores = self.column_scorer()
        return lambda rows: scores(lambda col: list(map(dict.get, rows, repeat(col))), len(rows))

    def column_scorer(self) -> Callable[[Callable[[str], Sequence[Any]], int], list[int]]:
        """`row_scorer` over a page of n rows given column by column (`column(name)`: the n values of one
        column), with C-level maps (one Python call a row is left: the sigmoid). The same additions in the
        same order, so the same scores."""
        cats, presence, numbers = self._lookups()
        bias = self.bias
        score_of = self.row_scorer()
        names: list[str] = [c[0] for c in cats] + [c[0] for c in presence] + [c[0] for c in numbers]

        def scores(column: Callable[[str], Sequence[Any]], n: int) -> list[int]:
            s = [bias] * n
            for col, table, u in cats:
                s = list(map(add, s, map(table.get, column(col), repeat(u))))
            for col, filled, empty in presence:
                empties = {None: empty, "": empty}
                s = list(map(add, s, map(empties.get, column(col), repeat(filled))))
            for col, edges, bins, _ in numbers:
                values = column(col)
                if any(map(is_, values, repeat(None))):  # blanks: row by row
                    return [score_of(dict(zip(names, row))) for row in zip(*map(column, names))]
                s = list(map(add, s, map(bins.__getitem__, map(bisect_right, repeat(edges), map(float, values)))))
            return list(map(max, repeat(0), map(min, repeat(100), map(round, map(mul, repeat(100), map(_sigmoid, s))))))

        return scores

    @property
    def columns(self) -> list[str]:
        return [f.column for f in self.features]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "engine": self.engine, "bias": self.bias,
            "features": [
                {**f.to_json(), "weights": w, "unseen": u}
                for f, w, u in zip(self.features, self.weights, self.unseen)
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TrainedModel:
        feats = data["features"]
        return cls(
            engine=str(data["engine"]),
            features=[Feature.from_json(f) for f in feats],
            bias=float(data["bias"]),
            weights=[{str(k): float(v) for k, v in f["weights"].items()} for f in feats],
            unseen=[float(f["unseen"]) for f in feats],
        )


def train_naive_bayes(features: Sequence[Feature], rows: Sequence[Sequence[str]], labels: Sequence[bool],
                      alpha: float = 1.0) -> TrainedModel:
    """Categorical naive Bayes with Laplace smoothing `alpha` over the token rows."""
    n_pos = sum(1 for y in labels if y)
    n_neg = len(labels) - n_pos
    weights: list[dict[str, float]] = []
    unseen: list[float] = []
    for j in range(len(features)):
        pos: dict[str, int] = {}
        neg: dict[str, int] = {}
        for r, y in zip(rows, labels):
            tok = r[j]
            d = pos if y else neg
            d[tok] = d.get(tok, 0) + 1
        vocab = set(pos) | set(neg)
        k = len(vocab) + 1  # +1: room for a value never seen in training
        dp = math.log(n_pos + alpha * k)
        dn = math.log(n_neg + alpha * k)
        w = {tok: (math.log(pos.get(tok, 0) + alpha) - dp) - (math.log(neg.get(tok, 0) + alpha) - dn)
             for tok in vocab}
        weights.append(w)
        unseen.append((math.log(alpha) - dp) - (math.log(alpha) - dn))
    bias = math.log((n_pos + alpha) / (n_neg + alpha))
    return TrainedModel("naivebayes", list(features), bias, weights, unseen)


def _require_sklearn() -> Any:
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_OPERATION,
            "The sklearn scoring engine needs scikit-learn, which is not installed: "
            "pip install leadsdk[ml] (or choose engine 'naivebayes').",
        ) from None
    return LogisticRegression


def train_sklearn(features: Sequence[Feature], rows: Sequence[Sequence[str]], labels: Sequence[bool]
                  ) -> TrainedModel:
    """Logistic regression (scikit-learn) over one-hot tokens; coefficients are centred per column so
    that a contribution reads "compared with a typical record", and the centres move into the bias."""
    logistic_regression = _require_sklearn()
    from scipy.sparse import csr_matrix  # type: ignore[import-untyped,import-not-found,unused-ignore]

    index: list[dict[str, int]] = []
    width = 0
    for j in range(len(features)):
        vocab: dict[str, int] = {}
        for r in rows:
            tok = r[j]
            if tok not in vocab:
                vocab[tok] = width
                width += 1
        index.append(vocab)
    nf = len(features)
    indices = [index[j][r[j]] for r in rows for j in range(nf)]
    indptr = list(range(0, len(rows) * nf + 1, nf))
    x = csr_matrix(([1.0] * len(indices), indices, indptr), shape=(len(rows), max(width, 1)))
    clf = logistic_regression(C=1.0, max_iter=500, solver="lbfgs")
    clf.fit(x, [1 if y else 0 for y in labels])
    coef = [float(c) for c in clf.coef_[0]]
    bias = float(clf.intercept_[0])
    weights: list[dict[str, float]] = []
    unseen: list[float] = []
    n = len(rows) or 1
    for j in range(nf):
        counts: dict[str, int] = {}
        for r in rows:
            counts[r[j]] = counts.get(r[j], 0) + 1
        centre = sum(coef[i] * counts[tok] for tok, i in index[j].items()) / n
        weights.append({tok: coef[i] - centre for tok, i in index[j].items()})
        unseen.append(-centre)
        bias += centre
    return TrainedModel("sklearn", list(features), bias, weights, unseen)


Trainer = Callable[[Sequence[Feature], Sequence[Sequence[str]], Sequence[bool]], TrainedModel]

ENGINES: dict[str, Trainer] = {"naivebayes": train_naive_bayes, "sklearn": train_sklearn}
"""Engine name (the model record's `engine`) -> trainer."""
