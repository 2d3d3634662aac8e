"""Turning a record's columns into the discrete tokens the scoring engines learn from.

Every column becomes one token per record: option sets and booleans their value, numbers the bin
they fall in (bins are training-data quantiles), text and lookups whether they are filled in.
An empty value is a token of its own (""), so "no budget given" can carry signal too.
"""

from __future__ import annotations

import bisect
import decimal
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from leadsdk.entities.model import AttributeMetadata, AttributeType, EntityMetadata

__all__ = [
    "EMPTY",
    "Feature",
    "candidate_columns",
    "column_kind",
    "describe_token",
    "make_features",
    "tokenize",
]

A = AttributeType
EMPTY = ""
"""The token of an empty value."""

_NEVER = frozenset({
    "qualifyingopportunityid", "masterid", "merged", "processid", "stageid", "traversedpath", "importsequencenumber",
    "transactioncurrencyid", "actualvalue", "actualclosedate", "qualificationcomments", "msdyn_salesassignmentresult",
    "yomifirstname", "yomimiddlename", "yomilastname", "yomifullname", "yomicompanyname",
})
"""Lead columns a model never uses: those set by qualification, merge, process and import bookkeeping or only
when a record closes (they would leak the outcome into the model), the currency, and phonetic names.
Platform columns (system, computed, owner, state and status) are left out by `column_kind`, from metadata."""


def column_kind(a: AttributeMetadata) -> str | None:
    """How a column becomes a token: "category", "number", "presence", or None (not usable)."""
    if a.is_primary_id or a.is_system or a.is_computed:
        return None
    t = a.type
    if t in (A.PICKLIST, A.BOOLEAN):
        return "category"
    if t.is_numeric:
        return "number"
    if t in (A.STRING, A.MEMO, A.LOOKUP, A.CUSTOMER):
        return "presence"
    return None  # dates and times are unsupported, as in Dataverse; ids, files and images too


def usable(a: AttributeMetadata) -> bool:
    """Whether a scoring model may use the column."""
    return a.logical_name not in _NEVER and not a.logical_name.startswith("msdyn_") and column_kind(a) is not None


def candidate_columns(t: EntityMetadata) -> list[str]:
    """Every column of the table a model may use, in declaration order."""
    return [a.logical_name for a in t.attributes.values() if usable(a)]


@attrs.define
class Feature:
    """One column as the engines see it: its kind and, for numbers, the upper bin edges."""

    column: str
    kind: str
    edges: list[float] = attrs.field(factory=list)

    def token(self, value: Any) -> str:
        if value is None or value == "":
            return EMPTY
        kind = self.kind
        if kind == "category":
            if isinstance(value, bool):
                return "1" if value else "0"
            return str(int(value))
        if kind == "presence":
            return "1"
        return "b" + str(bisect.bisect_right(self.edges, float(value)))

    def to_json(self) -> dict[str, Any]:
        return {"column": self.column, "kind": self.kind, "edges": self.edges}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Feature:
        return cls(str(data["column"]), str(data["kind"]), [float(x) for x in data.get("edges", [])])


def _quantile_edges(values: list[float], bins: int = 5) -> list[float]:
    """Distinct interior quantile edges splitting `values` into about `bins` groups."""
    if not values:
        return []
    values.sort()
    n = len(values)
    edges: list[float] = []
    for i in range(1, bins):
        v = values[min(n - 1, (i * n) // bins)]
        if not edges or v > edges[-1]:
            edges.append(v)
    return edges


def make_features(t: EntityMetadata, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> list[Feature]:
    """Features for `columns`, with number bins fitted to `rows` (storage-level values)."""
    feats = [Feature(c, column_kind(t.attributes[c]) or "presence") for c in columns]
    numeric = [f for f in feats if f.kind == "number"]
    if numeric:
        samples: dict[str, list[float]] = {f.column: [] for f in numeric}
        for r in rows:
            for f in numeric:
                v = r.get(f.column)
                if v is not None:
                    samples[f.column].append(float(v))
        for f in numeric:
            f.edges = _quantile_edges(samples[f.column])
    return feats


def tokenize(features: Sequence[Feature], row: Mapping[str, Any]) -> list[str]:
    """The record's token for every feature."""
    return [f.token(row.get(f.column)) for f in features]


def _num(v: float) -> str:
    d = decimal.Decimal(repr(v)).normalize()
    return f"{d:f}" if d == d.to_integral() else str(v)


def describe_token(t: EntityMetadata, feature: Feature, token: str) -> str:
    """A person's reading of a token: an option label, "Yes"/"No", a number range, "filled in"/"empty"."""
    if token == EMPTY:
        return "(empty)"
    a = t.attributes.get(feature.column)
    if feature.kind == "category":
        if a is not None and a.option_set is not None:
            label = a.option_set.label(int(token))
            if label is not None:
                return label
        return token
    if feature.kind == "presence":
        return "filled in"
    i = int(token[1:])
    edges = feature.edges
    if not edges:
        return "any"
    if i == 0:
        return f"< {_num(edges[0])}"
    if i >= len(edges):
        return f">= {_num(edges[-1])}"
    return f"{_num(edges[i - 1])} to < {_num(edges[i])}"


def stable_fold(record_id: uuid.UUID, folds: int = 5) -> int:
    """A record's fold for the held-out split: fixed for a record, spread evenly over random ids."""
    return record_id.int % folds
