"""EntityCollection -> pandas DataFrame / Arrow table (optional extra `leadsdk[pandas]`).

Values only (no I/O): option sets become categoricals of their labels, money Decimal or float,
lookups an id column plus a `<column>_name` column, datetimes UTC timestamps.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from leadsdk.types import EntityCollection

__all__ = ["to_arrow", "to_pandas"]


def _need(module: str) -> Any:
    try:
        return __import__(module)
    except ImportError:
        raise ImportError(
            f"This needs the optional package '{module}': pip install 'leadsdk[pandas]'"
        ) from None


def to_pandas(
    collection: EntityCollection,
    *,
    money: Literal["decimal", "float"] = "decimal",
    labels: bool = True,
    index: bool = True,
) -> Any:
    """A DataFrame with one row per entity and one column per returned column. Records are indexed by
    their id (named after the id column, which is not repeated as a column); aggregate rows, which have
    no id, get a plain 0..n-1 index."""
    pd = _need("pandas")
    from leadsdk.types import AliasedValue, EntityReference, Money, OptionSetValue

    keys: list[str] = []
    for e in collection.entities:
        for k in e.attributes:
            if k not in keys:
                keys.append(k)
    data: dict[str, Any] = {}
    for k in keys:
        raw = [e.attributes.get(k) for e in collection.entities]
        raw = [v.value if isinstance(v, AliasedValue) else v for v in raw]
        sample = next((v for v in raw if v is not None), None)
        if isinstance(sample, OptionSetValue):
            if labels:
                lab = [e.formatted_values.get(k) if e.attributes.get(k) is not None else None
                       for e in collection.entities]
                data[k] = pd.Categorical(lab)
            else:
                data[k] = pd.array([None if v is None else v.value for v in raw], dtype="Int64")
        elif isinstance(sample, (Money, Decimal)):
            vals = [None if v is None else (v.value if isinstance(v, Money) else v) for v in raw]
            if money == "float":
                data[k] = pd.array([None if v is None else float(v) for v in vals], dtype="Float64")
            else:
                data[k] = pd.Series(vals, dtype="object")
        elif isinstance(sample, EntityReference):
            data[k] = pd.Series([None if v is None else str(v.id) for v in raw], dtype="string")
            data[k + "_name"] = pd.Series(
                [None if v is None else (v.name or e.formatted_values.get(k)) for v, e in
                 zip(raw, collection.entities)], dtype="string")
        elif isinstance(sample, bool):
            data[k] = pd.array(raw, dtype="boolean")
        elif isinstance(sample, int):
            data[k] = pd.array(raw, dtype="Int64")
        elif isinstance(sample, float):
            data[k] = pd.array(raw, dtype="Float64")
        elif isinstance(sample, str):
            data[k] = pd.array(raw, dtype="string")
        elif isinstance(sample, uuid.UUID):
            data[k] = pd.array([None if v is None else str(v) for v in raw], dtype="string")
        elif sample is not None and hasattr(sample, "tzinfo") and hasattr(sample, "hour"):
            data[k] = pd.to_datetime(pd.Series(raw, dtype="object"), utc=True)
        else:
            data[k] = pd.Series(raw, dtype="object")
    ids = [None if e.id is None else str(e.id) for e in collection.entities]
    if index and any(i is not None for i in ids):
        # the id becomes the index, not a column as well
        name = next((k for k in keys if all(e.id is None or e.attributes.get(k) == e.id
                                            for e in collection.entities)), None)
        name = name or f"{collection.entity_name or 'entity'}id"
        data.pop(name, None)
        df = pd.DataFrame(data)
        df.index = pd.Index(ids, name=name)
        return df
    # aggregate rows (and records without ids) get a plain 0..n-1 index
    return pd.DataFrame(data)


def to_arrow(collection: EntityCollection, *, money: Literal["decimal", "float"] = "decimal") -> Any:
    """An Arrow table of the same columns (money as decimal128 unless money="float")."""
    pa = _need("pyarrow")
    df = to_pandas(collection, money=money, index=False)
    return pa.Table.from_pandas(df, preserve_index=False)
