"""Model quality and column relevance: ROC AUC and (bias-corrected) mutual information."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence

__all__ = ["accuracy_band", "auc", "mutual_information"]


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Area under the ROC curve (the Mann-Whitney statistic, ties counted half); 0.5 when one class is absent."""
    pos = sum(1 for y in labels if y)
    neg = len(labels) - pos
    if pos == 0 or neg == 0:
        return 0.5
    order = sorted(range(len(scores)), key=scores.__getitem__)
    rank_sum = 0.0
    i = 0
    n = len(order)
    while i < n:
        j = i
        s = scores[order[i]]
        while j + 1 < n and scores[order[j + 1]] == s:
            j += 1
        mid = (i + j) / 2 + 1  # average 1-based rank of the tie group
        for k in range(i, j + 1):
            if labels[order[k]]:
                rank_sum += mid
        i = j + 1
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def mutual_information(tokens: Sequence[Hashable], labels: Sequence[bool]) -> float:
    """Mutual information (bits) between a column's tokens and the outcome, minus the Miller-Madow bias
    (so a noise column with many values does not look relevant just because it has many values)."""
    n = len(tokens)
    if n == 0:
        return 0.0
    joint: Counter[tuple[Hashable, bool]] = Counter(zip(tokens, labels))
    by_token: Counter[Hashable] = Counter(tokens)
    pos = sum(1 for y in labels if y)
    by_label = {True: pos, False: n - pos}
    mi = 0.0
    for (tok, y), c in joint.items():
        mi += c / n * math.log2(c * n / (by_token[tok] * by_label[y]))
    bias = (len(by_token) - 1) / (2 * n * math.log(2))
    return mi - bias


def accuracy_band(value: float) -> int:
    """0 Ready to publish (AUC >= 0.75), 1 OK to publish (>= 0.6), 2 Not ready to publish."""
    if value >= 0.75:
        return 0
    if value >= 0.6:
        return 1
    return 2
